"""Dispatch through 1, 2 and 4 GOV.UK Notify services (issue 16, Build 4b), scaled down.

Each service is a separate local Notify that enforces its own per-second limit (RATE, a 429
above it) and daily cap; real Celery workers and Redis; one team per service. Figures per run:
throughput, its ratio to services x RATE (target >= 0.9), the most any one service received in
any second (never above RATE), and the 429s answered. Then two services where one's daily
budget (= its Notify's cap) stops its bulk sending at 95% while the other's continues.

Runs in a database of its own (bench_notify_services, plus BENCH_DATABASE_SUFFIX), dropped at the end.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_dispatch import database_url, free_port, max_in_any_second  # noqa: E402
from common import report, setup_django  # noqa: E402

BENCH = "notify services"
DATABASE = "bench_notify_services" + os.environ.get("BENCH_DATABASE_SUFFIX", "")
RATE = int(os.environ.get("BENCH_NOTIFY_RATE", "20"))  # per second per service (GOV.UK Notify: 50)
SECONDS = int(os.environ.get("BENCH_NOTIFY_SECONDS", "10"))  # of sending per service per run
KEY_ENV = "NOTIFY_KEY_BENCH"  # a NOTIFY_ name: services read no other variable
BUDGET = 40  # per channel, the budget run's capped service


def start_workers(count: int):
    from django.conf import settings

    from tests.notifications import processes

    env = {
        "DATABASE_URL": database_url_for(DATABASE),
        KEY_ENV: settings.NOTIFY_API_KEY,
        "NOTIFY_THREADS": "8",
        "NOTIFY_BATCH_SIZE": "100",
        "LOG_LEVEL": "WARNING",
    }
    workers = [processes.celery_worker(concurrency=2, wait=False, **env) for _ in range(count)]
    for worker in workers:
        worker.wait_ready(timeout=90)
    return workers


def database_url_for(name: str) -> str:
    return database_url().rsplit("/", 1)[0] + "/" + name


def services_with_teams(count: int, *, budget: int = 1_000_000, capped: int = 0):
    """`count` local Notify services, each with a team; the first `capped` have a daily cap and
    budget of `budget` per channel."""
    from mavis.models import Team
    from notifications import local_notify
    from notifications.models import NotifyService

    made = []
    for n in range(count):
        cap = budget if n < capped else 1_000_000
        server = local_notify.from_settings(port=free_port(), callback_url=None)
        server.callbacks_enabled = False
        server.configure(rate_limit_per_second=RATE, daily_cap=2 * cap)
        server.start()
        service = NotifyService.objects.create(
            name=f"Service {n + 1} of {count}" + (" (capped)" if n < capped else ""),
            api_key_env=KEY_ENV,
            base_url=server.url,
            rate_per_minute=RATE * 60,
            daily_email_budget=cap,
            daily_sms_budget=cap,
        )
        team = Team.objects.create(
            name=f"Team {count}-{n + 1}",
            ods_code=f"B{count}{n + 1}{capped}",
            email="bench@example.nhs.uk",
            phone="0121 000 0000",
            privacy_notice_url="https://example.nhs.uk/privacy",
            booking_link="https://example.nhs.uk/book",
            notify_service=service,
        )
        made.append((service, team, server))
    return made


def queue(team, n: int, kind: str = "test"):
    from notifications.models import Message
    from notifications.personalisation import REQUIRED
    from notifications.templates import template_id

    personalisation = dict.fromkeys(REQUIRED[kind], "x") | {"team_name": team.name}
    rows = [
        Message(
            team=team,
            kind=kind,
            channel="email" if i % 2 else "sms",
            recipient=f"parent{i}@example.com" if i % 2 else "07700900123",
            template_id=template_id(team, kind, "email" if i % 2 else "sms"),
            personalisation=personalisation,
        )
        for i in range(n)
    ]
    Message.objects.bulk_create(rows, batch_size=2000)


def clean_up(made):
    from notifications.models import Message, NotifyService

    Message.objects.all().delete()
    for _service, team, server in made:
        server.stop()
        team.delete()
    NotifyService.objects.all().delete()


def throughput_run(count: int):
    from mavis.celery import app
    from notifications.models import Message

    made = services_with_teams(count)
    per_service = RATE * SECONDS
    for _, team, _ in made:
        queue(team, per_service)
    started = time.monotonic()
    app.send_task("notifications.dispatch_due")
    while Message.objects.filter(status="pending").exists():
        if time.monotonic() - started > 300:
            raise RuntimeError("dispatch did not finish")
        time.sleep(0.1)
    stats = [server.stats() for _, _, server in made]
    received = sorted(t for s in stats for t in s["received_at"])
    assert len(received) == count * per_service, (len(received), count * per_service)
    throughput = (len(received) - 1) / (received[-1] - received[0])
    ratio = throughput / (count * RATE)
    peak = max(max_in_any_second(sorted(s["received_at"])) for s in stats)
    refused = sum(s["refused"] for s in stats)
    label = f"{count} service{'s' if count > 1 else ''} at {RATE}/s"
    report(BENCH, f"{label}: throughput", round(throughput, 1), "msg/s")
    report(BENCH, f"{label}: ratio to services x rate", round(ratio, 3), "", ">= 0.9", ratio >= 0.9)
    report(BENCH, f"{label}: most one service got in any second", peak, "msgs", f"<= {RATE}", peak <= RATE)
    report(BENCH, f"{label}: 429s answered by Notify", refused, "")
    # A refused message that waited for a later claim shows here (decision 0013: it was 5.7 s).
    gap = max(times[-1] - times[-2] for times in (sorted(s["received_at"]) for s in stats))
    report(BENCH, f"{label}: the last message's wait after the one before", round(gap, 2), "s")
    clean_up(made)


def budget_run():
    """Two services, bulk messages for both; the capped one stops at 95% of its budget."""
    from mavis.celery import app
    from notifications import control
    from notifications.models import Message

    made = services_with_teams(2, budget=BUDGET, capped=1)
    (capped, capped_team, capped_server), (_, free_team, free_server) = made
    per_service = RATE * SECONDS
    queue(capped_team, per_service, kind="clinic_invitation")
    queue(free_team, per_service, kind="clinic_invitation")
    started = time.monotonic()
    app.send_task("notifications.dispatch_due")  # once, as the enqueue service does: no beat
    free_pending = Message.objects.filter(team=free_team, status="pending")
    while free_pending.exists():
        if time.monotonic() - started > 120:
            raise RuntimeError("dispatch did not finish")
        time.sleep(0.1)
    time.sleep(2)
    capped_times = sorted(capped_server.stats()["received_at"])
    free_times = sorted(free_server.stats()["received_at"])
    stopped_at = capped_times[-1]
    after = sum(1 for t in free_times if t > stopped_at)
    service = control.service_of(capped)
    sent = {channel: control.sent_today(service, channel) for channel in ("email", "sms")}
    threshold = int(BUDGET * 0.95)
    report(
        BENCH,
        f"budget {BUDGET}/channel: capped service's bulk sent",
        len(capped_times),
        "msgs",
        f"about {2 * threshold}, <= {2 * BUDGET}",
        2 * threshold <= len(capped_times) <= 2 * BUDGET,
    )
    report(BENCH, "budget: capped service's counters (email+text)", f"{sent['email']}+{sent['sms']}", "")
    report(BENCH, "budget: capped service's bulk still waiting", per_service - len(capped_times), "msgs")
    first = min(capped_times[0], free_times[0])
    report(BENCH, "budget: capped service's last send, into the run", round(stopped_at - first, 1), "s")
    capped_pace = (len(capped_times) - 1) / (capped_times[-1] - capped_times[0])
    report(BENCH, "budget: capped service's rate until then", round(capped_pace, 1), "msg/s", f"about {RATE}")
    report(BENCH, "budget: capped service's first send, into the run", round(capped_times[0] - first, 2), "s")
    report(
        BENCH,
        "budget: the other service sent after it stopped",
        after,
        "msgs",
        "> 0 (it continues)",
        after > 0 and len(free_times) == per_service,
    )
    if after > 1:
        later = [t for t in free_times if t > stopped_at]
        pace = (len(later) - 1) / (later[-1] - later[0])
        report(BENCH, "budget: the other service's rate after that", round(pace, 1), "msg/s", f"about {RATE}")
    # Our budget stops first: Notify's own cap (twice the budget: both channels) is never reached.
    accepted = capped_server.accepted
    report(
        BENCH,
        "budget: the capped Notify accepted, of its cap",
        accepted,
        "msgs",
        f"< {2 * BUDGET}",
        accepted < 2 * BUDGET,
    )
    clean_up(made)


def main():
    from bench_dispatch import drop_database
    from django.core.cache import cache

    cache.clear()
    start = time.monotonic()
    report(BENCH, "load average at the start (2 cores, shared)", round(os.getloadavg()[0], 1), "")
    workers = start_workers(2)
    try:
        for count in (1, 2, 4):
            throughput_run(count)
        budget_run()
    finally:
        for worker in workers:
            worker.stop()
        import bench_dispatch

        bench_dispatch.DATABASE = DATABASE
        drop_database()
    report(BENCH, "load average at the end", round(os.getloadavg()[0], 1), "")
    print(f"{BENCH}: {time.monotonic() - start:.0f}s in all", flush=True)


if __name__ == "__main__":
    setup_django(DATABASE.removesuffix(os.environ.get("BENCH_DATABASE_SUFFIX", "")))
    main()
