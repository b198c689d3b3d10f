"""The guide, word for word: scheduling and then amending the Community clinic's dates."""

import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from sessions import services
from tests.browser_helpers import assert_accessible, sign_in
from tests.factories import SchoolFactory
from tests.sessions.factories import ensure_programmes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _programmes(db):
    ensure_programmes()


# A fixed day (the clock keeps ticking from there) so the dates typed are in this academic year.
START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def fill_date(page, label, value: datetime.date):
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


@time_machine.travel(START, tick=True)
def test_schedule_then_amend_community_clinic_dates(page, live_server, nurse, team):
    SchoolFactory(team=team, name="Oakfield Primary School")
    services.sessions_create_for_year(team=team, academic_year=2026)
    first, second = datetime.date(2027, 1, 20), datetime.date(2027, 2, 17)

    sign_in(page, live_server, nurse)
    # To create dates for community clinics: 1. Go to Sessions.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    assert_accessible(page)
    # 2. Filter for Unscheduled sessions.
    page.get_by_role("link", name="Unscheduled", exact=True).click()
    expect(page.get_by_role("link", name="Community clinic", exact=True)).to_be_visible()
    assert_accessible(page)
    # 3. Go to the Community clinic link.
    page.get_by_role("link", name="Community clinic", exact=True).click()
    expect(page.get_by_role("heading", name="Community clinic", level=1)).to_be_visible()
    assert_accessible(page)
    # 4. Click on Schedule sessions.
    page.get_by_role("button", name="Schedule sessions").click()
    expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
    assert_accessible(page)
    # 5. Follow the process as you would for school sessions.
    page.get_by_role("link", name="Add session dates").click()
    expect(page.get_by_role("heading", name="When will sessions be held?")).to_be_visible()
    assert_accessible(page)
    fill_date(page, "Session date 1", first)
    page.get_by_role("button", name="Add another date").click()
    fill_date(page, "Session date 2", second)
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Session dates saved")).to_be_visible()
    # The invitation goes 3 weeks before the first clinic.
    expect(page.get_by_text("Send on Wednesday 30 December 2026")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Send on Wednesday 30 December 2026")).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    assert_accessible(page)

    # The clinic now shows under Scheduled.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Scheduled", exact=True).click()
    expect(page.get_by_role("link", name="Community clinic", exact=True)).to_be_visible()
    expect(page.get_by_text("20 January 2027")).to_be_visible()
    assert_accessible(page)

    # To add or amend dates: Scheduled -> Community clinic -> Edit session.
    page.get_by_role("link", name="Community clinic", exact=True).click()
    page.get_by_role("button", name="Edit session").click()
    expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change session dates").click()
    fill_date(page, "Session date 1", datetime.date(2027, 1, 13))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Send on Wednesday 23 December 2026")).to_be_visible()
    expect(page.get_by_text("Wednesday 13 January 2027")).to_be_visible()
    assert_accessible(page)

    # A bad date is refused with an error summary.
    page.get_by_role("link", name="Change session dates").click()
    fill_date(page, "Session date 2", datetime.date(2027, 9, 1))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Enter a date in the 2026/27 academic year", exact=False)).to_be_visible()
    assert_accessible(page)
