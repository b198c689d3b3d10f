"""Creating the year's sessions, and the Community clinic kept in step with school statuses."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from patients.hooks import children_changed
from patients.models import Child
from sessions import selectors, services
from sessions.models import ActivityEvent, Session, SessionMembership
from tests.factories import ChildFactory, SchoolFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


def run(*args):
    out = io.StringIO()
    call_command("create_sessions", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
def test_create_sessions_is_idempotent_and_has_a_dry_run(team):
    school = SchoolFactory(team=team, year_groups=list(range(7, 12)))
    pupil = ChildFactory(team=team, school=school, date_of_birth=datetime.date(2013, 1, 1))
    home = ChildFactory(team=team, school_status=Child.SchoolStatus.HOME_SCHOOLED, school=None)
    unknown = ChildFactory(team=team, school_status=Child.SchoolStatus.UNKNOWN, school=None)

    out = run("--team", team.ods_code, "--year", "2026", "--dry-run")
    assert "Would create: Community clinic" in out and f"Would create: {school.name}" in out
    assert Session.objects.count() == 0

    run("--team", team.ods_code, "--year", "2026")
    assert Session.objects.count() == 2
    community = selectors.community_clinic_for_team(team, 2026)
    school_session = Session.objects.get(school=school)
    assert set(community.memberships.values_list("child_id", flat=True)) == {home.pk, unknown.pk}
    assert set(school_session.memberships.values_list("child_id", flat=True)) == {pupil.pk}
    assert "flu" in {p.code for p in school_session.programmes.all()}
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.ADDED_TO_SESSION).count() == 3

    assert "already has every session" in run("--team", team.ods_code, "--year", "2026")
    assert Session.objects.count() == 2
    assert SessionMembership.objects.count() == 3


@time_machine.travel(NOW, tick=False)
def test_clinic_follows_school_status_changes(team):
    school = SchoolFactory(team=team)
    run("--team", team.ods_code, "--year", "2026")
    community = selectors.community_clinic_for_team(team, 2026)
    moving = ChildFactory(team=team, school=school)
    kept = ChildFactory(team=team, school_status=Child.SchoolStatus.HOME_SCHOOLED, school=None)
    leaving = ChildFactory(team=team, school_status=Child.SchoolStatus.UNKNOWN, school=None)
    children_changed(team=team, child_ids=[moving.pk, kept.pk, leaving.pk])
    members = set(community.memberships.values_list("child_id", flat=True))
    assert members == {kept.pk, leaving.pk}

    # Both go to a school; something was recorded for `kept` in the clinic, so they stay.
    services.note_add(session=community, child=kept, text="Booked for January")
    Child.objects.filter(pk__in=[kept.pk, leaving.pk]).update(school_status="school", school=school)
    moving.school_status, moving.school = Child.SchoolStatus.HOME_SCHOOLED, None
    moving.save()
    children_changed(team=team, child_ids=[moving.pk, kept.pk, leaving.pk])
    assert set(community.memberships.values_list("child_id", flat=True)) == {kept.pk, moving.pk}
    assert ActivityEvent.objects.filter(child=leaving, kind=ActivityEvent.Kind.REMOVED_FROM_SESSION).count() == 1


def test_membership_add_is_set_based_and_only_records_new_members(team, other_team):
    session = Session.objects.create(team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=2026)
    first, second = ChildFactory(team=team), ChildFactory(team=team)
    stranger = ChildFactory(team=other_team)
    source = SessionMembership.Source.CHILD_RECORD
    assert services.session_membership_add(session=session, child_ids=[first.pk], source=source) == 1
    added = services.session_membership_add(
        session=session, child_ids=[first.pk, second.pk, stranger.pk], source=source
    )
    assert added == 1
    assert set(session.memberships.values_list("child_id", flat=True)) == {first.pk, second.pk}
    assert ActivityEvent.objects.filter(session=session, kind=ActivityEvent.Kind.ADDED_TO_SESSION).count() == 2


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("year", ["99999", "9999", "-1", "0", "1", "1999", "2028", "２０２６", "2026.0", "x"])
def test_create_sessions_refuses_an_absurd_year_with_a_clear_error(team, year):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="argument --year: must be an academic year from 2000 to 2027, like 2026"):
        run("--team", team.ods_code, "--year", year)
    assert not Session.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_create_sessions_for_next_year(team):
    assert "Created 1 sessions" in run("--team", team.ods_code, "--year", "2027")
    assert Session.objects.get().academic_year == 2027
