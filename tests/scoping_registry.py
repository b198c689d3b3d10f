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
object_url("sessions:vaccinate_step")(lambda team: _session(team, programme_code="flu", step="identity"))


# Consent --------------------------------------------------------------------------------

# The parents' online form: no sign-in, the token is the only key (tested in tests/consent).
PUBLIC_URLS |= {"consent:parent_form", "consent:parent_form_done", "consent:parent_form_step"}


def _consent(team, *, with_response=False, **extra):
    from tests.consent.factories import add_child, make_session, record

    session = make_session(team)
    child = add_child(session)
    kwargs = {"session_id": session.pk, "child_id": child.pk, **extra}
    if with_response:
        kwargs["response_id"] = record(session, child, "hpv", "given").pk
    return kwargs


object_url("consent:tab")(_session_only)
object_url("consent:request_send")(_consent)
object_url("consent:record_start")(_consent)
object_url("consent:record_step")(lambda team: _consent(team, step="agree"))
object_url("consent:withdraw")(lambda team: _consent(team, with_response=True))
object_url("consent:invalidate")(lambda team: _consent(team, with_response=True))
object_url("consent:triage")(lambda team: _consent(team, programme_code="hpv"))


@object_url("consent:details_change")
def _details_change(team):
    from consent.models import ParentDetailsChange
    from patients.models import ParentRelationship

    kwargs = _consent(team, action="accept")
    relationship = ParentRelationship.objects.filter(child_id=kwargs["child_id"]).select_related("parent").first()
    change = ParentDetailsChange.objects.create(
        team=team,
        child_id=kwargs["child_id"],
        parent=relationship.parent,
        kind="details",
        full_name="New Name",
        relationship="mum",
    )
    return {**kwargs, "change_id": change.pk}


# Clinics --------------------------------------------------------------------------------


def _completed_school_session_with_clinic_ahead(team):
    import datetime

    from django.utils import timezone

    from patients.academic import current_academic_year
    from tests.clinics.factories import clinic_session, school_session

    today = timezone.localdate()
    year = current_academic_year(today)
    clinic_session(team, [today + datetime.timedelta(days=20)], year=year)
    return {"session_id": school_session(team, [today - datetime.timedelta(days=1)], year=year).pk}


def _clinic_with_date_ahead(team):
    import datetime

    from django.utils import timezone

    from patients.academic import current_academic_year
    from tests.clinics.factories import clinic_session

    today = timezone.localdate()
    return {
        "session_id": clinic_session(team, [today + datetime.timedelta(days=20)], year=current_academic_year(today)).pk
    }


def _clinic_child(team):
    from tests.clinics.factories import child

    _clinic_with_date_ahead(team)
    return {"child_id": child(team).pk}


object_url("clinics:send_invitations")(_completed_school_session_with_clinic_ahead)
object_url("clinics:send_reminders")(_clinic_with_date_ahead)
object_url("clinics:invite_child")(_clinic_child)
object_url("clinics:cancel_invitation")(_clinic_child)
object_url("clinics:booking")(_clinic_child)
object_url("clinics:reminders_skipped")(_clinic_with_date_ahead)
object_url("clinics:import_bookings")(_clinic_with_date_ahead)

# The parents' booking pages: no sign-in, the signed token is the key (tests/clinics/test_parent_booking.py).
PUBLIC_URLS |= {
    "clinics:parent_booking",
    "clinics:parent_booking_done",
    "clinics:parent_booking_cancel",
    "clinics:parent_booking_time",
}


@object_url("sessions:edit_date_times")
def _clinic_date_times(team):
    team.books_in_service = True
    team.save(update_fields=["books_in_service"])
    session_id = _clinic_with_date_ahead(team)["session_id"]
    from sessions.models import SessionDate

    return {"session_id": session_id, "date_id": SessionDate.objects.filter(session_id=session_id).first().pk}


# Notifications ----------------------------------------------------------------------------

# The namespace holds only GOV.UK Notify's delivery-receipt endpoint: POST only, no sign-in, a
# bearer token instead (tests/notifications/test_callbacks.py checks the 401s and the 405).
IGNORED_NAMESPACES.add("notifications")


@object_url("clinics:invitation_children")
def _clinic_invitation_children(team):
    return {**_clinic_with_date_ahead(team), "key": "invited"}


@object_url("clinics:summary_children")
def _clinic_summary_children(team):
    return {**_completed_school_session_with_clinic_ahead(team), "which": "send"}


# Vaccines, batches and venues -----------------------------------------------------------------


def _vaccine(team):
    from patients.models import Programme, Vaccine

    return Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )


object_url("setup:batch_add")(lambda team: {"vaccine_id": _vaccine(team).pk})
object_url("setup:batch_archive")(
    lambda team: {"batch_id": _vaccine(team).batches.create(team=team, number="AB1", expiry="2099-01-01").pk}
)


@object_url("setup:venue_archive")
def _venue(team):
    from sessions.models import Venue

    return {"venue_id": Venue.objects.create(team=team, name="Hall").pk}
