"""The only place that talks to GOV.UK Notify (through the official client).

The client is not thread-safe, so each thread has its own. Nothing here touches the
database: the dispatcher hands plain dicts to sending threads and records the outcomes.
"""

import threading
from dataclasses import dataclass

from django.conf import settings
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

_local = threading.local()


def client(service=None) -> NotificationsAPIClient:
    """This thread's client for the service (notifications.control.Service; None: the default)."""
    from notifications import control

    service = service or control.default_service()
    config = (service.api_key(), service.base_url, settings.NOTIFY_TIMEOUT_SECONDS)
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    api = clients.get(config)
    if api is None:
        api = clients[config] = NotificationsAPIClient(config[0], base_url=config[1], timeout=config[2])
    return api


@dataclass
class Failure:
    """What an HTTPError means for the message."""

    kind: str  # "rejected" (400), "forbidden" (403), "rate_limited", "daily_limit", "ambiguous"
    reason: str


def error_text(error: HTTPError) -> str:
    message = error.message
    if isinstance(message, list):
        return "; ".join(f"{item.get('error', '')}: {item.get('message', '')}" for item in message)
    return str(message)


def classify(error: HTTPError) -> Failure:
    status = error.status_code
    text = error_text(error)
    if status == 400:
        return Failure("rejected", text)
    if status in (401, 403):
        return Failure("forbidden", text)
    if status == 429:
        if "TooManyRequestsError" in text or "for today" in text:
            return Failure("daily_limit", text)
        return Failure("rate_limited", text)
    # 5xx, and the client's 503 for a timeout or a dropped connection: Notify may have the message.
    if error.response is None:
        text = "No response from GOV.UK Notify (timeout or connection error)"
    return Failure("ambiguous", f"{status} {text}"[:500])


def send(message: dict, service=None) -> dict:
    """Send one message through the service; returns Notify's response. Raises HTTPError."""
    api = client(service)
    if message["channel"] == "email":
        return api.send_email_notification(
            email_address=message["recipient"],
            template_id=message["template_id"],
            personalisation=message["personalisation"],
            reference=message["reference"],
            email_reply_to_id=message.get("email_reply_to_id"),
        )
    return api.send_sms_notification(
        phone_number=message["recipient"],
        template_id=message["template_id"],
        personalisation=message["personalisation"],
        reference=message["reference"],
        sms_sender_id=message.get("sms_sender_id"),
    )


def find_by_reference(reference: str, service=None) -> dict | None:
    """The notification the service holds for our reference, if any (newest first)."""
    found = client(service).get_all_notifications(reference=reference).get("notifications") or []
    return found[0] if found else None
