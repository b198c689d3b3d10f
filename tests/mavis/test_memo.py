"""mavis.memo: a memo is reused until a write to a table the counts read, whoever makes it (a
queryset update, another transaction's commit), and never outlives a rollback."""

import threading
import uuid

import pytest
from django.db import connection, transaction

from clinics.models import ClinicInvitation
from mavis.memo import memoised, prune
from notifications.models import Message
from patients.models import Child, Parent, ParentRelationship, Programme, ProgrammeStatus
from sessions.models import Booking, Session, SessionMembership
from tests.clinics.factories import YEAR, child, clinic_session
from tests.factories import ChildFactory


class Counter:
    """A compute() that says how many times it ran."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


@pytest.fixture
def world(team):
    clinic = clinic_session(team)
    kid = child(team, session=clinic)
    ClinicInvitation.objects.create(
        team=team,
        child=kid,
        session=clinic,
        clinic_date="2026-12-10",
        kind=ClinicInvitation.Kind.INVITATION,
        programmes=["flu"],
        source=ClinicInvitation.Source.AUTOMATIC,
        created_at="2026-12-01T10:00Z",
        sent_at="2026-12-01T10:00Z",
        sent_on="2026-12-01",
    )
    Message.objects.create(
        team=team,
        kind=Message.Kind.CLINIC_INVITATION,
        channel=Message.Channel.EMAIL,
        recipient="p@example.com",
        template_id=uuid.uuid4(),
        child=kid,
        session=clinic,
    )
    return {"clinic": clinic, "child": kid}


# One write per tracked table, none of them through a service.
WRITES = {
    "child": lambda w: Child.objects.filter(pk=w["child"].pk).update(date_of_birth="2010-05-01"),
    "status": lambda w: ProgrammeStatus.objects.create(
        child=w["child"], programme=Programme.objects.get(code="flu"), academic_year=YEAR, triage="needed"
    ),
    "parent": lambda w: Parent.objects.filter(relationships__child=w["child"]).update(email="", phone=""),
    "relationship": lambda w: ParentRelationship.objects.filter(child=w["child"]).delete(),
    "session": lambda w: Session.objects.filter(pk=w["clinic"].pk).update(academic_year=YEAR + 1),
    "programmes": lambda w: w["clinic"].programmes.remove(Programme.objects.get(code="hpv")),
    "membership": lambda w: SessionMembership.objects.filter(session=w["clinic"]).delete(),
    "invitation": lambda w: ClinicInvitation.objects.filter(child=w["child"]).delete(),
    "message": lambda w: Message.objects.filter(child=w["child"]).update(status=Message.Status.DELIVERED),
    "booking": lambda w: Booking.objects.create(
        team=w["clinic"].team,
        session=w["clinic"],
        child=w["child"],
        status=Booking.Status.BOOKED,
        date="2026-12-10",
        source=Booking.Source.NURSE_PHONE,
        updated_at="2026-12-01T10:00Z",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("table", WRITES)
def test_reused_until_the_team_writes_a_table_counts_read(world, team, other_team, table):
    compute = Counter()
    assert memoised(team.pk, "counts", compute) == 1
    assert memoised(team.pk, "counts", compute) == 1
    ChildFactory(team=other_team)  # another team's write
    assert memoised(team.pk, "counts", compute) == 1
    WRITES[table](world)
    assert memoised(team.pk, "counts", compute) == 2
    assert memoised(team.pk, "counts", compute) == 2


@pytest.mark.django_db
def test_a_memo_computed_inside_a_rolled_back_transaction_is_not_reused(world, team):
    compute = Counter()
    assert memoised(team.pk, "counts", compute) == 1
    with transaction.atomic():
        WRITES["child"](world)
        assert memoised(team.pk, "counts", compute) == 2  # sees our own write
        transaction.set_rollback(True)
    assert memoised(team.pk, "counts", compute) == 3
    assert memoised(team.pk, "counts", compute) == 3


@pytest.mark.django_db(transaction=True)
def test_a_transaction_running_while_counting_is_seen_once_it_commits(world, team):
    """Counted while another transaction has written but not committed: its commit makes the memo
    stale, although it began before the memo was computed."""
    compute = Counter()
    written, counted = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                WRITES["parent"](world)
                written.set()
                assert counted.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(30)
    assert memoised(team.pk, "counts", compute) == 1
    assert memoised(team.pk, "counts", compute) == 1  # the write is not committed yet
    counted.set()
    thread.join(30)
    assert memoised(team.pk, "counts", compute) == 2
    assert memoised(team.pk, "counts", compute) == 2


@pytest.mark.django_db
def test_without_the_cache_it_computes(world, team, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    compute = Counter()
    assert memoised(team.pk, "counts", compute) == 1
    assert memoised(team.pk, "counts", compute) == 2


@pytest.mark.django_db
def test_prune_deletes_only_old_write_rows(world, team):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mavis_team_write WHERE team_id = %s", [team.pk])
        written = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE mavis_team_write SET created_at = now() - interval '2 days' WHERE team_id = %s", [team.pk]
        )
    assert written > 0
    compute = Counter()
    assert memoised(team.pk, "counts", compute) == 1
    assert prune() >= written
    assert memoised(team.pk, "counts", compute) == 2  # the rows it was computed with are gone


@pytest.mark.django_db
def test_beat_prunes_the_write_rows_every_hour(world, team, settings):
    from mavis.celery import app

    app.loader.import_default_modules()  # what a worker does on start: autodiscovers every app's tasks
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE["prune-team-writes"]["task"]]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mavis_team_write SET created_at = now() - interval '2 days' WHERE team_id = %s", [team.pk]
        )
    assert task.apply().get() > 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mavis_team_write WHERE team_id = %s", [team.pk])
        assert cursor.fetchone()[0] == 0
