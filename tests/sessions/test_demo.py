import datetime
import io

import pytest
import time_machine

from patients.models import VaccinationRecord
from sessions import selectors
from sessions.demo import seed_sessions
from sessions.models import Session
from sessions.status import session_status
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_demo_sessions_are_varied_and_idempotent(team):
    today = datetime.date(2026, 11, 23)
    for n in range(6):
        school = SchoolFactory(team=team, name=f"Demo school {n}")
        for _ in range(10):
            ChildFactory(team=team, school=school, date_of_birth=datetime.date(2016, 3, 1))
    seed_sessions(team=team, stdout=io.StringIO())
    statuses = {}
    for session in Session.objects.for_team(team).prefetch_related("dates"):
        statuses.setdefault(session_status(session, today), []).append(session)
    assert [s.location_name for s in statuses["unscheduled"]] == ["Community clinic"]
    assert len(statuses["in_progress"]) == 1
    assert len(statuses["completed"]) == 2 and len(statuses["scheduled"]) == 3
    completed = statuses["completed"][0]
    outcomes = set(VaccinationRecord.objects.filter(session_id=completed.pk).values_list("outcome", flat=True))
    assert {"vaccinated", "absent", "unwell"} <= outcomes
    assert selectors.outcome_counts(completed)["programmes"]["flu"]["could_not_vaccinate"] > 0

    records = VaccinationRecord.objects.count()
    seed_sessions(team=team, stdout=io.StringIO())
    assert Session.objects.count() == 7 and VaccinationRecord.objects.count() == records


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_demo_vaccines_and_the_clinic_day(team):
    from patients.models import Batch, Vaccine
    from sessions.demo import EXPIRED_BATCH, seed_clinic_day, seed_vaccines
    from sessions.models import Venue

    today = datetime.date(2026, 11, 23)
    seed_sessions(team=team, stdout=io.StringIO())
    for _ in range(2):  # idempotent
        seed_vaccines(team=team, stdout=io.StringIO())
        seed_clinic_day(team=team, stdout=io.StringIO(), clinic_day=True)
    assert set(Vaccine.objects.for_team(team).values_list("programme__code", flat=True)) == {
        "flu",
        "hpv",
        "menacwy",
        "td_ipv",
    }
    assert Batch.objects.for_team(team).count() == 8 and Venue.objects.for_team(team).count() == 2
    usable = set(Batch.objects.for_team(team).usable(today).values_list("number", flat=True))
    assert EXPIRED_BATCH not in usable and len(usable) == 7
    clinic = selectors.community_clinic_for_team(team, 2026)
    assert session_status(clinic, today) == "in_progress"
    assert list(clinic.dates.values_list("value", flat=True)) == [today]
