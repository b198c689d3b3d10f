"""On a session day: Children, Register, Record vaccinations, the child's pages and notes (axe on each)."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from patients.models import Batch, Programme, Vaccine
from sessions.models import Attendance
from tests.browser_helpers import assert_accessible, sign_in
from tests.factories import ParentRelationshipFactory
from tests.sessions.factories import SessionFactory, ensure_programmes, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _programmes(db):
    ensure_programmes()


START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def give_consent(session, child, parent):
    from consent import services

    services.consent_response_record(
        team=session.team,
        child=child,
        session=session,
        answers=[services.ProgrammeAnswer(p, "given", flu_method="nasal") for p in session.programmes.all()],
        route="phone",
        parent=parent,
        send_confirmation=False,
    )


@time_machine.travel(START, tick=True)
def test_register_record_and_add_a_note(page, live_server, nurse, team):
    session = SessionFactory(team=team, dates=[datetime.date(2026, 11, 23)])
    child = member(session, given_name="Amara", family_name="Okafor")
    parent = ParentRelationshipFactory(child=child).parent
    give_consent(session, child, parent)
    fluenz = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Fluenz", method="nasal"
    )
    Batch.objects.create(team=team, vaccine=fluenz, number="AB1234", expiry=datetime.date(2027, 6, 1))

    sign_in(page, live_server, nurse)
    tabs = page.get_by_role("navigation", name="Session")
    page.goto(f"{live_server.url}/sessions/{session.pk}")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert_accessible(page)

    tabs.get_by_role("link", name="Children", exact=True).click()
    expect(page.get_by_role("link", name="OKAFOR, Amara")).to_be_visible()
    assert_accessible(page)

    tabs.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Register attendance for Monday 23 November 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Attending – Amara Okafor").click()
    expect(page.get_by_text("Amara Okafor is attending today")).to_be_visible()
    assert Attendance.objects.get(child=child).status == "attending"

    tabs.get_by_role("link", name="Record vaccinations", exact=True).click()
    expect(page.get_by_role("heading", name="Record vaccinations: Flu")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Record outcome for Amara Okafor").click()
    expect(page.get_by_role("heading", name="Has the child confirmed their identity?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    for label in ("They are feeling well", "They have no allergies", "They are not taking", "They have not had"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Yes, they got the vaccine").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Fluenz, batch AB1234").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Vaccination outcome recorded for Amara Okafor")).to_be_visible()

    page.get_by_role("link", name="OKAFOR, Amara").click()
    expect(page.get_by_role("heading", name="Amara Okafor")).to_be_visible()
    expect(page.get_by_text("Vaccinated", exact=True).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Session activity and notes").click()
    expect(page.get_by_role("heading", name="Session activity")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Note", exact=True).fill("Mum asked for a call after the vaccination")
    page.get_by_role("button", name="Add a note").click()
    expect(page.get_by_text("Mum asked for a call after the vaccination")).to_be_visible()
    expect(page.get_by_text("Monday 23 November 2026")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/children/{child.pk}")
    expect(page.get_by_role("heading", name="Activity log")).to_be_visible()
    expect(page.get_by_role("heading", name="Sessions", exact=True)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/sessions/{session.pk}/edit")
    page.get_by_role("link", name="Change programmes").click()
    expect(page.get_by_role("heading", name="Programmes")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/sessions/{session.pk}/edit")
    page.get_by_role("link", name="Change consent request date").click()
    expect(page.get_by_role("heading", name="When should consent requests be sent?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
