"""Security headers on every kind of page: CSP with nonces, HSTS, no framing."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "signed_in"), [("mavis:sign_in", False), ("patients:children", True), ("sessions:list", True)]
)
def test_csp_uses_nonces_never_unsafe_inline(client, nurse, url_name, signed_in):
    if signed_in:
        client.force_login(nurse)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    # Every inline script on the page carries this response's nonce.
    scripts = re.findall(rb"<script([^>]*)>", response.content)
    assert scripts
    for attributes in scripts:
        assert f'nonce="{nonce}"'.encode() in attributes


def test_nonce_changes_per_response(nurse_client):
    first = nurse_client.get(reverse("patients:children"))["Content-Security-Policy"]
    second = nurse_client.get(reverse("patients:children"))["Content-Security-Policy"]
    assert first != second


def test_hsts_on_https(nurse_client):
    response = nurse_client.get(reverse("patients:children"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_frames_denied_and_sniffing_off(client):
    response = client.get(reverse("mavis:sign_in"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_http_only_session(nurse_client):
    response = nurse_client.get(reverse("patients:children"))
    cookie = response.cookies.get("sessionid")
    assert cookie is not None
    assert cookie["httponly"]
    assert cookie["max-age"] == "" or int(cookie["max-age"]) <= 30 * 60


def test_sign_in_rejects_missing_csrf_token(nurse):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert b"Your form could not be sent" in response.content


def test_every_page_with_personal_data_says_no_store(client, nurse):
    from consent import tokens
    from tests.consent.factories import add_child, make_session
    from tests.factories import TeamFactory, UserFactory
    from tests.scoping_registry import OBJECT_URLS
    from tests.test_team_scoping import WITH_PARAMS, WITHOUT_PARAMS

    session = make_session(nurse.teams.get())
    child = add_child(session)
    token = tokens.make_token(
        child=child, session=session, programmes=session.programmes.all(), parent=child.relationships.get().parent
    )
    assert "no-store" in client.get(reverse("consent:parent_form", args=[token]))["Cache-Control"]

    opened = 0
    for name in WITHOUT_PARAMS + WITH_PARAMS:
        # A nurse of a team of their own per page: the registry's builders make one clinic per team.
        user = UserFactory(team=TeamFactory())
        build = OBJECT_URLS.get(name)
        url = reverse(name, kwargs=build(user.teams.get())) if build else reverse(name)
        client.force_login(user)
        response = client.get(url)
        if response.status_code == 200:
            opened += 1
            assert "no-store" in response.get("Cache-Control", ""), url
    assert opened > 15  # the walk really opened the pages
