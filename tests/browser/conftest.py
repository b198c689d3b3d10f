"""Fixtures the browser tests share."""

import pytest

from notifications import local_notify as local
from tests.notifications.conftest import free_port


@pytest.fixture
def local_notify(settings, live_server):
    """The project's local Notify on a free port, the app's Notify client pointed at it and sending
    at once (no pacing); links in messages lead to the live server. No delivery receipts: see
    `local_notify_with_receipts`."""
    server = local.from_settings(port=free_port(), callback_url=None, seed=7)
    server.start()
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_RATE_PER_SECOND = 0
    settings.MAVIS_BASE_URL = live_server.url
    yield server
    server.stop()


@pytest.fixture
def local_notify_with_receipts(local_notify, live_server):
    """The local Notify, sending delivery receipts to the live app as GOV.UK Notify does."""
    local_notify.callback_url = live_server.url + "/notifications/callback"
    return local_notify
