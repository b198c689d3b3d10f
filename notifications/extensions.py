"""What the notifications app contributes to lower apps' pages (registered in apps.py)."""

from django.template.loader import render_to_string

from notifications import presenters
from notifications.models import Message


def parent_card_warning(request, *, parent, **_):
    """A warning on the parent's card when the last message to them failed."""
    last = (
        Message.objects.filter(parent=parent).order_by("-created_at").only("status", "status_reason", "channel").first()
    )
    reason = presenters.failure_reason(last) if last else None
    if not reason:
        return None
    return render_to_string(
        "notifications/parent_card_warning.jinja",
        {"reason": reason, "message": last, "channel": last.get_channel_display().lower()},
        request=request,
    )
