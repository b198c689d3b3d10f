"""mavis.memo: a memo is reused until a write to a table the counts read, whoever makes it (a
queryset update, another transaction's commit), and never outlives a rollback. Counts are kept per
bucket of children: a write about one child counts that child's bucket again, a write about no child
(a session) counts every bucket."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Count

from clinics import selectors as clinic_selectors
from clinics.models import ClinicInvitation
from mavis.memo import BUCKET, in_buckets, memoised_counts, prune
from notifications.models import Message
from patients.models import Child, Parent, ParentRelationship, Programme, ProgrammeStatus
from patients.statuses import status_groups
from sessions import selectors as session_selectors
from sessions.models import Booking, Session, SessionMembership
from tests.clinics.factories import YEAR, child, clinic_session
from tests.factories import ChildFactory, ParentFactory, ParentRelationshipFactory

# Ids far above the sequence, a bucket (1,024 ids) apart: the world's children are in three buckets.
BUCKET_IDS = 1024
FIRST_ID = 50_000 * BUCKET_IDS


def bucket_of(kid) -> int:
    return kid.pk // BUCKET_IDS


class Counts:
    """A count() for memoised_counts: the team's children per bucket (its group "children"), and
    which buckets it was asked for each time (None: all)."""

    def __init__(self, team):
        self.team, self.asked = team, []

    def __call__(self, buckets):
        self.asked.append(buckets)
        children = in_buckets(Child.objects.filter(team=self.team), buckets)
        for row in children.values(BUCKET).annotate(n=Count("pk")).order_by():
            yield row[BUCKET], "children", row["n"]

    def memo(self):
        return memoised_counts(self.team.pk, "counts", self)["children"]


@pytest.fixture
def world(team):
    """A clinic with three members, each in a bucket of its own; the first is invited and messaged."""
    clinic = clinic_session(team)
    kid, *others = [child(team, session=clinic, id=FIRST_ID + n * BUCKET_IDS) for n in range(3)]
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
    return {"clinic": clinic, "child": kid, "others": others}


# One write per tracked table, none of them through a service, and the buckets it makes stale:
# the child's, or every bucket (None) for a write about no child.
WRITES = {
    "child": lambda w: Child.objects.filter(pk=w["child"].pk).update(date_of_birth="2010-05-01"),
    "status": lambda w: ProgrammeStatus.objects.create(
        child=w["child"], programme=Programme.objects.get(code="flu"), academic_year=YEAR, triage="needed"
    ),
    "parent": lambda w: Parent.objects.filter(relationships__child=w["child"]).update(email="", phone=""),
    "relationship": lambda w: ParentRelationship.objects.filter(child=w["child"]).delete(),
    "session": lambda w: Session.objects.filter(pk=w["clinic"].pk).update(academic_year=YEAR + 1),
    "programmes": lambda w: w["clinic"].programmes.remove(Programme.objects.get(code="hpv")),
    "membership": lambda w: SessionMembership.objects.filter(child=w["child"]).delete(),
    "invitation": lambda w: ClinicInvitation.objects.filter(child=w["child"]).delete(),
    "message": lambda w: Message.objects.filter(child=w["child"]).update(status=Message.Status.DELIVERED),
    "message about no child": lambda w: Message.objects.create(
        team=w["clinic"].team,
        kind=Message.Kind.CLINIC_INVITATION,
        channel=Message.Channel.EMAIL,
        recipient="p@example.com",
        template_id=uuid.uuid4(),
    ),
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
EVERY_CHILD = {"session", "programmes", "message about no child"}


@pytest.mark.django_db
@pytest.mark.parametrize("table", WRITES)
def test_reused_until_the_team_writes_a_table_counts_read(world, team, other_team, table):
    counts = Counts(team)
    assert counts.memo() == 3
    assert counts.memo() == 3
    ChildFactory(team=other_team)  # another team's write
    assert counts.memo() == 3
    assert counts.asked == [None]
    WRITES[table](world)
    assert counts.memo() == 3
    assert counts.asked == [None, None if table in EVERY_CHILD else {bucket_of(world["child"])}]
    assert counts.memo() == 3
    assert len(counts.asked) == 2


@pytest.mark.django_db
def test_a_write_about_one_child_counts_its_bucket_again_and_gives_the_full_count(world, team, monkeypatch):
    """The Overview's status groups: after a consent given for one child, only its bucket is counted
    again, and the groups equal the groups counted from scratch."""
    asked = []

    def spy(children, buckets):
        asked.append(buckets)
        return in_buckets(children, buckets)

    monkeypatch.setattr(session_selectors, "in_buckets", spy)
    clinic, kid = world["clinic"], world["others"][1]
    programmes = list(clinic.programmes.all())

    def recounted():
        groups = status_groups(
            session_selectors.session_children(clinic), programmes, YEAR, fields=("consent", "vaccination")
        )
        return sorted(map(sorted, (row.items() for row in groups)))

    def kept():
        return sorted(map(sorted, (row.items() for row in session_selectors.session_status_groups(clinic))))

    before = kept()
    assert before == recounted()
    ProgrammeStatus.objects.create(
        child=kid, programme=programmes[0], academic_year=YEAR, responses=ProgrammeStatus.Consent.GIVEN
    )
    after = kept()
    assert asked == [None, {bucket_of(kid)}]
    assert after == recounted()
    assert after != before
    SessionMembership.objects.filter(child=world["child"]).delete()
    assert kept() == recounted()
    assert asked[-1] == {bucket_of(world["child"])}


@pytest.mark.django_db
def test_the_clinic_totals_after_a_write_about_one_child_equal_the_totals_counted(world, team, monkeypatch):
    """Each subquery of the totals reads only the stale buckets' rows (clinics.selectors
    invitation_filter_q): the totals still equal the totals counted over every child."""
    asked = []

    def spy(rows, buckets, child="pk"):
        asked.append(buckets)
        return in_buckets(rows, buckets, child)

    monkeypatch.setattr(clinic_selectors, "in_buckets", spy)
    clinic, kid = world["clinic"], world["child"]
    Parent.objects.filter(relationships__child=world["others"][0]).update(email="", phone="")
    for filters in (clinic_selectors.INVITATION_FILTERS, clinic_selectors.FUNNEL_FILTERS):
        assert clinic_selectors.clinic_totals(clinic, filters=filters) == clinic_selectors.clinic_totals_counted(
            clinic, filters=filters
        )
    before = clinic_selectors.clinic_totals(clinic)
    assert before == {"invited": 1, "delivered": 0, "failed": 0, "cannot_be_contacted": 1}
    Message.objects.filter(child=kid).update(status=Message.Status.DELIVERED)
    asked.clear()
    assert clinic_selectors.clinic_totals(clinic) == {**before, "delivered": 1}
    assert set(map(frozenset, asked)) == {frozenset({bucket_of(kid)})}
    Message.objects.filter(child=kid).update(status=Message.Status.PERMANENT_FAILURE)
    assert clinic_selectors.clinic_totals(clinic) == clinic_selectors.clinic_totals_counted(clinic)
    assert clinic_selectors.clinic_totals(clinic)["failed"] == 1


@pytest.mark.django_db
def test_a_bulk_write_counts_again_the_buckets_it_touched(world, team):
    counts = Counts(team)
    first, (second, third) = world["child"], world["others"]
    assert counts.memo() == 3
    Child.objects.filter(pk__in=[first.pk, third.pk]).update(given_name="Alex")
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(first), bucket_of(third)}
    SessionMembership.objects.filter(session=world["clinic"]).update(source="other")
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(first), bucket_of(second), bucket_of(third)}


@pytest.mark.django_db
def test_a_parent_write_counts_again_its_childrens_buckets(world, team):
    counts = Counts(team)
    first, (_, third) = world["child"], world["others"]
    parent = first.relationships.get().parent
    ParentRelationshipFactory(parent=parent, child=third)
    assert counts.memo() == 3
    Parent.objects.filter(pk=parent.pk).update(email="")
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(first), bucket_of(third)}
    ParentFactory(team=team)  # a new parent concerns no child until a relationship names it
    assert counts.memo() == 3
    assert len(counts.asked) == 2
    ParentRelationship.objects.filter(parent=parent).delete()
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(first), bucket_of(third)}
    Parent.objects.filter(pk=parent.pk).update(email="p@example.com")  # no child: it could have any now
    assert counts.memo() == 3
    assert counts.asked[-1] is None


@pytest.mark.django_db
def test_a_memo_computed_inside_a_rolled_back_transaction_is_not_reused(world, team):
    counts = Counts(team)
    kid = world["others"][0]
    assert counts.memo() == 3
    with transaction.atomic():
        Child.objects.filter(pk=kid.pk).delete()
        assert counts.memo() == 2  # sees our own write
        assert counts.asked[-1] == {bucket_of(kid)}
        transaction.set_rollback(True)
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(kid)}
    assert counts.memo() == 3
    assert len(counts.asked) == 3


def in_another_transaction(write):
    """Runs `write` in a transaction of another connection and holds it open: returns a function
    that commits it."""
    written, done = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                write()
                written.set()
                assert done.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(30)

    def commit():
        done.set()
        thread.join(30)

    return commit


@pytest.mark.django_db(transaction=True)
def test_a_transaction_running_while_counting_is_seen_once_it_commits(world, team):
    """Counted while another transaction has deleted a child but not committed: its commit makes the
    child's bucket stale, although it began before the memo was computed."""
    counts = Counts(team)
    kid = world["others"][1]
    commit = in_another_transaction(lambda: Child.objects.filter(pk=kid.pk).delete())
    assert counts.memo() == 3
    assert counts.memo() == 3  # the write is not committed yet
    commit()
    assert counts.memo() == 2
    assert counts.asked == [None, {bucket_of(kid)}]
    assert counts.memo() == 2


@pytest.mark.django_db(transaction=True)
def test_a_parent_write_running_while_a_relationship_commits_counts_every_bucket(world, team):
    """A parent's write finds its children through the relationships its statement can see. One that
    another transaction adds and commits before the memo, while the parent's write is still running,
    is not among them: the parent's commit makes every bucket stale."""
    counts = Counts(team)
    first, (_, third) = world["child"], world["others"]
    parent = first.relationships.get().parent
    assert counts.memo() == 3
    commit = in_another_transaction(lambda: Parent.objects.filter(pk=parent.pk).update(email=""))
    ParentRelationshipFactory(parent=parent, child=third)  # commits now
    assert counts.memo() == 3
    assert counts.asked[-1] == {bucket_of(third)}
    commit()  # its row names the first child's bucket only
    assert counts.memo() == 3
    assert counts.asked[-1] is None


@pytest.mark.django_db
def test_without_the_cache_it_counts_every_bucket(world, team, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    counts = Counts(team)
    assert counts.memo() == 3
    assert counts.memo() == 3
    assert counts.asked == [None, None]


@pytest.mark.django_db
def test_prune_deletes_only_old_write_rows(world, team):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mavis_team_write WHERE team_id = %s", [team.pk])
        written = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE mavis_team_write SET created_at = now() - interval '2 days' WHERE team_id = %s", [team.pk]
        )
    assert written > 0
    counts = Counts(team)
    assert counts.memo() == 3
    assert prune() >= written
    assert counts.memo() == 3
    assert len(counts.asked) == 2  # the rows it was computed with are gone


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
