"""What the consent records say, written into patients.ProgrammeStatus (the one home of the
statuses; see patients.statuses) in the transaction of every consent and triage write.

domain.md: a response *counts* when it is its respondent's latest (not-provided and invalidated
responses supersede nothing), is neither withdrawn nor invalidated, and gives or refuses.
*given* when every counting response gives consent (flu: *given_nasal* / *given_injection* when
the methods overlap), *refused* when all refuse, *conflicting* for a mix or flu methods with no
overlap (nasal spray only against injection only), else *no_response*. Triage is *needed* when
a counting response that gives consent has a yes health answer, then the latest triage decides.
"""

from collections import defaultdict

from django.db import transaction

from consent.models import ConsentResponse, FluMethod, Triage
from patients.models import Child, Programme, ProgrammeStatus, VaccinationRecord
from patients.statuses import programme_status_lock, vaccination_inputs, vaccination_years

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


def consent_inputs(programme, responses, triages) -> dict:
    """`responses`, `triage` and `injection_accepted` of one row from its records (the refresh and
    the rebuild share it)."""
    counting = counting_responses(responses)
    return {
        "responses": responses_status(programme, counting),
        "triage": triage_status(counting, triages),
        "injection_accepted": injection_accepted(programme, counting),
    }


def consent_status_refresh(*, child_id: int, programme: Programme, academic_year: int) -> ProgrammeStatus:
    """Lock the row, read the records, write what they say (call inside the write's transaction)."""
    row = programme_status_lock(child_id=child_id, programme_id=programme.pk, academic_year=academic_year)
    responses = ConsentResponse.objects.filter(child_id=child_id, programme=programme, academic_year=academic_year)
    triages = Triage.objects.filter(child_id=child_id, programme=programme, academic_year=academic_year)
    for name, value in consent_inputs(programme, list(responses), list(triages)).items():
        setattr(row, name, value)
    row.save(update_fields=["responses", "triage", "injection_accepted", "updated_at"])
    return row


REBUILD_BATCH = 2000  # children per batch: a few queries and one UPDATE each


@transaction.atomic
def programme_statuses_rebuild(*, team=None, stdout=None, batch_size: int = REBUILD_BATCH) -> int:
    """Recompute every status row from the records (`manage.py programme_statuses_rebuild`):
    what consent_status_refresh and vaccination_statuses_refresh write, set-based, a batch of
    children at a time. Returns the number of rows."""
    children = Child.objects.all() if team is None else Child.objects.filter(team=team)
    ids = list(children.order_by("pk").values_list("pk", flat=True))
    written = sum(_rebuild(ids[i : i + batch_size]) for i in range(0, len(ids), batch_size))
    if stdout:
        stdout.write(f"Status rows rebuilt: {written}. Children checked: {len(ids)}.\n")
    return written


def _rebuild(child_ids: list[int]) -> int:
    programmes = {p.pk: p for p in Programme.objects.all()}
    key_fields = ("child_id", "programme_id", "academic_year")
    # Which rows the records decide: every (child, programme, year) with a response or triage
    # or a row already, and the vaccination_years of every (child, programme) among them or
    # with a record.
    keys = set(ProgrammeStatus.objects.filter(child_id__in=child_ids).values_list(*key_fields))
    for model in (ConsentResponse, Triage):
        keys |= set(model.objects.filter(child_id__in=child_ids).values_list(*key_fields).distinct())
    records = defaultdict(list)
    for record in VaccinationRecord.objects.filter(child_id__in=child_ids):
        records[(record.child_id, record.programme_id)].append(record)
    existing = defaultdict(set)
    for child_id, programme_id, year in keys:
        existing[(child_id, programme_id)].add(year)
    for pair in set(existing) | set(records):
        keys |= {(*pair, year) for year in vaccination_years(records[pair], existing[pair])}
    # Create the missing rows, then lock them all before reading the records again, as the
    # refresh does: a write that lands meanwhile waits, then writes its own rows.
    ProgrammeStatus.objects.bulk_create(
        [ProgrammeStatus(child_id=c, programme_id=p, academic_year=y) for c, p, y in keys], ignore_conflicts=True
    )
    keys = list(ProgrammeStatus.objects.select_for_update().filter(child_id__in=child_ids).values_list(*key_fields))
    responses, triages, records = defaultdict(list), defaultdict(list), defaultdict(list)
    for response in ConsentResponse.objects.filter(child_id__in=child_ids):
        responses[(response.child_id, response.programme_id, response.academic_year)].append(response)
    for triage in Triage.objects.filter(child_id__in=child_ids):
        triages[(triage.child_id, triage.programme_id, triage.academic_year)].append(triage)
    for record in VaccinationRecord.objects.filter(child_id__in=child_ids):
        records[(record.child_id, record.programme_id)].append(record)
    rows = []
    for child_id, programme_id, year in keys:
        key, programme = (child_id, programme_id, year), programmes[programme_id]
        inputs = consent_inputs(programme, responses[key], triages[key])
        inputs |= vaccination_inputs(records[(child_id, programme_id)], programme, year)
        rows.append(ProgrammeStatus(child_id=child_id, programme_id=programme_id, academic_year=year, **inputs))
    # One INSERT ... ON CONFLICT DO UPDATE for the batch (every row exists and is locked by now).
    ProgrammeStatus.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["child", "programme", "academic_year"],
        update_fields=["responses", "triage", "injection_accepted", "vaccinated", "not_given", "updated_at"],
    )
    return len(rows)
