"""Layout a person sees at 1280 px and 375 px: button groups, tables that fit, the current section."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests.browser_helpers import assert_accessible, sign_in
from tests.consent.factories import add_child, make_session
from tests.factories import ChildFactory, SchoolFactory
from tests.sessions.factories import SessionFactory, clinic, ensure_programmes, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
WIDTHS = (1280, 375)


def apart(page, first: str, second: str):
    """Two controls side by side with a gap, or one above the other with a gap: never touching."""
    a = page.get_by_role("link", name=first).or_(page.get_by_role("button", name=first)).first.bounding_box()
    b = page.get_by_role("link", name=second).or_(page.get_by_role("button", name=second)).first.bounding_box()
    side_by_side = b["x"] >= a["x"] + a["width"] + 12
    stacked = b["y"] >= a["y"] + a["height"] + 8
    assert side_by_side or stacked, (first, a, second, b)


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    column = page.locator("main table").first.evaluate("t => t.parentElement.getBoundingClientRect().right")
    table = page.locator("main table").first.bounding_box()
    assert table["x"] + table["width"] <= column + 1, (table, column)


@time_machine.travel(START, tick=True)
def test_actions_sit_in_button_groups(page, live_server, nurse, team):
    ensure_programmes()
    community = clinic(team, dates=[datetime.date(2026, 12, 2)])
    session = make_session(team, kind="school", school=SchoolFactory(team=team), codes=("hpv",), dates=(14,))
    child = add_child(session)
    sign_in(page, live_server, nurse)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse("sessions:session", args=[community.pk]))
        assert page.locator(".nhsuk-button-group").get_by_role("link", name="Send booking reminders").count() == 1
        apart(page, "Edit session", "Send booking reminders")
        page.goto(live_server.url + reverse("sessions:child", args=[session.pk, child.pk]))
        apart(page, "Send consent request", "Record a new consent response")
    assert_accessible(page)
    page.get_by_role("button", name="Send consent request").click()
    assert "A request was sent on" in page.inner_text("main")


@time_machine.travel(START, tick=True)
def test_lists_fit_the_screen(page, live_server, nurse, team):
    ensure_programmes()
    school = SchoolFactory(team=team, name="Kenilworth Road Infant and Junior School")
    session = SessionFactory(team=team, school=school, dates=[datetime.date(2026, 12, d) for d in (1, 2, 3)])
    for _ in range(3):
        member(session)
    clinic(team)
    ChildFactory(team=team, school=school, given_name="Alexandria", family_name="Montgomery-Wetherspoon")
    sign_in(page, live_server, nurse)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse("sessions:list"))
        fits(page)
        assert "Kenilworth Road Infant and Junior School" in page.inner_text("main")
        page.goto(live_server.url + reverse("patients:children"))
        fits(page)
        school_cell = page.locator("main table tbody tr").first.locator("td").last
        box = school_cell.bounding_box()
        assert box["x"] + box["width"] <= width, box
        assert "Kenilworth Road Infant and Junior School" in school_cell.inner_text()
    assert_accessible(page)


@time_machine.travel(START, tick=True)
def test_sessions_is_the_current_section_on_clinic_pages(page, live_server, nurse, team):
    ensure_programmes()
    community = clinic(team, dates=[datetime.date(2026, 12, 2)])
    sign_in(page, live_server, nurse)
    for name in ("clinics:send_reminders", "sessions:session"):
        page.goto(live_server.url + reverse(name, args=[community.pk]))
        current = page.get_by_role("navigation", name="Menu").locator("[aria-current]")
        assert current.count() == 1 and current.inner_text().strip() == "Sessions", name
