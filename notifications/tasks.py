"""Thin Celery tasks over notifications.dispatch (idempotent: state lives in the outbox rows)."""

import datetime
import logging
import time

from celery import shared_task
from django.utils import timezone

from mavis import audit
from notifications import control, dispatch

logger = logging.getLogger(__name__)

# Retries due within this many seconds get a delayed dispatch; later ones wait for beat.
SOON_SECONDS = 120
SCHEDULED_KEY = "notify:dispatch-scheduled"


@shared_task(name="notifications.dispatch_due", acks_late=True, ignore_result=True)
def dispatch_due():
    """Send one batch; fan out while more are due; come back when the next waiting message is due."""
    started = time.time()
    _scheduled_clear(started)

    with audit.acting_as("task:notifications.dispatch_due"):
        result = dispatch.messages_dispatch(on_full_batch=dispatch_due.delay)
    if result.paused:
        return {"paused": result.paused}
    _schedule_next(after=datetime.datetime.fromtimestamp(started, datetime.UTC))
    return {k: v for k, v in vars(result).items() if k != "outcomes"}


def _schedule_next(after: datetime.datetime):
    """One dispatch at the moment the next message becomes due, however many runs ask for it.

    Only what became due after this run's claim counts (`after`): the retries this batch recorded
    (already due if their backoff ended while it sent), a lease that ends (a killed worker's rows),
    rows queued meanwhile. Rows due before the claim that it did not take are a fan-out's, or cannot
    be claimed now (a paused service, a spent budget): counting them would say "due now" for ever,
    and the retries of every other service would wait for beat's next minute.
    """
    at = dispatch.next_due_at(after=after)
    if at is None:
        return
    wait = max(0.0, (at - timezone.now()).total_seconds())
    if wait > SOON_SECONDS:
        return  # beat's every-minute run is enough
    due_at = time.time() + wait
    client = control.connection()
    scheduled = client.get(SCHEDULED_KEY)
    if scheduled is None or float(scheduled) > due_at + 0.5:
        # Kept until that dispatch starts (_scheduled_clear); a minute more in case it is lost.
        client.set(SCHEDULED_KEY, f"{due_at:.3f}", px=int(wait * 1000) + 60_000)
        dispatch_due.apply_async(countdown=wait)


def _scheduled_clear(now: float):
    """A dispatch starting now is the one scheduled for now or earlier: later wants schedule anew.
    (Not atomic: a race costs at most one dispatch more, never one less. Only a dispatch that is
    due clears it, so an eager run, in tests, does not call itself again and again.)"""
    client = control.connection()
    scheduled = client.get(SCHEDULED_KEY)
    if scheduled is not None and float(scheduled) <= now + 0.1:
        client.delete(SCHEDULED_KEY)
