"""What the consent records say, written into patients.ProgrammeStatus (the one home of the
statuses; see patients.statuses) in the transaction of every consent and triage write.

domain.md: a response *counts* when it is its respondent's latest (not-provided and invalidated
responses supersede nothing), is neither withdrawn nor invalidated, and gives or refuses.
*given* when every counting response gives consent (flu: *given_nasal* / *given_injection* when
the methods overlap), *refused* when all refuse, *conflicting* for a mix or flu methods with no
overlap (nasal spray only against injection only), else *no_response*. Triage is *needed* when
a counting response that gives consent has a yes health answer, then the latest triage decides.
"""

from django.db import transaction

from consent.models import ConsentResponse, FluMethod, Triage
from patients.models import Programme, ProgrammeStatus, VaccinationRecord
from patients.statuses import programme_status_lock, vaccination_statuses_refresh

Status = ProgrammeStatus


def counting_responses(responses) -> list:
    """Of one child's responses for one programme and year (any order): those that count."""
    latest = {}
    for response in sorted(responses, key=lambda r: r.pk, reverse=True):
        if response.invalidated_at or response.response == ConsentResponse.Response.NOT_PROVIDED:
            continue
        latest.setdefault(response.respondent_key, response)
    return [r for r in latest.values() if r.withdrawn_at is None]


def responses_status(programme, counting) -> str:
    given = [r for r in counting if r.response == ConsentResponse.Response.GIVEN]
    refused = [r for r in counting if r.response == ConsentResponse.Response.REFUSED]
    if given and refused:
        return Status.Consent.CONFLICTING
    if refused:
        return Status.Consent.REFUSED
    if not given:
        return Status.Consent.NO_RESPONSE
    if not programme.is_flu:
        return Status.Consent.GIVEN
    methods = {r.flu_method for r in given}
    if FluMethod.NASAL in methods and FluMethod.INJECTION in methods:
        return Status.Consent.CONFLICTING
    return Status.Consent.GIVEN_INJECTION if FluMethod.INJECTION in methods else Status.Consent.GIVEN_NASAL


def injection_accepted(programme, counting) -> bool:
    """Flu: every response giving consent accepts an injected vaccine (patients.statuses
    consented_methods reads it with the consent status)."""
    given = [r for r in counting if r.response == ConsentResponse.Response.GIVEN]
    accepting = (FluMethod.INJECTION, FluMethod.NASAL_OR_INJECTION)
    return programme.is_flu and bool(given) and all(r.flu_method in accepting for r in given)


def triage_status(counting, triages) -> str:
    needs = any(r.response == ConsentResponse.Response.GIVEN and r.needs_triage for r in counting)
    if not needs:
        return Status.Triage.NOT_NEEDED
    latest = max(triages, key=lambda t: t.pk, default=None)
    return latest.status if latest else Status.Triage.NEEDED


def consent_status_refresh(*, child_id: int, programme: Programme, academic_year: int) -> ProgrammeStatus:
    """Lock the row, read the records, write what they say (call inside the write's transaction)."""
    row = programme_status_lock(child_id=child_id, programme_id=programme.pk, academic_year=academic_year)
    responses = ConsentResponse.objects.filter(child_id=child_id, programme=programme, academic_year=academic_year)
    triages = Triage.objects.filter(child_id=child_id, programme=programme, academic_year=academic_year)
    counting = counting_responses(responses)
    row.responses = responses_status(programme, counting)
    row.triage = triage_status(counting, triages)
    row.injection_accepted = injection_accepted(programme, counting)
    row.save(update_fields=["responses", "triage", "injection_accepted", "updated_at"])
    return row


@transaction.atomic
def programme_statuses_rebuild(*, team=None, stdout=None) -> int:
    """Recompute every status row from the records (`manage.py programme_statuses_rebuild`)."""
    keys = set()
    for model in (ConsentResponse, Triage):
        rows = model.objects.all() if team is None else model.objects.filter(team=team)
        keys |= set(rows.values_list("child_id", "programme_id", "academic_year").distinct())
    records = VaccinationRecord.objects.all() if team is None else VaccinationRecord.objects.filter(team=team)
    pairs = set(records.values_list("child_id", "programme_id").distinct())
    existing = ProgrammeStatus.objects.all() if team is None else ProgrammeStatus.objects.filter(child__team=team)
    keys |= set(existing.values_list("child_id", "programme_id", "academic_year"))
    programmes = {p.pk: p for p in Programme.objects.all()}
    for child_id, programme_id, year in sorted(keys):
        consent_status_refresh(child_id=child_id, programme=programmes[programme_id], academic_year=year)
    pairs |= {(child_id, programme_id) for child_id, programme_id, _ in keys}
    for child_id, programme_id in sorted(pairs):
        vaccination_statuses_refresh(child_id=child_id, programme=programmes[programme_id])
    if stdout:
        stdout.write(f"Rebuilt {len(keys)} consent statuses and {len(pairs)} vaccination statuses.\n")
    return len(keys)
