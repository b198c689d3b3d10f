"""Sending the outbox: claim due rows, send each once, record what happened.

Exactly once, with Notify having no idempotency key:
- a batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED and leased (claimed_until), so
  two workers never hold the same row; the lease is short and renewed by a heartbeat while
  its worker is alive, so a killed worker's rows are free again within NOTIFY_CLAIM_SECONDS;
- claiming marks the rows `ambiguous` ("a send may have reached Notify") before any request
  leaves; the flag is cleared only when we know the answer. A row claimed again while still
  ambiguous (a worker was killed, a timeout, a 5xx) is first looked up in Notify by its
  reference, and recorded instead of resent if Notify has it;
- outcomes are written in bulk, and statuses only move forward, so a delivery receipt that
  beats the dispatcher's own write is never undone.
Sending threads never touch the database: they get plain dicts and return outcomes.
"""

import datetime
import logging
import math
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from notifications_python_client.errors import HTTPError

from mavis import audit
from notifications import control, gateway
from notifications.models import Message
from patients.phone import normalise_uk_mobile
from sessions.models import ActivityEvent

logger = logging.getLogger(__name__)

# Notify's statuses that we record; anything else it reports counts as "sending".
NOTIFY_STATUSES = {"created", "sending", "delivered", "permanent-failure", "temporary-failure", "technical-failure"}
FINAL_STATUSES = {Message.Status.DELIVERED, *Message.FAILED_STATUSES}
# Forward-only: a status is written only over a lower rank.
RANK_SQL = "CASE {col} WHEN 'pending' THEN 0 WHEN 'created' THEN 1 WHEN 'sending' THEN 2 ELSE 3 END"
NOT_UK_MOBILE = "Phone number is not a UK mobile"


def status_rank(status: str) -> int:
    return {"pending": 0, "created": 1, "sending": 2}.get(status, 3)


def notify_status(value: str | None) -> str:
    return value if value in NOTIFY_STATUSES else Message.Status.SENDING


@dataclass
class Outcome:
    id: str
    status: str = Message.Status.PENDING
    reason: str = ""
    notify_id: str | None = None
    ambiguous: bool = False
    next_attempt_at: datetime.datetime | None = None
    attempts_delta: int = 0
    sent: bool = False  # Notify has it (sent now, or found by reference)
    found: bool = False  # found by reference instead of sending


@dataclass
class Result:
    claimed: int = 0
    sent: int = 0
    found: int = 0
    retried: int = 0
    rejected: int = 0
    released: int = 0
    paused: str | None = None
    full: bool = False
    outcomes: list = field(default_factory=list, repr=False)


class _BatchState:
    """Shared by a batch's threads: stop a service after a 403, park a service's channel after a
    daily limit. Keys are service keys (control.Service.prefix)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stopped: dict[str, str] = {}
        self.parked: dict[tuple[str, str], datetime.datetime] = {}


_pools: dict[tuple[int, str], ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(service: control.Service) -> ThreadPoolExecutor:
    """One pool per process (forked workers build their own) and service; each thread has its own
    client. A thread waits for its service's pacer slot, so with one pool for all services the
    threads would all be waiting on the busiest service while another's messages queued behind
    them (issue 16's bench: a service sending at 6-12 a second of its 20)."""
    key = (os.getpid(), service.prefix)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=settings.NOTIFY_THREADS, thread_name_prefix="notify-send")
            _pools[key] = pool
        return pool


# A rate limit is Notify saying "slower", not a fault: start retrying after a second, not NOTIFY_RETRY_BASE_SECONDS.
RATE_LIMIT_BASE_SECONDS = 1.0
# A rate-limit 429 (Notify did not take the message) is sent again at once from the same thread, at the
# service's next pacer slot, up to this many sends in all: handed back to the outbox it would wait for the
# end of its batch and the next claim, after every other message (issue 16's bench: a 429 in the last
# batch left one message 5.7 s behind the rest, a 4-service run at 0.69 of the rate instead of 0.93).
RATE_LIMIT_SENDS = 3


def backoff(attempts: int, now=None, base: float | None = None) -> datetime.datetime:
    """Exponential, capped, with jitter (half fixed, half random) so retries spread out."""
    base = settings.NOTIFY_RETRY_BASE_SECONDS if base is None else min(base, settings.NOTIFY_RETRY_BASE_SECONDS)
    delay = min(settings.NOTIFY_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1))
    return (now or timezone.now()) + datetime.timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def due_messages(now=None):
    now = now or timezone.now()
    return Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _claim_service(service: control.Service, now, share: int) -> list[tuple[Message, str]]:
    """Lock up to `share` due rows of the service's teams, within what its daily budget allows.
    Each row comes with the budget counter it counts in.

    Far from the budget, one query takes the oldest due rows and reserves them (keeping only as
    many as the bulk share still allows, should other workers have counted meanwhile). Within a batch of
    the bulk share (95%), each channel reserves before it claims, so no worker passes a limit:
    one-off messages may use the whole budget and go first, bulk kinds stop at the bulk share.
    """
    query = due_messages(now).select_related("team").order_by("next_attempt_at")
    if service.pk is None:
        query = query.filter(team__notify_service__isnull=True)
    else:
        query = query.filter(team__notify_service_id=service.pk)
    keys = {channel: control.sent_key(service, channel, now) for channel in Message.Channel.values}
    sent = control.sent_counts(list(keys.values()))
    near = [
        channel
        for channel in Message.Channel.values
        if sent[keys[channel]] + share > service.budget(channel) * settings.NOTIFY_BULK_BUDGET_SHARE
    ]
    locked = query.exclude(channel__in=near).select_for_update(skip_locked=True, of=("self",))
    rows = [(row, keys[row.channel]) for row in locked[:share]]
    for channel, number in Counter(row.channel for row, _ in rows).items():
        # Atomic, as near the limit: workers that all read the counter as far from it at once
        # would otherwise count past it together (a budget test caught 10 sent of 9).
        got = control.budget_reserve(keys[channel], number, service.budget(channel) * settings.NOTIFY_BULK_BUDGET_SHARE)
        if got < number:
            over = [item for item in rows if item[0].channel == channel][got:]
            rows = [item for item in rows if item not in over]
    for channel in near:
        budget = service.budget(channel)
        of_channel = query.filter(channel=channel)
        for part, limit in (
            (of_channel.exclude(kind__in=control.BULK_KINDS), budget),
            (of_channel.filter(kind__in=control.BULK_KINDS), budget * settings.NOTIFY_BULK_BUDGET_SHARE),
        ):
            reserved = control.budget_reserve(keys[channel], share - len(rows), limit)
            if not reserved:
                continue
            claimed = list(part.select_for_update(skip_locked=True, of=("self",))[:reserved])
            control.budget_give_back(keys[channel], reserved - len(claimed))
            rows += [(row, keys[channel]) for row in claimed]
    return rows


def messages_claim(*, limit: int, now=None, services=None) -> list[dict]:
    """Lease up to `limit` due rows to this worker and mark them possibly-sent.

    Fair between services: each service that is not paused gets an equal share of the batch,
    so one team's bulk send never holds another service's messages back.
    """
    now = now or timezone.now()
    services = [service for service in (services or control.services()) if not control.paused_reason(service)]
    if not services:
        return []
    share = math.ceil(limit / len(services))
    per_service, full = [], set()
    with transaction.atomic():
        for service in services:
            rows = _claim_service(service, now, share)
            per_service.append([(service, row, key) for row, key in rows])
            if len(rows) == share:
                full.add(service.prefix)
        claimed = [item for items in per_service for item in items]  # each service sends from its own threads
        if not claimed:
            return []
        lease = now + datetime.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
        Message.objects.filter(pk__in=[row.pk for _, row, _ in claimed]).update(claimed_until=lease, ambiguous=True)
    return [
        {
            "id": str(row.pk),
            "reference": str(row.pk),
            "service": service,
            "channel": row.channel,
            "recipient": row.recipient,
            "template_id": str(row.template_id),
            "personalisation": row.personalisation,
            "email_reply_to_id": _text(row.team.notify_email_reply_to_id) or service.email_reply_to_id,
            "sms_sender_id": _text(row.team.notify_sms_sender_id) or service.sms_sender_id,
            "attempts": row.attempts + 1,
            "was_ambiguous": row.ambiguous,
            "claimed_until": lease,
            "full_share": service.prefix in full,  # more of this service may be waiting
            "budget_key": key,
        }
        for service, row, key in claimed
    ]


def _text(value) -> str | None:
    return str(value) if value else None


class ClaimHeartbeat:
    """Renews a batch's lease every third of NOTIFY_CLAIM_SECONDS while the batch is sent.

    Only our own lease is renewed (the row's claimed_until is still the value we wrote), so a
    worker that stalled past its lease never takes back rows another worker has claimed since.
    """

    def __init__(self, ids: list[str], lease: datetime.datetime):
        self.ids, self.lease = ids, lease
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="claim-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()

    def _run(self):
        try:
            while not self.stopped.wait(settings.NOTIFY_CLAIM_SECONDS / 3):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> int:
        lease = timezone.now() + datetime.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)
        try:
            renewed = Message.objects.filter(
                pk__in=self.ids, status=Message.Status.PENDING, claimed_until=self.lease
            ).update(claimed_until=lease)
        except Exception:  # noqa: BLE001 - a missed beat only shortens the lease; the next one retries
            logger.exception("Could not renew the claim on a batch")
            return 0
        self.lease = lease
        return renewed


def _failed(message: dict, error: HTTPError, state: _BatchState, *, unknown_before: bool) -> Outcome:
    """`unknown_before`: an earlier attempt may have reached Notify and we could not check yet."""
    failure = gateway.classify(error)
    outcome = Outcome(id=message["id"], reason=failure.reason[:500], attempts_delta=1)
    if failure.kind == "rejected":
        outcome.status = Message.Status.REJECTED
        return outcome
    service = message["service"]
    if failure.kind == "forbidden":
        with state.lock:
            if service.prefix not in state.stopped:
                state.stopped[service.prefix] = failure.reason
                control.pause(failure.reason, service)
        return _released(message)
    if failure.kind == "daily_limit":
        until = control.next_midnight_utc()
        with state.lock:
            if (service.prefix, message["channel"]) not in state.parked:
                state.parked[service.prefix, message["channel"]] = until
                control.daily_limit_reached(message["channel"], service=service)
        outcome.next_attempt_at = until + datetime.timedelta(seconds=random.uniform(60, 900))
        outcome.ambiguous = unknown_before
        return outcome
    # A rate limit (Notify did not take it) or an ambiguous failure (it may have).
    outcome.ambiguous = failure.kind == "ambiguous" or unknown_before
    if not outcome.ambiguous and message["attempts"] >= settings.NOTIFY_MAX_ATTEMPTS:
        outcome.status = Message.Status.TECHNICAL_FAILURE
        outcome.reason = f"Not sent after {message['attempts']} attempts: {failure.reason}"[:500]
        return outcome
    rate_limited = failure.kind == "rate_limited" and not outcome.ambiguous
    outcome.next_attempt_at = backoff(message["attempts"], base=RATE_LIMIT_BASE_SECONDS if rate_limited else None)
    return outcome


def _released(message: dict, next_attempt_at=None) -> Outcome:
    """Not tried at all: back to the queue as it was."""
    return Outcome(
        id=message["id"], ambiguous=message["was_ambiguous"], next_attempt_at=next_attempt_at or timezone.now()
    )


def _attempt(message: dict, pacers: dict, state: _BatchState) -> Outcome:
    service = message["service"]
    if service.prefix in state.stopped:
        return _released(message)
    parked = state.parked.get((service.prefix, message["channel"]))
    if parked:
        return _released(message, parked + datetime.timedelta(seconds=random.uniform(60, 900)))
    if message["channel"] == Message.Channel.SMS and not normalise_uk_mobile(message["recipient"]):
        return Outcome(id=message["id"], status=Message.Status.REJECTED, reason=NOT_UK_MOBILE)
    unknown = message["was_ambiguous"]
    try:
        if unknown:
            # A previous attempt may have reached Notify: ask before sending again.
            found = gateway.find_by_reference(message["reference"], service)
            if found:
                return Outcome(
                    id=message["id"],
                    status=notify_status(found.get("status")),
                    notify_id=found["id"],
                    sent=True,
                    found=True,
                )
            unknown = False
        response = _send_paced(message, pacers[service.prefix])
    except HTTPError as error:
        return _failed(message, error, state, unknown_before=unknown)
    except Exception as error:  # noqa: BLE001 - anything unexpected: it may have been sent
        logger.exception("Unexpected error sending message %s", message["id"])
        return Outcome(
            id=message["id"],
            reason=f"Unexpected error: {type(error).__name__}"[:500],
            ambiguous=True,
            next_attempt_at=backoff(message["attempts"]),
            attempts_delta=1,
        )
    return Outcome(
        id=message["id"], status=Message.Status.CREATED, notify_id=response["id"], sent=True, attempts_delta=1
    )


def _send_paced(message: dict, pacer: control.Pacer) -> dict:
    """Send at the pacer's next slot; a rate-limit 429 takes another slot (one attempt in all)."""
    sends = 0
    while True:
        pacer.acquire()
        sends += 1
        try:
            return gateway.send(message, message["service"])
        except HTTPError as error:
            if sends == RATE_LIMIT_SENDS or gateway.classify(error).kind != "rate_limited":
                raise


def messages_record(outcomes: list[Outcome]):
    """Write a batch's outcomes and keep the activity events in step, in one transaction."""
    if not outcomes:
        return
    now = timezone.now()
    values = []
    params: list = []
    for o in outcomes:
        values.append("(%s::uuid, %s, %s, %s::uuid, %s::boolean, %s::timestamptz, %s::int, %s::boolean)")
        params += [o.id, o.status, o.reason, o.notify_id, o.ambiguous, o.next_attempt_at, o.attempts_delta, o.sent]
    message_table = Message._meta.db_table
    event_table = ActivityEvent._meta.db_table
    # Table names come from the models; every value is a query parameter.
    sql = f"""
        UPDATE {message_table} AS m SET
            status = CASE WHEN {RANK_SQL.format(col="m.status")} < {RANK_SQL.format(col="v.status")}
                          THEN v.status ELSE m.status END,
            status_reason = CASE WHEN {RANK_SQL.format(col="m.status")} < {RANK_SQL.format(col="v.status")}
                                 OR v.status = 'pending' THEN v.reason ELSE m.status_reason END,
            notify_id = COALESCE(m.notify_id, v.notify_id),
            sent_at = CASE WHEN v.sent THEN COALESCE(m.sent_at, %s) ELSE m.sent_at END,
            ambiguous = v.ambiguous,
            next_attempt_at = COALESCE(v.next_attempt_at, m.next_attempt_at),
            attempts = m.attempts + v.attempts_delta,
            claimed_until = NULL,
            status_updated_at = %s
        FROM (VALUES {", ".join(values)}) AS v(id, status, reason, notify_id, ambiguous, next_attempt_at, attempts_delta, sent)
        WHERE m.id = v.id
    """  # noqa: S608
    ids = [o.id for o in outcomes]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *params])
        cursor.execute(
            f"""UPDATE {event_table} AS e SET delivery_status = m.status
                FROM {message_table} AS m
                WHERE e.message_id = m.id AND m.id = ANY(%s::uuid[]) AND e.delivery_status IS DISTINCT FROM m.status""",  # noqa: S608
            [ids],
        )


def messages_dispatch(*, limit: int | None = None, on_full_batch=None, services=None) -> Result:
    """Claim one batch of due messages (a fair share of each service), send them in parallel,
    each service at its own pace, and record the outcomes."""
    result = Result()
    services = services or control.services()
    paused = [reason for service in services if (reason := control.paused_reason(service))]
    if len(paused) == len(services):
        result.paused = "; ".join(paused)
        return result
    limit = limit or settings.NOTIFY_BATCH_SIZE
    batch = messages_claim(limit=limit, services=services)
    result.claimed = len(batch)
    result.full = any(message["full_share"] for message in batch)
    if not batch:
        return result
    if result.full and on_full_batch:
        on_full_batch()  # more are waiting: let another worker start on them now
    state = _BatchState()
    pacers = {}
    for service in {message["service"] for message in batch}:
        pacers[service.prefix] = control.pacer(service)
        try:
            service.api_key()
        except ValueError as error:  # a service set up without its key: pause it, lose nothing
            state.stopped[service.prefix] = str(error)
            control.pause(str(error), service)
        for channel in (Message.Channel.EMAIL, Message.Channel.SMS):
            until = control.daily_limit_until(channel, service)
            if until:
                state.parked[service.prefix, channel] = until
    with ClaimHeartbeat([m["id"] for m in batch], batch[0]["claimed_until"]):
        sending = [_pool(message["service"]).submit(_attempt, message, pacers, state) for message in batch]
        outcomes = [future.result() for future in sending]
    messages_record(outcomes)
    for o in outcomes:
        if o.found:
            result.found += 1
        elif o.sent:
            result.sent += 1
        elif o.status == Message.Status.REJECTED:
            result.rejected += 1
        elif o.attempts_delta == 0:
            result.released += 1
        else:
            result.retried += 1
    # The claim reserved every row in its service's daily budget: give back what was not sent.
    unsent = Counter(message["budget_key"] for message, o in zip(batch, outcomes, strict=True) if not o.sent)
    for key, number in unsent.items():
        control.budget_give_back(key, number)
    result.paused = "; ".join(state.stopped.values()) or None
    result.outcomes = outcomes
    if result.rejected:
        audit.record_bulk("messages.rejected", Message, [o.id for o in outcomes if o.status == Message.Status.REJECTED])
    return result


def next_due_at(after: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the next waiting message becomes due (claimed rows count from their lease end);
    with `after`, the first such moment later than it."""
    pending = Message.objects.filter(status=Message.Status.PENDING)
    free, leased = pending.filter(claimed_until__isnull=True), pending.filter(claimed_until__isnull=False)
    if after is not None:
        free, leased = free.filter(next_attempt_at__gt=after), leased.filter(claimed_until__gt=after)
    first = free.aggregate(at=Min("next_attempt_at"))["at"]
    lease_end = leased.aggregate(at=Min("claimed_until"))["at"]
    return min((at for at in (first, lease_end) if at), default=None)


def wait_seconds_until_due(now=None) -> float | None:
    at = next_due_at()
    if at is None:
        return None
    return max(0.0, (at - (now or timezone.now())).total_seconds())


def messages_reconcile(*, limit: int = 1000, older_than_seconds: int = 600, dry_run: bool = False) -> dict:
    """Look up in Notify, by reference, messages whose fate we do not know, and record it.

    Covers rows left ambiguous (a timeout, a killed worker) and rows Notify has but whose
    delivery receipt never arrived (still created/sending after `older_than_seconds`).
    """
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    candidates = list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING, ambiguous=True)
            & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            | Q(status__in=[Message.Status.CREATED, Message.Status.SENDING], sent_at__lt=cutoff)
        )
        .order_by("created_at")
        .values_list("id", "status", "team__notify_service_id")[:limit]
    )
    by_pk = {service.pk: service for service in control.services()}
    summary = {"checked": len(candidates), "found": 0, "not_found": 0, "errors": 0}
    outcomes = []
    for message_id, status, service_pk in candidates:
        try:
            found = gateway.find_by_reference(str(message_id), by_pk[service_pk])
        except (HTTPError, ValueError):  # ValueError: the service's API key is not set
            summary["errors"] += 1
            continue
        if found is None:
            summary["not_found"] += 1
            continue
        summary["found"] += 1
        new_status = notify_status(found.get("status"))
        if status_rank(new_status) > status_rank(status) or status == Message.Status.PENDING:
            outcomes.append(
                Outcome(id=str(message_id), status=new_status, notify_id=found["id"], sent=True, ambiguous=False)
            )
    if not dry_run and outcomes:
        # Only rows nobody holds: a live claim means a worker is deciding right now.
        free = {
            str(pk)
            for pk in Message.objects.filter(pk__in=[o.id for o in outcomes])
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .values_list("pk", flat=True)
        }
        messages_record([o for o in outcomes if o.id in free])
        audit.record_bulk("messages.reconciled", Message, [o.id for o in outcomes])
    summary["recorded"] = 0 if dry_run else len(outcomes)
    return summary


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    """Poll until predicate() is true (used by commands and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
