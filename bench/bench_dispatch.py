"""Dispatch throughput against the local Notify, with a real Celery worker and Redis.

1. Paced at 50 per second: the rate sustained and the most messages Notify received in any
   1-second window (from the local Notify's own receive timestamps). Target: 45-50/s, never >50.
2. Unpaced: messages per second received by Notify. Target: at least 300/s.

Runs in a database of its own (bench_dispatch, dropped at the end).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import report, setup_django  # noqa: E402

DATABASE = "bench_dispatch"
PACE = 50
PACED_MESSAGES = 1000
UNPACED_MESSAGES = 6000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop_database():
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    settings.DATABASES["default"]["NAME"] = "postgres"
    connections["default"].settings_dict["NAME"] = "postgres"
    with connections["default"].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def database_url() -> str:
    from django.db import connections

    s = connections["default"].settings_dict
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):
        return f"postgres://{s['USER']}@/{DATABASE}?host={quote(host)}"
    return f"postgres://{s['USER']}:{quote(s.get('PASSWORD') or '')}@{host}:{s.get('PORT') or 5432}/{DATABASE}"


def start_worker(rate: float, notify_url: str):
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        NOTIFY_BASE_URL=notify_url,
        NOTIFY_RATE_PER_SECOND=str(rate),
        LOG_LEVEL="WARNING",
    )
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mavis",
            "worker",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while "ready." not in Path(log.name).read_text(errors="replace"):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise RuntimeError(Path(log.name).read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    return worker


def stop(worker):
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def queue_messages(team, n):
    from notifications.models import Message
    from notifications.templates import template_id

    half = n // 2
    rows = [
        Message(
            team=team,
            kind="test",
            channel="email",
            recipient=f"parent{i}@example.com",
            template_id=template_id(team, "test", "email"),
            personalisation={"team_name": team.name},
        )
        for i in range(half)
    ] + [
        Message(
            team=team,
            kind="test",
            channel="sms",
            recipient="07700900123",
            template_id=template_id(team, "test", "sms"),
            personalisation={"team_name": team.name},
        )
        for _ in range(n - half)
    ]
    Message.objects.bulk_create(rows, batch_size=2000)


def run(notify, team, n, rate):
    from mavis.celery import app
    from notifications.models import Message

    notify.configure(reset=True)
    queue_messages(team, n)
    worker = start_worker(rate, notify.url)
    try:
        started = time.monotonic()
        app.send_task("notifications.dispatch_due")
        while Message.objects.filter(status="pending").exists():
            if time.monotonic() - started > 600:
                raise RuntimeError("dispatch did not finish")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    received = sorted(notify.stats()["received_at"])
    assert len(received) == n, (len(received), n)
    Message.objects.all().delete()
    return received, elapsed


def max_in_any_second(times):
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def main():
    from django.core.cache import cache

    from mavis.models import Team
    from notifications import local_notify

    cache.clear()
    notify = local_notify.from_settings(port=free_port(), callback_url=None)
    notify.callbacks_enabled = False
    notify.start()
    team = Team.objects.create(
        name="Bench SAIS team",
        ods_code="BENCH1",
        email="bench@example.nhs.uk",
        phone="0121 000 0000",
        privacy_notice_url="https://example.nhs.uk/privacy",
        booking_link="https://example.nhs.uk/book",
    )
    try:
        received, elapsed = run(notify, team, PACED_MESSAGES, PACE)
        sustained = (len(received) - 1) / (received[-1] - received[0])
        peak = max_in_any_second(received)
        report(
            "dispatch",
            f"paced at {PACE}/s: sustained rate",
            round(sustained, 1),
            "msg/s",
            "45-50",
            45 <= sustained <= 50,
        )
        report("dispatch", f"paced at {PACE}/s: most in any 1-second window", peak, "msgs", f"<= {PACE}", peak <= PACE)
        print(
            f"paced at {PACE}/s: {len(received)} messages, sustained {sustained:.1f} messages/s "
            f"(target 45-50), at most {peak} in any 1-second window (limit {PACE}), {elapsed:.1f}s in all",
            flush=True,
        )

        received, elapsed = run(notify, team, UNPACED_MESSAGES, 0)
        rate = (len(received) - 1) / (received[-1] - received[0])
        report("dispatch", "unpaced: rate received by Notify", round(rate), "msg/s", ">= 300", rate >= 300)
        print(
            f"unpaced: {len(received)} messages at {rate:.0f} messages/s received by Notify "
            f"(target >= 300), {len(received) / elapsed:.0f}/s from queue to recorded ({elapsed:.1f}s)",
            flush=True,
        )
    finally:
        notify.stop()
        drop_database()


if __name__ == "__main__":
    setup_django(DATABASE)
    main()
