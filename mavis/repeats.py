"""A double click, or a second tab, sends the same write again. Within a short window the same
thing by the same person is the first one: it is returned, not written twice (a note, a triage
decision, a consent request, a "not given" outcome). The callers lock the child first, so a
second request waits for the first to commit and then finds it. What a unique constraint
guards (a vaccine, a batch, a venue) is refused with the same message as its check."""

import datetime
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

DOUBLE_CLICK_WINDOW = datetime.timedelta(minutes=2)


def just_written(rows, at: str = "created_at"):
    """The newest of `rows` written within the window (by their `at` field), or None."""
    since = timezone.now() - DOUBLE_CLICK_WINDOW
    return rows.filter(**{f"{at}__gte": since}).order_by(f"-{at}").first()


@contextmanager
def refused_as(error: Exception):
    """The insert inside hits a unique constraint (a double click's second request, or two people
    adding the same thing at once, after both checked): `error`, the message the check gives,
    instead of a 500. Its own savepoint, so the caller's transaction goes on."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise error from None
