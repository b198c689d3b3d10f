"""Thin Celery tasks over notifications.dispatch (idempotent: state lives in the outbox rows)."""

import logging
import time

from celery import shared_task

from mavis import audit
from notifications import control, dispatch

logger = logging.getLogger(__name__)

# Retries due within this many seconds get a delayed dispatch; later ones wait for beat.
SOON_SECONDS = 120
SCHEDULED_KEY = "notify:dispatch-scheduled"


@shared_task(name="notifications.dispatch_due", acks_late=True, ignore_result=True)
def dispatch_due():
    """Send one batch; fan out while more are due; come back for retries due soon."""
    fanned_out = []

    def fan_out():
        fanned_out.append(True)
        dispatch_due.delay()

    with audit.acting_as("task:notifications.dispatch_due"):
        result = dispatch.messages_dispatch(on_full_batch=fan_out)
    if result.paused:
        return {"paused": result.paused}
    if result.claimed:
        # Retries recorded by this batch (or rows another task left) may be due soon.
        _schedule_next(already_queued=bool(fanned_out))
    else:
        # Nothing free now, but rows another worker leased are free at their lease end if it
        # has died: come back then rather than at beat's next minute.
        _schedule_next(already_queued=True)
    return {k: v for k, v in vars(result).items() if k != "outcomes"}


def _schedule_next(already_queued: bool):
    wait = dispatch.wait_seconds_until_due()
    if wait is None or wait > SOON_SECONDS:
        return  # nothing waiting soon: beat's every-minute run is enough
    if wait <= 0:
        if not already_queued:
            dispatch_due.delay()
        return
    # One delayed dispatch at a time, however many batches ask for it, unless one is wanted
    # sooner than the one scheduled (a retry due in a second, while a lease ends in 30).
    due_at = time.time() + wait
    client = control.connection()
    scheduled = client.get(SCHEDULED_KEY)
    if scheduled is None or float(scheduled) > due_at + 0.5:
        client.set(SCHEDULED_KEY, f"{due_at:.3f}", px=max(1, int(wait * 1000)))
        dispatch_due.apply_async(countdown=wait)
