"""A child missed at a school session for a reason a clinic can fix is offered **Invite to community
clinic** right below the outcome on the child-in-session page (clinics.eligibility.clinic_can_fix)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import ClinicInvitationRequest
from consent import services as consent_services
from mavis.models import User
from patients.academic import current_academic_year
from patients.models import Programme, VaccinationRecord
from sessions import services as session_services
from sessions.models import Attendance, Session, SessionMembership
from tests.clinics.factories import clinic_session
from tests.consent.factories import add_child, make_session, record
from tests.factories import SchoolFactory, UserFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db

Outcome = VaccinationRecord.Outcome


@pytest.fixture
def day(team):
    """Today's school session, a community clinic in three weeks, a nurse, and a child of the school
    with consent for HPV and no health answer to triage (ready to vaccinate once attending)."""
    today = timezone.localdate()
    clinic = clinic_session(team, [today + datetime.timedelta(days=21)], year=current_academic_year(today))
    school = SchoolFactory(team=team)
    session = make_session(team, kind=Session.Kind.SCHOOL, school=school, codes=("hpv",), dates=(0,))
    child = add_child(session, school_status="school", school=school)
    record(session, child, "hpv", "given")
    nurse = UserFactory(team=team)
    return session, clinic, child, nurse


def _attend(session, child, nurse, status=Attendance.Status.ATTENDING):
    session_services.attendance_record(session=session, child=child, status=status, user=nurse)


def _outcome(session, child, nurse, outcome):
    _attend(session, child, nurse)
    session_services.vaccination_record_add(
        session=session, child=child, programme=Programme.objects.get(code="hpv"), outcome=outcome, user=nurse
    )


def _triage(session, child, nurse, status):
    """The parent answers a health question yes (superseding their answer), then a nurse triages."""
    record(session, child, "hpv", "given", health_yes=True)
    consent_services.triage_record(
        team=session.team,
        child=child,
        programme=Programme.objects.get(code="hpv"),
        session=session,
        status=status,
        performed_by=nurse,
    )


def _page(client, session, child):
    response = client.get(reverse("sessions:child", args=[session.pk, child.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _offered_below_the_outcome(html, child) -> bool:
    """The invite button (a link to its confirmation page) sits between the Outcome heading and the
    Consent section, and only once."""
    action = f'href="{reverse("clinics:invite_child", args=[child.pk])}?'
    if action not in html:
        return False
    assert html.count(action) == 1
    outcome, invite = html.index(">Outcome</h2>"), html.index(action)
    return outcome < invite < html.index(">Consent</h2>")


@pytest.mark.parametrize(
    ("why", "shown"),
    [
        ("unwell", "HPV (unwell)"),
        ("absent_recorded", "HPV (absent from the session)"),
        ("absent_registered", "HPV (absent from the session)"),
        ("delayed_at_triage", "HPV (vaccination delayed at triage)"),
    ],
)
def test_a_reason_a_clinic_can_fix_offers_the_invitation_below_the_outcome(client, day, why, shown):
    session, clinic, child, nurse = day
    if why == "unwell":
        _outcome(session, child, nurse, Outcome.UNWELL)
    elif why == "absent_recorded":
        _outcome(session, child, nurse, Outcome.ABSENT)
    elif why == "absent_registered":
        _attend(session, child, nurse, Attendance.Status.ABSENT)
    else:
        _triage(session, child, nurse, "delay_vaccination")
    client.force_login(nurse)
    html = _page(client, session, child)
    assert _offered_below_the_outcome(html, child)
    assert f"Not vaccinated at this session: {shown}. A community clinic can offer another appointment." in (
        visible_text(html)
    )


@pytest.mark.parametrize("why", ["vaccinated", "refused_on_the_day", "do_not_vaccinate", "nothing_yet"])
def test_other_outcomes_keep_the_invitation_at_the_bottom_only(client, day, why):
    session, clinic, child, nurse = day
    if why == "vaccinated":
        _attend(session, child, nurse)
        session_services.vaccination_record_add(
            session=session,
            child=child,
            programme=Programme.objects.get(code="hpv"),
            outcome=Outcome.VACCINATED,
            user=nurse,
            vaccine="Gardasil 9",
            batch="GA1",
            method="intramuscular",
            site="left_arm_upper",
        )
    elif why == "refused_on_the_day":
        _outcome(session, child, nurse, Outcome.REFUSED)
    elif why == "do_not_vaccinate":
        _outcome(session, child, nurse, Outcome.ABSENT)
        _triage(session, child, nurse, "do_not_vaccinate")
    client.force_login(nurse)
    html = _page(client, session, child)
    assert not _offered_below_the_outcome(html, child)
    assert "Not vaccinated at this session" not in html
    assert html.count(">Community clinic</h2>") == 1  # the section at the bottom, as on the child's record


def test_a_community_clinic_session_does_not_offer_its_own_clinic_below_the_outcome(client, team):
    session = make_session(team, codes=("hpv",), dates=(0,))
    child = add_child(session)
    nurse = UserFactory(team=team)
    _attend(session, child, nurse, Attendance.Status.ABSENT)
    client.force_login(nurse)
    assert not _offered_below_the_outcome(_page(client, session, child), child)


def test_an_admin_invites_from_the_outcome_and_the_page_then_says_when_it_goes(client, day):
    session, clinic, child, nurse = day
    _outcome(session, child, nurse, Outcome.ABSENT)
    client.force_login(UserFactory(team=session.team, role=User.Role.ADMIN))
    page_url = reverse("sessions:child", args=[session.pk, child.pk])
    response = client.post(reverse("clinics:invite_child", args=[child.pk]), {"next": page_url})
    assert response.status_code == 302 and response["Location"] == page_url

    assert SessionMembership.objects.filter(session=clinic, child=child).exists()
    request = ClinicInvitationRequest.objects.get(session=clinic, child=child)
    text = visible_text(_page(client, session, child))
    assert (
        "Not vaccinated at this session: HPV (absent from the session). "
        "A community clinic can offer another appointment. An invitation will be sent on"
    ) in text
    assert request.scheduled_for == timezone.localdate() + datetime.timedelta(days=1)
    assert not _offered_below_the_outcome(_page(client, session, child), child)  # no second invitation
