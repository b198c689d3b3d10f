import os
import shutil
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.factories import TeamFactory, UserFactory

# Playwright runs an event loop in the test thread; the ORM calls in fixtures are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's Chromium builds: the headless shell (Chromium's old headless mode, no browser UI) where it
# is installed, as `make browser` does; it costs about a third less CPU than full Chromium run
# headless, for the same Blink rendering. Else full Chromium, else Playwright's own download.
CHROMIUMS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")

# scripts/test.sh runs the tests in three parts (docs/decisions/0005-one-command-setup.md): most
# run in parallel (pytest-xdist, a PostgreSQL and a Redis database per worker), browser and
# integration tests included; tests marked alongside run at the same time in a pytest process of
# their own; tests marked serial run one at a time after all of them. Tests that use these
# fixtures get the browser or integration marker even if their module forgets it.
BROWSER_FIXTURES = {"page", "browser", "context", "new_context"}
INTEGRATION_FIXTURES = {"live_server", "celery_worker"}


def _start_order(item) -> int:
    """0: slow browser tests, 1: the rest, 2: the other browser tests (a stable sort keeps each
    group's order). pytest-xdist's worksteal gives each worker a contiguous share and steals from
    the end of a busy worker's: the longest test starts at once on the first worker, the other
    long ones end the last worker's share, where an idle worker can take them."""
    browser = item.get_closest_marker("browser") is not None
    return 0 if browser and item.get_closest_marker("slow") else 2 if browser else 1


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("serial") and item.get_closest_marker("alongside"):
            # The parts select with -m: a test in both would run twice.
            raise pytest.UsageError(f"{item.nodeid} is marked both serial and alongside: choose one.")
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & BROWSER_FIXTURES and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
        if fixtures & INTEGRATION_FIXTURES and not item.get_closest_marker("integration"):
            item.add_marker(pytest.mark.integration)
    result = yield
    # After pytest-django's ordering (transactional tests last): see _start_order.
    # _programmes_after_flush makes every database test safe to follow a transactional one.
    items.sort(key=_start_order)
    return result


def _flush_with_delete():
    """A transactional test ends by emptying every table (Django's flush). PostgreSQL's TRUNCATE
    makes new files for each of the ~36 tables, about 1 s here; DELETE of a test's few rows takes
    10-40 ms. The same tables end up empty: Django's foreign keys are DEFERRABLE INITIALLY
    DEFERRED and flush runs in one transaction, so the order does not matter, and the only
    triggers DELETE fires add rows to mavis_team_write (mavis.memo), which only make memos stale.
    A flush that resets sequences keeps TRUNCATE ... RESTART IDENTITY."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables
        ]

    DatabaseOperations.sql_flush = sql_flush


_flush_with_delete()


def _static_files_kept_by_the_test_browser():
    """The live server serves /static/ through Django's static view, which sends no Cache-Control,
    so Chromium fetched the CSS, the JavaScript and the favicon again with every page: four more
    requests to the test server per page. Production sends them with a long max-age (WhiteNoise);
    so does the test server now, and each browser context fetches them once. A year, not an hour:
    a test that travels back in time (time_machine) dates the response days before the file's
    Last-Modified, and Chromium counts those days as the response's age."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    serve = StaticFilesHandler.serve

    def serve_kept(self, request):
        response = serve(self, request)
        response["Cache-Control"] = "max-age=31536000, immutable"
        return response

    StaticFilesHandler.serve = serve_kept


_static_files_kept_by_the_test_browser()

REDIS_URL_GIVEN = settings.REDIS_URL  # before the worker's own database is chosen (tests/test_parallel.py)


def _redis_database_per_worker():
    """Each pytest-xdist worker gets its own Redis database, as pytest-django gives it its own
    PostgreSQL database: cache.clear() empties a whole Redis database, and the Notify pause and
    pacer keys are the same for everyone. Worker gwN uses REDIS_URL's database + 1 + N."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    url = urlsplit(settings.REDIS_URL)
    base = int(url.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    if index >= 15:
        raise pytest.UsageError("Redis has 16 databases: run at most 15 pytest-xdist workers.")
    worker_url = urlunsplit(url._replace(path=f"/{(base + 1 + index) % 16}"))
    settings.REDIS_URL = settings.CELERY_BROKER_URL = os.environ["REDIS_URL"] = worker_url
    settings.CACHES["default"]["LOCATION"] = worker_url
    from mavis.celery import app

    app.conf.broker_url = worker_url


_redis_database_per_worker()


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
    # The test browser resolves only the test servers' own host: a page's request to the internet
    # (the NHS fonts at assets.nhs.uk) fails at once instead of waiting seconds for a DNS answer
    # that never comes on a machine without the internet, which slowed every page load.
    offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
    args = {
        **browser_type_launch_args,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", offline],
    }
    installed = [path for path in (*CHROMIUMS, shutil.which("chromium")) if path and os.path.exists(path)]
    if installed:
        args["executable_path"] = installed[0]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture(autouse=True)
def _programmes_after_flush(request):
    """A transactional test flushes every table at its end, the programmes of the data migration
    too: put them back for every database test (tests run in any order, see above)."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = request.fixturenames
    if (marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures or "live_server" in fixtures:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in fixtures:
        request.getfixturevalue("db")
    else:
        return
    import importlib

    from patients.models import Programme

    if Programme.objects.count() < 4:
        migration = importlib.import_module("patients.migrations.0002_programmes")
        for code, name, year_groups, seasonal in migration.PROGRAMMES:
            Programme.objects.update_or_create(
                code=code, defaults={"name": name, "year_groups": year_groups, "seasonal": seasonal}
            )
