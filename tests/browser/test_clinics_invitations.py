"""The guide's "Inviting parents to book slots", word for word, and checking what was sent."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from clinics.models import ClinicInvitation
from patients.models import Child
from tests.browser_helpers import assert_accessible, sign_in
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, school_session
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Messages trigger the dispatcher after commit (notifications.tasks): these journeys run once the
# notifications app has landed it.
pytest.importorskip("notifications.tasks")

START = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
CLINIC_DAY = datetime.date(2026, 12, 10)


def list_name(child) -> str:
    return f"{child.family_name.upper()}, {child.given_name}"


def go_to_sessions(page, status):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    page.get_by_role("link", name=status, exact=True).click()
    page.wait_for_url(f"**status={status.lower()}**")


def check_activity(page, clinic_link_name, child, what, live_server, clinic):
    """The guide's check: the session's Consent tab -> No response -> the child -> Session activity and notes."""
    page.goto(f"{live_server.url}/sessions/{clinic.pk}")
    # 1. Go to the Consent tab for a session.
    page.get_by_role("navigation", name="Session").get_by_role("link", name="Consent", exact=True).click()
    # 2. Use the No response filter, then click on the name of a child.
    page.get_by_role("navigation", name="Consent status").get_by_role("link", name="No response").click()
    page.wait_for_url("**status=no_response**")
    page.get_by_role("link", name=list_name(child)).click()
    # 3. Click on Session activity and notes.
    page.get_by_role("link", name="Session activity and notes").click()
    expect(page.get_by_text(what).first).to_be_visible()
    expect(page.get_by_text(f"Email to {child.relationships.first().parent.email}")).to_be_visible()
    assert_accessible(page)


@time_machine.travel(START, tick=True)
def test_send_clinic_invitations_from_a_completed_school(page, live_server, nurse, team):
    school = SchoolFactory(team=team, name="Oakfield Secondary School")
    completed = school_session(team, [datetime.date(2026, 10, 6)], school=school)
    clinic = clinic_session(team, [CLINIC_DAY])
    missed = [make_child(team, school=school, session=completed) for _ in range(2)]
    unreachable = make_child(team, school=school, session=completed, parent={"email": "", "phone": ""})

    sign_in(page, live_server, nurse)
    # 1. Go to Sessions  2. Filter for Completed sessions
    go_to_sessions(page, "Completed")
    assert_accessible(page)
    # 3. Go to the relevant school session
    page.get_by_role("link", name="Oakfield Secondary School").click()
    expect(page.get_by_role("heading", name="Oakfield Secondary School", level=1)).to_be_visible()
    # 4. Go to the Send clinic invitations link: a summary of how many invitations will be sent
    page.get_by_role("link", name="Send clinic invitations").click()
    expect(page.get_by_role("heading", name="Send clinic invitations")).to_be_visible()
    expect(
        page.get_by_text("2 children were not vaccinated at this school and have not already been invited to a clinic")
    ).to_be_visible()
    expect(page.get_by_text("Thursday 10 December 2026")).to_be_visible()
    expect(page.get_by_role("link", name=unreachable.full_name)).to_be_visible()
    assert_accessible(page)
    # The count of those who cannot be sent one is a link to exactly them, read at 375 px too.
    page.get_by_role("link", name="1 child", exact=True).click()
    expect(page.get_by_role("heading", name="Clinic invitations: Cannot be contacted")).to_be_visible()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        main = page.inner_text("main")
        assert "1 child\n" in main and list_name(unreachable) in main and list_name(missed[0]) not in main
        assert "<" not in main and page.evaluate("document.documentElement.scrollWidth") <= width
        assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Send clinic invitations").click()
    # 5. Click the Send clinic invitations button
    page.get_by_role("button", name="Send clinic invitations").click()
    expect(page.get_by_text("Clinic invitations sent to the parents of 2 children")).to_be_visible()
    assert_accessible(page)
    assert set(ClinicInvitation.objects.values_list("child_id", flat=True)) == {c.pk for c in missed}

    check_activity(page, "Community clinic", missed[0], "Clinic invitation sent", live_server, clinic)


@time_machine.travel(START, tick=True)
def test_invite_one_child_from_their_record(page, live_server, nurse, team):
    school = SchoolFactory(team=team)
    clinic = clinic_session(team, [CLINIC_DAY])
    child = make_child(team, school=school)

    sign_in(page, live_server, nurse)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Children").click()
    page.get_by_role("link", name=list_name(child)).click()
    expect(page.get_by_role("heading", name=child.full_name, level=1)).to_be_visible()
    # The 'Invite to community clinic' button at the bottom of the child's record asks first.
    page.get_by_role("button", name="Invite to community clinic").click()
    expect(page.get_by_role("heading", name=f"Invite {child.full_name} to a community clinic?")).to_be_visible()
    text = page.inner_text("main")
    assert f"{child.full_name} will be added to the community clinic straight away." in text
    assert "An invitation will be sent on Tuesday 24 November 2026 to their parents" in text
    assert_accessible(page)
    page.get_by_role("button", name="Yes, invite to community clinic").click()
    expect(page.get_by_role("heading", name=child.full_name, level=1)).to_be_visible()
    expect(
        page.get_by_text("Added to the community clinic. An invitation will be sent on Tuesday 24 November 2026")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Invite to community clinic")).to_have_count(0)
    expect(page.get_by_text("An invitation will be sent on Tuesday 24 November 2026").last).to_be_visible()
    assert_accessible(page)

    # The next day, at the team's send time, the invitation goes out.
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, 5, tzinfo=datetime.UTC), tick=False):
        from clinics.tasks import invitation_sweep
        from mavis.celery import app

        # Beat's task queues one task per team due: run them inline, as a worker would.
        app.conf.task_always_eager = True
        try:
            assert invitation_sweep() == {"queued": [team.pk]}
        finally:
            app.conf.task_always_eager = False
    invitation = ClinicInvitation.objects.get(child=child)
    assert invitation.sent_on == datetime.date(2026, 11, 24)
    page.reload()
    expect(page.get_by_text("Invited to the clinic on Tuesday 24 November 2026")).to_be_visible()
    check_activity(page, "Community clinic", child, "Clinic invitation sent", live_server, clinic)


@time_machine.travel(START, tick=True)
def test_send_booking_reminders(page, live_server, nurse, team):
    clinic = clinic_session(team, [datetime.date(2026, 11, 2), CLINIC_DAY])
    invited = make_child(team, session=clinic)
    ClinicInvitation.objects.create(
        team=team,
        child=invited,
        session=clinic,
        clinic_date=datetime.date(2026, 11, 2),
        kind="invitation",
        programmes=["flu", "hpv"],
        source="automatic",
        created_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_at=datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC),
        sent_on=datetime.date(2026, 10, 12),
    )

    sign_in(page, live_server, nurse)
    # 1. Go to Sessions  2. Filter for Scheduled sessions
    go_to_sessions(page, "Scheduled")
    # 3. Go to the Community clinic link (the guide says "Community clinics"; there is one)
    page.get_by_role("link", name="Community clinic", exact=True).click()
    expect(page.get_by_role("heading", name="Community clinic", level=1)).to_be_visible()
    # 4. Go to Send booking reminders: a summary of children you can invite again
    page.get_by_role("link", name="Send booking reminders").click()
    expect(page.get_by_role("heading", name="Send booking reminders")).to_be_visible()
    expect(
        page.get_by_text(
            "This will send booking reminders to the parents of 1 child who have not yet been sent a reminder"
        )
    ).to_be_visible()
    expect(page.get_by_text("The next clinic is on Thursday 10 December 2026.")).to_be_visible()
    assert_accessible(page)
    # 5. Click the Send booking reminders button
    page.get_by_role("button", name="Send booking reminders").click()
    expect(page.get_by_text("Booking reminders sent to the parents of 1 child")).to_be_visible()
    assert_accessible(page)
    # Only one per child per clinic date: the summary now explains when reminders can go again.
    page.get_by_role("link", name="Send booking reminders").click()
    expect(
        page.get_by_text("You can send booking reminders again after Thursday 10 December 2026 has passed.")
    ).to_be_visible()

    check_activity(page, "Community clinic", invited, "Booking reminder sent", live_server, clinic)


@time_machine.travel(START, tick=True)
def test_automatic_invitations_for_home_schooled_and_unknown_school(page, live_server, nurse, team):
    clinic = clinic_session(team, [CLINIC_DAY])  # invitations go 3 weeks before: 19 November
    home = make_child(team, session=clinic)
    unknown = make_child(team, session=clinic, status=Child.SchoolStatus.UNKNOWN)

    out = io.StringIO()
    call_command("invitation_sweep", "--date", "2026-11-19", stdout=out)
    assert "2 children invited on 2026-11-19" in out.getvalue()

    sign_in(page, live_server, nurse)
    go_to_sessions(page, "Scheduled")
    page.get_by_role("link", name="Community clinic", exact=True).click()
    # The clinic's Overview totals.
    expect(page.get_by_role("heading", name="Clinic invitations")).to_be_visible()
    assert_accessible(page)
    for child in (home, unknown):
        check_activity(page, "Community clinic", child, "Clinic invitation sent", live_server, clinic)
