"""Every URL in the project is team-scoped (domain.md: another team's object is a 404).

The test walks the URL resolver, so a new URL is covered (or fails) without anyone
remembering to add it: see tests/scoping_registry.py.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.scoping_registry import IGNORED_NAMESPACES, OBJECT_URLS, PUBLIC_URLS


def _walk(patterns, namespace="", params=frozenset(), route=""):
    for entry in patterns:
        level = frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            if entry.namespace in IGNORED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, inner, params | level, route + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = ":".join(n for n in (namespace, entry.name) if n) if entry.name else None
            yield name, route + str(entry.pattern), params | level


ALL_URLS = list(_walk(get_resolver().url_patterns))
WITH_PARAMS = sorted(name for name, _, params in ALL_URLS if params and name and name not in PUBLIC_URLS)
WITHOUT_PARAMS = sorted(name for name, _, params in ALL_URLS if not params and name and name not in PUBLIC_URLS)


def test_the_walk_finds_the_register():
    names = {name for name, _, _ in ALL_URLS}
    assert {"patients:children", "patients:child", "mavis:sign_in"} <= names
    assert not any(name and name.startswith("admin:") for name in names)


def test_every_url_is_named_and_every_url_with_parameters_is_registered():
    unnamed = [route for name, route, _ in ALL_URLS if name is None]
    assert not unnamed, f"URL patterns without a name: {unnamed}"
    missing = [name for name in WITH_PARAMS if name not in OBJECT_URLS]
    assert not missing, (
        f"URLs with parameters and no entry in tests/scoping_registry.py: {missing}. "
        "Add an @object_url builder (or list a public URL in PUBLIC_URLS)."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", WITH_PARAMS)
def test_another_teams_object_is_404(name, client, nurse, other_team):
    build = OBJECT_URLS.get(name)
    if build is None:
        pytest.fail(f"{name} has no entry in tests/scoping_registry.py")
    theirs = reverse(name, kwargs=build(other_team))
    mine = reverse(name, kwargs=build(nurse.teams.get()))
    client.force_login(nurse)
    assert client.get(mine).status_code != 404, f"the builder for {name} made no object of the team"
    for method in ("get", "post"):
        response = getattr(client, method)(theirs)
        if response.status_code == 405:
            # Refused for the method alone: the same request for our own object says the same.
            assert getattr(client, method)(mine).status_code == 405, f"{method.upper()} {theirs}"
            continue
        assert response.status_code == 404, f"{method.upper()} {theirs} answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", WITHOUT_PARAMS)
def test_pages_need_sign_in(name, client):
    url = reverse(name)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, f"{method.upper()} {url} answered {response.status_code}"
        assert response["Location"].startswith(reverse("mavis:sign_in")), response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC_URLS - {n for n, _, p in ALL_URLS if p}))
def test_public_pages_open_without_sign_in(name, client):
    assert client.get(reverse(name)).status_code == 200
