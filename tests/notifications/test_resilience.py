"""Workers that lose Redis mid-task, or are killed mid-send: every message still goes exactly once,
with no one restarting anything (real Redis servers, real Celery workers, the local Notify)."""

import contextlib
import signal
import threading
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from mavis.celery import app as celery_app
from notifications import dispatch, local_notify
from notifications.models import Message, NotifyService
from tests.factories import TeamFactory
from tests.notifications import processes
from tests.notifications.conftest import free_port, outbox_rows

# scripts/test.sh: the lease-renewal and killed-worker tests time a heartbeat and a recovery, so they
# run alone (serial); the others assert counts, so they run in their own pytest process alongside
# the parallel part (docs/decisions/0005-one-command-setup.md).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration, pytest.mark.slow]


PRODUCTION_LEASE = 30  # NOTIFY_CLAIM_SECONDS's default


def point_celery_at(url):
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def statuses():
    return dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())


def beat_until(done, timeout, every=2.0):
    """Celery beat's every-minute dispatch, faster; True once `done()`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        with contextlib.suppress(Exception):  # the broker may still be coming back, as for beat
            celery_app.send_task("notifications.dispatch_due")
        dispatch.wait_for(done, every, 0.1)
    return done()


def assert_sent_exactly_once(notify, total):
    by_reference = notify.by_reference()
    assert len(by_reference) == total
    assert all(len(sent) == 1 for sent in by_reference.values())
    assert not Message.objects.filter(status="pending").exists()
    assert Message.objects.filter(pk__in=list(by_reference)).count() == total


@pytest.mark.alongside
def test_redis_dropped_while_a_task_runs_the_worker_carries_on(team, notify, notify_settings):
    redis = processes.RedisServer().start()
    original_broker = celery_app.conf.broker_url
    notify_settings.REDIS_URL = redis.url
    notify_settings.NOTIFY_THREADS = 4
    point_celery_at(redis.url)
    notify.configure(latency=0.1)
    total = 400
    outbox_rows(team, total)
    worker = processes.celery_worker(concurrency=2, as_in_production=True, REDIS_URL=redis.url)
    try:
        celery_app.send_task("notifications.dispatch_due")
        assert dispatch.wait_for(lambda: notify.requests >= 10, 30, 0.01)
        redis.stop(signal.SIGKILL)  # mid-task: the worker holds an unacknowledged message
        time.sleep(8)
        redis.start()
        notify.configure(latency=0)
        assert beat_until(lambda: not Message.objects.filter(status="pending").exists(), 60), (
            statuses(),
            worker.output()[-4000:],
        )
        assert worker.popen.poll() is None, worker.output()[-4000:]
        assert "Unrecoverable error" not in worker.output()
    finally:
        worker.stop()
        point_celery_at(original_broker)
        redis.stop()
    assert_sent_exactly_once(notify, total)


@pytest.mark.serial
def test_a_live_workers_claim_is_renewed_so_no_one_else_takes_it(team, notify, notify_settings):
    notify_settings.NOTIFY_CLAIM_SECONDS = 0.6  # a heartbeat every 0.2 s
    notify_settings.NOTIFY_THREADS = 2
    notify.configure(latency=0.1)
    outbox_rows(team, 20)  # about a second to send: longer than the lease
    result = {}

    def send():
        try:
            result["dispatch"] = dispatch.messages_dispatch()
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.9)  # past the first lease
    taken = dispatch.messages_claim(limit=100)
    sender.join()
    assert taken == []
    assert result["dispatch"].sent == 20
    assert_sent_exactly_once(notify, 20)


@pytest.fixture
def north(notify, notify_settings, monkeypatch):
    """A second Notify service (its own local Notify) and a team that uses it; workers get its key."""
    server = local_notify.from_settings(port=free_port(), callback_url=None, timeout_seconds=1.5, seed=11)
    server.start()
    monkeypatch.setenv("NOTIFY_KEY_NORTH", notify_settings.NOTIFY_API_KEY)
    service = NotifyService.objects.create(name="North", api_key_env="NOTIFY_KEY_NORTH", base_url=server.url)
    yield TeamFactory(name="North team", notify_service=service), server
    server.stop()


@pytest.mark.serial  # alongside the browser tests it missed its bound once: it measures recovery time
def test_a_worker_killed_mid_send_has_its_messages_sent_by_another_within_a_minute(
    team, notify, notify_settings, north
):
    """Within a minute of the kill at the production lease (NOTIFY_CLAIM_SECONDS, default 30 s;
    measured there: 32 s, decision 0008), with no beat after the first run. Run at a 6 s lease so
    the suite does not wait out 30 s: the recovery is the rest of the victim's lease (the survivor
    comes back at its end) plus the time to send what it held, so "a minute at 30 s" is "the lease
    plus 30 s", asserted as such: the sending part keeps its 30 s, and a survivor that waited for
    beat's next minute instead of the lease end would still fail. Two Notify services: every
    message reaches its own service exactly once."""
    north_team, north_notify = north
    assert notify_settings.NOTIFY_CLAIM_SECONDS == PRODUCTION_LEASE
    notify_settings.NOTIFY_CLAIM_SECONDS = lease = 6  # the workers get it through their environment
    notify_settings.NOTIFY_THREADS = 4
    notify.configure(latency=0.02)
    north_notify.configure(latency=0.02)
    total, north_total = 1000, 300
    outbox_rows(team, total)
    outbox_rows(north_team, north_total)
    victim = processes.celery_worker(concurrency=1, wait=False)
    survivor = processes.celery_worker(concurrency=1, wait=False)
    try:
        victim.wait_ready(timeout=60)
        survivor.wait_ready(timeout=60)
        celery_app.send_task("notifications.dispatch_due")
        assert dispatch.wait_for(lambda: notify.requests >= 300, 60, 0.01)
        victim.kill()  # SIGKILL, mid-batch
        killed = time.monotonic()
        held = Message.objects.filter(status="pending", claimed_until__gt=timezone.now()).count()
        done = dispatch.wait_for(lambda: not Message.objects.filter(status="pending").exists(), 60, 0.2)
        recovered = time.monotonic() - killed
        print(f"\nkilled holding {held} leased messages; all sent {recovered:.1f}s after the kill ({lease}s lease)")
        assert done, (statuses(), survivor.output()[-3000:])
        assert recovered < lease + (60 - PRODUCTION_LEASE)
    finally:
        victim.stop()
        survivor.stop()
    assert_sent_exactly_once(notify, total)
    assert_sent_exactly_once(north_notify, north_total)


@pytest.mark.serial
def test_two_workers_share_batches_fairly_between_services_under_load(team, notify, notify_settings, north):
    """One team's bulk send (a backlog of 1,200 on the default service) does not hold the other service's
    messages back: they go out while most of the backlog is still waiting."""
    north_team, north_notify = north
    notify_settings.NOTIFY_THREADS = 4
    notify.configure(latency=0.02)
    north_notify.configure(latency=0.02)
    backlog = outbox_rows(team, 1200)
    workers = [processes.celery_worker(concurrency=1, wait=False) for _ in range(2)]
    try:
        for worker in workers:
            worker.wait_ready(timeout=60)
        celery_app.send_task("notifications.dispatch_due")
        assert dispatch.wait_for(lambda: notify.requests >= 100, 60, 0.01)
        theirs = outbox_rows(north_team, 100)
        celery_app.send_task("notifications.dispatch_due")  # as the enqueue service does
        waiting = Message.objects.filter(pk__in=[m.pk for m in theirs], status="pending")
        assert dispatch.wait_for(lambda: not waiting.exists(), 60, 0.05)
        still_waiting = Message.objects.filter(pk__in=[m.pk for m in backlog], status="pending").count()
        print(f"\nthe other service's 100 sent while {still_waiting} of the backlog of 1,200 waited")
        assert still_waiting > 600
        assert beat_until(lambda: not Message.objects.filter(status="pending").exists(), 60)
    finally:
        for worker in workers:
            worker.stop()
    assert_sent_exactly_once(notify, 1200)
    assert_sent_exactly_once(north_notify, 100)
