"""Issue 12 in a browser, at 1280 px and 375 px: an admin is told why they cannot record a
vaccination, and a child registered absent at school is invited to the community clinic from
the child-in-session page, below the outcome (axe on each page)."""

import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mavis.models import User
from patients.academic import current_academic_year
from sessions import services as session_services
from sessions.models import Attendance, Session
from tests.browser_helpers import assert_accessible, sign_in
from tests.clinics.factories import clinic_session
from tests.consent.factories import add_child, make_session, record
from tests.factories import SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "roles-and-outcome"


@pytest.mark.parametrize("width", [1280, 375])
def test_admin_is_refused_clinical_work_and_invites_a_child_missed_at_school(page, live_server, team, width):
    from django.utils import timezone

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    today = timezone.localdate()
    clinic_session(team, [today + datetime.timedelta(days=21)], year=current_academic_year(today))
    school = SchoolFactory(team=team, name="Riverside Academy")
    session = make_session(team, kind=Session.Kind.SCHOOL, school=school, codes=("hpv",), dates=(0,))
    child = add_child(session, school_status="school", school=school, given_name="Amara", family_name="Okafor")
    record(session, child, "hpv", "given")
    nurse = UserFactory(team=team)
    session_services.attendance_record(session=session, child=child, status=Attendance.Status.ABSENT, user=nurse)
    admin = UserFactory(team=team, role=User.Role.ADMIN, first_name="Adam", last_name="Admin")

    sign_in(page, live_server, admin)
    page.goto(f"{live_server.url}/sessions/{session.pk}/children/{child.pk}/vaccinate/hpv")
    main = page.locator("main")
    expect(page.get_by_role("heading", name="You cannot do that")).to_be_visible()
    text = main.inner_text()
    assert "Only nurses can record vaccinations." in text
    assert "You are signed in as Adam Admin with the admin role. Ask a nurse in your team to do this." in text
    assert_accessible(page)
    page.screenshot(path=SHOTS / f"403-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/sessions/{session.pk}/children/{child.pk}")
    section = page.get_by_test_id("clinic-invitation")
    expect(section).to_have_count(1)
    assert (
        "Not vaccinated at this session: HPV (absent from the session). "
        "A community clinic can offer another appointment." in section.inner_text()
    )
    assert "Record HPV vaccination" not in main.inner_text()
    assert_accessible(page)
    page.screenshot(path=SHOTS / f"outcome-invite-{width}.png", full_page=True)

    section.get_by_role("button", name="Invite to community clinic").click()
    page.get_by_role("button", name="Yes, invite to community clinic").click()
    expect(page.get_by_text("Added to the community clinic.")).to_be_visible()
    assert page.url.endswith(f"/sessions/{session.pk}/children/{child.pk}")
    assert "An invitation will be sent on" in page.get_by_test_id("clinic-invitation").inner_text()
    expect(page.get_by_role("button", name="Invite to community clinic")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=SHOTS / f"outcome-invited-{width}.png", full_page=True)
