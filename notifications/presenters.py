"""What pages show about messages: failure warnings (labels: sessions.models.DeliveryStatus)."""

from notifications.dispatch import NOT_UK_MOBILE
from notifications.models import Message


def failure_reason(message: Message) -> str | None:
    """In words a nurse can act on; None when the message did not fail."""
    email = message.channel == Message.Channel.EMAIL
    match message.status:
        case Message.Status.PERMANENT_FAILURE:
            return "Email address does not exist" if email else "Phone number does not exist"
        case Message.Status.TEMPORARY_FAILURE:
            return "Inbox not accepting messages right now" if email else "Phone not accepting messages right now"
        case Message.Status.TECHNICAL_FAILURE:
            return "Message could not be sent because of a technical problem"
        case Message.Status.REJECTED:
            if message.status_reason == NOT_UK_MOBILE:
                return NOT_UK_MOBILE
            if "email_address" in message.status_reason:
                return "Email address is not valid"
            if "phone_number" in message.status_reason:
                return NOT_UK_MOBILE
            return "Message was not accepted by GOV.UK Notify"
    return None
