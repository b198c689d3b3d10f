"""The one rule every path shares (spec: clinic-invitations.md), in SQL.

A child can be invited to Community clinic session S for its next date D when the family
can be messaged, and for at least one programme of S for which the child's year group is
eligible (in D's academic year) the child is neither vaccinated nor has consent refused,
and no invitation exists for (child, S, D). Every count and every sender goes through
`Eligibility`, so the number a nurse sees is the number sent.
"""

import datetime
import hashlib
from dataclasses import dataclass, field, replace

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from clinics.models import ClinicInvitation
from patients.academic import academic_year_of
from patients.models import Child, ProgrammeStatus, VaccinationRecord
from patients.statuses import with_statuses
from sessions.models import Attendance, SessionDate

CANNOT_BE_CONTACTED_REASON = "No parent can receive email or text messages"


def next_clinic_date(session, today: datetime.date) -> datetime.date | None:
    """The session's first date that is today or later."""
    prefetched = getattr(session, "_prefetched_objects_cache", {}).get("dates")
    if prefetched is not None:
        return min((d.value for d in prefetched if d.value >= today), default=None)
    return (
        SessionDate.objects.filter(session=session, value__gte=today)
        .order_by("value")
        .values_list("value", flat=True)
        .first()
    )


def reminder_clinic_date(session, today: datetime.date) -> datetime.date | None:
    """The clinic date booking reminders are for: the first one after today (a parent cannot book
    a slot for a clinic already under way)."""
    return next_clinic_date(session, today + datetime.timedelta(days=1))


def upcoming_clinic_dates(session, today: datetime.date) -> list[datetime.date]:
    return list(
        SessionDate.objects.filter(session=session, value__gte=today).order_by("value").values_list("value", flat=True)
    )


NOBODY = "SELECT NULL::bigint AS child_id, NULL::text[] AS programmes WHERE false"

# Consent statuses that still need the clinic: neither vaccinated (not required) nor refused.
STILL_NEEDED = [
    status
    for status in ProgrammeStatus.Consent.values
    if status not in (ProgrammeStatus.Consent.NOT_REQUIRED, ProgrammeStatus.Consent.REFUSED)
]


@dataclass
class Eligibility:
    """Who can be invited to `session` for `clinic_date`, among `children` (a Child queryset).

    `programmes` narrows the programmes judged (default: the session's); `contactable=False`
    gives the children who pass every rule except that no parent can be contacted.
    """

    session: object
    clinic_date: datetime.date
    children: QuerySet | None = None
    programmes: list | None = None
    contactable: bool = True
    _programmes: list = field(init=False, repr=False)
    _sql: tuple | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        programmes = self.programmes if self.programmes is not None else list(self.session.programmes.all())
        self._programmes = sorted(programmes, key=lambda p: p.name)

    @property
    def academic_year(self) -> int:
        return academic_year_of(self.clinic_date)

    def _queryset(self) -> QuerySet:
        children = self.children if self.children is not None else Child.objects.all()
        children = children.filter(team_id=self.session.team_id)
        children = children.can_be_messaged() if self.contactable else children.cannot_be_contacted()
        invited_for_date = ClinicInvitation.objects.filter(
            child_id=OuterRef("pk"), session_id=self.session.pk, clinic_date=self.clinic_date
        )
        children = children.filter(~Exists(invited_for_date))
        # patients.statuses: NULL when the programme does not apply to the child's year group.
        children = with_statuses(children, self._programmes, self.academic_year, fields=["consent"])
        return children.annotate(
            **{
                f"needs_{i}": ExpressionWrapper(
                    Q(**{f"consent_{p.code}__in": STILL_NEEDED}), output_field=BooleanField()
                )
                for i, p in enumerate(self._programmes)
            }
        )

    def sql(self) -> tuple[str, list]:
        """Rows (child_id, programmes) of the children who can be invited: `programmes` is the
        array of codes of the programmes each child still needs."""
        # Building this query costs ~30 ms of CPU, and pages use it twice (count and list).
        if self._sql is None:
            self._sql = self._build_sql()
        return self._sql

    def _build_sql(self) -> tuple[str, list]:
        if not self._programmes:
            return NOBODY, []
        names = [f"needs_{i}" for i in range(len(self._programmes))]
        try:
            inner, params = self._queryset().order_by().values("id", *names).query.sql_with_params()
        except EmptyResultSet:  # among no children (`only` an empty snapshot)
            return NOBODY, []
        codes = ", ".join(f"CASE WHEN e.{name} THEN %s END" for name in names)
        any_need = " OR ".join(f"e.{name}" for name in names)
        # OFFSET 0 keeps the subquery whole: evaluate each programme's test once per child, not again in the WHERE.
        select = f"SELECT e.id AS child_id, array_remove(ARRAY[{codes}]::text[], NULL) AS programmes "
        sql = select + f"FROM (SELECT * FROM ({inner}) AS x OFFSET 0) AS e WHERE {any_need}"  # noqa: S608
        return sql, [*[p.code for p in self._programmes], *params]

    def count(self) -> int:
        sql, params = self.sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS invitable", params)  # noqa: S608 - built from our ORM
            return cursor.fetchone()[0]

    def snapshot(self) -> "Snapshot":
        """The children who can be invited now, by id, with a digest of them, the clinic session and
        the date: a summary page carries the digest, and its button sends only if it still matches
        (a page left open never sends to more children than it said)."""
        sql, params = self.sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT child_id FROM ({sql}) AS invitable ORDER BY child_id", params)  # noqa: S608
            ids = [row[0] for row in cursor.fetchall()]
        seen = f"{self.session.pk}:{self.clinic_date}:{','.join(map(str, ids))}"
        return Snapshot(ids, hashlib.sha256(seen.encode()).hexdigest()[:32])

    def only(self, child_ids) -> "Eligibility":
        """The same rule among `child_ids` only (a snapshot's children: never anyone else)."""
        from django.db.models.expressions import RawSQL

        children = self.children if self.children is not None else Child.objects.all()
        # One array parameter, not one placeholder per child (a clinic may have tens of thousands).
        ids = RawSQL("SELECT unnest(%s::bigint[])", [list(child_ids)])  # noqa: S611 - a parameter
        return replace(self, children=children.filter(pk__in=ids))

    def rows(self) -> list[tuple[int, list[str]]]:
        sql, params = self.sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [(row[0], list(row[1])) for row in cursor.fetchall()]

    def child_ids_queryset(self) -> QuerySet:
        """The children as a lazy Child queryset (for lists: names, pagination)."""
        sql, params = self.sql()
        from django.db.models.expressions import RawSQL

        # MATERIALIZED: the rule runs once, as count() runs it. Flattened into the outer query, its
        # joins were reordered into a plan that ran for over 13 minutes on a test's few children.
        subquery = f"WITH invitable AS MATERIALIZED ({sql}) SELECT child_id FROM invitable"  # noqa: S608 - built from our ORM
        return Child.objects.filter(pk__in=RawSQL(subquery, params))  # noqa: S611


@dataclass(frozen=True)
class Snapshot:
    child_ids: list
    digest: str

    def changed_since(self, seen: str | None) -> bool:
        """True when a page that showed `seen` would now send to other children (a page showing no
        digest, or the children all invited since, changes nothing: the button sends what it can)."""
        return seen is not None and bool(self.child_ids) and seen != self.digest


# --- Missed at school for a reason a clinic can fix (the child-in-session page offers the clinic) ----

# What a record at the school session says, in the page's words. A refusal on the day or
# contraindications are for a nurse to follow up, not for a clinic appointment.
CLINIC_CAN_FIX_OUTCOMES = {
    VaccinationRecord.Outcome.ABSENT: "absent from the session",
    VaccinationRecord.Outcome.UNWELL: "unwell",
}
DELAYED_AT_TRIAGE = "vaccination delayed at triage"


def clinic_can_fix(session, child, statuses) -> list[tuple[object, str]]:
    """(programme, reason) for each programme of a school session the child was not vaccinated
    for because they were absent (registered or recorded), unwell, or triage said delay
    vaccination, and that is still needed (not vaccinated, consent not refused, triage not
    "do not vaccinate"). `statuses` is patients.statuses.child_statuses for the session's
    programmes; the child's records and this session's attendance are read as loaded by
    sessions.selectors.child_in_session (newest first), so this costs no query there."""
    if session.is_community_clinic:
        return []
    attendance = next(iter(child.attendances.all()), None)
    registered_absent = attendance is not None and attendance.status == Attendance.Status.ABSENT
    reasons = []
    for programme in session.programmes.all():
        row = statuses.get(programme.code)
        if (
            row is None
            or row["vaccination"] == ProgrammeStatus.Vaccination.VACCINATED
            or row["consent"] == ProgrammeStatus.Consent.REFUSED
            or row["triage"] == ProgrammeStatus.Triage.DO_NOT_VACCINATE
        ):
            continue
        latest = next(
            (
                r
                for r in child.vaccination_records.all()
                if r.programme_id == programme.pk and r.session_id == session.pk
            ),
            None,
        )
        if latest is not None and latest.outcome in CLINIC_CAN_FIX_OUTCOMES:
            reasons.append((programme, CLINIC_CAN_FIX_OUTCOMES[latest.outcome]))
        elif row["triage"] == ProgrammeStatus.Triage.DELAY_VACCINATION:
            reasons.append((programme, DELAYED_AT_TRIAGE))
        elif latest is None and registered_absent:
            reasons.append((programme, CLINIC_CAN_FIX_OUTCOMES[VaccinationRecord.Outcome.ABSENT]))
    return reasons
