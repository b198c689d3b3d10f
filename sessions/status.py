"""A session's status, derived from its dates alone (London calendar dates)."""

import datetime

from sessions.models import Session


def date_values(session) -> list[datetime.date]:
    """The session's dates, sorted; uses the prefetched dates when there are some."""
    values = getattr(session, "date_values", None)
    if values is None:
        values = sorted(d.value for d in session.dates.all())
        session.date_values = values
    return values


def session_status(session, today: datetime.date) -> str:
    """Unscheduled (no dates), In progress (a date is today), Scheduled (a date today or later), Completed."""
    values = date_values(session)
    if not values:
        return Session.Status.UNSCHEDULED
    if today in values:
        return Session.Status.IN_PROGRESS
    if values[-1] >= today:
        return Session.Status.SCHEDULED
    return Session.Status.COMPLETED


def is_session_day(session, today: datetime.date) -> bool:
    return today in date_values(session)
