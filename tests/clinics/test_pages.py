"""The clinic pages: summaries, sending, the child's button, the Overview totals, team scoping."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clinics.models import ClinicInvitation, ClinicInvitationRequest
from notifications.models import Message
from patients.models import Child, Programme
from sessions.models import SessionMembership
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, school_session
from tests.factories import SchoolFactory, VaccinationRecordFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


TODAY = datetime.date(2026, 11, 23)
CLINIC_DAY = datetime.date(2026, 12, 10)


@pytest.fixture
def clinic(team):
    return clinic_session(team, [CLINIC_DAY])


@pytest.fixture
def school(team):
    return SchoolFactory(team=team, name="Oak Academy")


@pytest.fixture
def completed(team, school):
    return school_session(team, [datetime.date(2026, 10, 6)], school=school)


def pupil(team, school, completed, **kwargs):
    return make_child(team, school=school, session=completed, **kwargs)


def test_send_invitations_link_shows_on_completed_school_with_clinic_ahead(nurse_client, team, completed, clinic):
    page = nurse_client.get(reverse("sessions:session", args=[completed.pk])).content.decode()
    assert "Send clinic invitations" in page
    assert reverse("clinics:send_invitations", args=[completed.pk]) in page


def test_no_send_invitations_link_without_a_clinic_date_ahead(nurse_client, team, completed):
    clinic_session(team, [datetime.date(2026, 11, 2)])  # past only
    page = nurse_client.get(reverse("sessions:session", args=[completed.pk])).content.decode()
    assert "Send clinic invitations" not in page


def test_summary_count_equals_number_sent(nurse_client, nurse, team, school, completed, clinic):
    missed = [pupil(team, school, completed) for _ in range(3)]
    done = pupil(team, school, completed)
    for code in ("flu", "hpv"):
        VaccinationRecordFactory(child=done, programme=Programme.objects.get(code=code))
    unreachable = pupil(team, school, completed, parent={"email": "", "phone": ""})
    url = reverse("clinics:send_invitations", args=[completed.pk])

    page = nurse_client.get(url).content.decode()
    assert "3 children were not vaccinated at this school and have not already been invited to a clinic" in page
    assert "Thursday 10 December 2026" in page
    assert unreachable.full_name in page
    assert "No parent can receive email or text messages" in page

    response = nurse_client.post(url, follow=True)
    assert "Clinic invitations sent to the parents of 3 children" in response.content.decode()
    invited = set(ClinicInvitation.objects.values_list("child_id", flat=True))
    assert invited == {c.pk for c in missed}
    members = SessionMembership.objects.filter(session=clinic, source="school_session")
    assert set(members.values_list("child_id", flat=True)) == invited
    assert ClinicInvitation.objects.filter(created_by=nurse, source="school_session").count() == 3

    # Pressing it again invites nobody twice; the summary now says none are needed.
    response = nurse_client.post(url, follow=True)
    assert "No clinic invitations were sent" in response.content.decode()
    assert ClinicInvitation.objects.count() == 3
    page = nurse_client.get(url).content.decode()
    assert "No invitations needed" in page


def test_singular_summary(nurse_client, team, school, completed, clinic):
    pupil(team, school, completed)
    page = nurse_client.get(reverse("clinics:send_invitations", args=[completed.pk])).content.decode()
    assert "1 child was not vaccinated at this school and has not already been invited to a clinic" in page


def test_send_invitations_is_404_on_a_school_session_not_completed(nurse_client, team, clinic):
    upcoming = school_session(team, [CLINIC_DAY])
    assert nurse_client.get(reverse("clinics:send_invitations", args=[upcoming.pk])).status_code == 404
    assert nurse_client.get(reverse("clinics:send_invitations", args=[clinic.pk])).status_code == 404


def test_reminders_summary_and_send(nurse_client, team, clinic):
    earlier = clinic_session(team, [], year=2025)  # noqa: F841 - another year's clinic is not involved
    invited = make_child(team, session=clinic)
    never_invited = make_child(team, session=clinic)
    ClinicInvitation.objects.create(
        team=team,
        child=invited,
        session=clinic,
        clinic_date=datetime.date(2026, 11, 2),
        kind="invitation",
        programmes=["flu"],
        source="automatic",
        created_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_on=datetime.date(2026, 10, 12),
    )
    overview = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    assert "Send booking reminders" in overview
    url = reverse("clinics:send_reminders", args=[clinic.pk])
    page = nurse_client.get(url).content.decode()
    assert "This will send booking reminders to the parents of 1 child who have not yet been sent a reminder" in page
    assert "Thursday 10 December 2026" in page
    response = nurse_client.post(url, follow=True)
    assert "Booking reminders sent to the parents of 1 child" in response.content.decode()
    reminder = ClinicInvitation.objects.get(kind="booking_reminder")
    assert (reminder.child, reminder.clinic_date) == (invited, CLINIC_DAY)
    assert Message.objects.filter(kind="clinic_booking_reminder", child=invited).count() == 2
    assert not Message.objects.filter(child=never_invited).exists()
    page = nurse_client.get(url).content.decode()
    assert "You can send booking reminders again after Thursday 10 December 2026 has passed" in page


def test_clinic_overview_totals(nurse_client, team, clinic):
    make_child(team, session=clinic, parent={"email": "", "phone": ""})
    page = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    assert "Clinic invitations" in page
    assert "Cannot be contacted" in page


def test_invite_child_from_the_record_asks_to_confirm_first(nurse_client, nurse, team, school, clinic):
    child = make_child(team, school=school)
    record = reverse("patients:child", args=[child.pk])
    invite = reverse("clinics:invite_child", args=[child.pk])
    # The button on the record is a link to the confirmation page, which comes back to the record.
    assert f'href="{invite}?next=%2Fchildren%2F{child.pk}' in nurse_client.get(record).content.decode()
    text = visible_text(nurse_client.get(invite, {"next": record}).content.decode())
    assert f"Invite {child.full_name} to a community clinic?" in text
    assert f"{child.full_name} will be added to the community clinic straight away." in text
    assert (
        f"An invitation will be sent on Tuesday 24 November 2026 to their parents, unless {child.given_name} "
        "is vaccinated or consent is refused before then." in text
    )
    assert "Yes, invite to community clinic" in text and "No, go back" in text
    assert not SessionMembership.objects.filter(session=clinic, child=child).exists()  # nothing done on GET
    response = nurse_client.post(invite, {"next": record}, follow=True)
    assert response.redirect_chain[-1][0] == record
    text = visible_text(response.content.decode())
    assert "Added to the community clinic. An invitation will be sent on Tuesday 24 November 2026" in text
    assert SessionMembership.objects.filter(session=clinic, child=child, source="child_record").exists()
    request = ClinicInvitationRequest.objects.get(child=child)
    assert (request.scheduled_for, request.requested_by) == (datetime.date(2026, 11, 24), nurse)
    assert not ClinicInvitation.objects.exists()  # not before the next day
    # Once asked for, the page says so instead of offering it again.
    text = visible_text(nurse_client.get(invite).content.decode())
    assert "An invitation will be sent on Tuesday 24 November 2026." in text
    assert "Yes, invite to community clinic" not in text


def test_invite_child_sends_back_only_to_this_site(nurse_client, team, school, clinic):
    child = make_child(team, school=school)
    invite = reverse("clinics:invite_child", args=[child.pk])
    page = nurse_client.get(invite, {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in page
    response = nurse_client.post(invite, {"next": "//evil.example/"})
    assert response["Location"] == reverse("patients:child", args=[child.pk])
    hostile = ["https:/evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "///evil.example"]
    hostile += ["http://testserver@evil.example/", " //evil.example", "/%2F%2Fevil.example"]
    for target in hostile:
        page = nurse_client.get(invite, {"next": target}).content.decode()
        assert "evil.example" not in page.replace("%2F%2Fevil.example", "") and "javascript:" not in page, target
        cancel = nurse_client.post(reverse("clinics:cancel_invitation", args=[child.pk]), {"next": target})
        location = cancel["Location"]
        assert location in (reverse("patients:child", args=[child.pk]), "/%2F%2Fevil.example"), target


def test_the_confirmation_lists_the_clinic_dates_not_as_a_range(nurse_client, team, school):
    clinic_session(team, [datetime.date(2027, 1, 5), datetime.date(2027, 2, 2)])
    child = make_child(team, school=school)
    text = visible_text(nurse_client.get(reverse("clinics:invite_child", args=[child.pk])).content.decode())
    assert "Dates 5 January 2027 and 2 February 2027" in text
    assert " to 2 February" not in text


def test_invite_child_when_the_clinic_is_today_puts_them_on_todays_list(nurse_client, team, school):
    clinic = clinic_session(team, [TODAY])
    child = make_child(team, school=school)
    nurse_client.post(reverse("clinics:invite_child", args=[child.pk]))
    children = nurse_client.get(reverse("sessions:children", args=[clinic.pk])).content.decode()
    assert f"{child.family_name.upper()}, {child.given_name}" in children


def test_a_pending_invitation_can_be_cancelled(nurse_client, team, school, clinic):
    child = make_child(team, school=school)
    record_url = reverse("patients:child", args=[child.pk])
    nurse_client.post(reverse("clinics:invite_child", args=[child.pk]), {"next": record_url})
    assert "Cancel invitation" in nurse_client.get(record_url).content.decode()
    response = nurse_client.post(
        reverse("clinics:cancel_invitation", args=[child.pk]), {"next": record_url}, follow=True
    )
    text = visible_text(response.content.decode())
    assert f"Invitation cancelled for {child.full_name}" in text
    assert "Cancel invitation" not in text and "Invite to community clinic" in text
    assert not ClinicInvitationRequest.objects.exists()


def test_a_walk_in_on_a_clinic_day_is_told_they_are_on_todays_list(nurse_client, team, school):
    clinic_session(team, [TODAY, CLINIC_DAY])
    child = make_child(team, school=school)
    invite = reverse("clinics:invite_child", args=[child.pk])
    text = visible_text(nurse_client.get(invite).content.decode())
    assert f"{child.full_name} will be added to today’s list for the community clinic straight away." in text
    response = nurse_client.post(invite, follow=True)
    text = visible_text(response.content.decode())
    assert (
        f"{child.full_name} is now on today’s list for the community clinic. "
        "An invitation for later clinic dates will be sent on Tuesday 24 November 2026" in text
    )


def test_a_walk_in_on_the_last_clinic_day_is_promised_no_invitation(nurse_client, team, school):
    clinic_session(team, [TODAY])
    child = make_child(team, school=school)
    invite = reverse("clinics:invite_child", args=[child.pk])
    text = visible_text(nurse_client.get(invite).content.decode())
    assert "No invitation is needed: there are no later clinic dates." in text
    text = visible_text(nurse_client.post(invite, follow=True).content.decode())
    assert (
        f"{child.full_name} is now on today’s list for the community clinic. "
        "No invitation is needed: there are no later clinic dates" in text
    )
    assert not ClinicInvitationRequest.objects.exists()


def test_invite_child_without_clinic_or_contact(nurse_client, team, school):
    child = make_child(team, school=school, parent={"email": "", "phone": ""})
    text = visible_text(nurse_client.get(reverse("clinics:invite_child", args=[child.pk])).content.decode())
    assert "There is no community clinic with a date today or later" in text
    assert "Yes, invite to community clinic" not in text
    response = nurse_client.post(reverse("clinics:invite_child", args=[child.pk]), follow=True)
    assert "There is no community clinic with a date today or later" in response.content.decode()
    clinic_session(team, [CLINIC_DAY])
    response = nurse_client.post(reverse("clinics:invite_child", args=[child.pk]), follow=True)
    assert (
        "Added to the community clinic. No invitation can be sent: no parent can receive email or text messages"
        in response.content.decode()
    )
    assert not ClinicInvitationRequest.objects.exists()


def test_invited_child_shows_state_instead_of_button(nurse_client, team, clinic):
    child = make_child(team, session=clinic)
    from clinics.services import team_sweep

    team_sweep(team=team, today=TODAY, claim=False)
    page = nurse_client.get(reverse("patients:child", args=[child.pk])).content.decode()
    assert "Invited to the clinic on Monday 23 November 2026" in page
    assert "Invite to community clinic" not in page
    in_session = nurse_client.get(reverse("sessions:child", args=[clinic.pk, child.pk])).content.decode()
    assert "Invited to the clinic on Monday 23 November 2026" in in_session


def test_every_clinics_url_is_404_for_another_team(client, nurse, other_nurse, team, school, completed, clinic):
    child = pupil(team, school, completed)
    gets = [
        reverse("clinics:send_invitations", args=[completed.pk]),
        reverse("clinics:send_reminders", args=[clinic.pk]),
    ]
    client.force_login(nurse)
    for url in gets:
        assert client.get(url).status_code == 200, url
    client.force_login(other_nurse)
    for url in gets:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert client.get(reverse("clinics:invite_child", args=[child.pk])).status_code == 404
    assert client.post(reverse("clinics:invite_child", args=[child.pk])).status_code == 404
    assert not ClinicInvitation.objects.exists()
    assert not ClinicInvitationRequest.objects.exists()
    assert not SessionMembership.objects.filter(session=clinic).exists()


def test_overview_totals_count_children_and_link_to_exactly_them(nurse_client, team, clinic):
    # One unit, children (it used to count messages for Delivered and Failed: 2 children, 4 messages).
    from clinics import selectors
    from clinics.services import team_sweep

    delivered = make_child(team, session=clinic)
    failed = make_child(team, session=clinic)
    unreachable = make_child(team, session=clinic, parent={"email": "", "phone": ""})
    team_sweep(team=team, today=TODAY, claim=False)
    Message.objects.filter(child=delivered).update(status=Message.Status.DELIVERED)
    Message.objects.filter(child=failed, channel="email").update(status=Message.Status.DELIVERED)
    Message.objects.filter(child=failed, channel="sms").update(status=Message.Status.PERMANENT_FAILURE)
    totals = selectors.clinic_totals(clinic)
    assert totals == {"invited": 2, "delivered": 1, "failed": 1, "cannot_be_contacted": 1}
    expected = {"invited": {delivered, failed}, "delivered": {delivered}, "failed": {failed}}
    expected["cannot_be_contacted"] = {unreachable}
    overview = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    for key, children in expected.items():
        url = reverse("clinics:invitation_children", args=[clinic.pk, key])
        assert f'href="{url}"' in overview
        page = nurse_client.get(url).content.decode()
        listed = {c for c in Child.objects.filter(team=team) if f">{c.family_name.upper()}, {c.given_name}<" in page}
        assert listed == children and len(children) == totals[key]


def test_a_sent_invitation_freezes_the_clinics_invitation_date(team, clinic):
    from clinics.services import team_sweep
    from sessions import selectors as session_selectors
    from sessions.services import message_date_error

    make_child(team, session=clinic)
    assert not session_selectors.invitation_sent(clinic)
    team_sweep(team=team, today=TODAY, claim=False)
    assert session_selectors.invitation_sent(clinic)
    error = message_date_error(session=clinic, value=datetime.date(2026, 11, 30), field="invitation_date")
    assert error == "Invitations have already been sent for this session, so the date cannot be changed"


def test_summary_pages_run_a_fixed_number_of_queries(nurse_client, team, school, completed, clinic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            nurse_client.get(reverse("clinics:send_invitations", args=[completed.pk]))
            nurse_client.get(reverse("clinics:send_reminders", args=[clinic.pk]))
            nurse_client.get(reverse("sessions:session", args=[clinic.pk]))
        return len(captured)

    pupil(team, school, completed)
    pupil(team, school, completed, parent={"email": "", "phone": ""})
    nurse_client.get(reverse("sessions:list"))  # saves the session's activity (once a minute): not in the count
    few = queries()
    for _ in range(6):
        pupil(team, school, completed)
        pupil(team, school, completed, parent={"email": "", "phone": ""})
    assert queries() == few


def test_reminder_summaries_name_the_children_and_explain_when_there_are_none(nurse_client, team, clinic):
    url = reverse("clinics:send_reminders", args=[clinic.pk])
    make_child(team, session=clinic, given_name="Never", family_name="Invited")
    text = visible_text(nurse_client.get(url).content.decode())
    assert "No child has been invited to this clinic yet" in text
    assert "Every child invited to this clinic has been vaccinated" not in text

    invited = make_child(team, session=clinic, given_name="Ada", family_name="Reminded")
    ClinicInvitation.objects.create(
        team=team,
        child=invited,
        session=clinic,
        clinic_date=datetime.date(2026, 11, 2),
        kind="invitation",
        programmes=["flu"],
        source="automatic",
        created_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_on=datetime.date(2026, 10, 12),
    )
    text = visible_text(nurse_client.get(url).content.decode())
    assert "Children whose parents will be sent a reminder" in text and "Ada Reminded" in text
    assert "Never Invited" not in text


def test_no_booking_reminders_for_a_clinic_taking_place_today(nurse_client, team):
    today_only = clinic_session(team, [TODAY])
    invited = make_child(team, session=today_only)
    ClinicInvitation.objects.create(
        team=team,
        child=invited,
        session=today_only,
        clinic_date=TODAY,
        kind="invitation",
        programmes=["flu"],
        source="automatic",
        created_at=datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC),
        sent_at=datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC),
        sent_on=datetime.date(2026, 11, 2),
    )
    url = reverse("clinics:send_reminders", args=[today_only.pk])
    text = visible_text(nurse_client.get(url).content.decode())
    assert "Booking reminders are for a clinic date after today" in text
    nurse_client.post(url)
    assert not ClinicInvitation.objects.filter(kind="booking_reminder").exists()


def test_invitation_summary_names_the_children(nurse_client, team, school, completed, clinic):
    child = pupil(team, school, completed)
    text = visible_text(nurse_client.get(reverse("clinics:send_invitations", args=[completed.pk])).content.decode())
    assert "Children whose parents will be invited" in text and child.full_name in text


def test_a_walk_in_vaccinated_through_record_vaccinations_gets_no_invitation_the_next_day(nurse_client, team, school):
    """ "If you vaccinate the child, no invitation will be sent": the same rule as
    tests/clinics/test_rules.py, through the clinic day's pages (issue 12)."""
    from clinics import services
    from patients.models import Batch, Vaccine
    from sessions.models import Attendance, Venue
    from tests.sessions.test_record_flow import consent

    clinic = clinic_session(team, [TODAY, CLINIC_DAY])
    child = make_child(team, school=school, gender="female")  # HPV asks about pregnancy
    nurse_client.post(reverse("clinics:invite_child", args=[child.pk]))
    request = ClinicInvitationRequest.objects.get(child=child)
    venue = Venue.objects.create(team=team, name="Riverside Health Centre")
    nurse_client.post(reverse("sessions:register", args=[clinic.pk]), {"child_id": child.pk, "status": "attending"})
    assert Attendance.objects.filter(child=child, status="attending").exists()
    checks = ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction"]
    for code, method, brand, site in [
        ("flu", "nasal", "Fluenz", {}),
        ("hpv", "injection", "Gardasil 9", {"method": "intramuscular", "site": "left_arm_upper"}),
    ]:
        consent(clinic, child, code, "nasal" if code == "flu" else "")
        vaccine = Vaccine.objects.create(
            team=team, programme=Programme.objects.get(code=code), brand=brand, method=method
        )
        batch = Batch.objects.create(team=team, vaccine=vaccine, number=f"{code}1", expiry=CLINIC_DAY)
        nurse_client.get(reverse("sessions:vaccinate", args=[clinic.pk, child.pk, code]))
        asked = checks if code == "flu" else [*checks, "not_pregnant"]
        answers = [("identity", {"confirmed": "yes"}), ("pre-screening", {"checks": asked})]
        answers += [("outcome", {"outcome": "yes"})]
        answers += [("batch", {"batch": batch.pk})] + ([("site", site)] if site else [])
        answers += [("venue", {"venue": venue.pk}), ("check", {})]
        for step, data in answers:
            url = reverse("sessions:vaccinate_step", args=[clinic.pk, child.pk, code, step])
            assert nurse_client.post(url, data).status_code == 302, step
    assert child.vaccination_records.filter(outcome="vaccinated").count() == 2

    [result] = services.team_sweep(team=team, today=TODAY + datetime.timedelta(days=1), claim=False)
    assert result.requested == 0
    assert not ClinicInvitation.objects.exists()
    # The parents hear only that the child was vaccinated: no clinic invitation.
    assert set(Message.objects.filter(child=child).values_list("kind", flat=True)) == {
        Message.Kind.VACCINATION_CONFIRMATION
    }
    request.refresh_from_db()
    assert request.outcome == ClinicInvitationRequest.Outcome.NOT_NEEDED
