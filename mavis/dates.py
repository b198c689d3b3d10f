"""The one NHS date format, for templates (as filters), messages and services."""

import datetime

from django.utils import timezone


def date_long(value):
    """'Monday 1 December 2026' (the NHS style for dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%A} {value.day} {value:%B %Y}"


def date_short(value):
    """'1 December 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {value:%B %Y}"


def date_day_month(value):
    """'Tuesday 5 January' (an appointment this season: the year goes without saying)."""
    if value is None:
        return ""
    return f"{value:%A} {value.day} {value:%B}"


def clock_time(value):
    """'10:20' (an appointment time, as booking systems print it)."""
    return "" if value is None else f"{value:%H:%M}"
