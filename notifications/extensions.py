"""What the notifications app contributes to lower apps' pages (registered in apps.py)."""

from notifications import presenters
from notifications.models import Message
from patients.models import ParentRelationship


def _last_messages(child) -> dict:
    """parent id -> that parent's last message, for every parent of the child, in one query."""
    parent_ids = ParentRelationship.objects.filter(child=child).values("parent_id")
    messages = (
        Message.objects.filter(parent_id__in=parent_ids)
        .order_by("parent_id", "-created_at")
        .distinct("parent_id")
        .only("parent_id", "status", "status_reason", "channel")
    )
    return {message.parent_id: message for message in messages}


def parent_card_warnings(request, *, child, **_) -> dict[int, dict]:
    """{parent id: warning} for each parent of the child whose last message failed."""
    warnings = {}
    for parent_id, last in _last_messages(child).items():
        reason = presenters.failure_reason(last)
        if reason:
            warnings[parent_id] = {"heading": f"Last {last.get_channel_display().lower()} failed", "text": reason}
    return warnings
