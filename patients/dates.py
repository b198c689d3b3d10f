"""Calendar dates as people type them and as cohort files hold them (day first, as in England)."""

import datetime

FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%Y-%m-%d", "%Y%m%d")


def parse_date(text: str | None) -> datetime.date | None:
    """15/3/2015, 15-03-2015, 15.03.2015, 15 03 2015, 2015-03-15 or 20150315; None if not a date."""
    text = " ".join((text or "").split())
    for fmt in FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


TIME_FORMATS = ("%H:%M", "%H.%M", "%I:%M%p", "%I.%M%p", "%I%p", "%H:%M:%S")


def parse_time(text: str | None) -> datetime.time | None:
    """10:20, 10.20, 10:20am, 2pm or 14:20:00 (a booking system's export); None if not a time."""
    text = "".join((text or "").split()).upper()
    for fmt in TIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).time()  # noqa: DTZ007 - a time of day
        except ValueError:
            continue
    return None
