"""Asking the notifications pipeline to send: the only way any app messages a parent.

Call these inside the transaction that writes the business record (an invitation, a
consent request): the outbox rows and their activity events commit or roll back with it,
and dispatch is enqueued only after commit.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from mavis import audit
from notifications.models import Message
from notifications.templates import template_id
from patients.models import Parent, ParentRelationship
from patients.phone import normalise_uk_mobile
from sessions.models import ActivityEvent

# The activity event each kind of message shows as on Session activity and notes.
ACTIVITY_KIND = {
    Message.Kind.CLINIC_INVITATION: ActivityEvent.Kind.CLINIC_INVITATION_SENT,
    Message.Kind.CLINIC_BOOKING_REMINDER: ActivityEvent.Kind.BOOKING_REMINDER_SENT,
    Message.Kind.CONSENT_REQUEST: ActivityEvent.Kind.CONSENT_REQUEST_SENT,
    Message.Kind.CONSENT_CONFIRMATION_GIVEN: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.CONSENT_CONFIRMATION_REFUSED: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.CONSENT_CONFIRMATION_TRIAGE: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.TEST: ActivityEvent.Kind.MESSAGE_SENT,
}


@dataclass
class FamilyMessage:
    """One child's message to their family: one email per parent with an email address,
    one text per parent with a UK mobile whose contact method allows texts."""

    child: object
    personalisation: dict
    session: object = None
    parents: list = field(default=None)  # None: every parent of the child
    sms: bool = True  # False: email only
    sms_needs_opt_in: bool = False  # True: text only parents who chose "Get updates by text message"


def _recipients(item: FamilyMessage, parents_by_child):
    parents = item.parents if item.parents is not None else parents_by_child.get(item.child.pk, [])
    for parent in parents:
        if parent.email:
            yield parent, Message.Channel.EMAIL, parent.email
        mobile = normalise_uk_mobile(parent.phone)
        texts_allowed = parent.contact_method in (Parent.ContactMethod.ANY, Parent.ContactMethod.TEXT)
        if item.sms and mobile and texts_allowed and (parent.phone_receive_updates or not item.sms_needs_opt_in):
            yield parent, Message.Channel.SMS, mobile


def family_messages_enqueue(*, team, kind: str, items: list[FamilyMessage], sent_by=None) -> list[Message]:
    """Queue the messages for many families in a few set-based queries.

    Returns the Message rows created (none for a child without a contactable parent).
    """
    kind = Message.Kind(kind)
    items = list(items)
    need_parents = [item.child.pk for item in items if item.parents is None]
    parents_by_child: dict[int, list] = {}
    if need_parents:
        for relationship in ParentRelationship.objects.filter(child_id__in=need_parents).select_related("parent"):
            parents_by_child.setdefault(relationship.child_id, []).append(relationship.parent)

    actor = audit.current_actor()
    actor_name = sent_by.display_name if sent_by else ("automatic" if actor.user is None else actor.user.display_name)
    now = timezone.now()
    templates = {channel: template_id(team, kind, channel) for channel in Message.Channel.values}
    messages, events = [], []
    for item in items:
        for parent, channel, recipient in _recipients(item, parents_by_child):
            message = Message(
                team=team,
                kind=kind,
                channel=channel,
                recipient=recipient,
                template_id=templates[channel],
                personalisation=item.personalisation,
                child=item.child,
                parent=parent,
                session=item.session,
                sent_by=sent_by,
                created_at=now,
                next_attempt_at=now,
            )
            event = ActivityEvent(
                team=team,
                child=item.child,
                session=item.session,
                kind=ACTIVITY_KIND[kind],
                created_at=now,
                user=sent_by,
                actor=actor_name,
                channel=channel,
                recipient=recipient,
                delivery_status=Message.Status.PENDING,
                message_id=message.id,
                details={"parent": parent.full_name, "message_kind": kind.value},
            )
            message.activity_event_id = event.id
            messages.append(message)
            events.append(event)
    if not messages:
        return []
    with transaction.atomic():
        Message.objects.bulk_create(messages, batch_size=2000)
        ActivityEvent.objects.bulk_create(events, batch_size=2000)
        audit.record_bulk(f"messages.queued.{kind.value}", Message, [m.id for m in messages], team=team)
        transaction.on_commit(_dispatch_soon)
    return messages


def _dispatch_soon():
    from notifications.tasks import dispatch_due

    try:
        dispatch_due.delay()
    except Exception:  # noqa: BLE001 - broker down: beat's every-minute dispatch picks the rows up
        import logging

        logging.getLogger(__name__).warning("Could not enqueue dispatch; the outbox keeps the messages.")
