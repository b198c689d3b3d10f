"""The idle sign-out is announced: a warning before, typing keeps the session, Sign in says why after."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_helpers import assert_accessible, sign_in
from tests.sessions.factories import SessionFactory, ensure_programmes, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


@time_machine.travel(START, tick=True)
def test_warned_before_the_idle_sign_out_and_told_after(page, live_server, nurse, team):
    ensure_programmes()
    session = SessionFactory(team=team, dates=[datetime.date(2026, 11, 23)])
    child = member(session)
    page.clock.install()
    sign_in(page, live_server, nurse)
    page.goto(live_server.url + reverse("sessions:child_activity", args=[session.pk, child.pk]))
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_hidden()

    # Typing a note tells the server the nurse is still there.
    page.clock.fast_forward("02:00")
    with page.expect_request(lambda r: r.url.endswith("/keep-alive") and r.method == "POST") as ping:
        page.get_by_label("Note", exact=True).fill("Mum will call back")
    assert ping.value.response().status == 204

    # 28 idle minutes later: the warning, which passes axe at both widths.
    page.clock.fast_forward("28:10")
    expect(dialog).to_be_visible()
    assert "we will sign you out in 2 minutes" in dialog.inner_text()
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible(page)
    # Its response, not only the request: a late one would set the session cookie again after
    # it is cleared below, and the nurse would still be signed in.
    with page.expect_response(lambda r: r.url.endswith("/keep-alive")):
        dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert page.get_by_label("Note", exact=True).input_value() == "Mum will call back"

    # Nothing more for 30 minutes: the server has let the session go; the page goes to Sign in.
    page.context.clear_cookies(name="sessionid")
    page.clock.fast_forward("30:10")
    page.wait_for_url("**/sign-in?next=**")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "You were signed out because you did nothing for 30 minutes" in page.inner_text("main")


def test_sign_in_says_nothing_about_a_timeout_to_someone_who_signed_out(client, nurse):
    from tests.browser_helpers import PASSWORD

    client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": PASSWORD})
    client.post(reverse("mavis:sign_out"))
    assert "did nothing for 30 minutes" not in client.get(reverse("mavis:sign_in")).content.decode()
    client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": PASSWORD})
    client.session.flush()  # what the idle timeout does on the server
    client.cookies.pop("sessionid", None)
    assert "did nothing for 30 minutes" in client.get(reverse("mavis:sign_in")).content.decode()
