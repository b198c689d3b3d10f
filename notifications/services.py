"""Asking the notifications pipeline to send: the only way any app messages a parent.

Call these inside the transaction that writes the business record (an invitation, a
consent request): the outbox rows and their activity events commit or roll back with it,
and dispatch is enqueued only after commit.
"""

import json
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from mavis import audit
from notifications import personalisation as personalisations
from notifications.dispatch import RANK_SQL
from notifications.models import Message
from notifications.templates import template_id
from patients.models import Parent, ParentRelationship
from patients.phone import normalise_uk_mobile
from sessions.models import ActivityEvent

logger = logging.getLogger(__name__)

# The activity event each kind of message shows as on Session activity and notes.
ACTIVITY_KIND = {
    Message.Kind.CLINIC_INVITATION: ActivityEvent.Kind.CLINIC_INVITATION_SENT,
    Message.Kind.CLINIC_BOOKING_REMINDER: ActivityEvent.Kind.BOOKING_REMINDER_SENT,
    Message.Kind.CONSENT_REQUEST: ActivityEvent.Kind.CONSENT_REQUEST_SENT,
    Message.Kind.CONSENT_CONFIRMATION_GIVEN: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.CONSENT_CONFIRMATION_REFUSED: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.CONSENT_CONFIRMATION_TRIAGE: ActivityEvent.Kind.CONSENT_CONFIRMATION_SENT,
    Message.Kind.TEST: ActivityEvent.Kind.MESSAGE_SENT,
    # Shown as "Message sent" with the kind's label as its text (no event kind of their own).
    Message.Kind.VACCINATION_CONFIRMATION: ActivityEvent.Kind.MESSAGE_SENT,
    Message.Kind.VACCINATION_NOT_GIVEN: ActivityEvent.Kind.MESSAGE_SENT,
    Message.Kind.CLINIC_BOOKING_CONFIRMATION: ActivityEvent.Kind.MESSAGE_SENT,
    Message.Kind.CLINIC_APPOINTMENT_REMINDER: ActivityEvent.Kind.MESSAGE_SENT,
    Message.Kind.CLINIC_APPOINTMENT_CANCELLED: ActivityEvent.Kind.MESSAGE_SENT,
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
    key: str = ""  # the record that causes it ("vaccination_record:<id>"): one message per parent and channel


def _recipients(item: FamilyMessage, parents_by_child, channels):
    """`channels`: {parent id: parent annotated by Parent.objects.with_channels()}: the one rule
    of who can receive email and texts (patients.statuses), the same the counts use."""
    parent_ids = [p.pk for p in item.parents] if item.parents is not None else parents_by_child.get(item.child.pk, [])
    for parent in (channels[pk] for pk in parent_ids):
        if parent.can_receive_email:
            yield parent, Message.Channel.EMAIL, parent.email
        if item.sms and parent.can_receive_texts and (parent.phone_receive_updates or not item.sms_needs_opt_in):
            yield parent, Message.Channel.SMS, normalise_uk_mobile(parent.phone)


def family_messages_enqueue(*, team, kind: str, items: list[FamilyMessage], sent_by=None) -> list[Message]:
    """Queue the messages for many families in a few set-based queries.

    Returns the Message rows created (none for a child without a contactable parent).
    """
    kind = Message.Kind(kind)
    items = list(items)
    for item in items:
        personalisations.validate(kind, item.personalisation)
    need_parents = [item.child.pk for item in items if item.parents is None]
    parents_by_child: dict[int, list] = {}
    if need_parents:
        for child_id, parent_id in ParentRelationship.objects.filter(child_id__in=need_parents).values_list(
            "child_id", "parent_id"
        ):
            parents_by_child.setdefault(child_id, []).append(parent_id)
    parent_ids = {pk for ids in parents_by_child.values() for pk in ids}
    parent_ids |= {p.pk for item in items if item.parents is not None for p in item.parents}
    channels = Parent.objects.with_channels().in_bulk(parent_ids) if parent_ids else {}

    actor = audit.current_actor()
    actor_name = sent_by.display_name if sent_by else ("automatic" if actor.user is None else actor.user.display_name)
    now = timezone.now()
    templates = {channel: template_id(team, kind, channel) for channel in Message.Channel.values}
    keys = {item.key for item in items if item.key}
    # Already queued for the same record: not again (the unique constraint backs this up).
    queued = set(Message.objects.filter(key__in=keys).values_list("key", "parent_id", "channel")) if keys else set()
    event_text = kind.label if ACTIVITY_KIND[kind] == ActivityEvent.Kind.MESSAGE_SENT else ""
    messages, events = [], []
    for item in items:
        for parent, channel, recipient in _recipients(item, parents_by_child, channels):
            if (item.key, parent.pk, channel) in queued:
                continue
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
                key=item.key,
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
                text=event_text,
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


def family_messages_enqueue_sql(
    *,
    team,
    kind: str,
    session,
    ctes: str,
    params: list,
    result: str,
    keys,
    sent_by_names: dict | None = None,
    per_parent: bool = False,
) -> tuple[list[tuple], int]:
    """The set-based form of `family_messages_enqueue`, for bulk sends: one statement, no model
    instances. The caller's `ctes` (SQL text, `params`) end with a CTE named `family_messages_source`
    of (child_id, sent_by_id, personalisation jsonb), and `keys` names the personalisation keys its
    builder writes (checked against REQUIRED before anything runs). With `per_parent`, the source
    has a parent_id column too and each of its rows goes to that parent of the child only (a
    personal link each). One email per parent with an
    email address and one text per parent who can receive texts (the rule of `Parent.with_channels`,
    compiled from the ORM), each with its activity event. Returns the rows of the caller's
    `result` SELECT and the number of messages queued.
    """
    kind = Message.Kind(kind)
    personalisations.validate(kind, dict.fromkeys(keys, ""))
    channels_sql, channels_params = (
        Parent.objects.with_channels()
        .order_by()
        .values("id", "full_name", "email", "phone", "can_receive_email", "can_receive_texts")
        .query.sql_with_params()
    )
    actor = audit.current_actor()
    default_actor = "automatic" if actor.user is None else actor.user.display_name
    templates = {channel: str(template_id(team, kind, channel)) for channel in Message.Channel.values}
    now = timezone.now()
    sql = f"""
        WITH {ctes},
        family_messages_recipients AS MATERIALIZED (
            SELECT s.child_id, s.sent_by_id, s.personalisation, p.id AS parent_id, p.full_name AS parent_name,
                   ch.channel, ch.recipient, gen_random_uuid() AS message_id, gen_random_uuid() AS event_id
            FROM family_messages_source AS s
            JOIN {ParentRelationship._meta.db_table} AS r
                ON r.child_id = s.child_id {"AND r.parent_id = s.parent_id" if per_parent else ""}
            JOIN ({channels_sql}) AS p ON p.id = r.parent_id
            -- Phones are stored normalised (patients.phone), so a number that can receive texts is sent as stored.
            CROSS JOIN LATERAL (VALUES ('email', p.email, p.can_receive_email), ('sms', p.phone, p.can_receive_texts))
                AS ch (channel, recipient, allowed)
            WHERE ch.allowed
        ),
        family_messages_queued AS (
            INSERT INTO {Message._meta.db_table}
                (id, team_id, kind, channel, recipient, template_id, personalisation, child_id, parent_id, session_id,
                 sent_by_id, activity_event_id, status, status_reason, attempts, next_attempt_at, ambiguous, created_at,
                 key)
            SELECT message_id, %s, %s, channel, recipient,
                   CASE channel WHEN 'email' THEN %s::uuid ELSE %s::uuid END, personalisation, child_id, parent_id,
                   %s, sent_by_id, event_id, 'pending', '', 0, %s, false, %s, ''
            FROM family_messages_recipients
            RETURNING id
        ),
        family_messages_events AS (
            INSERT INTO {ActivityEvent._meta.db_table}
                (id, team_id, child_id, session_id, kind, created_at, user_id, actor, text, details, channel,
                 recipient, delivery_status, message_id)
            SELECT event_id, %s, child_id, %s, %s, %s, sent_by_id, COALESCE(%s::jsonb ->> sent_by_id::text, %s), '',
                   jsonb_build_object('parent', parent_name, 'message_kind', %s::text), channel, recipient, 'pending',
                   message_id
            FROM family_messages_recipients
        )
        SELECT (SELECT COALESCE(json_agg(result), '[]') FROM ({result}) AS result),
               (SELECT count(*) FROM family_messages_queued),
               ARRAY(SELECT id::text FROM family_messages_queued LIMIT 1000)
    """  # noqa: S608 - table names from the models, values are parameters
    session_id = getattr(session, "pk", None)
    all_params = [
        *params,
        *channels_params,
        team.pk,
        kind.value,
        templates[Message.Channel.EMAIL],
        templates[Message.Channel.SMS],
        session_id,
        now,
        now,
        team.pk,
        session_id,
        ACTIVITY_KIND[kind].value,
        now,
        json.dumps({str(pk): name for pk, name in (sent_by_names or {}).items()}),
        default_actor,
        kind.value,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, all_params)
        rows, queued, some_ids = cursor.fetchone()
        if queued:
            audit.record_bulk(f"messages.queued.{kind.value}", Message, some_ids, team=team, count=queued)
            transaction.on_commit(_dispatch_soon)
    rows = json.loads(rows) if isinstance(rows, str) else rows
    return [tuple(row.values()) for row in rows], queued  # json keeps the columns' order


def messages_personalisation_set(*, session, kind, child_ids, key: str, value) -> int:
    """Sets `personalisation[key]` to value(child_id, parent_id) on the pending messages of `kind`
    for these children: a per-parent value (a signed link) that a set-based sender could not
    build in SQL. Call in the sending transaction, before it commits (dispatch starts after)."""
    pending = list(
        Message.objects.filter(
            session=session, kind=kind, child_id__in=child_ids, status=Message.Status.PENDING
        ).values_list("id", "child_id", "parent_id")
    )
    if not pending:
        return 0
    values = {}
    for _, child_id, parent_id in pending:
        if (child_id, parent_id) not in values:
            values[child_id, parent_id] = value(child_id, parent_id)
    ids = [str(pk) for pk, *_ in pending]
    texts = [values[child_id, parent_id] for _, child_id, parent_id in pending]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Message._meta.db_table} AS m SET personalisation = m.personalisation || jsonb_build_object(%s::text, v.value)
                FROM unnest(%s::uuid[], %s::text[]) AS v (id, value) WHERE m.id = v.id""",  # noqa: S608 - our table
            [key, ids, texts],
        )
        return cursor.rowcount


def _dispatch_soon():
    from notifications.tasks import dispatch_due

    try:
        dispatch_due.delay()
    except Exception:  # noqa: BLE001 - broker down: beat's every-minute dispatch picks the rows up
        logger.warning("Could not enqueue dispatch; the outbox keeps the messages.")


@transaction.atomic
def test_message_send(*, team, email: str = "", phone: str = "", sent_by=None) -> list[Message]:
    """A test email and/or text to any address, to check a team's Notify set-up."""
    now = timezone.now()
    messages = [
        Message(
            team=team,
            kind=Message.Kind.TEST,
            channel=channel,
            recipient=recipient,
            template_id=template_id(team, Message.Kind.TEST, channel),
            personalisation=personalisations.test_message(team=team),
            sent_by=sent_by,
            created_at=now,
            next_attempt_at=now,
        )
        for channel, recipient in ((Message.Channel.EMAIL, email), (Message.Channel.SMS, phone))
        if recipient
    ]
    Message.objects.bulk_create(messages)
    audit.record_bulk("messages.queued.test", Message, [m.id for m in messages], team=team)
    transaction.on_commit(_dispatch_soon)
    return messages


def delivery_receipt_record(*, notify_id: str | None, reference: str | None, status: str) -> bool:
    """A delivery receipt from Notify: move the message and its activity event forward.

    Matched by our reference (the row's id) first, so a receipt that arrives before the
    dispatcher has written the Notify id still lands; then by Notify id. Never moves a
    status back. Only a message that was sent moves: one Notify has (created or later), or
    one a dispatcher holds right now (its claim is live: the receipt can beat the write). A
    receipt for a message still waiting to send, or whose Notify id is another message's,
    is logged and ignored (a forged receipt must not stop a send). Returns False then, and
    for a message we do not know.
    """
    message_table = Message._meta.db_table
    event_table = ActivityEvent._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {message_table} AS m SET
                    status = CASE WHEN {RANK_SQL.format(col="m.status")} < {RANK_SQL.format(col="%(status)s")}
                                  THEN %(status)s ELSE m.status END,
                    notify_id = COALESCE(m.notify_id, %(notify_id)s::uuid),
                    status_updated_at = %(now)s
                WHERE m.id = (
                    SELECT id FROM {message_table}
                    WHERE id = %(reference)s::uuid OR notify_id = %(notify_id)s::uuid
                    ORDER BY (id = %(reference)s::uuid) DESC LIMIT 1
                )
                AND (m.status <> 'pending' OR m.claimed_until > %(now)s)
                AND (%(notify_id)s::uuid IS NULL OR m.notify_id = %(notify_id)s::uuid OR (
                    m.notify_id IS NULL AND NOT EXISTS (
                        SELECT 1 FROM {message_table} AS o WHERE o.notify_id = %(notify_id)s::uuid
                    )
                ))
                RETURNING m.id, m.status""",  # noqa: S608 - table names from the model, values are parameters
            {"status": status, "notify_id": notify_id, "now": now, "reference": reference},
        )
        row = cursor.fetchone()
        if row is None:
            logger.warning(
                "Delivery receipt ignored: no sent message matches (notify id %s, reference %s)", notify_id, reference
            )
            return False
        cursor.execute(
            f"UPDATE {event_table} SET delivery_status = %s WHERE message_id = %s AND delivery_status IS DISTINCT FROM %s",  # noqa: S608
            [row[1], row[0], row[1]],
        )
    return True


@transaction.atomic
def messages_retry(*, messages, by=None) -> dict:
    """Send again where it makes sense (admin action).

    A rejected message never reached Notify, so the same row goes back in the queue. A
    temporary or technical failure did reach Notify: a new row (new reference, new activity
    event) is queued, so Notify still holds exactly one notification per reference.
    A permanent failure is not retried: the address or number does not work.
    """
    retried, copied, skipped = [], [], 0
    now = timezone.now()
    for message in messages:
        if message.status == Message.Status.REJECTED:
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.PENDING,
                status_reason="",
                attempts=0,
                ambiguous=False,
                claimed_until=None,
                next_attempt_at=now,
                status_updated_at=now,
            )
            if message.activity_event_id:
                ActivityEvent.objects.filter(pk=message.activity_event_id).update(
                    delivery_status=Message.Status.PENDING
                )
            retried.append(message.pk)
        elif message.status in (Message.Status.TEMPORARY_FAILURE, Message.Status.TECHNICAL_FAILURE):
            copy = Message(
                team=message.team,
                kind=message.kind,
                channel=message.channel,
                recipient=message.recipient,
                template_id=message.template_id,
                personalisation=message.personalisation,
                child=message.child,
                parent=message.parent,
                session=message.session,
                sent_by=by,
                created_at=now,
                next_attempt_at=now,
            )
            if message.child_id and message.activity_event_id:
                original = ActivityEvent.objects.filter(pk=message.activity_event_id).first()
                if original:
                    event = ActivityEvent.objects.create(
                        team=original.team,
                        child=original.child,
                        session=original.session,
                        kind=original.kind,
                        created_at=now,
                        user=by,
                        actor=by.display_name if by else "automatic",
                        channel=original.channel,
                        recipient=original.recipient,
                        delivery_status=Message.Status.PENDING,
                        message_id=copy.id,
                        details={**original.details, "resent": str(message.pk)},
                    )
                    copy.activity_event_id = event.id
            copy.save()
            copied.append(copy.pk)
        else:
            skipped += 1
    if retried or copied:
        audit.record_bulk("messages.retried", Message, retried + copied, requeued=len(retried), resent=len(copied))
        transaction.on_commit(_dispatch_soon)
    return {"requeued": len(retried), "resent": len(copied), "skipped": skipped}
