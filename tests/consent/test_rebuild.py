"""`manage.py programme_statuses_rebuild` writes, set-based, what the per-write refreshes wrote."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import services
from consent.models import Triage
from consent.statuses import programme_statuses_rebuild
from patients.models import ProgrammeStatus
from tests.consent.factories import add_child, make_session, programme, record
from tests.factories import TeamFactory, VaccinationRecordFactory

pytestmark = pytest.mark.django_db

INPUTS = ("responses", "triage", "vaccinated", "not_given", "consent", "vaccination", "ready_to_vaccinate")


def stored():
    """Every row's inputs and statuses, by (child, programme, year)."""
    rows = ProgrammeStatus.objects.values_list("child_id", "programme__code", "academic_year", *INPUTS)
    return {row[:3]: row[3:] for row in rows}


def varied(session, nurse):
    """Children with every kind of record, each written through its service (which refreshes)."""
    hpv, flu = programme("hpv"), programme("flu")
    last_year = timezone.now() - datetime.timedelta(days=400)

    def triage(child, status):
        services.triage_record(
            team=session.team, child=child, programme=hpv, session=session, status=status, performed_by=nurse
        )

    add_child(session)  # nothing recorded
    record(session, add_child(session), "hpv", "given")
    record(session, add_child(session), "flu", "given", flu_method="injection")
    child = add_child(session, parents=2)
    mum, dad = [r.parent for r in child.relationships.order_by("pk")]
    record(session, child, "flu", "given", parent=mum, flu_method="nasal")
    record(session, child, "flu", "given", parent=dad, flu_method="injection")  # conflicting methods
    child = add_child(session, parents=2)
    mum, dad = [r.parent for r in child.relationships.order_by("pk")]
    record(session, child, "hpv", "given", parent=mum)
    record(session, child, "hpv", "refused", parent=dad)  # conflicting
    child = add_child(session)
    record(session, child, "hpv", "given")
    services.consent_response_withdraw(response=record(session, child, "hpv", "refused"), reason="No", by=nurse)
    child = add_child(session)
    record(session, child, "hpv", "given")
    wrong = record(session, child, "hpv", "refused")
    services.consent_response_invalidate(response=wrong, reason="Wrong child", by=nurse)
    for status in (None, Triage.Status.KEEP_IN_TRIAGE, Triage.Status.SAFE_TO_VACCINATE, Triage.Status.DO_NOT_VACCINATE):
        child = add_child(session)
        record(session, child, "hpv", "given", health_yes=True)
        if status:
            triage(child, status)
    child = add_child(session)
    record(session, child, "hpv", "refused")
    VaccinationRecordFactory(child=child, programme=hpv, method="intramuscular", site="left_arm_upper")
    # A dose of HPV last year counts this year; flu last year does not.
    child = add_child(session)
    VaccinationRecordFactory(
        child=child, programme=hpv, performed_at=last_year, method="intramuscular", site="left_arm_upper"
    )
    VaccinationRecordFactory(child=child, programme=flu, performed_at=last_year)
    for outcome in ("unwell", "absent", "refused"):
        VaccinationRecordFactory(
            child=add_child(session), programme=hpv, outcome=outcome, vaccine="", batch="", method="", site=""
        )


def test_the_rebuild_writes_what_every_write_wrote(team, nurse):
    session = make_session(team, codes=("flu", "hpv"))
    varied(session, nurse)
    other = make_session(TeamFactory(), codes=("hpv",))
    record(other, add_child(other), "hpv", "refused")
    before = stored()
    assert {row[4] for row in before.values()} >= {"given", "given_injection", "conflicting", "refused", "not_required"}
    assert {row[5] for row in before.values()} == {"vaccinated", "could_not_vaccinate", "none_yet"}

    # Lose some rows and spoil the others, then rebuild in batches of three children.
    ProgrammeStatus.objects.filter(
        pk__in=list(ProgrammeStatus.objects.order_by("pk").values_list("pk", flat=True))[::2]
    ).delete()
    ProgrammeStatus.objects.update(responses="refused", triage="needed", vaccinated=True, not_given=True)
    assert stored() != before
    programme_statuses_rebuild(batch_size=3)
    assert stored() == before


def test_the_rebuild_of_one_team_leaves_the_others_and_runs_a_fixed_number_of_queries(team, nurse):
    session = make_session(team, codes=("flu", "hpv"))
    other = make_session(TeamFactory(), codes=("hpv",))
    record(other, add_child(other), "hpv", "refused")
    for _ in range(3):
        record(session, add_child(session), "hpv", "given")
    ProgrammeStatus.objects.update(responses="no_response")
    with CaptureQueriesContext(connection) as few:
        programme_statuses_rebuild(team=team)
    for _ in range(20):
        record(session, add_child(session), "hpv", "refused", health_yes=True)
    with CaptureQueriesContext(connection) as more:
        programme_statuses_rebuild(team=team)
    assert len(more) == len(few)  # set-based: the same queries for 3 children or 23
    rows = ProgrammeStatus.objects.filter(child__team=team, programme__code="hpv").values_list("responses", flat=True)
    assert sorted(set(rows)) == ["given", "refused"]
    assert ProgrammeStatus.objects.get(child__team=other.team).responses == "no_response"  # not rebuilt


def test_the_command_says_what_it_rebuilt(team):
    session = make_session(team, codes=("hpv",))
    record(session, add_child(session), "hpv", "given")
    out = io.StringIO()
    call_command("programme_statuses_rebuild", stdout=out)
    assert out.getvalue() == "Status rows rebuilt: 1. Children checked: 1.\n"
