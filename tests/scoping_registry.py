"""What the cross-team test (tests/test_team_scoping.py) needs to know about each URL.

Every named URL with parameters must have an entry in OBJECT_URLS: a function that takes a
team and returns the URL's kwargs for one of that team's objects (creating them as needed).
The test builds the URL for team B's object and asserts that team A's nurse gets a 404.
A URL with parameters and no entry fails the test, so a new URL cannot be forgotten.

URLs anyone may open without signing in are listed in PUBLIC_URLS (with parameters or not);
every other URL without parameters must send an anonymous visitor to the sign-in page.

Apps add their entries at the end of this file, e.g.:

    @object_url("sessions:session")
    def _session(team):
        return {"session_id": SessionFactory(team=team).pk}
"""

from collections.abc import Callable

OBJECT_URLS: dict[str, Callable] = {}

PUBLIC_URLS: set[str] = {"mavis:sign_in", "healthcheck", "readiness"}

# Whole namespaces outside team scoping: the Django admin has its own staff permissions.
IGNORED_NAMESPACES: set[str] = {"admin"}


def object_url(name: str):
    def decorator(build: Callable) -> Callable:
        OBJECT_URLS[name] = build
        return build

    return decorator


# The register ---------------------------------------------------------------------------


@object_url("patients:child")
def _child(team):
    from tests.factories import ChildFactory

    return {"child_id": ChildFactory(team=team).pk}


def _cohort_import(team):
    from patients.models import CohortImport

    item = CohortImport.objects.create(
        team=team, file_name="cohort.csv", content="x", status=CohortImport.Status.INVALID, total_rows=2
    )
    return {"import_id": item.pk}


object_url("patients:cohort_import")(_cohort_import)
object_url("patients:cohort_import_valid_rows")(_cohort_import)


# Sessions -------------------------------------------------------------------------------


def _session(team, **extra):
    from django.utils import timezone

    from patients.academic import current_academic_year
    from tests.sessions.factories import SessionFactory, member

    today = timezone.localdate()
    session = SessionFactory(team=team, dates=[today], academic_year=current_academic_year(today))
    child = member(session, date_of_birth=today.replace(year=today.year - 10, month=3, day=1))
    return {"session_id": session.pk, "child_id": child.pk, **extra}


def _session_only(team):
    return {"session_id": _session(team)["session_id"]}


for _name in ["session", "children", "register", "record", "edit", "edit_programmes", "edit_dates"]:
    object_url(f"sessions:{_name}")(_session_only)
object_url("sessions:edit_message_date")(lambda team: {**_session_only(team), "which": "consent-request-date"})
object_url("sessions:child")(_session)
object_url("sessions:child_activity")(_session)
object_url("sessions:vaccinate")(lambda team: _session(team, programme_code="flu"))
