"""What the notifications app contributes to lower apps' pages (registered in apps.py)."""

from django.template.loader import render_to_string

from notifications import presenters
from notifications.models import Message
from patients.models import ParentRelationship


def _last_messages(request, child) -> dict:
    """parent id -> that parent's last message, for every parent of the child, in one query
    (remembered on the request, so the page's query count does not grow with its parents)."""
    cache = request.__dict__.setdefault("_last_messages_by_child", {})
    if child.pk not in cache:
        parent_ids = ParentRelationship.objects.filter(child=child).values("parent_id")
        messages = (
            Message.objects.filter(parent_id__in=parent_ids)
            .order_by("parent_id", "-created_at")
            .distinct("parent_id")
            .only("parent_id", "status", "status_reason", "channel")
        )
        cache[child.pk] = {message.parent_id: message for message in messages}
    return cache[child.pk]


def parent_card_warning(request, *, parent, child=None, **_):
    """A warning on the parent's card when the last message to them failed."""
    if child is not None:
        last = _last_messages(request, child).get(parent.pk)
    else:
        last = Message.objects.filter(parent=parent).order_by("-created_at").first()
    reason = presenters.failure_reason(last) if last else None
    if not reason:
        return None
    return render_to_string(
        "notifications/parent_card_warning.jinja",
        {"reason": reason, "message": last, "channel": last.get_channel_display().lower()},
        request=request,
    )
