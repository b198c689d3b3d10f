import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import dispatch
from notifications.models import Message
from notifications.services import FamilyMessage, family_messages_enqueue
from sessions.models import ActivityEvent
from tests.notifications.conftest import family, outbox_rows

pytestmark = pytest.mark.django_db

URL = "/notifications/callback"


def post(client, body, token="local-callback-token", raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


@pytest.fixture
def sent_message(team, settings):
    settings.NOTIFY_CALLBACK_TOKEN = "local-callback-token"
    relationship = family(team, phone="")
    [message] = family_messages_enqueue(
        team=team, kind="test", items=[FamilyMessage(relationship.child, {"team_name": team.name}, sms=False)]
    )
    Message.objects.filter(pk=message.pk).update(status="created", notify_id=uuid.uuid4())
    message.refresh_from_db()
    return message


def receipt(message, status):
    return {"id": str(message.notify_id), "reference": str(message.pk), "status": status, "to": message.recipient}


def test_url_name():
    assert reverse("notifications:callback") == URL


@pytest.mark.parametrize("token", [None, "", "wrong-token", "local-callback-token-but-longer"])
def test_wrong_or_missing_token_is_401(client, sent_message, token):
    response = post(client, receipt(sent_message, "delivered"), token=token)
    assert response.status_code == 401
    sent_message.refresh_from_db()
    assert sent_message.status == "created"


def test_delivered_updates_message_and_activity_event(client, sent_message):
    response = post(client, receipt(sent_message, "delivered"))
    assert response.status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == "delivered"
    assert ActivityEvent.objects.get(message_id=sent_message.pk).delivery_status == "delivered"


def test_statuses_only_move_forward(client, sent_message):
    assert post(client, receipt(sent_message, "sending")).status_code == 200
    assert Message.objects.get(pk=sent_message.pk).status == "sending"
    assert post(client, receipt(sent_message, "permanent-failure")).status_code == 200
    for late in ("created", "sending", "delivered", "temporary-failure"):
        assert post(client, receipt(sent_message, late)).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == "permanent-failure"
    assert ActivityEvent.objects.get(message_id=sent_message.pk).delivery_status == "permanent-failure"


def test_receipt_found_by_notify_id_without_reference(client, sent_message):
    body = receipt(sent_message, "delivered") | {"reference": None}
    assert post(client, body).status_code == 200
    assert Message.objects.get(pk=sent_message.pk).status == "delivered"


def test_receipt_before_the_dispatcher_records_the_send(client, team, settings):
    """A fast receipt names our reference; it lands even though the row has no Notify id yet."""
    settings.NOTIFY_CALLBACK_TOKEN = "local-callback-token"
    [message] = outbox_rows(team, 1)
    # A dispatcher holds the row: it has sent it and not yet written the outcome.
    Message.objects.filter(pk=message.pk).update(claimed_until=timezone.now() + datetime.timedelta(seconds=60))
    notify_id = str(uuid.uuid4())
    body = {"id": notify_id, "reference": str(message.pk), "status": "delivered"}
    assert post(client, body).status_code == 200
    dispatch.messages_record([dispatch.Outcome(id=str(message.pk), status="created", notify_id=notify_id, sent=True)])
    message.refresh_from_db()
    assert message.status == "delivered" and str(message.notify_id) == notify_id


def test_a_receipt_for_a_message_never_sent_changes_nothing(client, team, settings):
    settings.NOTIFY_CALLBACK_TOKEN = "local-callback-token"
    [message] = outbox_rows(team, 1)
    body = {"id": str(uuid.uuid4()), "reference": str(message.pk), "status": "delivered"}
    response = post(client, body)
    assert response.status_code == 200 and response.json()["result"] == "unknown notification"
    message.refresh_from_db()
    assert (message.status, message.notify_id) == ("pending", None)
    # So it is still sent.
    assert message.pk in {m.pk for m in Message.objects.filter(status="pending")}


def test_a_receipt_with_another_messages_notify_id_is_logged_and_answered_200(client, sent_message, team, caplog):
    [other] = outbox_rows(team, 1)
    Message.objects.filter(pk=other.pk).update(status="sending")
    body = {"id": str(sent_message.notify_id), "reference": str(other.pk), "status": "delivered"}
    response = post(client, body)
    assert response.status_code == 200 and response.json()["result"] == "unknown notification"
    assert "Delivery receipt ignored" in caplog.text
    other.refresh_from_db()
    assert (other.status, other.notify_id) == ("sending", None)
    # The message the id belongs to is not moved by a receipt naming another reference either.
    assert Message.objects.get(pk=sent_message.pk).status == "created"


def test_unknown_id_is_answered_2xx(client, sent_message):
    body = {"id": str(uuid.uuid4()), "reference": str(uuid.uuid4()), "status": "delivered"}
    response = post(client, body)
    assert response.status_code == 200
    assert response.json()["result"] == "unknown notification"
    response = post(client, {"id": "not-a-uuid", "reference": "someone else's", "status": "delivered"})
    assert response.status_code == 200


def test_bad_json_is_400(client, sent_message):
    assert post(client, None, raw="{not json").status_code == 400
    assert post(client, ["a", "list"]).status_code == 400
    assert post(client, receipt(sent_message, "exploded")).status_code == 400


@pytest.mark.parametrize(
    "body", [{"status": ["delivered"]}, {"status": {"delivered": True}}, {"status": None}, {"status": 3}]
)
def test_a_status_that_is_not_a_string_is_400_and_changes_nothing(client, sent_message, body):
    response = post(client, {"id": str(sent_message.notify_id), "reference": str(sent_message.pk), **body})
    assert response.status_code == 400
    assert response.json() == {"error": "Expected a delivery receipt with a known status"}
    assert Message.objects.get(pk=sent_message.pk).status == "created"


def test_deeply_nested_json_is_400(client, sent_message):
    response = post(client, None, raw="[" * 100_000)
    assert response.status_code == 400 and response.json() == {"error": "Invalid JSON"}


def test_only_post(client, sent_message):
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer local-callback-token")
    assert response.status_code == 405


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_local_notify_delivers_receipts_to_the_app(team, notify_with_callbacks):
    notify = notify_with_callbacks
    outbox_rows(team, 3)
    [failing] = outbox_rows(team, 1, recipient="permanent-failure@example.com")
    [sms_failing] = outbox_rows(team, 1, channel="sms", recipient="07700900001")
    dispatch.messages_dispatch()
    assert dispatch.wait_for(lambda: not Message.objects.filter(status__in=["created", "sending"]).exists(), 10)
    assert Message.objects.filter(status="delivered").count() == 3
    assert Message.objects.get(pk=failing.pk).status == "permanent-failure"
    assert Message.objects.get(pk=sms_failing.pk).status == "permanent-failure"
    assert dispatch.wait_for(lambda: notify.callbacks_sent == 5, 5)
