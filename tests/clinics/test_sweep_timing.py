"""The beat task acts once a day per team, at the team's London send time, across clock changes."""

import datetime

import pytest
import time_machine

from clinics.models import ClinicInvitation, ClinicSweepRun
from clinics.tasks import invitation_sweep
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


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
