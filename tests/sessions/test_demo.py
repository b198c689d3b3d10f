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
