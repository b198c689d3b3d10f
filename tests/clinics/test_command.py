import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from clinics.models import ClinicInvitation, ClinicSweepRun
from notifications.models import Message
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("invitation_sweep", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_per_team_and_session_and_writes_nothing(team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    make_child(team, session=clinic)
    unreachable = make_child(team, session=clinic, parent={"email": "", "phone": ""})
    out = run("--dry-run", "--date", "2026-11-23")
    assert f"{team.name} ({team.ods_code})" in out
    assert "for 2026-12-10: would invite 1 automatically" in out
    assert f"cannot be contacted: {unreachable.full_name}" in out
    assert "No parent can receive email or text messages" in out
    assert not ClinicInvitation.objects.exists()
    assert not Message.objects.exists()
    assert not ClinicSweepRun.objects.exists()


def test_date_acts_as_that_day_whatever_the_send_time(team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    child = make_child(team, session=clinic)
    assert "would invite 0" in run("--dry-run", "--date", "2026-11-18")  # before the invitation date
    out = run("--date", "2026-11-19")
    assert "1 child invited on 2026-11-19" in out
    invitation = ClinicInvitation.objects.get(child=child)
    assert invitation.sent_on == datetime.date(2026, 11, 19)
    assert ClinicSweepRun.objects.filter(team=team, run_on=datetime.date(2026, 11, 19)).exists()
    assert "0 children invited" in run("--date", "2026-11-19")


def test_bad_date_is_refused():
    with pytest.raises(CommandError, match="--date must be a date"):
        run("--date", "19/11/2026")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("NOPE", "No team with ODS code NOPE"),
        ("T\u200b0001", "No team with ODS code T\u200b0001"),
        # An unset shell variable (--team "$TEAM") must not mean every team.
        ("", "--team needs a team's ODS code"),
        (" ", "--team needs a team's ODS code"),
    ],
)
def test_an_unknown_team_is_refused_not_a_silent_run(team, code, error):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    make_child(team, session=clinic)
    with pytest.raises(CommandError, match=error):
        run("--team", code, "--date", "2026-11-19")
    assert not ClinicSweepRun.objects.exists()
    assert not ClinicInvitation.objects.exists()


def test_the_team_is_found_whatever_the_case_of_its_ods_code(team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    make_child(team, session=clinic)
    assert "1 child invited" in run("--team", team.ods_code.lower(), "--date", "2026-11-19")
