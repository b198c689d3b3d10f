import datetime

import pytest
from playwright.sync_api import expect

from patients.models import Child
from tests.browser_helpers import assert_accessible, sign_in
from tests.factories import ChildFactory, ParentRelationshipFactory, SchoolFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows(page):
    return page.locator("table.nhsuk-table tbody tr")


def test_children_search_filters_pagination_and_child_record(page, live_server, nurse, team):
    school = SchoolFactory(team=team, name="Whitley Abbey Primary School")
    ava = ChildFactory(
        team=team,
        given_name="Ava",
        family_name="Okafor",
        nhs_number="9434765919",
        date_of_birth=datetime.date(2015, 3, 15),
        school=school,
    )
    ParentRelationshipFactory(child=ava, parent__full_name="Grace Okafor", parent__email="grace@example.com")
    ChildFactory(team=team, given_name="Leo", family_name="Okafor", school_status=Child.SchoolStatus.HOME_SCHOOLED)
    ChildFactory.create_batch(55, team=team, school_status=Child.SchoolStatus.UNKNOWN)

    sign_in(page, live_server, nurse)
    expect(page.get_by_role("heading", name="Children", exact=True)).to_be_visible()
    expect(page.locator("#results-count")).to_have_text("57 children")
    expect(rows(page)).to_have_count(50)
    assert_accessible(page)

    # Pagination.
    page.get_by_role("link", name="Next").click()
    expect(rows(page)).to_have_count(7)
    assert_accessible(page)

    # By name.
    page.get_by_label("Search").fill("okafor")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(2)
    assert_accessible(page)

    # With a filter.
    page.get_by_label("School status").select_option(label="Home-schooled")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("OKAFOR, Leo")

    # By NHS number, then by date of birth.
    page.get_by_label("School status").select_option(label="Any")
    page.get_by_label("Search").fill("943 476 5919")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("OKAFOR, Ava")
    page.get_by_label("Search").fill("15/03/2015")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    assert_accessible(page)

    # The child record.
    page.get_by_role("link", name="OKAFOR, Ava").click()
    expect(page).to_have_title("Ava Okafor – Manage vaccinations in schools")
    expect(page.get_by_text("943 476 5919")).to_be_visible()
    expect(page.get_by_text("Grace Okafor (Mum)")).to_be_visible()
    expect(page.locator("#programmes")).to_contain_text("Flu")
    assert_accessible(page)
