import pytest
from playwright.sync_api import expect

from patients.models import Child
from tests.browser_helpers import assert_accessible, sign_in
from tests.celery_helpers import celery_worker  # noqa: F401 - fixture
from tests.factories import SchoolFactory, nhs_number_for
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cohort_upload_bad_file_then_good_file(page, live_server, nurse, team, tmp_path, celery_worker):  # noqa: F811
    SchoolFactory(team=team, urn="123456")
    bad = tmp_path / "bad.csv"
    bad.write_text(cohort_csv([child_row(1, "1234567890"), child_row(2, **{"School URN": "777777"})]))
    good = tmp_path / "good.csv"
    good.write_text(cohort_csv([child_row(1, nhs_number_for(1)), child_row(2, **{"School URN": "123456"})]))

    sign_in(page, live_server, nurse)
    page.get_by_role("link", name="Import children").click()
    expect(page.get_by_role("heading", name="Import children")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Import children").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Choose a CSV file")).to_be_visible()
    assert_accessible(page)

    page.locator("input[type=file]").set_input_files(bad)
    page.get_by_role("button", name="Import children").click()
    expect(page.get_by_text("2 rows have errors: nothing was imported")).to_be_visible(timeout=20_000)
    errors = page.locator("#errors + table tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("NHS number ‘1234567890’ is not a valid 10-digit NHS number")
    expect(errors.nth(1)).to_contain_text("School URN 777777 is not one of your team’s schools")
    assert_accessible(page)
    assert not Child.objects.exists()

    page.get_by_role("link", name="Upload a corrected file").click()
    page.locator("input[type=file]").set_input_files(good)
    page.get_by_role("button", name="Import children").click()
    expect(page.locator("#import-status")).to_have_text("Completed", timeout=20_000)
    expect(page.get_by_text("Children added")).to_be_visible()
    assert_accessible(page)
    assert Child.objects.count() == 2

    page.get_by_role("link", name="View children").click()
    expect(page.locator("#results-count")).to_have_text("2 children")
