"""Follow-up questions are revealed by the answer they follow (NHS radios with conditional content).

The NHS script marks a radio aria-expanded, which axe refuses on a radio; static/js/app.mjs
keeps the reveal and aria-controls without it. Checked with axe and on inner_text at both widths.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from consent import tokens
from tests.browser_helpers import assert_accessible, sign_in
from tests.consent.factories import add_child, make_session
from tests.sessions.factories import SessionFactory, ensure_programmes, member, ready_to_vaccinate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def parent_form_url(session, child):
    parent = child.relationships.first().parent
    token = tokens.make_token(child=child, session=session, programmes=session.programmes.all(), parent=parent)
    return reverse("consent:parent_form_step", args=[token, "parent"])


def no_aria_expanded(page):
    assert page.locator("input[type=radio][aria-expanded]").count() == 0
    assert page.locator("input[type=radio][aria-controls]").count() > 0


@time_machine.travel(START, tick=True)
def test_record_vaccination_reveals_who_confirmed_the_identity(page, live_server, nurse, team):
    ensure_programmes()
    session = SessionFactory(team=team, dates=[datetime.date(2026, 11, 23)])
    child = member(session, given_name="Amara", family_name="Okafor")
    ready_to_vaccinate(child)
    sign_in(page, live_server, nurse)
    page.goto(live_server.url + reverse("sessions:vaccinate_step", args=[session.pk, child.pk, "flu", "identity"]))
    expect(page.get_by_label("Who confirmed their identity?")).to_be_hidden()
    assert "Who confirmed their identity?" not in page.inner_text("main")
    no_aria_expanded(page)
    assert_accessible(page)

    page.get_by_label("No, someone else confirmed it").check()
    expect(page.get_by_label("Who confirmed their identity?")).to_be_visible()
    page.get_by_label("Yes", exact=True).check()
    expect(page.get_by_label("Who confirmed their identity?")).to_be_hidden()
    page.get_by_label("No, someone else confirmed it").check()
    page.set_viewport_size({"width": 375, "height": 800})
    assert "Who confirmed their identity?" in page.inner_text("main")
    no_aria_expanded(page)
    assert_accessible(page)

    # An error on a revealed field comes back revealed.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Enter who confirmed their identity").first).to_be_visible()
    expect(page.get_by_label("Who confirmed their identity?")).to_be_visible()


@time_machine.travel(START, tick=True)
def test_parents_form_reveals_other_relationship_and_details(page, live_server, team):
    session = make_session(team, codes=("hpv",), dates=(14,))
    child = add_child(session)
    page.goto(live_server.url + parent_form_url(session, child))
    if "/parent" not in page.url:  # the form starts with the child's details
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    text = page.inner_text("main")
    assert "If you chose Other" not in text and "Only if you chose Other" not in text
    assert "Do they have parental responsibility?" not in text
    expect(page.get_by_role("group", name="Do you have parental responsibility?")).to_be_hidden()
    page.get_by_label("Other", exact=True).check()
    expect(page.get_by_role("group", name="Do you have parental responsibility?")).to_be_visible()
    no_aria_expanded(page)
    assert_accessible(page)

    page.get_by_label("Your full name").fill("Pat Jones")
    page.get_by_label("Relationship", exact=True).fill("Grandparent")
    page.get_by_role("group", name="Do you have parental responsibility?").get_by_label("Yes").check()
    page.get_by_label("Email address").fill("pat@example.com")
    page.get_by_role("group", name="Get updates by text message").get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("radio").first.check()  # agree to the vaccination
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Health questions")).to_be_visible()
    assert page.get_by_label("Give details").count() == 4
    for box in page.get_by_label("Give details").all():
        expect(box).to_be_hidden()
    assert "Give details" not in page.inner_text("main")
    page.locator("input[type=radio][value=yes]").first.check()
    expect(page.get_by_label("Give details").first).to_be_visible()
    assert page.inner_text("main").count("Give details") == 1
    no_aria_expanded(page)
    assert_accessible(page)
