"""Reads of sessions for views. Every selector takes the team (or a session already scoped to it)
and runs a fixed number of queries whatever the number of children."""

import datetime

from django.db.models import Case, CharField, Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, Value, When
from django.db.models.functions import Coalesce

from mavis.scoping import get_for_team
from patients.academic import dates_of_birth_for_year_groups
from patients.models import Child, ParentRelationship, Programme, VaccinationRecord
from sessions.extensions import could_not_vaccinate
from sessions.models import ActivityEvent, Attendance, Session, SessionDate, SessionMembership

# Outcome per programme of a child in a session (the Children tab).
VACCINATED = "vaccinated"
COULD_NOT_VACCINATE = "could_not_vaccinate"
NO_OUTCOME = "none"
OUTCOME_LABELS = {VACCINATED: "Vaccinated", COULD_NOT_VACCINATE: "Could not vaccinate", NO_OUTCOME: "No outcome yet"}


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


def eligible_year_groups(session) -> list[int]:
    groups = set()
    for programme in session.programmes.all():
        groups.update(programme.year_groups)
    return sorted(groups)


def eligibility_q(session, prefix: str = "") -> Q:
    """Children whose year group in the session's academic year is eligible for one of its programmes."""
    ranges = dates_of_birth_for_year_groups(eligible_year_groups(session), session.academic_year)
    # Consecutive year groups make one date-of-birth range (index friendly).
    merged: list[list[datetime.date]] = []
    for start, end in sorted(ranges):
        if merged and start == merged[-1][1] + datetime.timedelta(days=1):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    query = Q(pk__isnull=True)  # matches nobody, but still compiles to SQL (no programmes: nobody eligible)
    for start, end in merged:
        query |= Q(**{f"{prefix}date_of_birth__range": (start, end)})
    return query


def session_children(session):
    """Children in the session: active members whose year group is eligible there. Not paginated."""
    return (
        Child.objects.filter(team_id=session.team_id, session_memberships__session=session)
        .active()
        .filter(eligibility_q(session))
    )


def is_in_session(session, child) -> bool:
    return session_children(session).filter(pk=child.pk).exists()


def vaccinated_records(session, programme):
    """Records that make a child vaccinated for the programme in the session's academic year."""
    return VaccinationRecord.objects.filter(team_id=session.team_id).counts_as_vaccinated(
        session.academic_year, programme
    )


def could_not_vaccinate_records(session, programme):
    """Not vaccinated here: a recorded outcome in this session that was not a dose."""
    return VaccinationRecord.objects.filter(
        team_id=session.team_id, programme=programme, session_id=session.pk
    ).exclude(outcome__in=VaccinationRecord.VACCINATED_OUTCOMES)


def vaccinated_child_ids(session, programme):
    return vaccinated_records(session, programme).values("child_id")


def could_not_vaccinate_child_ids(session, programme):
    return could_not_vaccinate_records(session, programme).values("child_id")


def _could_not_vaccinate_q(session, programme, *, correlated: bool = False) -> Q:
    """A non-dose outcome recorded here, or a higher app's condition (sessions.extensions.could_not_vaccinate)."""
    if correlated:
        records = Exists(could_not_vaccinate_records(session, programme).filter(child_id=OuterRef("pk")))
        query = Q(records)
    else:
        query = Q(pk__in=could_not_vaccinate_child_ids(session, programme))
    extra = could_not_vaccinate.any_of(session=session, programme=programme)
    return query if extra is None else query | extra


def outcome_expression(session, programme):
    """Per child (correlated, so a page of 50 only looks up its own 50 children)."""
    return Case(
        When(Exists(vaccinated_records(session, programme).filter(child_id=OuterRef("pk"))), then=Value(VACCINATED)),
        When(_could_not_vaccinate_q(session, programme, correlated=True), then=Value(COULD_NOT_VACCINATE)),
        default=Value(NO_OUTCOME),
        output_field=CharField(),
    )


def outcome_q(session, programme, outcome: str) -> Q:
    """Children whose outcome for the programme is `outcome` (the same rules as outcome_expression)."""
    vaccinated = Q(pk__in=vaccinated_child_ids(session, programme))
    could_not = _could_not_vaccinate_q(session, programme)
    if outcome == VACCINATED:
        return vaccinated
    if outcome == COULD_NOT_VACCINATE:
        return could_not & ~vaccinated
    return ~vaccinated & ~could_not


def annotate_outcomes(children, session):
    """Adds `outcome_<programme code>` (vaccinated / could_not_vaccinate / none), in SQL."""
    return children.annotate(**{f"outcome_{p.code}": outcome_expression(session, p) for p in session.programmes.all()})


def child_outcomes(session, child) -> dict[str, str]:
    """{programme code: outcome} for one child in the session, by the same rule as the Children tab."""
    names = {f"outcome_{p.code}": p.code for p in session.programmes.all()}
    if not names:
        return {}
    row = annotate_outcomes(Child.objects.filter(pk=child.pk), session).values(*names).get()
    return {code: row[name] for name, code in names.items()}


def session_children_page_queryset(session, *, search: str = "", programme: str = "", outcome: str = ""):
    """The Children tab: filtered, searched, with outcomes, ordered by name."""
    children = annotate_outcomes(session_children(session), session).select_related("school")
    if search:
        children = children.search(search)
    if outcome in OUTCOME_LABELS:
        query = Q(pk__in=[])
        for p in session.programmes.all():
            if not programme or p.code == programme:
                query |= outcome_q(session, p, outcome)
        children = children.filter(query)
    return children.order_by("family_name", "given_name", "pk")


def outcome_counts(session) -> dict:
    """{"total": n, "programmes": {code: {outcome: count}}}, in one query."""
    aggregates = {"total": Count("pk")}
    for p in session.programmes.all():
        vaccinated = Q(pk__in=vaccinated_child_ids(session, p))
        could_not = _could_not_vaccinate_q(session, p) & ~vaccinated
        aggregates[f"{p.code}__{VACCINATED}"] = Count("pk", filter=vaccinated)
        aggregates[f"{p.code}__{COULD_NOT_VACCINATE}"] = Count("pk", filter=could_not)
    row = session_children(session).aggregate(**aggregates)
    counts = {"total": row["total"], "programmes": {}}
    for p in session.programmes.all():
        done = row[f"{p.code}__{VACCINATED}"]
        could_not = row[f"{p.code}__{COULD_NOT_VACCINATE}"]
        counts["programmes"][p.code] = {
            VACCINATED: done,
            COULD_NOT_VACCINATE: could_not,
            NO_OUTCOME: row["total"] - done - could_not,
        }
    return counts


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
        SessionMembership.objects.filter(child__archived_at__isnull=True)
        .filter(query)
        .values("session_id")
        .annotate(n=Count("pk"))
    )
    return {row["session_id"]: row["n"] for row in rows}


def child_in_session(session, child_id) -> Child:
    """A child of the session's team (404 otherwise) with parents, records and this session's attendance."""
    queryset = Child.objects.select_related("school").prefetch_related(
        Prefetch(
            "relationships", queryset=ParentRelationship.objects.select_related("parent").order_by("parent__full_name")
        ),
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

    values = set(date_values_all(session))
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


def date_values_all(session) -> list[datetime.date]:
    from sessions.status import date_values

    return date_values(session)
