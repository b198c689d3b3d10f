"""The dispatcher against the local Notify over a socket, real PostgreSQL and Redis."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import control, dispatch, services
from notifications.models import Message
from notifications.personalisation import PersonalisationError
from notifications.services import FamilyMessage, family_messages_enqueue
from sessions.models import ActivityEvent
from tests.notifications.conftest import family, outbox_rows

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def drain(max_rounds=200):
    """Dispatch until nothing is due or waiting for a retry."""
    for _ in range(max_rounds):
        result = dispatch.messages_dispatch()
        if result.paused:
            return
        if not result.claimed:
            wait = dispatch.wait_seconds_until_due()
            if wait is None or wait > 5:
                return
            time.sleep(min(wait, 0.5) + 0.01)


def test_sends_each_message_once_and_records_notify_id(team, notify):
    child_parent = family(team, email="mum@example.com", phone="07700900123")
    messages = family_messages_enqueue(
        team=team,
        kind="clinic_invitation",
        items=[
            FamilyMessage(
                child_parent.child,
                {
                    "child_name": child_parent.child.full_name,
                    "child_short_name": child_parent.child.short_name,
                    "vaccinations": "HPV",
                    "next_clinic_date": "Saturday 5 December 2026",
                    "clinic_dates": "Saturday 5 December 2026",
                    "booking_link": team.booking_link,
                    "privacy_notice_url": team.privacy_notice_url,
                    "team_name": team.name,
                    "team_email": team.email,
                    "team_phone": team.phone,
                },
            )
        ],
    )
    assert {m.channel for m in messages} == {"email", "sms"}
    drain()
    by_reference = notify.by_reference()
    for message in Message.objects.all():
        assert message.status == Message.Status.CREATED
        assert len(by_reference[str(message.pk)]) == 1
        assert str(message.notify_id) == by_reference[str(message.pk)][0]["id"]
        assert ActivityEvent.objects.get(message_id=message.pk).delivery_status == "created"
    email = next(n for [n] in by_reference.values() if n["type"] == "email")
    assert child_parent.child.full_name in email["body"] and "HPV" in email["body"]
    assert "Saturday 5 December 2026" in email["body"] and team.booking_link in email["body"]


def test_bad_request_is_rejected_and_never_retried(team, notify):
    [message] = outbox_rows(team, 1, recipient="not-an-email")
    drain()
    message.refresh_from_db()
    assert message.status == Message.Status.REJECTED
    assert "Not a valid email address" in message.status_reason
    requests = notify.requests
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())  # even when "due"
    drain()
    assert notify.requests == requests
    assert message.attempts == 1


def test_text_to_a_number_that_is_not_a_uk_mobile_is_not_sent(team, notify):
    [message] = outbox_rows(team, 1, channel="sms", recipient="0121 496 0000")
    drain()
    message.refresh_from_db()
    assert (message.status, message.status_reason) == ("rejected", "Phone number is not a UK mobile")
    assert notify.requests == 0


def test_missing_personalisation_fails_before_anything_is_queued(team):
    relationship = family(team)
    with pytest.raises(PersonalisationError, match="booking_link"):
        family_messages_enqueue(
            team=team,
            kind="clinic_invitation",
            items=[FamilyMessage(relationship.child, {"child_name": "X"})],
        )
    assert not Message.objects.exists()


def test_timeout_after_accepting_is_looked_up_not_resent(team, notify, notify_settings):
    notify.configure(timeout=1.0)
    notify_settings.NOTIFY_TIMEOUT_SECONDS = 0.3
    [message] = outbox_rows(team, 1)
    result = dispatch.messages_dispatch()
    assert result.retried == 1
    message.refresh_from_db()
    assert message.status == "pending" and message.ambiguous
    notify.configure(timeout=0)
    drain()
    message.refresh_from_db()
    assert message.status == "created" and not message.ambiguous
    assert len(notify.by_reference()[str(message.pk)]) == 1
    assert notify.requests == 1  # one send; the second attempt was a lookup


def test_rate_limit_and_server_errors_back_off_then_send(team, notify, notify_settings):
    notify.configure(rate_limit=1.0)
    [message] = outbox_rows(team, 1)
    # A back-off long enough to see whatever the machine's load (a rate limit waits 0.5-1 s here).
    retry = notify_settings.NOTIFY_RETRY_BASE_SECONDS, notify_settings.NOTIFY_RETRY_MAX_SECONDS
    notify_settings.NOTIFY_RETRY_BASE_SECONDS = notify_settings.NOTIFY_RETRY_MAX_SECONDS = 5
    before = timezone.now()
    dispatch.messages_dispatch()
    notify_settings.NOTIFY_RETRY_BASE_SECONDS, notify_settings.NOTIFY_RETRY_MAX_SECONDS = retry
    message.refresh_from_db()
    assert message.status == "pending" and not message.ambiguous and message.attempts == 1
    assert message.next_attempt_at >= before + datetime.timedelta(seconds=0.5)
    assert "RateLimitError" in message.status_reason
    notify.configure(rate_limit=0, server_error=1.0)
    drain(max_rounds=3)
    message.refresh_from_db()
    assert message.ambiguous  # a 500 may have been accepted
    notify.configure(server_error=0)
    drain()
    message.refresh_from_db()
    assert message.status == "created"
    assert len(notify.by_reference()[str(message.pk)]) == 1


def test_forbidden_pauses_sending_until_resumed(team, notify, client):
    notify.configure(forbidden=True)
    messages = outbox_rows(team, 5)
    result = dispatch.messages_dispatch()
    assert result.paused
    assert set(Message.objects.values_list("status", flat=True)) == {"pending"}
    assert not Message.objects.filter(attempts__gt=0).exists()  # not counted against the message
    readiness = client.get("/readiness")
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["notify"].startswith("paused")
    notify.configure(forbidden=False)
    assert dispatch.messages_dispatch().paused  # still paused: a person must resume
    call_command("notify_resume")
    drain()
    assert Message.objects.filter(status="created").count() == len(messages)
    assert client.get("/readiness").status_code == 200


def test_daily_limit_parks_messages_until_after_midnight_utc(team, notify):
    notify.configure(daily_limit=True)
    outbox_rows(team, 3)
    dispatch.messages_dispatch()
    midnight = control.next_midnight_utc()
    for message in Message.objects.all():
        assert message.status == "pending"
        assert message.next_attempt_at > midnight
    assert control.daily_limit_until("email") == midnight
    requests = notify.requests
    later = outbox_rows(team, 2)
    dispatch.messages_dispatch()
    assert notify.requests == requests  # parked without asking Notify again
    for message in Message.objects.filter(pk__in=[m.pk for m in later]):
        assert message.status == "pending" and message.next_attempt_at > midnight


def test_dispatch_messages_command(team, notify, capsys):
    outbox_rows(team, 3)
    call_command("dispatch_messages", "--dry-run")
    assert "3 messages are due" in capsys.readouterr().out
    assert notify.requests == 0
    call_command("dispatch_messages")
    assert "sent: 3" in capsys.readouterr().out
    assert Message.objects.filter(status="created").count() == 3


def test_reconcile_records_what_notify_has(team, notify, capsys):
    [message] = outbox_rows(team, 1)
    dispatch.messages_dispatch()
    # Pretend the worker died after Notify accepted it: the row is still pending and ambiguous.
    Message.objects.filter(pk=message.pk).update(status="pending", notify_id=None, ambiguous=True, claimed_until=None)
    call_command("reconcile_messages", "--dry-run")
    assert Message.objects.get(pk=message.pk).status == "pending"
    call_command("reconcile_messages")
    message.refresh_from_db()
    assert message.status == "created" and message.notify_id and not message.ambiguous
    assert notify.requests == 1


def test_send_test_message_command(team, notify, capsys):
    call_command(
        "send_test_message", "--team", team.ods_code, "--email", "me@example.nhs.uk", "--phone", "07700 900123"
    )
    drain()
    sent = {n["type"]: n for [n] in notify.by_reference().values()}
    assert sent["email"]["email_address"] == "me@example.nhs.uk"
    assert sent["sms"]["phone_number"] == "07700900123"
    assert team.name in sent["sms"]["body"]


def test_backoff_grows_with_jitter(notify_settings):
    notify_settings.NOTIFY_RETRY_BASE_SECONDS = 10
    notify_settings.NOTIFY_RETRY_MAX_SECONDS = 1000
    now = timezone.now()
    delays = [(dispatch.backoff(n, now) - now).total_seconds() for n in (1, 2, 3, 4)]
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20 and 20 <= delays[2] <= 40 and 40 <= delays[3] <= 80
    assert (dispatch.backoff(30, now) - now).total_seconds() <= 1000
    assert len({dispatch.backoff(5, now) for _ in range(10)}) > 1


def test_services_module_exports(team):
    assert callable(services.delivery_receipt_record)


@pytest.mark.parametrize(
    ("command", "args", "error"),
    [
        ("dispatch_messages", ["--max-batches", "-1"], "argument --max-batches: must be a whole number from 1 to"),
        ("dispatch_messages", ["--max-batches", "0"], "argument --max-batches: must be a whole number from 1 to"),
        ("dispatch_messages", ["--max-batches", "9" * 20], "argument --max-batches: must be a whole number from 1 to"),
        ("reconcile_messages", ["--limit", "-1"], "argument --limit: must be a whole number from 1 to 100,000"),
        ("reconcile_messages", ["--limit", "9" * 20], "argument --limit: must be a whole number from 1 to 100,000"),
        ("reconcile_messages", ["--limit", "١٢"], "argument --limit: must be a whole number from 1 to 100,000"),
        ("reconcile_messages", ["--older-than", "-5"], "argument --older-than: must be a whole number from 0 to"),
        ("reconcile_messages", ["--older-than", "9" * 20], "argument --older-than: must be a whole number from 0 to"),
        ("seed_demo", ["--children", "-5"], "argument --children: must be a whole number from 0 to 100,000"),
        ("seed_demo", ["--children", "9" * 12], "argument --children: must be a whole number from 0 to 100,000"),
        ("local_notify", ["--port", "99999"], "argument --port: must be a whole number from 1 to 65,535"),
        ("local_notify", ["--port", "-1"], "argument --port: must be a whole number from 1 to 65,535"),
    ],
)
def test_absurd_numbers_for_the_commands_are_clear_errors(team, notify, command, args, error):
    """A negative or huge --limit was a traceback (negative indexing, bigint out of range,
    an overflowing timedelta); a negative --max-batches silently sent nothing."""
    from django.core.management import CommandError

    outbox_rows(team, 2)
    with pytest.raises(CommandError, match=error):
        call_command(command, *args)
    assert notify.requests == 0
    assert Message.objects.filter(status="pending").count() == 2
