"""Load test: 50 simulated nurses against gunicorn with the production settings, on loopback.

Seeds its own database (bench_load) with the demo team, starts gunicorn with the production
configuration (mavis/gunicorn_config.py), runs locust headless for a bounded time and prints
p50/p95/p99 and the error count.
Target: p95 under 500 ms and no errors.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common import ROOT, report, setup_django

BENCH = "load (50 nurses)"
DATABASE = "bench_load"
USERS = 50
DURATION = os.environ.get("LOAD_DURATION", "60s")
PASSWORD = "load-test-password-2026"  # noqa: S105 - a throwaway user in a throwaway database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def seed() -> dict:
    from django.core.management import call_command
    from django.urls import NoReverseMatch, reverse

    from mavis.models import Team, User

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", children=int(os.environ.get("LOAD_CHILDREN", "5000")), stdout=quiet)
    team = Team.objects.get(ods_code="RYG")
    usernames = []
    for number in range(USERS):
        user, _ = User.objects.get_or_create(username=f"load-nurse-{number}", defaults={"role": User.Role.NURSE})
        user.set_password(PASSWORD)
        user.save()
        user.teams.add(team)
        usernames.append(user.username)

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    from patients.models import Child

    children = list(Child.objects.filter(team=team).values_list("pk", flat=True)[:200])
    urls = {"users": usernames, "password": PASSWORD, "child_records": [url("patients:child", pk) for pk in children]}
    urls["children_search"] = [url("patients:children", query=q) for q in ("?q=smith", "?q=ja", "?page=3", "")]
    try:
        from sessions.models import Session

        sessions = list(Session.objects.filter(team=team))
    except ImportError:
        sessions = []
    urls["sessions_list"] = [
        url("sessions:list", query=q) for q in ("", "?status=scheduled", "?status=completed", "?status=unscheduled")
    ]
    urls["session_pages"] = [
        u for s in sessions for u in (url("sessions:session", s.pk), url("sessions:children", s.pk))
    ]
    urls["consent_lists"] = [
        u for s in sessions for u in (url("consent:tab", s.pk), url("consent:tab", s.pk, query="?status=no_response"))
    ]
    clinic = next((s for s in sessions if s.kind == "community_clinic"), None)
    if clinic is not None and not clinic.dates.exists():
        # The demo leaves the clinic unscheduled (the guide starts there); nurses sending reminders need dates.
        import datetime

        from django.utils import timezone

        from sessions import services as session_services

        today = timezone.localdate()
        session_services.session_dates_set(
            session=clinic, dates=[today + datetime.timedelta(days=21), today + datetime.timedelta(days=49)]
        )
        with open(os.devnull, "w") as quiet:
            call_command("invitation_sweep", "--date", today.isoformat(), stdout=quiet)
    urls["send_reminders"] = url("clinics:send_reminders", clinic.pk) if clinic else None
    return {key: [u for u in value if u] if isinstance(value, list) else value for key, value in urls.items()}


def percentile(values: list[float], pct: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))])


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def settle_database(seconds: float = 180) -> None:
    """Start from a quiet server: fresh statistics, dirty pages written, and no autovacuum still
    busy with the bulk writes of the seed or of the benchmarks that ran before this one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(1)


def main() -> int:
    setup_django(DATABASE)
    urls = seed()
    settle_database()
    port = free_port()
    env = {
        **os.environ,
        "MAVIS_ENVIRONMENT": "production",
        "DJANGO_SECRET_KEY": "load-test-secret-key-not-for-real-use-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": database_url(DATABASE),
        "NOTIFY_API_KEY": os.environ.get(
            "NOTIFY_API_KEY", "local-00000000-0000-4000-8000-000000000001-00000000-0000-4000-8000-000000000002"
        ),
        "NOTIFY_CALLBACK_TOKEN": "load-test-callback-token",
        "LOG_LEVEL": "WARNING",
    }
    # Production static files: hashed names and a manifest, as a deployment would build them.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:mavis.gunicorn_config",
            "mavis.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
    )
    stats_prefix = ROOT / ".data" / "load"
    samples_path = ROOT / ".data" / "load-samples.json"
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthcheck")
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                "10",
                "-t",
                DURATION,
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(stats_prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            cwd=ROOT,
            env={**os.environ, "MAVIS_LOAD_URLS": json.dumps(urls), "MAVIS_LOAD_SAMPLES": str(samples_path)},
            timeout=600,
        )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    samples = json.loads(samples_path.read_text())
    signing_in = [ms for name, ms, _ok, _at in samples if name.startswith("sign in")]
    browsing = [ms for name, ms, _ok, _at in samples if not name.startswith("sign in")]
    errors = sum(1 for _name, _ms, ok, _at in samples if not ok)
    # Once the last nurse has signed in: no password hashing competing for the cores.
    all_signed_in = max((at for name, _ms, _ok, at in samples if name == "sign in"), default=0)
    steady = [ms for name, ms, _ok, at in samples if not name.startswith("sign in") and at - ms / 1000 >= all_signed_in]
    seconds = float(DURATION.rstrip("s"))
    report(BENCH, "requests (browsing and sending)", len(browsing))
    report(BENCH, "requests per second", round(len(samples) / seconds, 1), "req/s")
    report(BENCH, "p50", percentile(browsing, 50), "ms")
    report(BENCH, "p95", percentile(browsing, 95), "ms", "< 500 ms", percentile(browsing, 95) < 500)
    report(BENCH, "p99", percentile(browsing, 99), "ms")
    report(BENCH, f"p95 once all signed in ({len(steady)})", percentile(steady, 95), "ms")
    report(BENCH, "errors", errors, "", "0", errors == 0 and locust.returncode in (0, 1))
    # Signing in hashes a password (Argon2, deliberately costly); 50 nurses do it at once at the start.
    report(BENCH, "sign in p95 (50 at once)", percentile(signing_in, 95), "ms")
    by_name: dict[str, list[float]] = {}
    for name, ms, _ok, _at in samples:
        by_name.setdefault(name, []).append(ms)
    for name, times in sorted(by_name.items()):
        report(BENCH, f"p95 {name} ({len(times)})", percentile(times, 95), "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
