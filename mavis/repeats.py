"""A double click, or a second tab, sends the same write again. Within a short window the same
thing by the same person is the first one: it is returned, not written twice (a note, a triage
decision, a consent request, a "not given" outcome). The callers lock the child first, so a
second request waits for the first to commit and then finds it."""

import datetime

from django.utils import timezone

DOUBLE_CLICK_WINDOW = datetime.timedelta(minutes=2)


def just_written(rows, at: str = "created_at"):
    """The newest of `rows` written within the window (by their `at` field), or None."""
    since = timezone.now() - DOUBLE_CLICK_WINDOW
    return rows.filter(**{f"{at}__gte": since}).order_by(f"-{at}").first()
