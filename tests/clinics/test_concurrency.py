"""Concurrent sweeps, next-day runs and reminder clicks, each thread on its own database
connection: exactly one invitation per child per clinic date, one message per parent per channel."""

import datetime
import threading

import pytest
from django.db import connection
from django.db.models import Count

from clinics import services
from clinics.models import ClinicInvitation, ClinicInvitationRequest, ClinicSweepRun
from notifications.models import Message
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The outbox triggers dispatch after commit (notifications.tasks); until the notifications app
# lands its dispatcher, there is nothing to trigger.
pytest.importorskip("notifications.tasks")

TODAY = datetime.date(2026, 11, 23)
EARLIER = datetime.date(2026, 11, 2)
NEXT = datetime.date(2026, 12, 10)


def run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def runner(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_eight_sweeps_and_reminder_clicks_invite_each_child_once_per_date(team):
    nurse = UserFactory(team=team)
    clinic = clinic_session(team, [EARLIER, NEXT])
    home = [make_child(team, session=clinic) for _ in range(12)]
    # Invited for the earlier date and asked for again one by one: the next-day run and the
    # reminder clicks both want (child, clinic, NEXT).
    school = SchoolFactory(team=team)
    contested = [make_child(team, school=school, session=clinic) for _ in range(6)]
    for child in contested:
        ClinicInvitation.objects.create(
            team=team,
            child=child,
            session=clinic,
            clinic_date=EARLIER,
            kind="invitation",
            programmes=["flu"],
            source="school_session",
            created_at=datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC),
            sent_at=datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC),
            sent_on=datetime.date(2026, 10, 20),
        )
        ClinicInvitationRequest.objects.create(
            team=team, child=child, session=clinic, requested_by=nurse, scheduled_for=TODAY
        )

    def sweep_claimed():
        services.team_sweep(team=team, today=TODAY)

    def sweep_now():
        services.team_sweep(team=team, today=TODAY, claim=False)

    def remind():
        services.booking_reminders_send(clinic=clinic, user=nurse, today=TODAY)

    run_together([sweep_claimed] * 4 + [sweep_now] * 4 + [remind] * 4)

    for_next = ClinicInvitation.objects.filter(session=clinic, clinic_date=NEXT)
    assert for_next.count() == len(home) + len(contested)
    assert set(for_next.values_list("child_id", flat=True)) == {c.pk for c in home + contested}
    assert ClinicSweepRun.objects.filter(team=team, run_on=TODAY).count() == 1
    per_parent_channel = (
        Message.objects.filter(session=clinic)
        .values("child_id", "parent_id", "channel")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(per_parent_channel) == []
    # Each parent has an email and a UK mobile: two messages per child invited for NEXT.
    assert Message.objects.filter(session=clinic).count() == 2 * for_next.count()
