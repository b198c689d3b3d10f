import os
import shutil

import pytest

from tests.factories import TeamFactory, UserFactory

# Playwright runs an event loop in the test thread; the ORM calls in fixtures are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Another SAIS team")


@pytest.fixture
def nurse(team):
    return UserFactory(team=team, username="nurse.one")


@pytest.fixture
def other_nurse(other_team):
    return UserFactory(team=other_team, username="nurse.other")


@pytest.fixture
def nurse_client(client, nurse):
    client.force_login(nurse)
    return client


@pytest.fixture
def other_client(client, other_nurse):
    client.force_login(other_nurse)
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and pacers live in Redis: start every test from empty."""
    from django.core.cache import cache

    cache.clear()
    yield


# Browser tests: Debian's Chromium, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]}
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        args["executable_path"] = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture(autouse=True)
def _programmes_after_flush(request):
    """Transactional tests flush every table, the programmes of the data migration too: put them back."""
    marker = request.node.get_closest_marker("django_db")
    if not ((marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from patients.models import Programme

    if Programme.objects.count() < 4:
        migration = importlib.import_module("patients.migrations.0002_programmes")
        for code, name, year_groups, seasonal in migration.PROGRAMMES:
            Programme.objects.update_or_create(
                code=code, defaults={"name": name, "year_groups": year_groups, "seasonal": seasonal}
            )
