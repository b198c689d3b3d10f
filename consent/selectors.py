"""Reads of consent for the Consent tab and the child-in-session page.

The statuses themselves are defined once, in patients.statuses (stored rows that the consent
services write in the same transaction as every response and triage); this module only
filters, counts and pages them with plain ORM joins.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from consent.models import ConsentRequest, ConsentResponse, ParentDetailsChange, Triage
from patients.models import Programme, ProgrammeStatus
from patients.statuses import DEFAULTS, applicable_programmes, child_statuses, status_groups, status_q, with_statuses

ConsentStatus = ProgrammeStatus.Consent
TriageStatus = ProgrammeStatus.Triage
GIVEN_STATUSES = ProgrammeStatus.GIVEN

# The Consent tab's filters: which statuses each one matches.
FILTERS = {
    "no_response": (ConsentStatus.NO_RESPONSE,),
    "given": GIVEN_STATUSES,
    "given_nasal": (ConsentStatus.GIVEN_NASAL,),
    "given_injection": (ConsentStatus.GIVEN_INJECTION,),
    "refused": (ConsentStatus.REFUSED,),
    "conflicting": (ConsentStatus.CONFLICTING,),
}
NOT_DONE = [s for s in ConsentStatus.values if s != ConsentStatus.NOT_REQUIRED]


def consent_tab_children(children: QuerySet, programmes, academic_year: int, status_filter: str = "") -> QuerySet:
    """Children with a programme that applies and is not yet done (not vaccinated) and, with a
    filter, any such programme in that filter's statuses; `consent_<code>` annotated, by name."""
    if status_filter and status_filter not in FILTERS:
        raise ValueError(status_filter)
    programmes = list(programmes)
    children = with_statuses(children, programmes, academic_year, fields=["consent"])
    children = children.filter(status_q(programmes, academic_year, "consent", NOT_DONE))
    if status_filter:
        children = children.filter(status_q(programmes, academic_year, "consent", FILTERS[status_filter]))
    return children.order_by("family_name", "given_name", "pk")


def consent_status_counts(children: QuerySet, programmes, academic_year: int, groups=None) -> dict[str, int]:
    """{"all": n, filter: n, ...}: the number of children consent_tab_children lists with no
    filter and with each filter: the same rule applied to each group of status_groups (`groups`,
    with the consent field, if the page already has them)."""
    programmes = list(programmes)
    names = [f"consent_{p.code}" for p in programmes]
    counts = dict.fromkeys(["all", *FILTERS], 0)
    if not programmes:
        return counts
    if groups is None:
        groups = status_groups(children, programmes, academic_year, fields=["consent"])
    for row in groups:
        statuses = {row[name] for name in names} - {None}
        if not statuses & set(NOT_DONE):
            continue
        counts["all"] += row["n"]
        for key, values in FILTERS.items():
            if statuses & set(values):
                counts[key] += row["n"]
    return counts


def eligible_programmes(child, programmes, academic_year: int) -> list[Programme]:
    return applicable_programmes(child, programmes, academic_year)


# ---------------------------------------------------------------------------
# One child's consent, for the child-in-session page.


@dataclass
class ChildConsent:
    programme: Programme
    status: str
    triage_status: str
    responses: list
    triages: list


def child_consent(team, child, programmes, academic_year: int, statuses=None) -> list[ChildConsent]:
    """Status, responses (newest first, including withdrawn and invalidated) and triage per programme.
    `statuses`: patients.statuses.child_statuses already loaded by the page, if any."""
    programmes = list(programmes)
    if statuses is None:
        statuses = child_statuses(child, programmes, academic_year)
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
            status=(statuses[p.code] or DEFAULTS)["consent"],
            triage_status=(statuses[p.code] or DEFAULTS)["triage"],
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
