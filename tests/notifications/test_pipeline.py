"""The whole pipeline with real processes: Celery workers, Redis, the local Notify over a socket."""

import time

import pytest
from django.db import transaction
from django.db.models import Count
from redis.exceptions import ConnectionError as RedisConnectionError

from mavis.celery import app as celery_app
from notifications import dispatch
from notifications.models import Message
from notifications.services import FamilyMessage, family_messages_enqueue
from tests.notifications import processes
from tests.notifications.conftest import family, outbox_rows

# scripts/test.sh: the tests that measure rates, and the 10,000-message test (CPU-bound, with a
# 150 s deadline that the parallel part's load can break), run alone after the others (serial);
# the others start their own workers and servers, mostly wait on them and assert counts, so they
# run in their own pytest process alongside the parallel part (docs/decisions/0005).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration, pytest.mark.slow]


def beat():
    """What celery beat does every minute."""
    celery_app.send_task("notifications.dispatch_due")


def point_celery_at(url):
    """Send this process's Celery messages to another broker. Pools are left open (kombu keeps
    them in a registry by URL), so switching back finds the original ones working."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def statuses():
    return dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())


@pytest.mark.serial
def test_ten_thousand_messages_with_faults_are_delivered_exactly_once(team, notify_settings):
    app_server = processes.AppServer(wait=False)  # receives the delivery receipts, as in production
    notify_settings.NOTIFY_CALLBACK_URL = app_server.url + "/notifications/callback"
    notify_settings.NOTIFY_TIMEOUT_SECONDS = 0.3
    notify_settings.NOTIFY_RETRY_BASE_SECONDS = 0.2
    notify_settings.NOTIFY_RETRY_MAX_SECONDS = 2
    notify_settings.NOTIFY_THREADS = 16
    notify = processes.local_notify_process(notify_settings.NOTIFY_CALLBACK_URL)
    notify_settings.NOTIFY_BASE_URL = notify.url
    notify.configure(rate_limit=0.10, server_error=0.10, timeout=0.10, timeout_seconds=0.6)
    worker = processes.celery_worker(concurrency=2, wait=False)
    try:
        worker.wait_ready(timeout=60)
        app_server.wait_up()
        total = 10_000
        outbox_rows(team, total // 2)
        outbox_rows(team, total // 2, channel="sms")
        started = time.monotonic()
        beat()

        done = dispatch.wait_for(lambda: Message.objects.filter(status="delivered").count() == total, 150, 1)
        elapsed = time.monotonic() - started
        stats = notify.stats()
        print(
            f"\n10,000 messages with 30% faults: {elapsed:.1f}s, {stats['requests']} requests, "
            f"faults {stats['faults_injected']}, statuses {statuses()}"
        )
        assert done, (statuses(), worker.output()[-3000:])
        assert stats["notifications"] == total
        assert stats["references"] == total
        assert stats["duplicated_references"] == []
        assert sum(stats["faults_injected"].values()) > 0.25 * total
    finally:
        worker.stop()
        notify.stop()
        app_server.stop()


@pytest.mark.alongside
def test_worker_killed_mid_dispatch_neither_loses_nor_duplicates(team, notify, notify_settings):
    """SIGKILL while requests are in flight; after a restart every message is in Notify exactly once."""
    notify_settings.NOTIFY_CLAIM_SECONDS = 2  # a dead worker's lease runs out quickly
    notify_settings.NOTIFY_THREADS = 4
    notify.configure(latency=0.05)
    total = 300
    outbox_rows(team, total)
    worker = processes.celery_worker(concurrency=1)
    try:
        beat()
        assert dispatch.wait_for(lambda: notify.requests >= 40, 30, 0.01)
        worker.kill()  # SIGKILL to the whole process group, mid-batch
    finally:
        worker.stop()
    killed_at = statuses()
    assert killed_at.get("pending", 0) > 0, killed_at
    in_notify_not_recorded = len(notify.by_reference()) - Message.objects.exclude(status="pending").count()
    print(f"\nkilled with {killed_at}; {in_notify_not_recorded} in Notify but not recorded")
    notify.configure(latency=0)
    worker = processes.celery_worker(concurrency=2)
    try:
        beat()
        assert dispatch.wait_for(lambda: not Message.objects.filter(status="pending").exists(), 60, 0.5), statuses()
    finally:
        worker.stop()
    by_reference = notify.by_reference()
    assert len(by_reference) == total
    assert all(len(sent) == 1 for sent in by_reference.values())
    for message in Message.objects.all():
        assert str(message.notify_id) == by_reference[str(message.pk)][0]["id"]


@pytest.mark.alongside
def test_with_redis_stopped_messages_wait_in_the_outbox(team, notify, notify_settings):
    """Enqueue commits with the broker down (no error for the user); the messages go when it is back."""
    redis = processes.RedisServer().start()
    notify_settings.REDIS_URL = redis.url
    original_broker = celery_app.conf.broker_url
    point_celery_at(redis.url)
    try:
        redis.stop()
        relationship = family(team, phone="07700900123")
        started = time.monotonic()
        with transaction.atomic():
            messages = family_messages_enqueue(
                team=team,
                kind="test",
                items=[FamilyMessage(relationship.child, {"team_name": team.name})],
            )
        assert time.monotonic() - started < 5
        assert Message.objects.filter(status="pending").count() == len(messages) == 2
        with pytest.raises(RedisConnectionError):
            dispatch.messages_dispatch()  # no Redis, no pacer: nothing is claimed
        assert not Message.objects.filter(claimed_until__isnull=False).exists()

        redis.start()
        worker = processes.celery_worker(concurrency=1, REDIS_URL=redis.url)
        try:
            beat()
            assert dispatch.wait_for(lambda: not Message.objects.filter(status="pending").exists(), 30), statuses()
        finally:
            worker.stop()
        assert len(notify.by_reference()) == 2
    finally:
        point_celery_at(original_broker)
        redis.stop()


def most_in_any_second(times):
    times, start, most = sorted(times), 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.serial
def test_pacer_never_grants_more_than_the_rate_in_any_second(notify_settings):
    """Many threads (as many workers would) share one pacer; grants are timed by Redis."""
    from concurrent.futures import ThreadPoolExecutor

    from notifications.control import Pacer

    pacer = Pacer(20)
    with ThreadPoolExecutor(max_workers=12) as pool:
        grants = list(pool.map(lambda _: pacer.acquire(), range(70)))
    rate = (len(grants) - 1) / (max(grants) - min(grants))
    print(f"\npacer at 20/s: {rate:.1f} grants/s, at most {most_in_any_second(grants)} in any second")
    assert most_in_any_second(grants) <= 20
    assert 16 <= rate <= 20


@pytest.mark.serial
def test_paced_dispatch_stays_under_the_rate(team, notify, notify_settings):
    notify_settings.NOTIFY_RATE_PER_SECOND = 20
    outbox_rows(team, 50)
    started = time.monotonic()
    while Message.objects.filter(status="pending").exists() and time.monotonic() - started < 20:
        dispatch.messages_dispatch(limit=25)
    received = sorted(notify.stats()["received_at"])
    assert len(received) == 50
    rate = (len(received) - 1) / (received[-1] - received[0])
    # Notify's receive times add network and scheduling jitter; the bench measures windows.
    print(f"\npaced at 20/s: {rate:.1f}/s received, at most {most_in_any_second(received)} in any second")
    assert 15 <= rate <= 20
