"""Every URL of the project, walked from the resolver: anonymous visitors and forged forms.

- anonymous: a page with an object answers a redirect to sign-in (or 404), never data;
- a POST without a CSRF token, or with a wrong one, is refused with 403 (the public Notify
  callback is the one exception: it is authenticated by its bearer token instead).
The cross-team 404s are in tests/test_team_scoping.py, on the same registry.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.scoping_registry import OBJECT_URLS, PUBLIC_URLS
from tests.test_team_scoping import ALL_URLS, WITH_PARAMS, WITHOUT_PARAMS

pytestmark = pytest.mark.django_db

# Authenticated by something other than a session cookie, so CSRF does not apply.
CSRF_EXEMPT = {"notifications:callback"}


def url_for(name, team):
    build = OBJECT_URLS.get(name)
    return reverse(name, kwargs=build(team)) if build else reverse(name)


@pytest.mark.parametrize("name", WITH_PARAMS)
def test_anonymous_visitors_see_no_object(name, client, team):
    url = url_for(name, team)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 404), f"{method.upper()} {url} answered {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("mavis:sign_in")), response["Location"]


@pytest.mark.parametrize("name", sorted((set(WITH_PARAMS) | set(WITHOUT_PARAMS)) - CSRF_EXEMPT))
def test_posts_without_a_valid_csrf_token_are_refused(name, nurse, team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse)
    client.cookies["csrftoken"] = "a" * 32  # a cookie the forged token does not match
    url = url_for(name, team)
    for data in ({}, {"csrfmiddlewaretoken": "forged-token-0123456789abcdef0123456789abcdef"}):
        response = client.post(url, data)
        assert response.status_code in (403, 405), f"POST {url} with {data} answered {response.status_code}"


def test_public_urls_are_few_and_known():
    public = {name for name, _, _ in ALL_URLS if name in PUBLIC_URLS}
    assert public <= PUBLIC_URLS
    assert "patients:children" not in PUBLIC_URLS
    assert "sessions:list" not in PUBLIC_URLS
