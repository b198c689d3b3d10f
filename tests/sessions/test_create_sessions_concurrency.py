"""create_sessions run twice at once (two operators, or the command and the demo seed): each
session made once, and neither run ends in a traceback."""

import io

import pytest
from django.core.management import call_command

from sessions.models import Session
from tests.clinics.test_concurrency import run_together
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_create_sessions_at_once_make_each_session_once(team):
    from tests.clinics.factories import ensure_programmes

    ensure_programmes()
    for n in range(3):
        SchoolFactory(team=team, name=f"School {n}", year_groups=list(range(7, 12)))

    def create():
        call_command("create_sessions", "--team", team.ods_code, "--year", "2026", stdout=io.StringIO())

    run_together([create] * 4)
    assert Session.objects.filter(team=team, academic_year=2026).count() == 4
