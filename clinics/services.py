"""Every write about clinic invitations.

All four paths insert invitations set-based with `INSERT ... SELECT <the eligibility rule>
... ON CONFLICT DO NOTHING RETURNING`, then queue the messages for exactly the rows they
inserted, in the same transaction: concurrent runs (beat twice, two nurses, a double click)
can never invite a child twice for one clinic date.
"""

import datetime
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinics import booking_import, selectors
from clinics.eligibility import Eligibility, next_clinic_date, reminder_clinic_date, upcoming_clinic_dates
from clinics.models import ClinicInvitation, ClinicInvitationRequest, ClinicSweepRun
from mavis import audit
from mavis.dates import date_long
from mavis.models import Team
from notifications.models import Message
from notifications.services import family_messages_enqueue_sql, messages_personalisation_set
from patients.models import Child, Programme
from sessions.models import Session, SessionMembership

AUTOMATIC = "automatic"


def clinic_invitation_start_date(session: Session) -> datetime.date | None:
    """When automatic invitations may go out: the invitation date, or 3 weeks (the team's setting)
    before the first clinic date."""
    if session.invitation_date:
        return session.invitation_date
    first = min((d.value for d in session.dates.all()), default=None)
    if first is None:
        return None
    return first - datetime.timedelta(days=session.team.days_before_invitations)


# --- The set-based core -------------------------------------------------------------------------


@dataclass
class Inserted:
    child_id: int
    created_by_id: int | None


def _list_words_sql(array: str) -> str:
    """'A', 'A and B', 'A, B and C' from a text[] expression, in SQL (dates and vaccinations)."""
    last = f"cardinality({array})"
    return (
        f"CASE WHEN {last} <= 1 THEN array_to_string({array}, '') "
        f"ELSE array_to_string(({array})[1:{last} - 1], ', ') || ' and ' || ({array})[{last}] END"
    )


def _personalisation_sql(session: Session, today: datetime.date) -> tuple[str, list, list[str]]:
    """The one builder of an invitation's (and booking reminder's) personalisation, in SQL: a
    jsonb_build_object over `inv` (the invitation just inserted) and `c` (its child). Returns the
    expression, its parameters and its keys (checked against personalisation.REQUIRED)."""
    team = session.team
    dates = [date_long(d) for d in upcoming_clinic_dates(session, today)]
    names = json.dumps(dict(Programme.objects.values_list("code", "name")))
    vaccinations = (
        "(SELECT COALESCE(%s::jsonb ->> p.code, p.code) FROM jsonb_array_elements_text(inv.programmes)"
        " WITH ORDINALITY AS p (code, n) ORDER BY p.n)"
    )
    fields = {
        # Child.full_name and Child.short_name (tests/clinics/test_set_based.py checks they agree).
        "child_name": ("c.given_name || ' ' || c.family_name", []),
        "child_short_name": ("COALESCE(NULLIF(c.preferred_given_name, ''), c.given_name)", []),
        "vaccinations": (
            f"(SELECT {_list_words_sql('v.names')} FROM (SELECT ARRAY{vaccinations} AS names) AS v)",  # noqa: S608
            [names],
        ),
        "next_clinic_date": ("%s::text", [dates[0] if dates else ""]),
        "clinic_dates": (
            f"(SELECT {_list_words_sql('d.names')} FROM (SELECT %s::text[] AS names) AS d)",  # noqa: S608
            [dates],
        ),
        "booking_link": ("%s::text", [team.booking_link]),
        "team_name": ("%s::text", [team.name]),
        "team_email": ("%s::text", [team.email]),
        "team_phone": ("%s::text", [team.phone]),
        "privacy_notice_url": ("%s::text", [team.privacy_notice_url]),
    }
    sql = "jsonb_build_object(" + ", ".join(f"'{key}', {expr}" for key, (expr, _) in fields.items()) + ")"
    return sql, [param for _, params in fields.values() for param in params], list(fields)


def _send(
    *,
    eligibility: Eligibility,
    kind: str,
    source: str,
    today: datetime.date,
    created_by=None,
    school_session=None,
    requests_join: bool = False,
    sent_by_names: dict | None = None,
) -> tuple[list[Inserted], int]:
    """Insert one invitation per child the rule allows, and queue their messages and activity events,
    in one statement (no model instances: a sweep writes tens of thousands of rows). Messages are
    queued for exactly the invitations inserted. Returns those invitations and the number of messages.

    With `requests_join`, each child's waiting **Invite to community clinic** request supplies
    the person who asked (the next-day path).
    """
    session = eligibility.session
    rule_sql, rule_params = eligibility.sql()
    table = ClinicInvitation._meta.db_table
    if requests_join:
        requests_table = ClinicInvitationRequest._meta.db_table
        who = "r.requested_by_id"
        join = f"JOIN {requests_table} r ON r.child_id = el.child_id AND r.session_id = %s AND r.processed_at IS NULL"
        join_params = [session.pk]
    else:
        who, join, join_params = "%s::bigint", "", []
    who_params = [] if requests_join else [getattr(created_by, "pk", None)]
    personalisation, personalisation_params, keys = _personalisation_sql(session, today)
    ctes = f"""
        inv AS (
            INSERT INTO {table}
                (team_id, child_id, session_id, clinic_date, kind, programmes, source, school_session_id,
                 created_by_id, created_at, sent_at, sent_on)
            SELECT %s, el.child_id, %s, %s, %s, to_jsonb(el.programmes), %s, %s, {who}, now(), now(), %s
            FROM ({rule_sql}) AS el {join}
            ORDER BY el.child_id  -- one lock order for every run: concurrent runs wait, never deadlock
            ON CONFLICT (child_id, session_id, clinic_date) DO NOTHING
            RETURNING child_id, programmes, created_by_id
        ),
        family_messages_source AS MATERIALIZED (
            SELECT inv.child_id, inv.created_by_id AS sent_by_id, {personalisation} AS personalisation
            FROM inv JOIN {Child._meta.db_table} AS c ON c.id = inv.child_id
        )
    """  # noqa: S608 - table names are ours; values are parameters
    # Parameter order follows the SQL text: SELECT list first, then the rule, then the join.
    params = [
        session.team_id,
        session.pk,
        eligibility.clinic_date,
        kind,
        source,
        getattr(school_session, "pk", None),
        *who_params,
        today,
        *rule_params,
        *join_params,
        *personalisation_params,
    ]
    message_kind = (
        Message.Kind.CLINIC_INVITATION
        if kind == ClinicInvitation.Kind.INVITATION
        else Message.Kind.CLINIC_BOOKING_REMINDER
    )
    rows, messages = family_messages_enqueue_sql(
        team=session.team,
        kind=message_kind,
        session=session,
        ctes=ctes,
        params=params,
        result="SELECT child_id, created_by_id FROM inv",
        keys=keys,
        sent_by_names=sent_by_names,
    )
    if rows and session.team.books_in_service:
        _personal_booking_links(session, message_kind, [row[0] for row in rows])
    return [Inserted(*row) for row in rows], messages


def _personal_booking_links(session, kind, child_ids):
    """A team that books in this service: each parent's message gets their own signed booking link
    (signing cannot run in SQL, so the messages just queued in this transaction are filled in
    before it commits and anything is dispatched)."""
    from clinics.tokens import booking_url

    messages_personalisation_set(
        session=session,
        kind=kind,
        child_ids=child_ids,
        key="booking_link",
        value=lambda child_id, parent_id: booking_url(child_id=child_id, session_id=session.pk, parent_id=parent_id),
    )


def _names(user) -> dict:
    return {user.pk: user.display_name} if getattr(user, "pk", None) else {}


def _record(action: str, session: Session, rows: list[Inserted], **details):
    if rows:
        audit.record_bulk(
            action, Child, [row.child_id for row in rows], team=session.team, session=session.pk, **details
        )


# --- Path 1 and the next-day job: the daily sweep --------------------------------------------------


@dataclass
class SessionSweep:
    session: Session
    clinic_date: datetime.date | None
    automatic: int = 0
    requested: int = 0
    requests_not_needed: int = 0
    messages: int = 0
    cannot_contact: list = field(default_factory=list)


def _due_requests(session, today):
    return ClinicInvitationRequest.objects.filter(session=session, processed_at__isnull=True, scheduled_for__lte=today)


def _requests_candidates(session, today):
    return Child.objects.filter(Exists(_due_requests(session, today).filter(child_id=OuterRef("pk"))))


def _sweep_clinic(*, session: Session, today: datetime.date, automatic: bool) -> SessionSweep:
    clinic_date = next_clinic_date(session, today)
    result = SessionSweep(session, clinic_date)
    if clinic_date is None:
        return result
    # The next-day job: children invited one by one yesterday (or earlier), if they still can be.
    due = list(_due_requests(session, today).values_list("pk", "child_id", "requested_by_id"))
    if due:
        from mavis.models import User

        askers = User.objects.in_bulk({requested_by for *_, requested_by in due if requested_by})
        rows, messages = _send(
            eligibility=Eligibility(session, clinic_date, children=_requests_candidates(session, today)),
            kind=ClinicInvitation.Kind.INVITATION,
            source=ClinicInvitation.Source.CHILD_RECORD,
            today=today,
            requests_join=True,
            sent_by_names={pk: user.display_name for pk, user in askers.items()},
        )
        result.messages += messages
        sent_ids = {row.child_id for row in rows}
        now = timezone.now()
        sent_requests = [pk for pk, child_id, _ in due if child_id in sent_ids]
        ClinicInvitationRequest.objects.filter(pk__in=sent_requests).update(
            processed_at=now, outcome=ClinicInvitationRequest.Outcome.SENT
        )
        ClinicInvitationRequest.objects.filter(pk__in=[pk for pk, *_ in due]).exclude(pk__in=sent_requests).update(
            processed_at=now, outcome=ClinicInvitationRequest.Outcome.NOT_NEEDED
        )
        result.requested = len(rows)
        result.requests_not_needed = len(due) - len(sent_requests)
        _record("clinic_invitations.sent_next_day", session, rows, clinic_date=clinic_date.isoformat())
    # Automatic: home-schooled and unknown-school members, from the invitation date.
    start = clinic_invitation_start_date(session)
    if automatic and start is not None and start <= today:
        rows, messages = _send(
            eligibility=Eligibility(session, clinic_date, children=selectors.automatic_candidates(session)),
            kind=ClinicInvitation.Kind.INVITATION,
            source=ClinicInvitation.Source.AUTOMATIC,
            today=today,
        )
        result.messages += messages
        result.automatic = len(rows)
        _record("clinic_invitations.sent_automatic", session, rows, clinic_date=clinic_date.isoformat())
    return result


def _clinics_to_sweep(team, today):
    return list(selectors._sessions().for_team(team).community_clinics().scheduled(today).order_by("academic_year"))


def _expire_requests(team, today) -> int:
    """Waiting requests for a clinic that no longer has a date today or later: nothing to send."""
    scheduled = Session.objects.for_team(team).community_clinics().scheduled(today)
    return (
        ClinicInvitationRequest.objects.filter(team=team, processed_at__isnull=True, scheduled_for__lte=today)
        .exclude(session__in=scheduled)
        .update(processed_at=timezone.now(), outcome=ClinicInvitationRequest.Outcome.NOT_NEEDED)
    )


@transaction.atomic
def team_sweep(*, team: Team, today: datetime.date, claim: bool = True) -> list[SessionSweep] | None:
    """The daily run for one team, in one transaction. With `claim`, it acts only if no run has
    claimed this London date yet (the marker row); returns None when another run already did."""
    marker_table = ClinicSweepRun._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {marker_table} (team_id, run_on, started_at, invited, details)
                VALUES (%s, %s, now(), 0, '{{}}'::jsonb)
                ON CONFLICT (team_id, run_on) DO NOTHING RETURNING id""",  # noqa: S608
            [team.pk, today],
        )
        claimed = cursor.fetchone()
    if claim and claimed is None:
        return None
    results = [
        _sweep_clinic(session=session, today=today, automatic=team.automatic_clinic_invitations)
        for session in _clinics_to_sweep(team, today)
    ]
    _expire_requests(team, today)
    if team.books_in_service:
        appointment_reminders_send(team=team, today=today)
    invited = sum(r.automatic + r.requested for r in results)
    if claimed is not None:
        ClinicSweepRun.objects.filter(pk=claimed[0]).update(
            invited=invited,
            details={str(r.session.pk): {"automatic": r.automatic, "requested": r.requested} for r in results},
        )
    return results


def teams_due(now: datetime.datetime):
    """Teams whose send time has passed today (London) and whose sweep has not run today."""
    local = timezone.localtime(now)
    today = local.date()
    done = ClinicSweepRun.objects.filter(team=OuterRef("pk"), run_on=today)
    return today, Team.objects.filter(send_time__lte=local.time()).exclude(Exists(done)).order_by("pk")


def sweep_preview(*, team: Team, today: datetime.date) -> list[SessionSweep]:
    """What the sweep would do for the team on `today` (the --dry-run), without writing."""
    previews = []
    for session in _clinics_to_sweep(team, today):
        clinic_date = next_clinic_date(session, today)
        preview = SessionSweep(session, clinic_date)
        if clinic_date is None:
            previews.append(preview)
            continue
        requested = Eligibility(session, clinic_date, children=_requests_candidates(session, today))
        preview.requested = requested.count()
        start = clinic_invitation_start_date(session)
        if team.automatic_clinic_invitations and start is not None and start <= today:
            candidates = selectors.automatic_candidates(session)
            # The run invites those asked for one by one first: the automatic path then finds them invited.
            automatic = candidates.exclude(pk__in=requested.child_ids_queryset().values("pk"))
            preview.automatic = Eligibility(session, clinic_date, children=automatic).count()
            preview.cannot_contact = list(
                Eligibility(session, clinic_date, children=candidates, contactable=False)
                .child_ids_queryset()
                .order_by("family_name", "given_name", "pk")
            )
        previews.append(preview)
    return previews


# --- Path 2: Send clinic invitations (completed school session) ----------------------------------


@dataclass
class SendResult:
    invited: int
    clinic: Session | None
    clinic_date: datetime.date | None
    messages: int = 0
    changed: bool = False  # the children have changed since the summary page was opened: nothing sent


def _as_seen(eligibility: Eligibility, seen: str | None) -> Eligibility | None:
    """The children a summary page showed (its digest, `seen`), if they are still who would be sent
    one: None when they have changed since (the page must be read again). Without `seen`, all."""
    if seen is None:
        return eligibility
    snapshot = eligibility.snapshot()
    if snapshot.changed_since(seen):
        return None
    return eligibility.only(snapshot.child_ids)


@transaction.atomic
def clinic_invitations_send_from_school(
    *, school_session: Session, user, today: datetime.date, seen: str | None = None
) -> SendResult:
    """Adds the school's children who still need a vaccination to the Community clinic and
    invites them now. `seen`: the summary page's digest (Eligibility.snapshot): if the children
    have changed since, nothing is sent and the result says so."""
    clinic = selectors.current_clinic(school_session.team, today)
    if clinic is None:
        return SendResult(0, None, None)
    clinic_date = next_clinic_date(clinic, today)
    eligibility = _as_seen(selectors.school_invitations_eligibility(school_session, clinic, clinic_date), seen)
    if eligibility is None:
        return SendResult(0, clinic, clinic_date, changed=True)
    rows, messages = _send(
        eligibility=eligibility,
        kind=ClinicInvitation.Kind.INVITATION,
        source=ClinicInvitation.Source.SCHOOL_SESSION,
        today=today,
        created_by=user,
        school_session=school_session,
        sent_by_names=_names(user),
    )
    if rows:
        from sessions.services import session_membership_add

        session_membership_add(
            session=clinic,
            child_ids=[row.child_id for row in rows],
            source=SessionMembership.Source.SCHOOL_SESSION,
            added_by=user,
        )
    _record(
        "clinic_invitations.sent_from_school",
        clinic,
        rows,
        school_session=school_session.pk,
        clinic_date=clinic_date.isoformat(),
    )
    return SendResult(len(rows), clinic, clinic_date, messages)


# --- Path 4: Send booking reminders ------------------------------------------------------------


@transaction.atomic
def booking_reminders_send(*, clinic: Session, user, today: datetime.date, seen: str | None = None) -> SendResult:
    """`seen`: the summary page's digest, as for clinic_invitations_send_from_school."""
    clinic_date = reminder_clinic_date(clinic, today)
    if clinic_date is None:
        return SendResult(0, clinic, None)
    eligibility = _as_seen(selectors.reminders_eligibility(clinic, today, clinic_date), seen)
    if eligibility is None:
        return SendResult(0, clinic, clinic_date, changed=True)
    rows, messages = _send(
        eligibility=eligibility,
        kind=ClinicInvitation.Kind.BOOKING_REMINDER,
        source=ClinicInvitation.Source.REMINDERS,
        today=today,
        created_by=user,
        sent_by_names=_names(user),
    )
    _record("clinic_booking_reminders.sent", clinic, rows, clinic_date=clinic_date.isoformat())
    return SendResult(len(rows), clinic, clinic_date, messages)


# --- Path 3: Invite to community clinic (one child) ----------------------------------------------


@dataclass
class ChildInviteResult:
    plan: selectors.ChildInvitePlan
    added: bool = False
    scheduled_for: datetime.date | None = None


@transaction.atomic
def clinic_invitation_request(*, child: Child, user, today: datetime.date) -> ChildInviteResult:
    """Adds the child to the current Community clinic now; the invitation goes out the next day
    at the team's send time, if the child can still be invited then."""
    from sessions.services import session_membership_add

    plan = selectors.child_invite_plan(child.team, child, today)
    result = ChildInviteResult(plan)
    if plan.clinic is None or plan.archived or plan.invited_on:
        return result
    result.added = bool(
        session_membership_add(
            session=plan.clinic, child_ids=[child.pk], source=SessionMembership.Source.CHILD_RECORD, added_by=user
        )
    )
    if plan.send_on is None:
        return result
    request, created = ClinicInvitationRequest.objects.get_or_create(
        child=child,
        session=plan.clinic,
        processed_at=None,
        defaults={"team": child.team, "requested_by": user, "scheduled_for": plan.send_on},
    )
    if created:
        audit.record("clinic_invitation.requested", request, team=child.team, scheduled_for=plan.send_on.isoformat())
    result.scheduled_for = request.scheduled_for
    return result


@transaction.atomic
def clinic_invitation_request_cancel(*, child: Child, user, today: datetime.date) -> bool:
    """Cancels the child's invitation that has not gone out yet (the child stays in the clinic)."""
    clinic = selectors.current_clinic(child.team, today)
    if clinic is None:
        return False
    pending = ClinicInvitationRequest.objects.filter(child=child, session=clinic, processed_at=None).first()
    if pending is None:
        return False
    audit.record(
        "clinic_invitation.cancelled", pending, team=child.team, scheduled_for=pending.scheduled_for.isoformat()
    )
    pending.delete()
    return True


# --- Bookings from the team's own booking system ----------------------------------------------------


@dataclass
class BookingImportResult:
    total_rows: int
    errors: list
    booked: int = 0  # bookings added or changed
    unchanged: int = 0
    written: bool = False


@transaction.atomic
def bookings_import(*, clinic: Session, content: str, user) -> BookingImportResult:
    """A booking system's export: all rows are booked, or (any bad row) none. Raises
    patients.cohort.FileError for a file that cannot be read."""
    from sessions.models import Booking
    from sessions.services import bookings_record

    checked = booking_import.check_bookings(team=clinic.team, clinic=clinic, content=content)
    result = BookingImportResult(checked.total_rows, checked.errors)
    if checked.errors:
        return result
    result.booked = bookings_record(session=clinic, changes=checked.changes, source=Booking.Source.IMPORT, user=user)
    result.unchanged = len(checked.changes) - result.booked
    result.written = True
    audit.record("bookings.imported", clinic, team=clinic.team, rows=checked.total_rows, booked=result.booked)
    return result


# --- Teams that book in this service ------------------------------------------------------------------


def clinic_venue_words(team) -> str:
    """Where the clinic is, for the parents' messages and pages: the team's venues."""
    from sessions.models import Venue

    venues = [
        f"{v.name}, {v.address}" if v.address else v.name
        for v in Venue.objects.for_team(team).filter(archived_at__isnull=True)
    ]
    return " or ".join(venues) or team.name


def _appointment_personalisation(booking, child, parent_id) -> dict:
    from clinics.tokens import booking_url
    from mavis.dates import clock_time, date_day_month

    team = booking.session.team
    return {
        "child_name": child.full_name,
        "child_short_name": child.short_name,
        "appointment_date": date_day_month(booking.date),
        "appointment_time": clock_time(booking.time),
        "venue": clinic_venue_words(team),
        "manage_link": booking_url(child_id=child.pk, session_id=booking.session_id, parent_id=parent_id),
        "team_name": team.name,
        "team_email": team.email,
        "team_phone": team.phone,
    }


def _appointment_messages(*, kind, bookings, key_prefix, parents=None, sent_by=None) -> int:
    """One message per parent (each with their own change-or-cancel link) for each booking."""
    from notifications.services import FamilyMessage, family_messages_enqueue
    from patients.models import ParentRelationship

    if not bookings:
        return 0
    team = bookings[0].session.team
    parents_by_child = {}
    if parents is None:
        for relationship in ParentRelationship.objects.filter(
            child_id__in=[b.child_id for b in bookings]
        ).select_related("parent"):
            parents_by_child.setdefault(relationship.child_id, []).append(relationship.parent)
    items = [
        FamilyMessage(
            child=booking.child,
            personalisation=_appointment_personalisation(booking, booking.child, parent.pk),
            session=booking.session,
            parents=[parent],
            key=f"{key_prefix}:{booking.pk}:{booking.date}:{booking.time}:{booking.updated_at.timestamp()}",
        )
        for booking in bookings
        for parent in (parents if parents is not None else parents_by_child.get(booking.child_id, []))
    ]
    return len(family_messages_enqueue(team=team, kind=kind, items=items, sent_by=sent_by))


@transaction.atomic
def clinic_appointment_book(*, clinic: Session, child: Child, date, time, parent=None, user=None):
    """A parent (through their link) or a nurse books or moves the child's appointment at one of the
    clinic's times, never beyond its places (sessions.services.booking_book_appointment); the
    confirmation goes through the outbox (to the parent who booked, or to every parent when a
    nurse did). Raises AppointmentFull or ValidationError."""
    from sessions.models import Booking
    from sessions.services import booking_book_appointment

    source = Booking.Source.PARENT_ONLINE if parent is not None else Booking.Source.NURSE_PHONE
    changed = booking_book_appointment(session=clinic, child=child, date=date, time=time, source=source, user=user)
    if changed:
        booking = Booking.objects.select_related("session__team", "child").get(session=clinic, child=child)
        _appointment_messages(
            kind=Message.Kind.CLINIC_BOOKING_CONFIRMATION,
            bookings=[booking],
            key_prefix="booking_confirmation",
            parents=[parent] if parent is not None else None,
            sent_by=user,
        )
    return changed


@transaction.atomic
def clinic_booking_record(*, clinic: Session, child: Child, change, user) -> bool:
    """A nurse's **Record a clinic appointment**: a team that books in this service books within
    the clinic's appointment times and places (and the family is sent the confirmation) or cancels
    (and the family is told); a team with its own system records what that system says."""
    from sessions.models import Booking
    from sessions.services import bookings_record

    if clinic.team.books_in_service:
        if change.status == Booking.Status.BOOKED:
            return clinic_appointment_book(clinic=clinic, child=child, date=change.date, time=change.time, user=user)
        if change.status == Booking.Status.CANCELLED:
            return clinic_appointment_cancel(clinic=clinic, child=child, user=user)
    return bool(bookings_record(session=clinic, changes=[change], source=Booking.Source.NURSE_PHONE, user=user))


@transaction.atomic
def clinic_appointment_cancel(*, clinic: Session, child: Child, parent=None, user=None) -> bool:
    """Cancels the child's appointment: its place is free again at once, and the family is told
    which appointment was cancelled, with the link to book another (the parent who cancelled, or
    every parent when a nurse did), once (the message key names the booking as it was)."""
    from sessions.models import Booking
    from sessions.services import BookingChange, bookings_record

    booked = (
        Booking.objects.select_for_update()
        .select_related("session__team", "child")
        .filter(session=clinic, child=child, status=Booking.Status.BOOKED)
        .first()
    )
    source = Booking.Source.PARENT_ONLINE if parent is not None else Booking.Source.NURSE_PHONE
    change = BookingChange(child.pk, Booking.Status.CANCELLED)
    cancelled = bool(bookings_record(session=clinic, changes=[change], source=source, user=user))
    if cancelled and booked is not None:
        _appointment_messages(
            kind=Message.Kind.CLINIC_APPOINTMENT_CANCELLED,
            bookings=[booked],
            key_prefix="appointment_cancelled",
            parents=[parent] if parent is not None else None,
            sent_by=user,
        )
    return cancelled


def appointment_reminders_send(*, team: Team, today: datetime.date) -> int:
    """The day before: a reminder of each appointment booked for tomorrow with a time (once: the
    message key). Part of the team's daily run."""
    from sessions.models import Booking

    tomorrow = today + datetime.timedelta(days=1)
    bookings = list(
        Booking.objects.filter(
            team=team, status=Booking.Status.BOOKED, date=tomorrow, time__isnull=False
        ).select_related("session__team", "child")
    )
    return _appointment_messages(
        kind=Message.Kind.CLINIC_APPOINTMENT_REMINDER, bookings=bookings, key_prefix="appointment_reminder"
    )
