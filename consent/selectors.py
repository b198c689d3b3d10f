"""Reads of consent, computed in SQL at query time so they always agree with the records.

Consent status per (child, programme, academic year), domain.md:
- a response *counts* when it gives or refuses, is neither withdrawn nor invalidated, and is
  its respondent's latest (a newer response from the same person supersedes it; invalidated
  responses never happened and "no response" records supersede nothing);
- *not_required* when the child is already vaccinated;
- *given* when every counting response gives consent (flu: *given_nasal* / *given_injection*
  when the methods overlap), *refused* when all refuse, *conflicting* for a mix or for flu
  methods that do not overlap (nasal spray only against injection only), else *no_response*.

Two forms of the same rules: `annotate_consent_status` (per-row expressions, for a page of
children or a filter inside another query) and `consent_statuses_sql` (set-based, for
counts and filters over a whole session). tests/consent/test_statuses.py checks they agree.
"""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, TextChoices, Value, When
from django.db.models.functions import Coalesce

from consent.models import ConsentRequest, ConsentResponse, FluMethod, ParentDetailsChange, Triage
from patients.academic import academic_year_bounds, birth_academic_year_for
from patients.models import Programme, VaccinationRecord


class ConsentStatus(TextChoices):
    NO_RESPONSE = "no_response", "No response"
    GIVEN = "given", "Consent given"
    GIVEN_NASAL = "given_nasal", "Consent given for nasal spray"
    GIVEN_INJECTION = "given_injection", "Consent given for injected vaccine"
    REFUSED = "refused", "Consent refused"
    CONFLICTING = "conflicting", "Conflicting consent"
    NOT_REQUIRED = "not_required", "Vaccinated"


GIVEN_STATUSES = (ConsentStatus.GIVEN, ConsentStatus.GIVEN_NASAL, ConsentStatus.GIVEN_INJECTION)


class TriageStatus(TextChoices):
    NOT_NEEDED = "not_needed", "No triage needed"
    NEEDED = "needed", "Needs triage"
    SAFE_TO_VACCINATE = "safe_to_vaccinate", "Safe to vaccinate"
    KEEP_IN_TRIAGE = "keep_in_triage", "Keep in triage"
    DELAY_VACCINATION = "delay_vaccination", "Delay vaccination"
    DO_NOT_VACCINATE = "do_not_vaccinate", "Do not vaccinate"


class VaccinationStatus(TextChoices):
    VACCINATED = "vaccinated", "Vaccinated"
    COULD_NOT_VACCINATE = "could_not_vaccinate", "Could not vaccinate"
    NONE_YET = "none_yet", "No outcome yet"


def _programme_id(programme) -> int:
    return programme.pk if isinstance(programme, Programme) else int(programme)


def counting_responses(academic_year: int, programme_id: int, child_ref=None) -> QuerySet:
    """Responses that count towards the status: valid, given or refused, and their respondent's latest."""
    child_ref = OuterRef("pk") if child_ref is None else child_ref
    newer = ConsentResponse.objects.filter(
        child_id=OuterRef("child_id"),
        programme_id=OuterRef("programme_id"),
        academic_year=OuterRef("academic_year"),
        respondent_key=OuterRef("respondent_key"),
        invalidated_at__isnull=True,
        pk__gt=OuterRef("pk"),
    ).exclude(response=ConsentResponse.Response.NOT_PROVIDED)
    return ConsentResponse.objects.filter(
        child_id=child_ref,
        programme_id=programme_id,
        academic_year=academic_year,
        withdrawn_at__isnull=True,
        invalidated_at__isnull=True,
        response__in=[ConsentResponse.Response.GIVEN, ConsentResponse.Response.REFUSED],
    ).filter(~Exists(newer))


def _vaccinated(academic_year, programme_id, child_ref):
    return VaccinationRecord.objects.counts_as_vaccinated(academic_year).filter(
        child_id=child_ref, programme_id=programme_id
    )


def consent_refused(academic_year: int, programme_id, child_ref=None) -> Q:
    """True when the child's consent status for the programme and year is *refused*.

    Usable in filter()/exclude() of a Child queryset (or with child_ref inside another subquery).
    """
    child_ref = OuterRef("pk") if child_ref is None else child_ref
    programme_id = _programme_id(programme_id)
    counting = counting_responses(academic_year, programme_id, child_ref)
    given = counting.filter(response=ConsentResponse.Response.GIVEN)
    refused = counting.filter(response=ConsentResponse.Response.REFUSED)
    return Q(Exists(refused)) & ~Q(Exists(given)) & ~Q(Exists(_vaccinated(academic_year, programme_id, child_ref)))


def consent_status_expression(academic_year: int, programme: Programme, child_ref=None) -> Case:
    child_ref = OuterRef("pk") if child_ref is None else child_ref
    counting = counting_responses(academic_year, programme.pk, child_ref)
    given = counting.filter(response=ConsentResponse.Response.GIVEN)
    refused = counting.filter(response=ConsentResponse.Response.REFUSED)
    whens = [
        When(Exists(_vaccinated(academic_year, programme.pk, child_ref)), then=Value(ConsentStatus.NOT_REQUIRED)),
        When(Exists(given) & Exists(refused), then=Value(ConsentStatus.CONFLICTING)),
        When(Exists(refused), then=Value(ConsentStatus.REFUSED)),
    ]
    if programme.is_flu:
        nasal_only = given.filter(flu_method=FluMethod.NASAL)
        injection_only = given.filter(flu_method=FluMethod.INJECTION)
        whens += [
            When(Exists(nasal_only) & Exists(injection_only), then=Value(ConsentStatus.CONFLICTING)),
            When(Exists(injection_only), then=Value(ConsentStatus.GIVEN_INJECTION)),
            When(Exists(given), then=Value(ConsentStatus.GIVEN_NASAL)),
        ]
    else:
        whens.append(When(Exists(given), then=Value(ConsentStatus.GIVEN)))
    return Case(*whens, default=Value(ConsentStatus.NO_RESPONSE), output_field=CharField())


def annotate_consent_status(children_qs: QuerySet, programmes, academic_year: int) -> QuerySet:
    """Adds `consent_<programme code>` to each child, computed in SQL."""
    return children_qs.annotate(
        **{f"consent_{p.code}": consent_status_expression(academic_year, p) for p in programmes}
    )


def _latest_triage(academic_year, programme_id, child_ref):
    return (
        Triage.objects.filter(child_id=child_ref, programme_id=programme_id, academic_year=academic_year)
        .order_by("-pk")
        .values("status")[:1]
    )


def triage_status_expression(academic_year: int, programme: Programme, child_ref=None) -> Case:
    """needed when a counting given response has a yes health answer and no nurse has triaged since."""
    from django.db.models import Subquery

    child_ref = OuterRef("pk") if child_ref is None else child_ref
    needs = counting_responses(academic_year, programme.pk, child_ref).filter(
        response=ConsentResponse.Response.GIVEN, needs_triage=True
    )
    latest = Subquery(_latest_triage(academic_year, programme.pk, child_ref))
    return Case(
        When(~Exists(needs), then=Value(TriageStatus.NOT_NEEDED)),
        default=Coalesce(latest, Value(TriageStatus.NEEDED)),
        output_field=CharField(),
    )


def annotate_triage_status(children_qs: QuerySet, programmes, academic_year: int) -> QuerySet:
    """Adds `triage_<programme code>`: not_needed, needed, or the latest triage decision."""
    return children_qs.annotate(**{f"triage_{p.code}": triage_status_expression(academic_year, p) for p in programmes})


def ready_to_vaccinate_q(academic_year: int, programme: Programme, child_ref=None) -> Q:
    """Consent given (never conflicting) and, when triage is needed, a nurse said safe to vaccinate."""
    consent = consent_status_expression(academic_year, programme, child_ref)
    triage = triage_status_expression(academic_year, programme, child_ref)
    return Q(_in(consent, GIVEN_STATUSES)) & Q(_in(triage, (TriageStatus.NOT_NEEDED, TriageStatus.SAFE_TO_VACCINATE)))


def _in(expression, values):
    from django.db.models.lookups import In

    return In(expression, list(values))


def vaccination_status_expression(academic_year: int, programme: Programme, child_ref=None) -> Case:
    """vaccinated; could_not_vaccinate (consent refused, or triage says do not vaccinate); none_yet."""
    child_ref = OuterRef("pk") if child_ref is None else child_ref
    triage = triage_status_expression(academic_year, programme, child_ref)
    return Case(
        When(Exists(_vaccinated(academic_year, programme.pk, child_ref)), then=Value(VaccinationStatus.VACCINATED)),
        When(
            consent_refused(academic_year, programme.pk, child_ref), then=Value(VaccinationStatus.COULD_NOT_VACCINATE)
        ),
        When(Q(_exact(triage, TriageStatus.DO_NOT_VACCINATE)), then=Value(VaccinationStatus.COULD_NOT_VACCINATE)),
        default=Value(VaccinationStatus.NONE_YET),
        output_field=CharField(),
    )


def _exact(expression, value):
    from django.db.models.lookups import Exact

    return Exact(expression, value)


def annotate_vaccination_status(children_qs: QuerySet, programmes, academic_year: int) -> QuerySet:
    return children_qs.annotate(
        **{f"vaccination_{p.code}": vaccination_status_expression(academic_year, p) for p in programmes}
    )


# ---------------------------------------------------------------------------
# Set-based: one row per child of a whole set, with every programme's status as a column.


def _dob_range(programme: Programme, academic_year: int):
    groups = programme.year_groups or [0]
    oldest = birth_academic_year_for(max(groups), academic_year)
    youngest = birth_academic_year_for(min(groups), academic_year)
    return academic_year_bounds(oldest)[0], academic_year_bounds(youngest)[1]


# The Consent tab's filters: which statuses each one matches.
FILTERS = {
    "no_response": (ConsentStatus.NO_RESPONSE,),
    "given": GIVEN_STATUSES,
    "given_nasal": (ConsentStatus.GIVEN_NASAL,),
    "given_injection": (ConsentStatus.GIVEN_INJECTION,),
    "refused": (ConsentStatus.REFUSED,),
    "conflicting": (ConsentStatus.CONFLICTING,),
}


# Statuses as small integers inside the set-based SQL (cheaper to compare than text).
STATUS_CODES = {
    ConsentStatus.NO_RESPONSE: 1,
    ConsentStatus.GIVEN: 2,
    ConsentStatus.GIVEN_NASAL: 3,
    ConsentStatus.GIVEN_INJECTION: 4,
    ConsentStatus.REFUSED: 5,
    ConsentStatus.CONFLICTING: 6,
    ConsentStatus.NOT_REQUIRED: 7,
}
CODE_STATUSES = {code: str(status) for status, code in STATUS_CODES.items()}


def _codes(values) -> str:
    return ", ".join(str(STATUS_CODES[v]) for v in values)


def consent_statuses_sql(children_qs: QuerySet, programmes, academic_year: int) -> tuple[str, list]:
    """SQL (and params) of one row per child of `children_qs`: id, family_name, given_name, one
    `s_<code>` status column per programme (a STATUS_CODES integer; NULL when the child's year
    group is not eligible),
    `done` (vaccinated for every eligible programme) and one boolean per filter of FILTERS
    (any eligible programme has a matching status).

    Same rules as consent_status_expression, set-based: every response of the children is read
    once (latest per respondent with DISTINCT ON), then pivoted per child.
    """
    programmes = list(programmes)
    kids_sql, kids_params = (
        children_qs.order_by().values("id", "date_of_birth", "family_name", "given_name").query.sql_with_params()
    )
    vacc_sql, vacc_params = (
        VaccinationRecord.objects.counts_as_vaccinated(academic_year)
        .filter(programme_id__in=[p.pk for p in programmes])
        .order_by()
        .values("child_id", "programme_id")
        .query.sql_with_params()
    )
    agg_columns, vacc_columns, status_columns, params_status = [], [], [], []
    for i, p in enumerate(programmes):
        pid = int(p.pk)
        agg_columns.append(
            f"bool_or(programme_id = {pid} AND response = 'given') AS g{i}, "
            f"bool_or(programme_id = {pid} AND response = 'refused') AS r{i}, "
            f"bool_or(programme_id = {pid} AND response = 'given' AND flu_method = 'nasal') AS n{i}, "
            f"bool_or(programme_id = {pid} AND response = 'given' AND flu_method = 'injection') AS j{i}"
        )
        vacc_columns.append(f"bool_or(programme_id = {pid}) AS v{i}")
        c = STATUS_CODES
        given = (
            f"WHEN a.n{i} AND a.j{i} THEN {c['conflicting']} WHEN a.j{i} THEN {c['given_injection']} "
            f"WHEN a.g{i} THEN {c['given_nasal']}"
            if p.is_flu
            else f"WHEN a.g{i} THEN {c['given']}"
        )
        status_columns.append(
            f"""CASE WHEN NOT (k.date_of_birth BETWEEN %s AND %s) THEN NULL
                WHEN v.v{i} THEN {c["not_required"]}
                WHEN a.g{i} AND a.r{i} THEN {c["conflicting"]}
                WHEN a.r{i} THEN {c["refused"]}
                {given}
                ELSE {c["no_response"]} END AS s{i}"""
        )
        params_status += list(_dob_range(p, academic_year))
    codes = [f"s{i}" for i in range(len(programmes))]
    done = " AND ".join(f"COALESCE({c} = {STATUS_CODES['not_required']}, TRUE)" for c in codes) or "TRUE"
    flags = ", ".join(
        f"COALESCE({' OR '.join(f'{c} IN ({_codes(statuses)})' for c in codes) or 'FALSE'}, FALSE) AS f_{name}"
        for name, statuses in FILTERS.items()
    )
    named = ", ".join(f"s{i} AS s_{p.code}" for i, p in enumerate(programmes))
    r = ConsentResponse._meta.db_table
    sql = f"""
        WITH kids AS MATERIALIZED ({kids_sql}),
        latest AS (
            SELECT DISTINCT ON (r.child_id, r.programme_id, COALESCE(r.parent_id, 0))
                   r.child_id, r.programme_id, r.response, r.flu_method, r.withdrawn_at
            FROM {r} r JOIN kids k ON k.id = r.child_id
            WHERE r.academic_year = %s AND r.programme_id IN ({", ".join(str(int(p.pk)) for p in programmes) or "NULL"})
              AND r.invalidated_at IS NULL AND r.response <> 'not_provided'
            ORDER BY r.child_id, r.programme_id, COALESCE(r.parent_id, 0), r.id DESC
        ),
        agg AS (
            SELECT child_id, {", ".join(agg_columns) or "TRUE AS none"}
            FROM latest WHERE withdrawn_at IS NULL GROUP BY child_id
        ),
        vacc AS (SELECT child_id, {", ".join(vacc_columns) or "TRUE AS none"} FROM ({vacc_sql}) v GROUP BY child_id),
        statuses AS (
            SELECT k.id, k.family_name, k.given_name{"".join(", " + c for c in status_columns)}
            FROM kids k LEFT JOIN agg a ON a.child_id = k.id LEFT JOIN vacc v ON v.child_id = k.id
        )
        SELECT id, family_name, given_name{", " + named if named else ""}, {done} AS done, {flags} FROM statuses
    """  # noqa: S608 - constants, integer ids and Django-built SQL; values are parameters
    return sql, [*kids_params, academic_year, *vacc_params, *params_status]


@dataclass
class ConsentPage:
    counts: dict
    child_ids: list
    statuses: dict  # {child_id: {programme code: status or None when not eligible}}


def consent_tab_page(
    children_qs: QuerySet, programmes, academic_year: int, status_filter: str = "", offset: int = 0, limit: int = 50
) -> ConsentPage:
    """In one query: the count per filter (children not yet vaccinated for every eligible
    programme; a child counts once per filter when any programme matches; "all" too) and the
    ids of one page of the chosen filter, ordered by name."""
    if status_filter and status_filter not in FILTERS:
        raise ValueError(status_filter)
    programmes = list(programmes)
    try:
        sql, params = consent_statuses_sql(children_qs, programmes, academic_year)
    except EmptyResultSet:  # e.g. a session without programmes: nobody to list
        return ConsentPage(counts=dict.fromkeys(["all", *FILTERS], 0), child_ids=[], statuses={})
    counts = ", ".join(f"count(*) FILTER (WHERE f_{name})" for name in FILTERS)
    where = f"AND f_{status_filter}" if status_filter else ""
    columns = ", ".join(["id", *[f"s_{p.code}" for p in programmes]])
    query = f"""
        WITH rows AS MATERIALIZED ({sql})
        SELECT (SELECT ARRAY[count(*), {counts}] FROM rows WHERE NOT done),
               (SELECT COALESCE(json_agg(page), '[]') FROM (
                   SELECT {columns} FROM rows WHERE NOT done {where}
                   ORDER BY family_name, given_name, id LIMIT %s OFFSET %s) page)
    """  # noqa: S608 - as above
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, limit, offset])
        numbers, page = cursor.fetchone()
    if isinstance(page, str):
        import json

        page = json.loads(page)
    return ConsentPage(
        counts=dict(zip(["all", *FILTERS], numbers, strict=True)),
        child_ids=[row["id"] for row in page],
        statuses={row["id"]: {p.code: CODE_STATUSES.get(row[f"s_{p.code}"]) for p in programmes} for row in page},
    )


def consent_status_counts(children_qs: QuerySet, programmes, academic_year: int) -> dict[str, int]:
    return consent_tab_page(children_qs, programmes, academic_year, limit=0).counts


def filter_by_consent(children_qs: QuerySet, programmes, academic_year: int, status_filter: str = "") -> QuerySet:
    """Children not yet vaccinated for every eligible programme and, with a filter, with any
    eligible programme in that filter's statuses (a lazy queryset: pk IN (subquery))."""
    from django.db.models.expressions import RawSQL

    if status_filter and status_filter not in FILTERS:
        raise ValueError(status_filter)
    try:
        sql, params = consent_statuses_sql(children_qs, programmes, academic_year)
    except EmptyResultSet:
        return children_qs.none()
    where = f"AND f_{status_filter}" if status_filter else ""
    subquery = f"SELECT id FROM ({sql}) s WHERE NOT done {where}"  # noqa: S608 - as above
    return children_qs.filter(pk__in=RawSQL(subquery, params))  # noqa: S611 - as above


def eligible_programmes(child, programmes, academic_year: int) -> list[Programme]:
    group = child.year_group(academic_year)
    return [p for p in programmes if group in (p.year_groups or [])]


# ---------------------------------------------------------------------------
# One child's consent, for the child-in-session page.


@dataclass
class ChildConsent:
    programme: Programme
    status: str
    triage_status: str
    responses: list
    triages: list


def child_consent(team, child, programmes, academic_year: int) -> list[ChildConsent]:
    """Status, responses (newest first, including withdrawn and invalidated) and triage per programme."""
    from patients.models import Child

    programmes = list(programmes)
    annotated = annotate_triage_status(
        annotate_consent_status(Child.objects.filter(pk=child.pk), programmes, academic_year),
        programmes,
        academic_year,
    ).values(*[f"consent_{p.code}" for p in programmes], *[f"triage_{p.code}" for p in programmes])
    statuses = annotated.get() if programmes else {}
    responses = list(
        ConsentResponse.objects.for_team(team)
        .filter(child=child, academic_year=academic_year, programme__in=programmes)
        .select_related("recorded_by", "withdrawn_by", "invalidated_by", "parent")
        .order_by("-pk")
    )
    triages = list(
        Triage.objects.filter(team=team, child=child, academic_year=academic_year, programme__in=programmes)
        .select_related("performed_by")
        .order_by("-pk")
    )
    return [
        ChildConsent(
            programme=p,
            status=statuses[f"consent_{p.code}"],
            triage_status=statuses[f"triage_{p.code}"],
            responses=[r for r in responses if r.programme_id == p.pk],
            triages=[t for t in triages if t.programme_id == p.pk],
        )
        for p in programmes
    ]


def latest_consent_request(child, session):
    return ConsentRequest.objects.filter(child=child, session=session).order_by("-sent_at").first()


def pending_details_changes(team, child):
    """Details parents typed on the online form that a nurse has not yet accepted or dismissed."""
    return list(
        ParentDetailsChange.objects.filter(team=team, child=child, resolved_at__isnull=True).select_related("parent")
    )
