"""invitation_sweep --dry-run says what the run then does: a child both home-schooled and asked for
one by one (Invite to community clinic yesterday) is invited once, so counted once."""

import datetime
import io

import pytest
from django.core.management import call_command

from clinics.models import ClinicInvitation, ClinicInvitationRequest
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("invitation_sweep", *args, stdout=out)
    return out.getvalue()


def test_dry_run_counts_a_home_schooled_child_asked_for_one_by_one_once(team, nurse):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    asked = make_child(team, session=clinic)  # home-schooled: the automatic path would invite them too
    make_child(team, session=clinic)
    ClinicInvitationRequest.objects.create(
        team=team, child=asked, session=clinic, requested_by=nurse, scheduled_for=datetime.date(2026, 11, 23)
    )
    preview = run("--dry-run", "--date", "2026-11-23")
    assert "for 2026-12-10: would invite 1 automatically, 1 asked for one by one" in preview
    assert "2 children would be invited on 2026-11-23." in preview
    done = run("--date", "2026-11-23")
    assert "for 2026-12-10: invited 1 automatically, 1 asked for one by one" in done
    assert "2 children invited on 2026-11-23." in done
    assert ClinicInvitation.objects.count() == 2
