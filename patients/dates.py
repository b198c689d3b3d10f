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
