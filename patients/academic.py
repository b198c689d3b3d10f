"""Academic years and year groups (domain.md: "Time").

An academic year is named by the calendar year in which it starts on 1 September.
"""

import datetime

from django.utils import timezone

RECEPTION = 0


def academic_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def current_academic_year(today: datetime.date | None = None) -> int:
    return academic_year_of(today or timezone.localdate())


def academic_year_bounds(academic_year: int) -> tuple[datetime.date, datetime.date]:
    """1 September to 31 August."""
    return datetime.date(academic_year, 9, 1), datetime.date(academic_year + 1, 8, 31)


def year_group(date_of_birth: datetime.date, academic_year: int) -> int:
    return academic_year - academic_year_of(date_of_birth) - 5


def birth_academic_year_for(year_group_number: int, academic_year: int) -> int:
    """The birth academic year of children in `year_group_number` during `academic_year`."""
    return academic_year - year_group_number - 5


def dates_of_birth_for_year_groups(year_groups, academic_year: int) -> list[tuple[datetime.date, datetime.date]]:
    """Date-of-birth ranges (inclusive) for the given year groups, for SQL filters."""
    ranges = []
    for group in year_groups:
        birth_year = birth_academic_year_for(group, academic_year)
        ranges.append(academic_year_bounds(birth_year))
    return ranges


def year_group_label(group: int) -> str:
    if group == RECEPTION:
        return "Reception"
    if group < RECEPTION:
        return "Nursery"
    return f"Year {group}"
