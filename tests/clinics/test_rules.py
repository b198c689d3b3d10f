"""The one eligibility rule, through the sweep (path 1) and the next-day job (path 3)."""

import datetime

import pytest
from django.utils import timezone

from clinics import services
from clinics.eligibility import CANNOT_BE_CONTACTED_REASON, Eligibility
from clinics.models import ClinicInvitation, ClinicInvitationRequest
from notifications.models import Message
from patients.models import Child, Programme
from sessions.models import ActivityEvent
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, school_session
from tests.factories import SchoolFactory, UserFactory, VaccinationRecordFactory

TODAY = datetime.date(2026, 11, 23)
CLINIC_DAY = datetime.date(2026, 12, 10)


@pytest.fixture
def clinic(team):
    return clinic_session(team, [datetime.date(2026, 11, 2), CLINIC_DAY, datetime.date(2027, 1, 14)])


def vaccinate(child, code, when=datetime.datetime(2026, 10, 1, 10, 0, tzinfo=datetime.UTC)):
    return VaccinationRecordFactory(child=child, programme=Programme.objects.get(code=code), performed_at=when)


def sweep(team, today=TODAY):
    return services.team_sweep(team=team, today=today, claim=False)


def invited_ids(clinic):
    return set(ClinicInvitation.objects.filter(session=clinic).values_list("child_id", flat=True))


def test_sweep_invites_home_schooled_and_unknown_school_members_with_their_messages(team, clinic):
    home = make_child(team, session=clinic)
    unknown = make_child(team, session=clinic, status=Child.SchoolStatus.UNKNOWN)
    at_school = make_child(team, session=clinic, school=SchoolFactory(team=team))
    not_member = make_child(team)

    [result] = sweep(team)

    assert result.automatic == 2
    assert invited_ids(clinic) == {home.pk, unknown.pk}
    invitation = ClinicInvitation.objects.get(child=home)
    assert invitation.clinic_date == CLINIC_DAY  # the first date today or later
    assert invitation.programmes == ["flu", "hpv"]
    assert invitation.source == ClinicInvitation.Source.AUTOMATIC
    messages = Message.objects.filter(child=home, kind=Message.Kind.CLINIC_INVITATION)
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "sms"]
    personalisation = messages.first().personalisation
    assert personalisation["vaccinations"] == "Flu and HPV"
    assert personalisation["next_clinic_date"] == "Thursday 10 December 2026"
    assert personalisation["clinic_dates"] == "Thursday 10 December 2026 and Thursday 14 January 2027"
    assert personalisation["booking_link"] == team.booking_link
    assert personalisation["child_name"] == home.full_name
    events = ActivityEvent.objects.filter(child=home, session=clinic, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT)
    assert events.count() == 2
    assert set(events.values_list("actor", flat=True)) == {"automatic"}
    assert not Message.objects.filter(child__in=[at_school, not_member]).exists()


def test_sweep_twice_invites_nobody_twice(team, clinic):
    make_child(team, session=clinic)
    sweep(team)
    [again] = sweep(team)
    assert again.automatic == 0
    assert ClinicInvitation.objects.count() == 1
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "flag",
    [
        {"deceased": True},
        {"restricted": True},
        {"invalidated": True},
        {"archived_at": timezone.now(), "archive_reason": Child.ArchiveReason.MOVED_OUT_OF_AREA},
    ],
)
def test_blocked_children_are_never_invited_nor_listed(team, clinic, flag):
    blocked = make_child(team, session=clinic, **flag)
    sweep(team)
    assert not ClinicInvitation.objects.exists()
    assert not Message.objects.exists()
    cannot = Eligibility(clinic, CLINIC_DAY, children=Child.objects.all(), contactable=False)
    assert blocked.pk not in set(cannot.child_ids_queryset().values_list("pk", flat=True))


def test_vaccinated_for_every_programme_is_not_invited(team, clinic):
    done = make_child(team, session=clinic)
    vaccinate(done, "flu")
    vaccinate(done, "hpv")
    sweep(team)
    assert invited_ids(clinic) == set()


def test_message_lists_only_the_programmes_still_needed(team, clinic):
    half = make_child(team, session=clinic)
    vaccinate(half, "flu")
    sweep(team)
    invitation = ClinicInvitation.objects.get(child=half)
    assert invitation.programmes == ["hpv"]
    assert Message.objects.filter(child=half).first().personalisation["vaccinations"] == "HPV"


def test_last_years_flu_does_not_count_this_year(team, clinic):
    last_year = make_child(team, session=clinic)
    vaccinate(last_year, "flu", when=datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC))
    vaccinate(last_year, "hpv", when=datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC))
    sweep(team)
    assert ClinicInvitation.objects.get(child=last_year).programmes == ["flu"]


def test_year_group_not_eligible_for_any_programme_is_not_invited(team):
    clinic = clinic_session(team, [CLINIC_DAY], codes=("hpv",))
    year_5 = make_child(team, session=clinic, date_of_birth=datetime.date(2017, 1, 1))
    sweep(team)
    assert year_5.pk not in invited_ids(clinic)


def test_family_without_contact_is_listed_with_the_reason_not_dropped(team, clinic):
    unreachable = make_child(team, session=clinic, parent={"email": "", "phone": "0121 496 0000"})
    [preview] = services.sweep_preview(team=team, today=TODAY)
    assert preview.automatic == 0
    assert [c.pk for c in preview.cannot_contact] == [unreachable.pk]
    assert CANNOT_BE_CONTACTED_REASON == "No parent can receive email or text messages"
    sweep(team)
    assert not ClinicInvitation.objects.exists()


def test_automatic_waits_for_the_invitation_date_and_can_be_switched_off(team):
    clinic = clinic_session(team, [CLINIC_DAY])  # first date 10 Dec: invitations from 19 Nov (21 days)
    make_child(team, session=clinic)
    assert sweep(team, today=datetime.date(2026, 11, 18))[0].automatic == 0
    team.automatic_clinic_invitations = False
    team.save()
    assert sweep(team, today=datetime.date(2026, 11, 19))[0].automatic == 0
    team.automatic_clinic_invitations = True
    team.save()
    assert sweep(team, today=datetime.date(2026, 11, 19))[0].automatic == 1


def test_hand_set_invitation_date_is_honoured(team):
    clinic = clinic_session(team, [CLINIC_DAY], invitation_date=datetime.date(2026, 11, 30))
    make_child(team, session=clinic)
    assert sweep(team)[0].automatic == 0
    assert sweep(team, today=datetime.date(2026, 11, 30))[0].automatic == 1


def test_no_sweep_after_the_last_clinic_date(team):
    clinic = clinic_session(team, [datetime.date(2026, 11, 2)])
    make_child(team, session=clinic)
    assert sweep(team) == []


def test_new_members_are_picked_up_next_day_and_others_are_not_invited_again(team, clinic):
    first = make_child(team, session=clinic)
    sweep(team)
    later = make_child(team, session=clinic)
    # The next day: only the newcomer; the first child's next date is the same, and they were invited.
    [result] = sweep(team, today=TODAY + datetime.timedelta(days=1))
    assert result.automatic == 1
    assert invited_ids(clinic) == {first.pk, later.pk}
    # After 10 December the next date is 14 January: the sweep does not re-invite (that is a reminder).
    [result] = sweep(team, today=datetime.date(2026, 12, 11))
    assert result.automatic == 0


def test_school_children_are_not_swept(team, clinic):
    school = SchoolFactory(team=team)
    school_session(team, [datetime.date(2026, 10, 1)], school=school)
    make_child(team, school=school, session=clinic)
    sweep(team)
    assert not ClinicInvitation.objects.exists()


# --- The next-day job (path 3) ------------------------------------------------------------------


def request_for(child, clinic, user=None, scheduled_for=TODAY + datetime.timedelta(days=1)):
    return ClinicInvitationRequest.objects.create(
        team=child.team, child=child, session=clinic, requested_by=user, scheduled_for=scheduled_for
    )


def test_next_day_job_sends_requested_invitations_even_before_the_invitation_date(team):
    clinic = clinic_session(team, [datetime.date(2027, 3, 1)])  # invitation date far ahead
    nurse = UserFactory(team=team)
    school = SchoolFactory(team=team)
    requested = make_child(team, school=school)
    request = request_for(requested, clinic, nurse)

    assert sweep(team)[0].requested == 0  # not before its day
    [result] = sweep(team, today=TODAY + datetime.timedelta(days=1))
    assert result.requested == 1
    invitation = ClinicInvitation.objects.get(child=requested)
    assert invitation.source == ClinicInvitation.Source.CHILD_RECORD
    assert invitation.created_by == nurse
    assert invitation.sent_on == TODAY + datetime.timedelta(days=1)
    request.refresh_from_db()
    assert request.outcome == ClinicInvitationRequest.Outcome.SENT
    event = ActivityEvent.objects.filter(child=requested, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT).first()
    assert event.actor == nurse.display_name


def test_child_vaccinated_before_the_next_day_run_gets_nothing(team, clinic):
    requested = make_child(team, school=SchoolFactory(team=team))
    request = request_for(requested, clinic)
    vaccinate(requested, "flu", when=timezone.now())
    vaccinate(requested, "hpv", when=timezone.now())
    [result] = sweep(team, today=TODAY + datetime.timedelta(days=1))
    assert result.requested == 0
    assert not ClinicInvitation.objects.exists()
    assert not Message.objects.exists()
    request.refresh_from_db()
    assert request.outcome == ClinicInvitationRequest.Outcome.NOT_NEEDED


def test_waiting_requests_for_a_clinic_without_dates_left_are_closed(team):
    clinic = clinic_session(team, [TODAY])
    requested = make_child(team)
    request = request_for(requested, clinic)
    sweep(team, today=TODAY + datetime.timedelta(days=1))
    request.refresh_from_db()
    assert request.outcome == ClinicInvitationRequest.Outcome.NOT_NEEDED
    assert not ClinicInvitation.objects.exists()


def test_other_teams_children_are_never_invited(team, other_team, clinic):
    other_clinic = clinic_session(other_team, [CLINIC_DAY])
    mine = make_child(team, session=clinic)
    theirs = make_child(other_team, session=other_clinic)
    sweep(team)
    assert invited_ids(clinic) == {mine.pk}
    assert not ClinicInvitation.objects.filter(child=theirs).exists()


# --- Consent refused (consent.selectors.consent_refused) ------------------------------------------


def refuse(clinic, child, code):
    from tests.consent.factories import record

    return record(clinic, child, code, "refused")


def test_refused_for_every_programme_is_not_invited(team, clinic):
    refused = make_child(team, session=clinic)
    refuse(clinic, refused, "flu")
    refuse(clinic, refused, "hpv")
    sweep(team)
    assert invited_ids(clinic) == set()


def test_vaccinated_for_one_and_refused_for_the_other_is_not_invited(team, clinic):
    child = make_child(team, session=clinic)
    vaccinate(child, "flu")
    refuse(clinic, child, "hpv")
    sweep(team)
    assert invited_ids(clinic) == set()
    assert not Message.objects.filter(kind=Message.Kind.CLINIC_INVITATION).exists()


def test_refused_for_one_is_invited_for_the_other_only(team, clinic):
    child = make_child(team, session=clinic)
    refuse(clinic, child, "flu")
    sweep(team)
    assert ClinicInvitation.objects.get(child=child).programmes == ["hpv"]


def test_child_refused_before_the_next_day_run_gets_nothing(team, clinic):
    requested = make_child(team, school=SchoolFactory(team=team))
    request_for(requested, clinic)
    refuse(clinic, requested, "flu")
    refuse(clinic, requested, "hpv")
    [result] = sweep(team, today=TODAY + datetime.timedelta(days=1))
    assert result.requested == 0
    assert not ClinicInvitation.objects.exists()
