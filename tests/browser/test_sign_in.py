import pytest
from playwright.sync_api import expect

from tests.browser_helpers import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_then_children(page, live_server, nurse):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Username").fill(nurse.username)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    sign_in(page, live_server, nurse)
    expect(page.get_by_role("heading", name="Children")).to_be_visible()
    expect(page).to_have_title("Children – Manage vaccinations in schools")
    assert_accessible(page)
