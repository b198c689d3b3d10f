"""Reads of sessions for views. Every selector takes the team (or a session already scoped to it)
and runs a fixed number of queries whatever the number of children."""

import datetime

from django.db.models import Case, CharField, Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from mavis.memo import BUCKET, in_buckets, memoised_counts
from mavis.scoping import get_for_team
from patients.models import Child, Programme, ProgrammeStatus, VaccinationRecord
from patients.statuses import (
    programme_applies_q,
    relationships_with_channels,
    status_groups,
    status_q,
    with_statuses,
)
from sessions.models import ActivityEvent, Attendance, Booking, Session, SessionDate, SessionMembership

# Outcome per programme of a child in a session (the Children tab): the vaccination status.
VACCINATED = ProgrammeStatus.Vaccination.VACCINATED.value
COULD_NOT_VACCINATE = ProgrammeStatus.Vaccination.COULD_NOT_VACCINATE.value
NO_OUTCOME = ProgrammeStatus.Vaccination.NONE_YET.value
OUTCOME_LABELS = dict(ProgrammeStatus.Vaccination.choices)


def _session_queryset():
    return Session.objects.select_related("school", "team").prefetch_related(
        Prefetch("dates", queryset=SessionDate.objects.order_by("value")),
        Prefetch("programmes", queryset=Programme.objects.order_by("name")),
    )


def session_for_team(team, session_id) -> Session:
    """The team's session with its dates and programmes, or 404."""
    return get_for_team(_session_queryset(), team, pk=session_id)


def community_clinic_for_team(team, academic_year: int) -> Session | None:
    return _session_queryset().for_team(team).community_clinics().filter(academic_year=academic_year).first()


def next_session_date(session, today: datetime.date) -> datetime.date | None:
    from sessions.status import date_values

    return next((value for value in date_values(session) if value >= today), None)


def eligibility_q(session, prefix: str = "") -> Q:
    """Children to whom at least one of the session's programmes applies (patients.statuses)."""
    query = Q(pk__isnull=True)  # matches nobody, but still compiles to SQL (no programmes: nobody eligible)
    for programme in session.programmes.all():
        query |= programme_applies_q(programme, session.academic_year, prefix)
    return query


def session_children(session):
    """Children in the session: active members whose year group is eligible there. Not paginated."""
    return (
        Child.objects.filter(team_id=session.team_id, session_memberships__session=session)
        .active()
        .filter(eligibility_q(session))
    )


# --- Clinic bookings: the one definition of "booked" -----------------------------------------------

# A child's booking state at a Community clinic, as the Children tab's **Booked** filter offers it.
BOOKED = "booked"
NOT_BOOKED = "not_booked"
BOOKING_STATES = {
    BOOKED: "Booked",
    NOT_BOOKED: "Not booked",
    Booking.Status.CANCELLED.value: "Cancelled",
    Booking.Status.DECLINED.value: "Declined",
}


def with_booking(children, session, today: datetime.date):
    """Adds `booking_state` (a key of BOOKING_STATES), `booking_date` and `booking_time`.

    A child is **booked** when their booking at this clinic is for a date today or later; an
    appointment whose date has passed no longer counts (the child is not booked for any date to
    come, so reminders go again)."""
    booking = Booking.objects.filter(session=session, child_id=OuterRef("pk"))
    children = children.annotate(
        booking_status=Subquery(booking.values("status")[:1]),
        booking_date=Subquery(booking.values("date")[:1]),
        booking_time=Subquery(booking.values("time")[:1]),
    )
    return children.annotate(
        booking_state=Case(
            When(booked_q(session, today), then=Value(BOOKED)),  # the one rule of "booked"
            When(booking_status__in=[Booking.Status.CANCELLED, Booking.Status.DECLINED], then=F("booking_status")),
            default=Value(NOT_BOOKED),
            output_field=CharField(),
        )
    )


def bookings_ahead(session, today: datetime.date):
    """The bookings that count: booked at the clinic for a date today or later (one gone by does
    not). The one rule of "booked", for with_booking, booked_q and removing a clinic date."""
    return Booking.objects.filter(session=session, status=Booking.Status.BOOKED, date__gte=today)


def booked_q(session, today: datetime.date, prefix: str = "") -> Q:
    """Children booked at the clinic for a date today or later (the same rule as with_booking)."""
    return Q(Exists(bookings_ahead(session, today).filter(child_id=OuterRef(f"{prefix}pk"))))


def booked_counts(session, dates) -> dict[tuple, int]:
    """{(date, time): number booked} for the clinic's appointment times on `dates`."""
    rows = (
        Booking.objects.filter(session=session, status=Booking.Status.BOOKED, date__in=list(dates))
        .values("date", "time")
        .annotate(n=Count("pk"))
    )
    return {(row["date"], row["time"]): row["n"] for row in rows}


def times_ahead(day, today: datetime.date, now: datetime.time | None = None) -> list[datetime.time]:
    """The appointment times of a clinic date that have not begun: none of a past date, today's
    after `now` only, all of a later date's. A parent can book only these."""
    if day.value < today:
        return []
    return [time for time in day.slot_times() if day.value > today or now is None or time > now]


def free_appointments(session, today: datetime.date, now: datetime.time | None = None) -> list[tuple]:
    """[(session date, [(time, free places)])] for the clinic's dates from today with appointment
    times and at least one free place (today: times after `now` only). Two queries."""
    dates = [d for d in session.dates.order_by("value") if d.value >= today and d.slot_times()]
    counts = booked_counts(session, [d.value for d in dates])
    result = []
    for day in dates:
        times = [
            (time, free)
            for time in times_ahead(day, today, now)
            if (free := day.places_per_slot - counts.get((day.value, time), 0)) > 0
        ]
        if times:
            result.append((day, times))
    return result


def free_times(session, date: datetime.date, today: datetime.date, now: datetime.time | None = None) -> list[tuple]:
    """[(time, free places)] of one clinic date: its entry in free_appointments (none if full)."""
    return next((times for day, times in free_appointments(session, today, now) if day.value == date), [])


def in_day_order(children, session, today: datetime.date):
    """A clinic day's list (Register, Record vaccinations): children booked for today first, by
    appointment time (booked without a time after them), then everyone else by name."""
    by_name = ("family_name", "given_name", "pk")
    if not session.is_community_clinic:
        return children.order_by(*by_name)
    today_first = Case(When(booking_state=BOOKED, booking_date=today, then=Value(0)), default=Value(1))
    appointment = Case(When(booking_state=BOOKED, booking_date=today, then=F("booking_time")), default=None)
    children = with_booking(children, session, today).annotate(today_first=today_first, appointment=appointment)
    return children.order_by("today_first", F("appointment").asc(nulls_last=True), *by_name)


def is_in_session(session, child) -> bool:
    return session_children(session).filter(pk=child.pk).exists()


def with_outcomes(children, session, fields=("vaccination",)):
    """Adds `vaccination_<programme code>` (patients.statuses: vaccinated / could_not_vaccinate /
    none_yet, or None when the programme does not apply to the child)."""
    return with_statuses(children, list(session.programmes.all()), session.academic_year, fields=fields)


def session_children_page_queryset(
    session, *, search: str = "", programme: str = "", outcome: str = "", booked: str = "", today=None
):
    """The Children tab: filtered, searched, with outcomes (and, at a clinic, bookings), ordered by name."""
    programmes = [p for p in session.programmes.all() if not programme or p.code == programme]
    children = with_outcomes(session_children(session), session).select_related("school")
    if session.is_community_clinic:
        children = with_booking(children, session, today or timezone.localdate())
        if booked in BOOKING_STATES:
            children = children.filter(booking_state=booked)
    if search:
        children = children.search(search)
    if outcome in OUTCOME_LABELS:
        children = children.filter(status_q(programmes, session.academic_year, "vaccination", [outcome]))
    return children.order_by("family_name", "given_name", "pk")


def children_page_count(session, *, programme: str = "", outcome: str = "") -> int:
    """How many children session_children_page_queryset lists without a search or a booking
    filter: its outcome filter (any of the programmes with that vaccination status) applied to the
    session's status groups."""
    groups = session_status_groups(session)
    if outcome not in OUTCOME_LABELS:
        return sum(row["n"] for row in groups)
    codes = [p.code for p in session.programmes.all() if not programme or p.code == programme]
    return sum(row["n"] for row in groups if any(row[f"vaccination_{code}"] == outcome for code in codes))


def outcome_counts(session, groups=None) -> dict:
    """{"total": n, "programmes": {code: {outcome: count}}}: per programme, the children it
    applies to by vaccination status. `groups`: status_groups of the session's children with
    the vaccination field, if the page already has them."""
    programmes = list(session.programmes.all())
    counts = {"total": 0, "programmes": {p.code: dict.fromkeys(OUTCOME_LABELS, 0) for p in programmes}}
    if groups is None:
        groups = session_status_groups(session, fields=("vaccination",))
    for row in groups:
        counts["total"] += row["n"]
        for p in programmes:
            if row[f"vaccination_{p.code}"] is not None:
                counts["programmes"][p.code][row[f"vaccination_{p.code}"]] += row["n"]
    return counts


def session_status_groups(session, fields=("consent", "vaccination")) -> list[dict]:
    """patients.statuses.status_groups of the session's children: one pass serves every count
    of the Overview (outcomes here, consent in the consent app's panel). Kept until the team's
    data changes (mavis.memo), so a page view does not read every child again."""
    programmes = list(session.programmes.all())
    # Year groups are not tracked writes (programmes are the service's own data): they key the memo.
    years = ";".join(f"{p.pk}={'.'.join(map(str, p.year_groups or []))}" for p in programmes)
    key = f"status_groups:{session.pk}:{','.join(fields)}:{years}"

    def count(buckets):
        children = in_buckets(session_children(session), buckets)
        for row in status_groups(children, programmes, session.academic_year, fields=fields, by=[BUCKET]):
            bucket, n = row.pop(BUCKET), row.pop("n")
            yield bucket, tuple(row.items()), n

    return [{**dict(group), "n": n} for group, n in memoised_counts(session.team_id, key, count).items()]


def academic_years_for_team(team):
    """The academic years the team has sessions in (the Sessions list's year filter)."""
    return Session.objects.for_team(team).values_list("academic_year", flat=True).distinct()


def sessions_for_team(
    team,
    *,
    today: datetime.date,
    academic_year: int,
    status: str = "",
    kind: str = "",
    programme: str = "",
    search: str = "",
):
    """The Sessions list: filtered; sessions with a date today or later first (soonest first), then the rest."""
    sessions = _session_queryset().for_team(team).filter(academic_year=academic_year)
    if status == Session.Status.UNSCHEDULED:
        sessions = sessions.unscheduled()
    elif status == Session.Status.SCHEDULED:
        sessions = sessions.scheduled(today)
    elif status == Session.Status.IN_PROGRESS:
        sessions = sessions.in_progress(today)
    elif status == Session.Status.COMPLETED:
        sessions = sessions.completed(today)
    if kind:
        sessions = sessions.filter(kind=kind)
    if programme:
        sessions = sessions.filter(programmes__code=programme)
    location = Coalesce(F("school__name"), Value(Session.COMMUNITY_CLINIC_NAME))
    sessions = sessions.annotate(location=location)
    if search:
        sessions = sessions.filter(location__icontains=search.strip())
    sessions = sessions.annotate(
        next_date=Min("dates__value", filter=Q(dates__value__gte=today)), last_date=Max("dates__value")
    )
    return sessions.order_by(F("next_date").asc(nulls_last=True), "location", "pk")


def children_counts(sessions) -> dict[int, int]:
    """Number of children in each session, in one query."""
    query = Q(pk__in=[])
    for session in sessions:
        query |= Q(session_id=session.pk) & eligibility_q(session, "child__")
    if not sessions:
        return {}
    rows = (
        # session_id__in as well: PostgreSQL does not pull it out of the OR, and scanned every team's members.
        SessionMembership.objects.filter(session_id__in=[s.pk for s in sessions], child__archived_at__isnull=True)
        .filter(query)
        .values("session_id")
        .annotate(n=Count("pk"))
    )
    return {row["session_id"]: row["n"] for row in rows}


def child_in_session(session, child_id) -> Child:
    """A child of the session's team (404 otherwise) with parents, records and this session's attendance."""
    queryset = Child.objects.select_related("school").prefetch_related(
        Prefetch("relationships", queryset=relationships_with_channels()),
        Prefetch(
            "vaccination_records",
            queryset=VaccinationRecord.objects.select_related("programme", "performed_by").order_by("-performed_at"),
        ),
        Prefetch("attendances", queryset=Attendance.objects.filter(session=session).order_by("-date")),
    )
    child = get_for_team(queryset, session.team, pk=child_id)
    if not SessionMembership.objects.filter(session=session, child=child).exists():
        from django.http import Http404

        raise Http404
    return child


def latest_messages_by_recipient(child) -> dict[str, ActivityEvent]:
    """The latest message event to each recipient (email or phone) of this child."""
    events = (
        ActivityEvent.objects.filter(child=child)
        .exclude(channel="")
        .order_by("recipient", "-created_at")
        .distinct("recipient")
    )
    return {event.recipient: event for event in events}


def child_session_events(session, child):
    return ActivityEvent.objects.filter(child=child, session=session).select_related("user").order_by("-created_at")


def child_events(child):
    return ActivityEvent.objects.filter(child=child).select_related("user", "session__school").order_by("-created_at")


def child_sessions(child):
    return (
        _session_queryset()
        .filter(team_id=child.team_id, memberships__child=child)
        .order_by("-academic_year", "kind", "school__name")
    )


def attendance_today(session, children_ids, today) -> dict[int, str]:
    rows = Attendance.objects.filter(session=session, date=today, child_id__in=children_ids).values_list(
        "child_id", "status"
    )
    return dict(rows)


def attending_children(session, today):
    return session_children(session).filter(
        attendances__session=session, attendances__date=today, attendances__status=Attendance.Status.ATTENDING
    )


def invitation_sent(session) -> bool:
    """Whether any clinic invitation was sent for the session (then its invitation date is frozen)."""
    return ActivityEvent.objects.filter(session=session, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT).exists()


def consent_request_sent(session) -> bool:
    return ActivityEvent.objects.filter(session=session, kind=ActivityEvent.Kind.CONSENT_REQUEST_SENT).exists()


def dates_with_records(session) -> set[datetime.date]:
    """Session dates on which anything was recorded (attendance, vaccination, consent on the day, a note)."""
    from django.db.models.functions import TruncDate

    from sessions.status import date_values

    values = set(date_values(session))
    if not values:
        return set()
    recorded = set(Attendance.objects.filter(session=session, date__in=values).values_list("date", flat=True))
    recorded |= set(
        VaccinationRecord.objects.filter(session_id=session.pk)
        .annotate(day=TruncDate("performed_at"))
        .filter(day__in=values)
        .values_list("day", flat=True)
    )
    recorded |= set(
        ActivityEvent.objects.filter(
            session=session,
            kind__in=[
                ActivityEvent.Kind.CONSENT_RECORDED,
                ActivityEvent.Kind.TRIAGE,
                ActivityEvent.Kind.ATTENDANCE,
                ActivityEvent.Kind.VACCINATION,
            ],
        )
        .annotate(day=TruncDate("created_at"))
        .filter(day__in=values)
        .values_list("day", flat=True)
    )
    return recorded & values
