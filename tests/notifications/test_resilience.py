"""Workers that lose Redis mid-task, or are killed mid-send: every message still goes exactly once,
with no one restarting anything (real Redis servers, real Celery workers, the local Notify)."""

import contextlib
import signal
import time

import pytest
from django.db.models import Count

from mavis.celery import app as celery_app
from notifications import dispatch
from notifications.models import Message
from tests.notifications import processes
from tests.notifications.conftest import outbox_rows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration, pytest.mark.slow]


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
