"""Import a booking system's export: who booked which clinic date and time.

The cohort import's rules and machinery (patients.cohort): the header row names the columns,
every row is checked before anything is written, every bad row is reported with its line
number, and a file with any bad row changes nothing. Children match as in the cohort import
(NHS number, else name and date of birth), but only children already on the register: a
booking never creates a child.
"""

import datetime
from dataclasses import dataclass, field

from mavis.dates import date_long
from patients.cohort import ChildIndex, FileError, header_map, quoted, read_rows
from patients.dates import parse_date, parse_time
from patients.nhs_number import format_nhs_number, is_valid_nhs_number, normalise_nhs_number
from sessions.models import Booking
from sessions.services import ARCHIVED_NOT_BOOKED, BookingChange
from sessions.status import date_values

COLUMNS = {
    "nhs_number": ["nhs number", "child nhs number", "patient nhs number"],
    "given_name": ["first name", "child first name", "given name", "forename"],
    "family_name": ["last name", "child last name", "family name", "surname"],
    "date_of_birth": ["date of birth", "child date of birth", "dob"],
    "date": ["date", "appointment date", "booking date", "clinic date"],
    "time": ["time", "appointment time", "booking time", "start time"],
}
REQUIRED_COLUMNS = ["date"]
HEADERS = ["NHS number", "First name", "Last name", "Date of birth", "Date", "Time"]
MAX_ROWS = 20_000


@dataclass
class CheckedBookings:
    total_rows: int = 0
    changes: list[BookingChange] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # [{"line": n, "reason": text}], by line


@dataclass
class _Row:
    line: int
    nhs: str | None
    name_key: tuple
    date: datetime.date
    time: datetime.time | None


def _parse(line, values, columns, clinic_dates) -> _Row | list[str]:
    def get(key):
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    reasons = []
    nhs = normalise_nhs_number(get("nhs_number")) or None
    if nhs and not is_valid_nhs_number(nhs):
        reasons.append(f"NHS number {quoted(get('nhs_number'))} is not a valid 10-digit NHS number")
    born = parse_date(get("date_of_birth"))
    name_key = (get("given_name").lower(), get("family_name").lower(), born)
    if not nhs and not all(name_key):
        reasons.append("Enter the child’s NHS number, or their first name, last name and date of birth")
    elif get("date_of_birth") and born is None:
        reasons.append(f"Date of birth {quoted(get('date_of_birth'))} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    date = parse_date(get("date"))
    if not get("date"):
        reasons.append("Enter the appointment date")
    elif date is None:
        reasons.append(f"Date {quoted(get('date'))} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    elif date not in clinic_dates:
        reasons.append(f"{date_long(date)} is not one of the clinic’s dates")
    time = parse_time(get("time"))
    if get("time") and time is None:
        reasons.append(f"Time {quoted(get('time'))} is not a time (use 10:20 or 2:30pm)")
    return reasons or _Row(line, nhs, name_key, date, time)


def check_bookings(*, team, clinic, content: str) -> CheckedBookings:
    """Every row checked, on its own and against the register. Raises FileError for a file that
    cannot be read at all."""
    headers, raw_rows = read_rows(content)
    columns = header_map(headers, COLUMNS, REQUIRED_COLUMNS)
    if "nhs_number" not in columns and not {"given_name", "family_name", "date_of_birth"} <= columns.keys():
        raise FileError("The file needs an NHS number column, or First name, Last name and Date of birth columns")
    if len(raw_rows) > MAX_ROWS:
        raise FileError(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
    result = CheckedBookings(total_rows=len(raw_rows))
    clinic_dates = set(date_values(clinic))
    errors: dict[int, list[str]] = {}
    rows = []
    for line, values in raw_rows:
        parsed = _parse(line, values, columns, clinic_dates)
        if isinstance(parsed, _Row):
            rows.append(parsed)
        else:
            errors[line] = parsed
    index = ChildIndex(team, [r.nhs for r in rows if r.nhs], {r.name_key[2] for r in rows})
    claimed: dict[int, int] = {}
    for row in rows:
        child = index.match(row.nhs, row.name_key)
        if child is None:
            who = f"NHS number {format_nhs_number(row.nhs)}" if row.nhs else "this name and date of birth"
            errors.setdefault(row.line, []).append(f"No child in your team has {who}")
        elif child.archived_at is not None:
            errors.setdefault(row.line, []).append(ARCHIVED_NOT_BOOKED)
        elif child.pk in claimed:
            errors.setdefault(row.line, []).append(f"The same child as on line {claimed[child.pk]}")
        else:
            claimed[child.pk] = row.line
            result.changes.append(BookingChange(child.pk, Booking.Status.BOOKED, row.date, row.time))
    result.errors = [{"line": line, "reason": "; ".join(reasons)} for line, reasons in sorted(errors.items())]
    return result
