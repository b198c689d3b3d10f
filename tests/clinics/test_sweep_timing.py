"""The beat task acts once a day per team, at the team's London send time, across clock changes."""

import datetime

import pytest
import time_machine

from clinics.models import ClinicInvitation, ClinicSweepRun
from clinics.tasks import invitation_sweep, team_invitation_sweep
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _per_team_tasks_run_inline():
    """The beat task queues one task per team; here they run at once, in this process."""
    from mavis.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=UTC), tick=False)


def runs(team):
    return list(ClinicSweepRun.objects.filter(team=team).values_list("run_on", flat=True))


@pytest.mark.parametrize(
    ("before", "after", "london_date"),
    [
        # Summer time (BST, UTC+1): 09:00 London is 08:00 UTC.
        ((2026, 10, 24, 7, 59), (2026, 10, 24, 8, 0), datetime.date(2026, 10, 24)),
        # The clocks went back at 02:00 on 25 October: 09:00 London is 09:00 UTC again.
        ((2026, 10, 25, 8, 45), (2026, 10, 25, 9, 0), datetime.date(2026, 10, 25)),
        # Winter (GMT) before the spring change.
        ((2027, 3, 27, 8, 59), (2027, 3, 27, 9, 0), datetime.date(2027, 3, 27)),
        # The clocks went forward at 01:00 on 28 March 2027: 09:00 London is 08:00 UTC.
        ((2027, 3, 28, 7, 45), (2027, 3, 28, 8, 0), datetime.date(2027, 3, 28)),
    ],
)
def test_acts_at_the_london_send_time_across_clock_changes(team, before, after, london_date):
    with at(*before):
        invitation_sweep()
    assert runs(team) == []
    with at(*after):
        invitation_sweep()
        invitation_sweep()  # beat again 15 minutes later, or twice: still once
    assert runs(team) == [london_date]


def test_late_evening_utc_in_summer_is_already_tomorrow_in_london(team):
    with at(2027, 3, 29, 23, 30):  # 00:30 on 30 March in London (BST): before the send time
        invitation_sweep()
    assert runs(team) == []
    with at(2027, 3, 29, 8, 30):  # 09:30 London on 29 March
        invitation_sweep()
    assert runs(team) == [datetime.date(2027, 3, 29)]


def test_each_team_at_its_own_send_time_and_once_a_day(team, other_team):
    other_team.send_time = datetime.time(13, 0)
    other_team.save()
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    child = make_child(team, session=clinic)
    with at(2026, 11, 23, 10, 0):
        invitation_sweep()
    assert runs(team) == [datetime.date(2026, 11, 23)]
    assert runs(other_team) == []
    assert ClinicInvitation.objects.filter(child=child).count() == 1
    later = make_child(team, session=clinic)
    with at(2026, 11, 23, 13, 0):
        invitation_sweep()
    assert runs(other_team) == [datetime.date(2026, 11, 23)]
    assert not ClinicInvitation.objects.filter(child=later).exists()  # the team already ran today
    with at(2026, 11, 24, 9, 0):
        invitation_sweep()
    assert ClinicInvitation.objects.filter(child=later).count() == 1


def test_beat_queues_one_task_per_team_due(team, other_team, monkeypatch):
    from mavis.celery import app

    app.conf.task_always_eager = False
    queued = []
    monkeypatch.setattr(team_invitation_sweep, "delay", lambda *args: queued.append(args))
    with at(2026, 11, 23, 10, 0):
        assert invitation_sweep() == {"queued": sorted([team.pk, other_team.pk])}
    assert sorted(queued) == sorted([(team.pk, "2026-11-23"), (other_team.pk, "2026-11-23")])
    assert runs(team) == runs(other_team) == []  # the per-team tasks do the work
    # Queued twice (beat ran again before the workers did): the marker row lets one act.
    assert team_invitation_sweep(team.pk, "2026-11-23") == 0
    assert team_invitation_sweep(team.pk, "2026-11-23") is None
    assert runs(team) == [datetime.date(2026, 11, 23)]
