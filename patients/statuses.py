"""The one home of every derived fact (ARCHITECTURE.md "Derived facts have one home", domain.md).

- *can receive email* / *can receive texts* / *contactable*, per parent: `can_receive_email_q`,
  `can_receive_texts_q`, `contactable_q` (every count, list and sender reads these);
- *programme applies to this child in this year* (year groups): `programme_applies_q`,
  `programme_applies`;
- consent, triage and vaccination status, and the safety gate *ready to vaccinate*: the
  generated columns of `ProgrammeStatus`, read through `with_statuses` / `status_q` / `child_statuses`
  (no row means nothing recorded: `DEFAULTS`) and written by the services through
  `programme_status_lock` (consent) and `vaccination_statuses_refresh` (vaccination records).

Why stored rows and not a view: docs/decisions/0009-derived-statuses.md.
"""

import datetime

from django.db.models import Case, Count, Exists, F, FilteredRelation, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.academic import academic_year_bounds, academic_year_of, birth_academic_year_for, current_academic_year
from patients.models import Parent, ProgrammeStatus, VaccinationRecord
from patients.phone import UK_MOBILE_SQL_REGEX

# --- Who can receive a message (domain.md "Children (patients) and parents") -----------------------


def can_receive_email_q(prefix: str = "") -> Q:
    """A parent with an email address."""
    return ~Q(**{f"{prefix}email": ""})


def can_receive_texts_q(prefix: str = "") -> Q:
    """A parent with a UK mobile number whose contact method allows texts (any, or text only)."""
    return Q(**{f"{prefix}phone__regex": UK_MOBILE_SQL_REGEX}) & Q(
        **{f"{prefix}contact_method__in": Parent.TEXT_METHODS}
    )


def contactable_q(prefix: str = "") -> Q:
    """Can receive email or texts: the one definition of a contactable parent."""
    return can_receive_email_q(prefix) | can_receive_texts_q(prefix)


# --- Which programmes apply to a child (year groups) -----------------------------------------------


def programme_applies_q(programme, academic_year: int, prefix: str = "") -> Q:
    """Children whose year group in `academic_year` is one of the programme's (a date-of-birth range)."""
    groups = sorted(programme.year_groups or [])
    if not groups:
        return Q(pk__in=[])
    # Year groups are consecutive in every programme: one index-friendly range.
    oldest = academic_year_bounds(birth_academic_year_for(groups[-1], academic_year))[0]
    youngest = academic_year_bounds(birth_academic_year_for(groups[0], academic_year))[1]
    assert groups == list(range(groups[0], groups[-1] + 1)), programme  # noqa: S101 - a programme's own data
    return Q(**{f"{prefix}date_of_birth__range": (oldest, youngest)})


def programme_applies(child, programme, academic_year: int) -> bool:
    """The same rule for a child already loaded (tests/patients/test_statuses.py checks they agree)."""
    return child.year_group(academic_year) in (programme.year_groups or [])


def applicable_programmes(child, programmes, academic_year: int) -> list:
    return [p for p in programmes if programme_applies(child, p, academic_year)]


# --- Consent, triage and vaccination status ----------------------------------------------------------

# What the generated columns give for a row of defaults (no row: nothing recorded).
# tests/patients/test_statuses.py checks these against PostgreSQL.
DEFAULTS = {
    "consent": ProgrammeStatus.Consent.NO_RESPONSE.value,
    "triage": ProgrammeStatus.Triage.NOT_NEEDED.value,
    "vaccination": ProgrammeStatus.Vaccination.NONE_YET.value,
    "ready_to_vaccinate": False,
}
FIELDS = tuple(DEFAULTS)


def with_statuses(children, programmes, academic_year: int, fields=FIELDS):
    """Annotates `<field>_<programme code>` on a Child queryset for each programme and field of
    FIELDS: the status, or None when the programme does not apply to the child. Plain LEFT
    JOINs (one per programme), so a page, a filter and a count all read the same rows."""
    annotations = {}
    for p in programmes:
        relation = f"status_{p.code}"
        children = children.annotate(
            **{
                relation: FilteredRelation(
                    "programme_statuses",
                    condition=Q(programme_statuses__programme=p.pk, programme_statuses__academic_year=academic_year),
                )
            }
        )
        for name in fields:
            annotations[f"{name}_{p.code}"] = Case(
                When(
                    programme_applies_q(p, academic_year),
                    then=Coalesce(F(f"{relation}__{name}"), Value(DEFAULTS[name])),
                ),
                default=None,
            )
    return children.annotate(**annotations)


def status_q(programmes, academic_year: int, field: str, values) -> Q:
    """Children for whom any of `programmes` applies with its `field` in `values` (no row reads as
    DEFAULTS). One EXISTS per programme rather than a filter on with_statuses' joins: PostgreSQL
    estimates an EXISTS from the status table's statistics, so a paginated list walks the name
    index and stops at the page, where the COALESCE over a join was estimated at 1% of the rows
    and every match was sorted (docs/decisions/0009-derived-statuses.md, Figures)."""
    values = [str(v) for v in values]
    query = Q(pk__in=[])
    for p in programmes:
        rows = ProgrammeStatus.objects.filter(child=OuterRef("pk"), programme=p.pk, academic_year=academic_year)
        if DEFAULTS[field] in values:  # no row matches too
            matches = ~Exists(rows.exclude(**{f"{field}__in": values}))
        else:
            matches = Exists(rows.filter(**{f"{field}__in": values}))
        query |= programme_applies_q(p, academic_year) & Q(matches)
    return query


def status_groups(children, programmes, academic_year: int, fields=FIELDS, by=()) -> list[dict]:
    """`children` grouped by their combination of statuses: one dict per group with
    `<field>_<programme code>` (None when the programme does not apply) and `n`, the number of
    children. A few dozen groups whatever the number of children, so every count on a page is a
    sum over them and the page makes one pass over its children. `by`: annotations of `children`
    to group by as well (mavis.memo's bucket)."""
    programmes = list(programmes)
    names = [*by, *(f"{name}_{p.code}" for p in programmes for name in fields)]
    if not names:
        return [{"n": children.count()}]
    grouped = with_statuses(children, programmes, academic_year, fields=fields).values(*names)
    return list(grouped.annotate(n=Count("pk")).order_by())


def child_statuses(child, programmes, academic_year: int) -> dict[str, dict | None]:
    """{programme code: {field: status} or None when the programme does not apply}, in one query."""
    from patients.models import Child

    programmes = list(programmes)
    if not programmes:
        return {}
    names = [f"{name}_{p.code}" for p in programmes for name in FIELDS]
    row = with_statuses(Child.objects.filter(pk=child.pk), programmes, academic_year).values(*names).get()
    result = {}
    for p in programmes:
        applies = row[f"consent_{p.code}"] is not None
        result[p.code] = {name: row[f"{name}_{p.code}"] for name in FIELDS} if applies else None
    return result


def consented_methods(programme, *, consent: str, injection_accepted: bool) -> list[str]:
    """How the child may be given the programme's vaccine (patients.Vaccine.Method), by what the
    consent says: flu nasal spray only, injection only, or nasal spray with injection if it is
    unsuitable (either); every other programme is injected."""
    from patients.models import Vaccine

    if not programme.is_flu:
        return [Vaccine.Method.INJECTION]
    if consent == ProgrammeStatus.Consent.GIVEN_INJECTION:
        return [Vaccine.Method.INJECTION]
    if injection_accepted:
        return [Vaccine.Method.NASAL, Vaccine.Method.INJECTION]
    return [Vaccine.Method.NASAL]


def recording_refused_reason(status: dict | None, programme, child_name: str) -> str | None:
    """Why no outcome can be recorded for the programme (the safety gate `ready_to_vaccinate`,
    explained from the same row), or None when it can. `status` is one programme's entry of
    `child_statuses` (None: the programme does not apply to the child)."""
    if status is None:
        return f"{programme.name} is not offered to {child_name}'s year group"
    if status["ready_to_vaccinate"]:
        return None
    Consent, Triage = ProgrammeStatus.Consent, ProgrammeStatus.Triage
    if status["vaccination"] == ProgrammeStatus.Vaccination.VACCINATED:
        when = "this year" if programme.seasonal else "already"
        return f"{child_name} is already vaccinated against {programme.name} ({when}): nothing more to record"
    if status["consent"] == Consent.REFUSED:
        return f"Consent for {programme.name} was refused: do not vaccinate {child_name}"
    if status["consent"] == Consent.CONFLICTING:
        return f"Consent for {programme.name} is conflicting: resolve it with the parents before vaccinating"
    if status["consent"] not in ProgrammeStatus.GIVEN:
        return f"There is no consent for {programme.name}: get consent before vaccinating"
    triage = Triage(status["triage"]).label.lower()
    return f"Triage for {programme.name} is not safe to vaccinate ({triage}): only a safe triage allows recording"


# --- Writes (inside the transaction of the record that changes them) ------------------------------------


def programme_status_lock(*, child_id: int, programme_id: int, academic_year: int) -> ProgrammeStatus:
    """The row, created if missing and locked until the transaction ends: writers of one child's
    status for one programme queue here, then read the records the status is made from."""
    ProgrammeStatus.objects.bulk_create(
        [ProgrammeStatus(child_id=child_id, programme_id=programme_id, academic_year=academic_year)],
        ignore_conflicts=True,
    )
    return ProgrammeStatus.objects.select_for_update().get(
        child_id=child_id, programme_id=programme_id, academic_year=academic_year
    )


def vaccination_inputs(records, programme, academic_year: int) -> dict[str, bool]:
    """`vaccinated` and `not_given` of one year's row, from the child's records of the programme
    (the rule the refresh and programme_statuses_rebuild share)."""
    return {
        "vaccinated": any(r.counts_as_vaccinated(academic_year, programme) for r in records),
        # Absent is not an attempt: the child simply still needs the vaccine.
        "not_given": any(
            not r.administered and r.outcome != VaccinationRecord.Outcome.ABSENT and r.performed_in(academic_year)
            for r in records
        ),
    }


def vaccination_years(records, existing_years, today: datetime.date | None = None) -> set[int]:
    """The years whose rows a child's records of a programme decide: the rows that exist, the
    years of the records and the current academic year (a dose of a programme that is not
    seasonal counts in every later year too)."""
    years = set(existing_years) | {academic_year_of(timezone.localdate(r.performed_at)) for r in records}
    years.add(current_academic_year(today))
    return years


def vaccination_statuses_refresh(*, child_id: int, programme, today: datetime.date | None = None) -> None:
    """Recompute `vaccinated` and `not_given` of the child's rows for the programme (vaccination_years)."""
    records = list(VaccinationRecord.objects.filter(child_id=child_id, programme=programme))
    existing = ProgrammeStatus.objects.filter(child_id=child_id, programme=programme).values_list(
        "academic_year", flat=True
    )
    for year in sorted(vaccination_years(records, existing, today)):
        row = programme_status_lock(child_id=child_id, programme_id=programme.pk, academic_year=year)
        for name, value in vaccination_inputs(records, programme, year).items():
            setattr(row, name, value)
        row.save(update_fields=["vaccinated", "not_given", "updated_at"])


def vaccination_statuses_carry_forward(*, team, academic_year: int) -> int:
    """At the yearly rollover: a dose of a programme that is not seasonal counts in every later
    year, but the new year has no status rows yet (no row reads as none yet). Write them, set-based,
    from the one rule (VaccinationRecord counts_as_vaccinated). Returns the rows written."""
    pairs = (
        VaccinationRecord.objects.filter(child__team=team, programme__seasonal=False)
        .counts_as_vaccinated(academic_year)
        .order_by()  # the default ordering (performed_at) would make DISTINCT keep one pair per dose
        .values_list("child_id", "programme_id")
        .distinct()
    )
    rows = [
        ProgrammeStatus(child_id=child_id, programme_id=programme_id, academic_year=academic_year, vaccinated=True)
        for child_id, programme_id in pairs
    ]
    ProgrammeStatus.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["child", "programme", "academic_year"],
        update_fields=["vaccinated"],
    )
    return len(rows)


def relationships_with_channels():
    """A child's parent links with `parent_contactable` annotated (for prefetches)."""
    from django.db.models import BooleanField, ExpressionWrapper

    from patients.models import ParentRelationship

    return (
        ParentRelationship.objects.select_related("parent")
        .annotate(parent_contactable=ExpressionWrapper(contactable_q("parent__"), output_field=BooleanField()))
        .order_by("parent__full_name")
    )


def vaccination_statuses_refresh_many(records) -> None:
    """vaccination_statuses_refresh for each child and programme of records written in bulk (demo data)."""
    from django.db import transaction

    with transaction.atomic():
        for child_id, programme in {(r.child_id, r.programme) for r in records}:
            vaccination_statuses_refresh(child_id=child_id, programme=programme)
