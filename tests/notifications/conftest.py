import socket

import pytest
from django.db import connection

from notifications import local_notify
from notifications.models import Message
from notifications.templates import template_id
from tests.factories import ParentRelationshipFactory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def notify_settings(settings):
    settings.NOTIFY_RATE_PER_SECOND = 0
    # Generous, so a busy machine is not a timeout; the tests of timeouts set their own.
    settings.NOTIFY_TIMEOUT_SECONDS = 5
    settings.NOTIFY_RETRY_BASE_SECONDS = 0.05
    settings.NOTIFY_RETRY_MAX_SECONDS = 0.5
    settings.NOTIFY_THREADS = 8
    return settings


@pytest.fixture
def notify(notify_settings):
    """The local Notify in a thread on a free port; the app's client points at it. No receipts
    unless a test sets notify.callback_url (see `notify_with_callbacks`)."""
    server = local_notify.from_settings(port=free_port(), callback_url=None, timeout_seconds=1.5, seed=7)
    server.start()
    notify_settings.NOTIFY_BASE_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def notify_with_callbacks(notify, live_server, notify_settings):
    notify.callback_url = live_server.url + "/notifications/callback"
    notify_settings.NOTIFY_CALLBACK_URL = notify.callback_url
    return notify


def outbox_rows(team, n, *, channel="email", kind=Message.Kind.TEST, recipient=None, personalisation=None):
    """n outbox rows straight into the table (as the enqueue service writes them)."""
    rows = [
        Message(
            team=team,
            kind=kind,
            channel=channel,
            recipient=recipient or (f"parent{i}@example.com" if channel == "email" else "07700900123"),
            template_id=template_id(team, kind, channel),
            personalisation=personalisation or {"team_name": team.name},
        )
        for i in range(n)
    ]
    return Message.objects.bulk_create(rows, batch_size=2000)


def family(team, **parent):
    return ParentRelationshipFactory(
        child__team=team, parent__team=team, **{f"parent__{k}": v for k, v in parent.items()}
    )


def subprocess_database_url() -> str:
    """A DATABASE_URL for subprocesses (workers) that points at pytest's test database."""
    s = connection.settings_dict
    from urllib.parse import quote

    host = s.get("HOST") or s.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):
        return f"postgres://{s['USER']}@/{s['NAME']}?host={quote(host)}"
    return f"postgres://{s['USER']}:{quote(s.get('PASSWORD') or '')}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"
