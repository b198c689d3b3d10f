"""GOV.UK Notify services as data (issue 16): each service has its own key, pacer, 403 pause and
daily budget, and dispatch shares every batch fairly between the services with messages due."""

import threading
import time

import pytest
from django.core.management import call_command

from notifications import control, dispatch, local_notify
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
    assert other_waited < 0.5
    assert time.monotonic() - start > 1.4  # 4 sends at 2 a second (less the headroom)
    assert all(b - a >= 0.45 for a, b in zip(granted, granted[1:], strict=False))


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


def test_one_services_backlog_does_not_hold_another_back(team, notify, north):
    _, north_team, _ = north
    outbox_rows(north_team, 200)
    ours = outbox_rows(team, 10)
    result = dispatch.messages_dispatch(limit=20)
    assert result.claimed == 20
    assert Message.objects.filter(pk__in=[m.pk for m in ours], status="created").count() == 10
