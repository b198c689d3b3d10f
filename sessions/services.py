"""Every write about sessions: keyword-only `<noun>_<verb>` functions, atomic and audited."""

import datetime
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from mavis import audit, roles
from mavis.dates import clock_time, date_long, date_short
from mavis.repeats import just_written, refused_as
from patients.academic import academic_year_bounds, current_academic_year
from patients.models import Child, Programme, School, VaccinationRecord, Vaccine
from patients.statuses import (
    child_statuses,
    consented_methods,
    programme_status_lock,
    recording_refused_reason,
    vaccination_statuses_carry_forward,
    vaccination_statuses_refresh,
)
from sessions import selectors
from sessions.extensions import vaccination_recorded
from sessions.models import (
    ActivityEvent,
    Attendance,
    Booking,
    DefaultBatch,
    Session,
    SessionDate,
    SessionMembership,
    Venue,
)
from sessions.presenters import booking_words
from sessions.status import date_values

AUTOMATIC = "automatic"


def _actor(user) -> str:
    if user is None:
        return AUTOMATIC
    return getattr(user, "display_name", "") or user.get_full_name() or user.username


def activity_record(*, team, child_ids, kind, session=None, user=None, text="", details=None, created_at=None):
    """One ActivityEvent per child, in one INSERT ... SELECT: no model instances, since bulk paths
    (a school's children sent to a clinic, a cohort import) add thousands. Part of other services'
    transactions. Returns the new events' ids."""
    child_ids = list(child_ids)
    if not child_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ActivityEvent._meta.db_table}
                (id, team_id, child_id, session_id, kind, created_at, user_id, actor, text, details, channel,
                 recipient, delivery_status)
            SELECT gen_random_uuid(), %s, child_id, %s, %s, %s, %s, %s, %s, %s::jsonb, '', '', ''
            FROM unnest(%s::bigint[]) AS child_id
            RETURNING id
            """,  # noqa: S608 - the table name is ours; values are parameters
            [
                team.pk,
                getattr(session, "pk", None),
                kind,
                created_at or timezone.now(),
                getattr(user, "pk", None),
                _actor(user),
                text,
                json.dumps(details or {}),
                child_ids,
            ],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Creating sessions --------------------------------------------------------------------------


def _programmes_for_year_groups(year_groups) -> list[Programme]:
    taught = set(year_groups)
    return [p for p in Programme.objects.order_by("name") if taught & set(p.year_groups)]


@transaction.atomic
def session_create(*, team, academic_year: int, school: School | None = None, programmes=None) -> Session:
    kind = Session.Kind.SCHOOL if school else Session.Kind.COMMUNITY_CLINIC
    session = Session.objects.create(team=team, kind=kind, school=school, academic_year=academic_year)
    if programmes is None:
        programmes = _programmes_for_year_groups(school.year_groups) if school else list(Programme.objects.all())
    session.programmes.set(programmes)
    audit.record("session.created", session, academic_year=academic_year, kind=kind)
    if school:
        child_ids = Child.objects.for_team(team).active().filter(school=school).values_list("pk", flat=True)
        session_membership_add(session=session, child_ids=list(child_ids), source=SessionMembership.Source.COHORT)
    else:
        clinic_memberships_sync(team=team)
    return session


def sessions_for_year_plan(*, team, academic_year: int) -> list[tuple[str, School | None]]:
    """The sessions a team should have in a year and do not have yet: (location name, school)."""
    existing = Session.objects.for_team(team).filter(academic_year=academic_year)
    missing = []
    if not existing.community_clinics().exists():
        missing.append((Session.COMMUNITY_CLINIC_NAME, None))
    have = set(existing.schools().values_list("school_id", flat=True))
    for school in School.objects.for_team(team).order_by("name"):
        if school.pk not in have:
            missing.append((school.name, school))
    return missing


# pg_advisory_xact_lock's first key for "this team's sessions of a year are being created".
SESSIONS_CREATE_LOCK = 0x5345


@transaction.atomic
def sessions_create_for_year(*, team, academic_year: int) -> list[Session]:
    """The Community clinic plus one session per school; idempotent. This is the yearly
    rollover, so the year's status rows of doses that count every year are written here too.
    Two runs at once for a team (two operators, the command and the demo seed) take turns: the
    second finds the sessions made and makes none, instead of failing on the unique constraints."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SESSIONS_CREATE_LOCK, team.pk])
    vaccination_statuses_carry_forward(team=team, academic_year=academic_year)
    created = []
    for _name, school in sessions_for_year_plan(team=team, academic_year=academic_year):
        created.append(session_create(team=team, academic_year=academic_year, school=school))
    return created


# --- Membership -----------------------------------------------------------------------------------


@transaction.atomic
def session_membership_add(*, session, child_ids, source, added_by=None) -> int:
    """Adds the team's children to the session (set-based); records "Added to the session" for new members."""
    child_ids = list(Child.objects.filter(team_id=session.team_id, pk__in=list(child_ids)).values_list("pk", flat=True))
    if not child_ids:
        return 0
    table = SessionMembership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (session_id, child_id, source, added_at, added_by_id)
            SELECT %s, child_id, %s, now(), %s FROM unnest(%s::bigint[]) AS child_id
            ON CONFLICT (session_id, child_id) DO NOTHING
            RETURNING child_id
            """,  # noqa: S608 - the table name is ours; values are parameters
            [session.pk, source, getattr(added_by, "pk", None), child_ids],
        )
        added = [row[0] for row in cursor.fetchall()]
    if added:
        activity_record(
            team=session.team,
            child_ids=added,
            kind=ActivityEvent.Kind.ADDED_TO_SESSION,
            session=session,
            user=added_by,
            text=f"Added to the session at {session.location_name}",
            details={"source": source},
        )
        audit.record_bulk("session.members_added", Child, added, team=session.team, session=session.pk)
    return len(added)


def _recorded_in_session_q():
    """Members for whom something was recorded in the session (they never leave automatically)."""
    from django.db.models import Exists, OuterRef

    kept_kinds = [ActivityEvent.Kind.ADDED_TO_SESSION, ActivityEvent.Kind.REMOVED_FROM_SESSION]
    return (
        Exists(Attendance.objects.filter(session=OuterRef("session"), child=OuterRef("child")))
        | Exists(VaccinationRecord.objects.filter(session_id=OuterRef("session"), child=OuterRef("child")))
        | Exists(
            ActivityEvent.objects.filter(session=OuterRef("session"), child=OuterRef("child")).exclude(
                kind__in=kept_kinds
            )
        )
    )


@transaction.atomic
def clinic_memberships_sync(*, team, child_ids=None) -> dict:
    """Home-schooled and unknown-school children join the team's Community clinic(s) of this year and later;
    a child moved to a school leaves them, unless something was already recorded for them there."""
    clinics = list(
        Session.objects.for_team(team).community_clinics().filter(academic_year__gte=current_academic_year())
    )
    result = {"added": 0, "removed": 0}
    for clinic in clinics:
        children = Child.objects.for_team(team).active().exclude(school_status=Child.SchoolStatus.SCHOOL)
        if child_ids is not None:
            children = children.filter(pk__in=list(child_ids))
        result["added"] += session_membership_add(
            session=clinic,
            child_ids=list(children.values_list("pk", flat=True)),
            source=SessionMembership.Source.COHORT,
        )
        leaving = SessionMembership.objects.filter(
            session=clinic, source=SessionMembership.Source.COHORT, child__school_status=Child.SchoolStatus.SCHOOL
        )
        if child_ids is not None:
            leaving = leaving.filter(child_id__in=list(child_ids))
        leaving = leaving.exclude(_recorded_in_session_q())
        leaving_ids = list(leaving.values_list("child_id", flat=True))
        if leaving_ids:
            SessionMembership.objects.filter(session=clinic, child_id__in=leaving_ids).delete()
            activity_record(
                team=team,
                child_ids=leaving_ids,
                kind=ActivityEvent.Kind.REMOVED_FROM_SESSION,
                session=clinic,
                text="Removed from the Community clinic: now at a school",
            )
            audit.record_bulk("session.members_removed", Child, leaving_ids, team=team, session=clinic.pk)
            result["removed"] += len(leaving_ids)
    return result


# --- Scheduling -----------------------------------------------------------------------------------


def months_before(value: datetime.date, months: int) -> datetime.date:
    month = value.month - months
    year = value.year
    while month < 1:
        month += 12
        year -= 1
    import calendar

    return datetime.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))


def _hand_set_stands(session, field, first_date) -> bool:
    """A date set by hand stays while it still fits the new first date (_message_date_fit_error);
    one the new dates leave behind (the clinic moved before it, or more than 3 months after it)
    follows the first date again, so no invitation goes out after the clinic."""
    if not getattr(session, f"{field}_set_by_hand"):
        return False
    if first_date is None or _message_date_fit_error(getattr(session, field), first_date) is None:
        return True
    setattr(session, f"{field}_set_by_hand", False)
    return False


def _recompute_message_dates(session, first_date):
    """Dates derived from the first session date, unless set by hand (or frozen once sent)."""
    team = session.team
    if session.is_community_clinic:
        if not _hand_set_stands(session, "invitation_date", first_date) and not selectors.invitation_sent(session):
            session.invitation_date = (
                first_date - datetime.timedelta(days=team.days_before_invitations) if first_date else None
            )
    else:
        if not _hand_set_stands(session, "consent_request_date", first_date) and not selectors.consent_request_sent(
            session
        ):
            session.consent_request_date = (
                first_date - datetime.timedelta(days=team.days_before_consent_requests) if first_date else None
            )
        session.consent_reminder_date = (
            first_date - datetime.timedelta(days=team.days_before_consent_reminders) if first_date else None
        )


def session_dates_errors(*, session, dates: list[datetime.date]) -> list[tuple[int | None, str]]:
    """Why the new list of dates is refused: (index of the date or None, message)."""
    errors = []
    start, end = academic_year_bounds(session.academic_year)
    seen = set()
    for index, value in enumerate(dates):
        if not start <= value <= end:
            errors.append(
                (
                    index,
                    f"Enter a date in the {session.academic_year}/{(session.academic_year + 1) % 100:02d} academic year "
                    f"(between {date_short(start)} and {date_short(end)})",
                )
            )
        elif value in seen:
            errors.append((index, "This date has already been added"))
        seen.add(value)
    for locked in sorted(selectors.dates_with_records(session) - set(dates)):
        errors.append((None, f"You cannot remove or change {date_short(locked)}: something was recorded on that date"))
    # Children booked on a date to come (selectors.bookings_ahead): the date stays until they are moved.
    removed = set(date_values(session)) - set(dates)
    booked = (
        selectors.bookings_ahead(session, timezone.localdate())
        .filter(date__in=removed)
        .values("date")
        .annotate(children=Count("pk"))
        .order_by("date")
    )
    for row in booked:
        n = row["children"]
        who = "1 child is" if n == 1 else f"{n} children are"
        errors.append(
            (
                None,
                f"You cannot remove {date_short(row['date'])}: {who} booked on that date. "
                f"Move their {'appointment' if n == 1 else 'appointments'} first",
            )
        )
    return errors


@transaction.atomic
def session_dates_set(*, session, dates: list[datetime.date]) -> Session:
    """Replaces the session's dates; refuses (ValidationError, nothing changed) bad or locked dates."""
    session = Session.objects.select_for_update().select_related("team").get(pk=session.pk)
    errors = session_dates_errors(session=session, dates=dates)
    if errors:
        raise ValidationError([message for _, message in errors])
    before = sorted(session.dates.values_list("value", flat=True))
    new = sorted(set(dates))
    if before == new:
        return session
    SessionDate.objects.filter(session=session).exclude(value__in=new).delete()
    SessionDate.objects.bulk_create(
        [SessionDate(session=session, value=value) for value in new if value not in before], ignore_conflicts=True
    )
    session.date_values = new
    _recompute_message_dates(session, new[0] if new else None)
    session.save()
    audit.record(
        "session.dates_set", session, before=[d.isoformat() for d in before], after=[d.isoformat() for d in new]
    )
    return session


def message_date_frozen_reason(*, session, field: str) -> str | None:
    """Why the invitation or consent-request date can no longer change: the messages went out."""
    if field == "invitation_date" and selectors.invitation_sent(session):
        return "Invitations have already been sent for this session, so the date cannot be changed"
    if field == "consent_request_date" and selectors.consent_request_sent(session):
        return "Consent requests have already been sent for this session, so the date cannot be changed"
    return None


def message_date_error(*, session, value: datetime.date | None, field: str) -> str | None:
    """A hand-set invitation or consent-request date: before the first date, at most 3 months before it."""
    from sessions.status import date_values

    frozen = message_date_frozen_reason(session=session, field=field)
    if frozen:
        return frozen
    values = date_values(session)
    if not values:
        return "Add a session date first"
    if value is None:
        return "Enter a date"
    return _message_date_fit_error(value, values[0])


def _message_date_fit_error(value: datetime.date, first: datetime.date) -> str | None:
    """The rule of an invitation or consent-request date: before the first session date, at most
    3 months before it."""
    if value >= first:
        return f"Enter a date before the first session date ({date_short(first)})"
    if value < months_before(first, 3):
        return f"Enter a date no more than 3 months before the first session date ({date_short(first)})"
    return None


@transaction.atomic
def session_message_date_set(*, session, field: str, value: datetime.date) -> Session:
    """Sets the invitation date (clinic) or the consent request date (school) by hand."""
    if field not in ("invitation_date", "consent_request_date"):
        raise ValueError(field)
    session = Session.objects.select_for_update().select_related("team").get(pk=session.pk)
    error = message_date_error(session=session, value=value, field=field)
    if error:
        raise ValidationError(error)
    before = getattr(session, field)
    setattr(session, field, value)
    setattr(session, f"{field}_set_by_hand", True)
    session.save()
    audit.record(f"session.{field}_set", session, before=str(before or ""), after=value.isoformat())
    return session


@transaction.atomic
def session_programmes_set(*, session, programmes) -> Session:
    programmes = list(programmes)
    if not programmes:
        raise ValidationError("Choose at least one programme")
    session = Session.objects.select_for_update().get(pk=session.pk)
    # As a date with records: the session's pages show outcomes only for its programmes.
    removed = session.programmes.exclude(pk__in=[p.pk for p in programmes])
    recorded = Programme.objects.filter(
        pk__in=VaccinationRecord.objects.filter(session_id=session.pk, programme__in=removed).values("programme")
    ).order_by("name")
    if recorded:
        raise ValidationError(
            [
                f"You cannot remove {programme.name}: vaccination outcomes were recorded for it in this session"
                for programme in recorded
            ]
        )
    before = sorted(session.programmes.values_list("code", flat=True))
    session.programmes.set(programmes)
    audit.record("session.programmes_set", session, before=before, after=sorted(p.code for p in programmes))
    return session


# --- On the day -------------------------------------------------------------------------------------


def _require_session_day(session, today):
    from sessions.status import is_session_day

    if not is_session_day(session, today):
        raise ValidationError("You can only record this on a session date")


def _require_ready(*, session, child, programme, today):
    """Only a child attending today, and any outcome only for a child ready to vaccinate
    (patients.statuses: not vaccinated yet, consent given, triage safe)."""
    attending = Attendance.objects.filter(
        session=session, child=child, date=today, status=Attendance.Status.ATTENDING
    ).exists()
    if not attending:
        raise ValidationError("Register the child as attending before recording an outcome")
    # Lock the status row first: a withdrawal or triage waits until this outcome is recorded.
    row = programme_status_lock(child_id=child.pk, programme_id=programme.pk, academic_year=session.academic_year)
    if not selectors.session_children(session).filter(pk=child.pk).exists():
        raise ValidationError(f"{child.full_name} is not in this session")
    status = child_statuses(child, [programme], session.academic_year)[programme.code]
    reason = recording_refused_reason(status, programme, child.full_name)
    if reason:
        raise ValidationError(reason)
    return consented_methods(programme, consent=status["consent"], injection_accepted=row.injection_accepted)


def _vaccinated_today(*, session, child, today) -> bool:
    """A dose given in the session today (London time): the child was there, whatever the register
    says later."""
    return VaccinationRecord.objects.filter(
        session_id=session.pk, child=child, outcome=VaccinationRecord.Outcome.VACCINATED, performed_at__date=today
    ).exists()


@transaction.atomic
def attendance_record(*, session, child, status: str, user=None, today=None) -> Attendance:
    today = today or timezone.localdate()
    _require_session_day(session, today)
    if status == Attendance.Status.ABSENT and _vaccinated_today(session=session, child=child, today=today):
        raise ValidationError(f"You cannot mark {child.full_name} as absent: they were vaccinated today")
    attendance, _ = Attendance.objects.update_or_create(
        session=session, child=child, date=today, defaults={"status": status, "recorded_by": user}
    )
    label = Attendance.Status(status).label
    activity_record(
        team=session.team,
        child_ids=[child.pk],
        kind=ActivityEvent.Kind.ATTENDANCE,
        session=session,
        user=user,
        text=f"Registered as {label.lower()}",
        details={"status": status, "date": today.isoformat()},
    )
    audit.record("attendance.recorded", attendance, team=session.team, status=status)
    return attendance


SCREENING_NOT_PASSED = "Not every pre-screening check is true: do not vaccinate, choose No and say why"


def _dose_errors(*, session, programme, vaccine_batch, method, site, venue, today, consented) -> list[str]:
    """What is wrong with the details of a dose: the batch (this team's, this programme's, not
    archived or expired), a vaccine given the way the consent allows, the method and site the
    vaccine allows, and the venue of a clinic (not archived)."""
    errors = []
    if vaccine_batch is not None:
        if vaccine_batch.team_id != session.team_id:
            errors.append("Choose a batch from your team's list")
        elif reason := vaccine_batch.refused_reason(programme=programme, today=today):
            errors.append(reason)
        else:
            vaccine = vaccine_batch.vaccine
            if vaccine.method not in consented:
                allowed = " or ".join(Vaccine.Method(m).label.lower() for m in consented)
                errors.append(f"The consent is for {allowed} only: {vaccine.brand} cannot be given")
            elif method not in vaccine.record_methods:
                errors.append(f"{vaccine.brand} cannot be given by {VaccinationRecord.Method(method).label.lower()}")
            elif site not in vaccine.sites:
                errors.append(f"{vaccine.brand} cannot be given in the {VaccinationRecord.Site(site).label.lower()}")
    if venue is not None and (venue.team_id != session.team_id or not session.is_community_clinic):
        errors.append("Choose a venue of your team's Community clinic")
    elif venue is not None and venue.archived_at is not None:
        errors.append(f"{venue.name} is archived: choose another venue")
    return errors


def _outcome_just_recorded(session, child, programme) -> VaccinationRecord | None:
    records = VaccinationRecord.objects.filter(session_id=session.pk, child=child, programme=programme)
    return just_written(records.select_related("performed_by"), at="performed_at")


@transaction.atomic
def vaccination_record_add(
    *,
    session,
    child,
    programme,
    outcome: str,
    user=None,
    vaccine: str = "",
    batch: str = "",
    method: str = "",
    site: str = "",
    notes: str = "",
    vaccine_batch=None,
    venue=None,
    identity_confirmed_by: str = "",
    pre_screening: dict | None = None,
    today=None,
) -> VaccinationRecord:
    """The one place a vaccination outcome is written. A dose names a batch from the team's list
    (`vaccine_batch`; the text `vaccine` / `batch` are filled from it) or, for records made
    without one, the text fields."""
    roles.require(user, roles.Clinical.RECORD_VACCINATION)
    today = today or timezone.localdate()
    _require_session_day(session, today)
    consented = _require_ready(session=session, child=child, programme=programme, today=today)
    if outcome != VaccinationRecord.Outcome.VACCINATED:
        vaccine = batch = method = site = ""
        vaccine_batch = None
    elif pre_screening and not all(pre_screening.values()):
        raise ValidationError(SCREENING_NOT_PASSED)
    errors = _dose_errors(
        session=session,
        programme=programme,
        vaccine_batch=vaccine_batch,
        method=method,
        site=site,
        venue=venue,
        today=today,
        consented=consented,
    )
    if errors:
        raise ValidationError(errors)
    if outcome != VaccinationRecord.Outcome.VACCINATED and (
        repeat := _outcome_just_recorded(session, child, programme)
    ):
        # Two nurses (or a double click the Confirm claim missed) recording "not given" at once:
        # the status lock above queued this one behind the first; it is not written twice.
        raise ValidationError(
            f"{_actor(repeat.performed_by)} recorded an outcome for {child.full_name} at "
            f"{clock_time(timezone.localtime(repeat.performed_at))} "
            f"({programme.name}: {VaccinationRecord.Outcome(repeat.outcome).label}): check it before recording another"
        )
    if vaccine_batch is not None:
        vaccine, batch = vaccine_batch.vaccine.brand, vaccine_batch.number
    record = VaccinationRecord.objects.create(
        team=session.team,
        child=child,
        programme=programme,
        outcome=outcome,
        performed_at=timezone.now(),
        session_id=session.pk,
        location_name=venue.name if venue else session.location_name,
        venue_id=venue.pk if venue else None,
        performed_by=user,
        notes=notes,
        vaccine=vaccine,
        batch=batch,
        method=method,
        site=site,
        vaccine_batch=vaccine_batch,
        identity_confirmed_by=identity_confirmed_by,
        pre_screening=pre_screening or {},
    )
    vaccination_statuses_refresh(child_id=child.pk, programme=programme, today=today)
    outcome_label = VaccinationRecord.Outcome(outcome).label
    text = f"{programme.name}: {outcome_label}" + (f" ({vaccine}, batch {batch})" if vaccine else "")
    if venue:
        text += f" at {venue.name}"
    activity_record(
        team=session.team,
        child_ids=[child.pk],
        kind=ActivityEvent.Kind.VACCINATION,
        session=session,
        user=user,
        text=text,
        details={"programme": programme.code, "outcome": outcome, "record_id": record.pk},
    )
    audit.record("vaccination.recorded", record, team=session.team, outcome=outcome)
    vaccination_recorded.send(record=record, session=session, user=user)
    return record


# --- Vaccines on the day, and the Community clinic's venues ---------------------------------------------


@transaction.atomic
def default_batch_set(*, user, date, vaccine_batch, today=None) -> DefaultBatch:
    """The batch this nurse gives from by default on `date`, for its vaccine."""
    reason = vaccine_batch.refused_reason(programme=vaccine_batch.vaccine.programme, today=today or date)
    if reason:
        raise ValidationError(reason)
    default, _ = DefaultBatch.objects.update_or_create(
        user=user, date=date, vaccine=vaccine_batch.vaccine, defaults={"batch": vaccine_batch}
    )
    audit.record("batch.default_set", default, team=vaccine_batch.team, batch=vaccine_batch.number)
    return default


@transaction.atomic
def venue_add(*, team, name: str, address: str = "") -> Venue:
    name = name.strip()
    duplicate = ValidationError(f"{name} is already in your list of venues")
    if Venue.objects.for_team(team).filter(name__iexact=name).exists():
        raise duplicate
    with refused_as(duplicate):
        venue = Venue.objects.create(team=team, name=name, address=address.strip())
    audit.record("venue.added", venue)
    return venue


@transaction.atomic
def venue_archive(*, venue) -> Venue:
    """Archived venues leave the nurses' list; the records made there keep their name."""
    if venue.archived_at is None:
        venue.archived_at = timezone.now()
        venue.save(update_fields=["archived_at"])
        audit.record("venue.archived", venue)
    return venue


@transaction.atomic
def note_add(*, session, child, text: str, user=None) -> ActivityEvent:
    text = (text or "").strip()
    if not text:
        raise ValidationError("Enter a note")
    if len(text) > 1000:
        raise ValidationError("Note must be 1,000 characters or fewer")
    Child.objects.select_for_update().filter(pk=child.pk).first()  # a double click's second request waits here
    repeat = just_written(
        ActivityEvent.objects.filter(kind=ActivityEvent.Kind.NOTE, child=child, session=session, user=user, text=text)
    )
    if repeat is not None:
        return repeat
    (event_id,) = activity_record(
        team=session.team, child_ids=[child.pk], kind=ActivityEvent.Kind.NOTE, session=session, user=user, text=text
    )
    event = ActivityEvent.objects.get(pk=event_id)
    audit.record("note.added", event, team=session.team)
    return event


# --- Clinic bookings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingChange:
    """One child's booking as it should now be (date and time None unless booked)."""

    child_id: int
    status: str
    date: datetime.date | None = None
    time: datetime.time | None = None


# Archived children (deceased, moved away, imported in error) are out of the team's lists and
# messages (domain.md): the import, the nurse's form and the parents' link do not book them.
ARCHIVED_NOT_BOOKED = "This child’s record is archived: they cannot be booked"


def _refuse_archived_bookings(*, session, changes: list[BookingChange]) -> None:
    booked = [c.child_id for c in changes if c.status == Booking.Status.BOOKED]
    if booked and Child.objects.filter(team_id=session.team_id, pk__in=booked, archived_at__isnull=False).exists():
        raise ValidationError(ARCHIVED_NOT_BOOKED, code="archived")


def booking_change_error(*, session, change: BookingChange) -> str | None:
    """Why a booking cannot be stored as given (the forms and the import show it)."""
    if change.status not in Booking.Status.values:
        return "Choose booked, cancelled or declined"
    if change.status == Booking.Status.BOOKED:
        if change.date is None:
            return "Enter the clinic date booked"
        if change.date not in set(date_values(session)):
            return f"{date_long(change.date)} is not one of the clinic’s dates"
    return None


@transaction.atomic
def bookings_record(*, session, changes: list[BookingChange], source: str, user=None) -> int:
    """Stores each child's booking at a Community clinic, adds them to the clinic if they are not
    on its list, and records one activity event per changed booking ("Booked for Tuesday 5 January
    at 10:20"). A booking already as given is left alone, so the same import twice changes
    nothing. Returns the number of bookings changed."""
    if not session.is_community_clinic:
        raise ValidationError("Only a community clinic takes bookings")
    errors = [error for change in changes if (error := booking_change_error(session=session, change=change))]
    if errors:
        raise ValidationError(errors[0])
    _refuse_archived_bookings(session=session, changes=changes)
    team_children = set(
        Child.objects.filter(team_id=session.team_id, pk__in=[c.child_id for c in changes]).values_list("pk", flat=True)
    )
    if len(team_children) != len({c.child_id for c in changes}):
        raise ValidationError("A child is not one of your team’s")
    current = {
        b.child_id: (b.status, b.date, b.time)
        for b in Booking.objects.select_for_update().filter(session=session, child_id__in=team_children)
    }
    changed = [c for c in changes if current.get(c.child_id) != (c.status, c.date, c.time)]
    if not changed:
        return 0
    now = timezone.now()
    Booking.objects.bulk_create(
        [
            Booking(
                team_id=session.team_id,
                session=session,
                child_id=c.child_id,
                status=c.status,
                date=c.date,
                time=c.time,
                source=source,
                updated_by=user,
                updated_at=now,
            )
            for c in changed
        ],
        update_conflicts=True,
        unique_fields=["session", "child"],
        update_fields=["status", "date", "time", "source", "updated_by", "updated_at"],
        batch_size=2000,
    )
    session_membership_add(
        session=session, child_ids=[c.child_id for c in changed], source=SessionMembership.Source.OTHER, added_by=user
    )
    by_text: dict[str, list[int]] = {}
    for c in changed:
        by_text.setdefault(booking_words(c.status, c.date, c.time), []).append(c.child_id)
    for text, child_ids in by_text.items():
        activity_record(
            team=session.team,
            child_ids=child_ids,
            kind=ActivityEvent.Kind.BOOKING,
            session=session,
            user=user,
            text=text,
            details={"source": source},
            created_at=now,
        )
    audit.record_bulk(
        "booking.recorded", Child, [c.child_id for c in changed], team=session.team, session=session.pk, source=source
    )
    return len(changed)


class AppointmentFull(Exception):
    """The chosen appointment time has no free place left (someone booked it first)."""


@transaction.atomic
def booking_book_appointment(*, session, child, date, time, source: str, user=None) -> bool:
    """Books (or moves) the child into one of the clinic's appointment times, never beyond its
    places: the clinic date's row is locked while the places are counted and the booking written,
    so bookings for one date queue behind each other however many arrive at once. Raises
    AppointmentFull when the time has no free place, ValidationError when it is not an
    appointment time of the clinic. Returns whether the booking changed."""
    if child.archived_at is not None:
        raise ValidationError(ARCHIVED_NOT_BOOKED, code="archived")
    day = SessionDate.objects.select_for_update().filter(session=session, value=date).first()
    if day is None or time not in day.slot_times():
        raise ValidationError("Choose one of the clinic’s appointment times")
    taken = (
        Booking.objects.filter(session=session, date=date, time=time, status=Booking.Status.BOOKED)
        .exclude(child=child)
        .count()
    )
    if taken >= day.places_per_slot:
        raise AppointmentFull(date, time)
    change = BookingChange(child.pk, Booking.Status.BOOKED, date, time)
    return bool(bookings_record(session=session, changes=[change], source=source, user=user))


def session_date_times_error(*, start, end, slot_minutes, places) -> str | None:
    if start is None or end is None or not slot_minutes or not places:
        return None  # all blank: no appointment times (checked field by field by the form)
    if end <= start:
        return "The end time must be after the start time"
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if slot_minutes > minutes:
        return "The appointment length must fit between the start and end times"
    return None


@transaction.atomic
def session_date_times_set(*, session_date, start, end, slot_minutes, places) -> SessionDate:
    """A clinic date's appointment times. Booked appointments stay as they are (a nurse moves
    them); the places count only against times that still exist."""
    error = session_date_times_error(start=start, end=end, slot_minutes=slot_minutes, places=places)
    if error:
        raise ValidationError(error)
    session_date.appointments_start, session_date.appointments_end = start, end
    session_date.slot_minutes, session_date.places_per_slot = slot_minutes, places
    session_date.save(update_fields=["appointments_start", "appointments_end", "slot_minutes", "places_per_slot"])
    audit.record(
        "session_date.appointment_times_set",
        session_date,
        team=session_date.session.team,
        start=str(start),
        end=str(end),
        slot_minutes=slot_minutes,
        places=places,
    )
    return session_date
