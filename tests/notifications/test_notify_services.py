"""GOV.UK Notify services as data (issue 16): each service has its own key, pacer, 403 pause and
daily budget, and dispatch shares every batch fairly between the services with messages due."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notifications import control, dispatch, local_notify, tasks
from notifications.models import Message, NotifyService
from notifications.personalisation import REQUIRED
from tests.factories import TeamFactory
from tests.notifications.conftest import free_port, outbox_rows

KEY_ENV = "NOTIFY_KEY_NORTH"
BULK = dict.fromkeys(REQUIRED[Message.Kind.CLINIC_INVITATION], "x")


@pytest.fixture
def north(notify, notify_settings, monkeypatch):
    """A second Notify service, on its own local Notify, with a team that uses it."""
    server = local_notify.from_settings(port=free_port(), callback_url=None, timeout_seconds=1.5, seed=11)
    server.start()
    monkeypatch.setenv(KEY_ENV, notify_settings.NOTIFY_API_KEY)
    service = NotifyService.objects.create(
        name="North", api_key_env=KEY_ENV, base_url=server.url, rate_per_minute=60_000, daily_email_budget=20
    )
    team = TeamFactory(name="North team", notify_service=service)
    yield service, team, server
    server.stop()


def drain(rounds=20):
    for _ in range(rounds):
        if not dispatch.messages_dispatch().claimed:
            return


def test_each_service_has_its_own_pacer():
    slow = control.Service(None, "Slow", "", "", 2, 10, 10)
    other = control.service_of(NotifyService(pk=99, name="Other", api_key_env="X", rate_per_minute=120))
    control.connection().delete(*(s.key(k) for s in (slow, other) for k in (control.PACER_KEY, control.WINDOW_KEY)))
    granted = []

    def burst():
        pacer = control.pacer(slow)
        granted.extend(pacer.acquire() for _ in range(4))

    thread = threading.Thread(target=burst)
    start = time.monotonic()
    thread.start()
    time.sleep(0.05)
    control.pacer(other).acquire()  # the slow service's queue does not hold this one back
    other_waited = time.monotonic() - start
    thread.join()
    assert other_waited < 1.0  # behind the slow service's queue it would wait past its 4th grant (1.5 s)
    assert time.monotonic() - start > 1.4  # 4 sends at 2 a second (less the headroom)
    assert all(b - a >= 0.45 for a, b in zip(granted, granted[1:], strict=False))


def test_one_batch_paces_each_service_at_its_own_rate(team, notify, north, notify_settings):
    """Each local Notify enforces its service's limit per second (a 429 above it): one batch for two
    services at 10 and 5 a second is refused nothing, and the faster one is not held to the slower."""
    service, north_team, server = north
    notify_settings.NOTIFY_RATE_PER_SECOND = 10
    NotifyService.objects.filter(pk=service.pk).update(rate_per_minute=5 * 60)
    notify.configure(rate_limit_per_second=10)
    server.configure(rate_limit_per_second=5)
    ours, theirs = outbox_rows(team, 10), outbox_rows(north_team, 10)
    result = dispatch.messages_dispatch(limit=40)
    assert result.sent == len(ours) + len(theirs)
    assert notify.stats()["refused"] == server.stats()["refused"] == 0
    our_times, their_times = sorted(notify.stats()["received_at"]), sorted(server.stats()["received_at"])
    assert their_times[-1] - their_times[0] > (len(theirs) - 1) / 5 * 0.9  # North at its own pace
    assert our_times[-1] < their_times[-1] - 0.5  # ours went at twice that, not waiting for North's


@pytest.mark.django_db(transaction=True)
def test_a_paced_backlog_does_not_hold_the_sending_threads_of_another_service(team, notify, north, notify_settings):
    """A batch of 15 of ours at 10 a second holds every sending thread of its process waiting for
    our pacer; North's batch, claimed a moment later in the same process, still goes at once."""
    _, north_team, server = north
    notify_settings.NOTIFY_RATE_PER_SECOND = 10
    notify_settings.NOTIFY_THREADS = 4
    outbox_rows(team, 15)
    ours = threading.Thread(target=lambda: (dispatch.messages_dispatch(limit=30), connection.close()))
    ours.start()
    assert dispatch.wait_for(lambda: notify.requests >= 2, 10, 0.01)
    outbox_rows(north_team, 5)
    assert dispatch.messages_dispatch(limit=30).sent == 5
    ours.join()
    our_times, their_times = sorted(notify.stats()["received_at"]), sorted(server.stats()["received_at"])
    assert len(our_times) == 15
    assert their_times[-1] < our_times[-1] - 0.5  # North's went while most of ours waited for their slots


def test_a_403_pauses_only_that_service_until_resumed(team, notify, north, client):
    service, north_team, server = north
    server.configure(forbidden=True)
    ours = outbox_rows(team, 3)
    theirs = outbox_rows(north_team, 3)
    dispatch.messages_dispatch()
    assert set(Message.objects.filter(pk__in=[m.pk for m in ours]).values_list("status", flat=True)) == {"created"}
    waiting = Message.objects.filter(pk__in=[m.pk for m in theirs])
    assert set(waiting.values_list("status", "attempts")) == {("pending", 0)}  # not counted against them
    assert control.paused_reason(control.service_of(service))
    assert control.paused_reason() is None
    readiness = client.get("/readiness")
    assert readiness.status_code == 503 and "North" in readiness.json()["checks"]["notify"]
    server.configure(forbidden=False)
    drain()
    assert waiting.filter(status="created").count() == 0  # still paused: a person must resume
    call_command("notify_resume", service="North")
    drain()
    assert waiting.filter(status="created").count() == 3
    assert client.get("/readiness").status_code == 200
    assert len(server.by_reference()) == 3 and len(notify.by_reference()) == 3


def test_a_service_without_its_key_is_paused_and_loses_nothing(team, notify, north, monkeypatch):
    service, north_team, _ = north
    monkeypatch.delenv(KEY_ENV)
    [message] = outbox_rows(north_team, 1)
    dispatch.messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    assert KEY_ENV in control.paused_reason(control.service_of(service))


def test_the_daily_budget_stops_bulk_messages_first_and_leaves_room_for_one_off(team, notify, north):
    service, north_team, server = north
    north_service = control.service_of(service)
    control.count_sent(north_service, "email", 19)  # 95% of 20
    bulk = outbox_rows(north_team, 3, kind=Message.Kind.CLINIC_INVITATION, personalisation=BULK)
    [one_off] = outbox_rows(north_team, 1)
    ours = outbox_rows(team, 3, kind=Message.Kind.CLINIC_INVITATION, personalisation=BULK)
    drain()
    one_off.refresh_from_db()
    assert one_off.status == "created"
    assert set(Message.objects.filter(pk__in=[m.pk for m in bulk]).values_list("status", "claimed_until")) == {
        ("pending", None)  # never claimed
    }
    assert set(Message.objects.filter(pk__in=[m.pk for m in ours]).values_list("status", flat=True)) == {"created"}
    assert control.sent_today(north_service, "email") == 20  # what was sent is counted
    [late] = outbox_rows(north_team, 1)
    drain()
    late.refresh_from_db()
    assert late.status == "pending"  # the whole budget is spent: nothing more today
    assert len(server.by_reference()) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_once_never_pass_the_budget(team, notify, north):
    """Four dispatchers (each its own database and Redis connections, as separate workers) claim
    North's bulk backlog at the same moment, near its budget: exactly 95% of it goes, once each."""
    service, north_team, server = north
    north_service = control.service_of(service)
    control.count_sent(north_service, "email", 10)  # 20 a day: 9 bulk messages left before 95%
    outbox_rows(north_team, 30, kind=Message.Kind.CLINIC_INVITATION, personalisation=BULK)
    start = threading.Barrier(4)

    def worker(_):
        start.wait()
        try:
            return sum(dispatch.messages_dispatch(limit=4).sent for _ in range(5))
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        sent = sum(pool.map(worker, range(4)))
    assert sent == 9 == len(server.by_reference())
    assert all(len(sent) == 1 for sent in server.by_reference().values())
    assert control.sent_today(north_service, "email") == 19
    assert Message.objects.filter(team=north_team, status="pending", claimed_until=None).count() == 21


def test_one_services_backlog_does_not_hold_another_back(team, notify, north):
    _, north_team, _ = north
    outbox_rows(north_team, 200)
    ours = outbox_rows(team, 10)
    result = dispatch.messages_dispatch(limit=20)
    assert result.claimed == 20
    # Tried in this batch, each of ours and as many of North's; a send that timed out on a busy
    # machine was still tried (whether it went is the pipeline tests' concern).
    assert Message.objects.filter(pk__in=[m.pk for m in ours], attempts=1).count() == 10
    assert Message.objects.filter(team=north_team, attempts=1).count() == 10


def test_a_rate_limit_is_sent_again_in_the_same_batch_at_the_next_slot(team, notify):
    """Notify's "slower" costs the message a pacer slot, not a place at the back of the outbox."""
    notify.configure(rate_limit=0.3)
    rows = outbox_rows(team, 20)
    result = dispatch.messages_dispatch()
    refused = notify.stats()["faults_injected"]["rate_limit"]
    sent = Message.objects.filter(pk__in=[m.pk for m in rows], status="created")
    assert refused and result.sent == sent.count()
    assert result.sent > len(rows) - refused  # some refused messages went in this batch after all
    assert set(sent.values_list("attempts", flat=True)) == {1}
    notify.configure(rate_limit=0)
    waiting = Message.objects.filter(status="pending")
    assert dispatch.wait_for(lambda: dispatch.messages_dispatch().claimed >= 0 and not waiting.exists(), 20)
    assert sorted(notify.by_reference()) == sorted(str(m.pk) for m in rows)  # each once
    assert all(len(sent) == 1 for sent in notify.by_reference().values())


def test_a_paused_services_waiting_rows_do_not_hide_another_services_retry(team, notify, north):
    """The next delayed dispatch is for the default service's retry in 3 s, although the paused
    North's rows are due now (they would say "due now" for ever, and the retry would wait for beat)."""
    service, north_team, _ = north
    control.pause("revoked", control.service_of(service))
    outbox_rows(north_team, 5)
    [retry] = outbox_rows(team, 1)
    due = timezone.now() + timedelta(seconds=3)
    Message.objects.filter(pk=retry.pk).update(next_attempt_at=due)
    assert tasks.dispatch_due()["claimed"] == 0
    scheduled = control.connection().get(tasks.SCHEDULED_KEY)
    # Scheduled for the retry's own time, however long the dispatch took on a busy machine.
    assert scheduled is not None and abs(float(scheduled) - due.timestamp()) < 0.5
