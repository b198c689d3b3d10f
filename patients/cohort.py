"""Cohort import: read a CSV of children and parents, check every row, then write set-based.

Rules (domain.md): every bad row is reported with its line number and reason; a file with bad
rows changes nothing unless the user chose to import the valid rows only; importing the same
file again changes nothing. Children match by NHS number, else by name and date of birth;
parents match by email or phone within the child. The writes are a handful of bulk statements
whatever the file's size.
"""

import csv
import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from mavis import audit
from mavis.text import hidden_character, hidden_character_message
from patients import hooks
from patients.dates import parse_date
from patients.models import Child, Parent, ParentRelationship, School
from patients.nhs_number import format_nhs_number, is_valid_nhs_number, normalise_nhs_number
from patients.phone import is_uk_mobile, normalise_phone

# Canonical column -> accepted headers (compared lower-case with spaces, _ and - squeezed).
COLUMNS = {
    "nhs_number": ["nhs number", "child nhs number"],
    "given_name": ["first name", "child first name", "given name"],
    "family_name": ["last name", "child last name", "family name", "surname"],
    "preferred_given_name": ["preferred first name", "child preferred first name"],
    "date_of_birth": ["date of birth", "child date of birth", "dob"],
    "gender": ["gender", "child gender", "sex"],
    "address_line_1": ["address line 1", "child address line 1", "address"],
    "address_line_2": ["address line 2", "child address line 2"],
    "address_town": ["town", "address town", "child town"],
    "address_postcode": ["postcode", "child postcode"],
    "school": ["school urn", "child school urn", "school"],
}
for _n in (1, 2):
    COLUMNS.update(
        {
            f"parent_{_n}_name": [f"parent {_n} name"],
            f"parent_{_n}_relationship": [f"parent {_n} relationship"],
            f"parent_{_n}_email": [f"parent {_n} email", f"parent {_n} email address"],
            f"parent_{_n}_phone": [f"parent {_n} phone", f"parent {_n} phone number"],
        }
    )
REQUIRED_COLUMNS = ["given_name", "family_name", "date_of_birth", "school"]
HEADERS = [
    "NHS number",
    "First name",
    "Last name",
    "Preferred first name",
    "Date of birth",
    "Gender",
    "Address line 1",
    "Address line 2",
    "Town",
    "Postcode",
    "School URN",
    "Parent 1 name",
    "Parent 1 relationship",
    "Parent 1 email",
    "Parent 1 phone",
    "Parent 2 name",
    "Parent 2 relationship",
    "Parent 2 email",
    "Parent 2 phone",
]

HOME_SCHOOLED = {"home-schooled", "home schooled", "homeschooled", "home-educated", "home educated", "999999"}
UNKNOWN_SCHOOL = {"unknown", "unknown school", "888888", ""}
GENDERS = {
    "female": Child.Gender.FEMALE,
    "f": Child.Gender.FEMALE,
    "male": Child.Gender.MALE,
    "m": Child.Gender.MALE,
    "not known": Child.Gender.NOT_KNOWN,
    "not specified": Child.Gender.NOT_SPECIFIED,
}
RELATIONSHIPS = {
    "mum": ParentRelationship.Type.MUM,
    "mother": ParentRelationship.Type.MUM,
    "dad": ParentRelationship.Type.DAD,
    "father": ParentRelationship.Type.DAD,
    "guardian": ParentRelationship.Type.GUARDIAN,
}
PHONE_CHARACTERS = re.compile(r"^[0-9+()\-\s.]{6,20}$")
OLDEST_AGE = 22
BATCH = 2000

# The child fields an import sets; blank values never overwrite what is known.
CHILD_IMPORT_FIELDS = [
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_given_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "address_town",
    "address_postcode",
]


class FileError(Exception):
    """The file as a whole cannot be read (not a CSV, missing columns)."""


@dataclass
class ParentRow:
    name: str
    relationship: str
    other_name: str
    email: str
    phone: str

    @property
    def key(self):
        """Siblings in one file share a parent with the same name and email (or, without one, phone)."""
        contact = self.email or self.phone
        return (self.name.lower(), contact) if contact else None


@dataclass
class Row:
    line: int
    child: dict
    school_urn: str | None  # None: not given; "" with status set for home-schooled/unknown
    school_status: str | None
    parents: list[ParentRow] = field(default_factory=list)
    match: Child | None = None  # the register's child this row is about (set when checked)
    school_id: int | None = None
    changed: bool = False

    @property
    def name_key(self):
        return (self.child["given_name"].lower(), self.child["family_name"].lower(), self.child["date_of_birth"])


@dataclass
class Result:
    total_rows: int = 0
    errors: list = field(default_factory=list)  # [{"line": n, "reason": text}]
    children_created: int = 0
    children_updated: int = 0
    parents_created: int = 0
    rows_unchanged: int = 0
    rows_skipped: int = 0
    written: bool = False
    changed_child_ids: list = field(default_factory=list)


def _squeeze(header: str) -> str:
    return " ".join(re.sub(r"[_\-]", " ", (header or "").strip().lower()).split())


def header_map(headers: list[str], columns: dict = COLUMNS, required: list = REQUIRED_COLUMNS) -> dict[str, int]:
    """{canonical column: index} for a file's header row (any import's columns); FileError names
    the required columns missing."""
    lookup = {alias: key for key, aliases in columns.items() for alias in aliases}
    names = {key: aliases[0].capitalize() for key, aliases in columns.items()}
    found: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        key = lookup.get(_squeeze(header))
        if key:
            found.setdefault(key, []).append(index)
    for key, indexes in found.items():
        if len(indexes) > 1:
            # "Booking date" and "Appointment date" both name the date: which one is meant is not
            # the import's guess to make (taking the first one booked the wrong day).
            shown = ", ".join(headers[index].strip() for index in indexes)
            raise FileError(
                f"The file has more than one column for {names[key]} ({shown}): "
                "remove or rename the ones that are not it"
            )
    mapping = {key: indexes[0] for key, indexes in found.items()}
    missing = [key for key in required if key not in mapping]
    if missing:
        raise FileError("The file is missing the columns: " + ", ".join(names[k] for k in missing))
    return mapping


QUOTED_LENGTH = 40


def quoted(value: str) -> str:
    """A cell as an error quotes it: ‘…’, shortened (a 100,000-character cell is not shown whole)."""
    return f"‘{value[:QUOTED_LENGTH]}…’" if len(value) > QUOTED_LENGTH else f"‘{value}’"


def refuse_nul(content: str) -> None:
    """A NUL byte (a binary file, or a spreadsheet saved oddly) cannot be stored or read."""
    index = content.find("\x00")
    if index >= 0:
        line = content.count("\n", 0, index) + 1
        raise FileError(f"Line {line} contains a NUL character: save the file again as a CSV (UTF-8)")


def read_rows(content: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank data rows with their line numbers (the header is line 1)."""
    refuse_nul(content)
    content = content.lstrip("\ufeff")
    if "\r" in content and "\n" not in content:
        content = content.replace("\r", "\n")  # Excel's "CSV (Macintosh)": lines end with CR alone
    reader = csv.reader(io.StringIO(content))
    try:
        headers = next(reader)
    except StopIteration:
        raise FileError("The file is empty") from None
    except csv.Error as error:
        raise FileError(f"The file is not a valid CSV file ({error})") from None
    rows = []
    start = reader.line_num + 1
    try:
        for values in reader:
            if any(value.strip() for value in values):
                rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FileError(f"The file is not a valid CSV file: line {reader.line_num}: {error}") from None
    return headers, rows


def _text_reasons(label: str, value: str, limit: int) -> list[str]:
    """Why a text field cannot be stored as it is: too long, or holding characters nobody can see."""
    reasons = []
    if len(value) > limit:
        reasons.append(f"{label} must be {limit} characters or fewer")
    hidden = hidden_character(value)  # CR and LF too: an imported field is one line
    if hidden is not None:
        reasons.append(hidden_character_message(label, hidden))
    return reasons


def parse_row(line: int, values: list[str], columns: dict[str, int], today: datetime.date) -> Row | list[str]:
    """A checked Row, or the reasons the row is bad."""

    def get(key):
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    reasons = []
    child = {}
    nhs = normalise_nhs_number(get("nhs_number"))
    if nhs and not is_valid_nhs_number(nhs):
        reasons.append(f"NHS number {quoted(get('nhs_number'))} is not a valid 10-digit NHS number")
    child["nhs_number"] = nhs or None
    for key, label in [("given_name", "first name"), ("family_name", "last name")]:
        value = get(key)
        if not value:
            reasons.append(f"Enter the child’s {label}")
        reasons += _text_reasons(f"The child’s {label}", value, 100)
        child[key] = value
    child["preferred_given_name"] = get("preferred_given_name")
    reasons += _text_reasons("The child’s preferred first name", child["preferred_given_name"], 100)
    raw_date = get("date_of_birth")
    born = parse_date(raw_date)
    if not raw_date:
        reasons.append("Enter the child’s date of birth")
    elif born is None:
        reasons.append(f"Date of birth {quoted(raw_date)} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    elif born > today:
        reasons.append("Date of birth is in the future")
    elif born.year < today.year - OLDEST_AGE:
        reasons.append(f"Date of birth {raw_date} is too long ago for a school-age child")
    child["date_of_birth"] = born
    gender = get("gender").lower()
    if gender and gender not in GENDERS:
        reasons.append(f"Gender {quoted(get('gender'))} must be female, male, not known or not specified")
    child["gender"] = GENDERS.get(gender, "")
    for key, label, limit in [
        ("address_line_1", "Address line 1", 200),
        ("address_line_2", "Address line 2", 200),
        ("address_town", "Town", 100),
    ]:
        child[key] = get(key)
        reasons += _text_reasons(label, child[key], limit)
    postcode = get("address_postcode").upper()
    if len(postcode) > 10:
        reasons.append(f"Postcode {quoted(postcode)} is too long")
    else:
        reasons += _text_reasons("Postcode", postcode, 10)
    child["address_postcode"] = postcode

    school = get("school")
    school_status = school_urn = None
    if "school" in columns:
        lowered = school.lower()
        if lowered in HOME_SCHOOLED:
            school_status, school_urn = Child.SchoolStatus.HOME_SCHOOLED, ""
        elif lowered in UNKNOWN_SCHOOL:
            school_status, school_urn = Child.SchoolStatus.UNKNOWN, ""
        elif school.isascii() and school.isdigit():
            school_status, school_urn = Child.SchoolStatus.SCHOOL, school
        else:
            reasons.append(f"School {quoted(school)} must be a school URN, home-schooled or unknown")

    parents = []
    for n in (1, 2):
        name, email, phone = get(f"parent_{n}_name"), get(f"parent_{n}_email").lower(), get(f"parent_{n}_phone")
        relationship = get(f"parent_{n}_relationship")
        if not (name or email or phone):
            continue
        if not name:
            reasons.append(f"Enter parent {n}’s name")
        reasons += _text_reasons(f"Parent {n}’s name", name, 200)
        reasons += _text_reasons(f"Parent {n}’s relationship", relationship, 100)
        if len(email) > 254:
            reasons.append(f"Parent {n}’s email must be 254 characters or fewer")
        elif email:
            try:
                validate_email(email)
            except ValidationError:
                reasons.append(f"Parent {n}’s email {quoted(email)} is not a valid email address")
        if phone and not PHONE_CHARACTERS.match(phone):
            reasons.append(f"Parent {n}’s phone {quoted(phone)} is not a valid phone number")
        rel_type = RELATIONSHIPS.get(relationship.lower(), ParentRelationship.Type.OTHER)
        other = relationship if rel_type == ParentRelationship.Type.OTHER else ""
        parents.append(ParentRow(name, rel_type, other, email, normalise_phone(phone)))
    if len(parents) == 2 and parents[0].key and parents[0].key == parents[1].key:
        parents.pop()
    if reasons:
        return reasons
    return Row(line, child, school_urn, school_status, parents)


def _advisory_lock(team) -> None:
    """One import per team at a time, so two uploads cannot both create the same child."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x4D41, team.pk])


@dataclass
class CheckedFile:
    total_rows: int
    rows: list[Row]
    errors: dict[int, list[str]]


def check_file(
    content: str, *, progress: Callable[[int, int], None] | None = None, today: datetime.date | None = None
) -> CheckedFile:
    """Read and check every row on its own (no database). Raises FileError for an unreadable file."""
    today = today or timezone.localdate()
    headers, raw_rows = read_rows(content)
    columns = header_map(headers)
    total = len(raw_rows)
    errors: dict[int, list[str]] = {}
    rows: list[Row] = []
    for count, (line, values) in enumerate(raw_rows, start=1):
        parsed = parse_row(line, values, columns, today)
        if isinstance(parsed, Row):
            rows.append(parsed)
        else:
            errors[line] = parsed
        if progress and count % 1000 == 0:
            progress(count, total)
    if progress:
        progress(total, total)
    return CheckedFile(total, rows, errors)


def apply_file(*, team, checked: CheckedFile, valid_rows_only: bool = False, dry_run: bool = False) -> Result:
    """Check the rows against the register, then write them if allowed. Call inside transaction.atomic()."""
    result = Result(total_rows=checked.total_rows)
    errors = {line: list(reasons) for line, reasons in checked.errors.items()}
    _advisory_lock(team)
    rows = _check_against_register(team, checked.rows, errors)
    result.errors = [{"line": line, "reason": "; ".join(reasons)} for line, reasons in sorted(errors.items())]
    if result.errors and not valid_rows_only:
        return result
    result.rows_skipped = len(errors)
    if dry_run:
        return result
    _write(team, rows, result)
    result.written = True
    return result


def run_import(
    *,
    team,
    content: str,
    valid_rows_only: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    today: datetime.date | None = None,
) -> Result:
    """check_file then apply_file. Call inside transaction.atomic()."""
    checked = check_file(content, progress=progress, today=today)
    return apply_file(team=team, checked=checked, valid_rows_only=valid_rows_only, dry_run=dry_run)


class ChildIndex:
    """The team's children that a file's rows may be about, matched as every import matches them:
    by NHS number, else by first name, last name and date of birth (case-insensitive); a child
    already known by another NHS number is a different child. One query."""

    def __init__(self, team, nhs_numbers, births, fields=()):
        existing = Child.objects.for_team(team).filter(
            Q(nhs_number__in=list(nhs_numbers)) | Q(date_of_birth__in=births)
        )
        if fields:
            existing = existing.only(*fields, "school_id", "team_id")
        self.by_nhs = {}
        self.by_name = {}
        for child in existing:
            if child.nhs_number:
                self.by_nhs[child.nhs_number] = child
            self.by_name.setdefault((child.given_name.lower(), child.family_name.lower(), child.date_of_birth), child)

    def match(self, nhs: str | None, name_key: tuple) -> Child | None:
        match = self.by_nhs.get(nhs) if nhs else None
        if match is None:
            candidate = self.by_name.get(name_key)
            if candidate is not None and not (nhs and candidate.nhs_number):
                match = candidate
        return match


def _check_against_register(team, rows: list[Row], errors: dict[int, list[str]]) -> list[Row]:
    """Schools, NHS numbers used elsewhere, duplicates in the file; sets row.match (child or None)."""
    schools = dict(School.objects.for_team(team).values_list("urn", "pk"))
    nhs_numbers = [row.child["nhs_number"] for row in rows if row.child["nhs_number"]]
    elsewhere = set(
        Child.objects.filter(nhs_number__in=nhs_numbers).exclude(team=team).values_list("nhs_number", flat=True)
    )
    index = ChildIndex(
        team, nhs_numbers, {row.child["date_of_birth"] for row in rows}, CHILD_IMPORT_FIELDS + ["school_status"]
    )

    good = []
    seen_keys: dict[object, int] = {}
    claimed: dict[int, int] = {}
    for row in rows:
        reasons = []
        nhs = row.child["nhs_number"]
        if row.school_status == Child.SchoolStatus.SCHOOL and row.school_urn not in schools:
            reasons.append(f"School URN {row.school_urn} is not one of your team’s schools")
        row.school_id = schools.get(row.school_urn) if row.school_status == Child.SchoolStatus.SCHOOL else None
        if nhs in elsewhere:
            reasons.append(f"NHS number {format_nhs_number(nhs)} belongs to a child registered with another team")
        key = nhs or row.name_key
        if key in seen_keys:
            reasons.append(f"The same child as on line {seen_keys[key]}")
        else:
            seen_keys[key] = row.line
        match = index.match(nhs, row.name_key)
        if match is not None and not reasons:
            if match.pk in claimed:
                reasons.append(f"Matches the same child as line {claimed[match.pk]}")
            else:
                claimed[match.pk] = row.line
        row.match = match
        if reasons:
            errors.setdefault(row.line, []).extend(reasons)
        else:
            good.append(row)
    return good


def _write(team, rows: list[Row], result: Result) -> None:
    now = timezone.now()
    new_children: list[Child] = []
    new_rows: list[Row] = []
    updated: list[Child] = []
    updated_fields: set[str] = set()
    school_changed: list[int] = []
    for row in rows:
        child = row.match
        if child is None:
            values = dict(row.child)
            values["gender"] = values["gender"] or Child.Gender.NOT_KNOWN
            status = row.school_status or Child.SchoolStatus.UNKNOWN
            new_children.append(Child(team=team, school_status=status, school_id=row.school_id, **values))
            new_rows.append(row)
            continue
        changed = []
        for name in CHILD_IMPORT_FIELDS:
            value = row.child[name]
            if value not in ("", None) and getattr(child, name) != value:
                setattr(child, name, value)
                changed.append(name)
        if row.school_status is not None and (child.school_status, child.school_id) != (
            row.school_status,
            row.school_id,
        ):
            child.school_status, child.school_id = row.school_status, row.school_id
            changed += ["school_status", "school"]
            school_changed.append(child.pk)
        if changed:
            child.updated_at = now
            updated.append(child)
            updated_fields.update(changed)
            row.changed = True

    Child.objects.bulk_create(new_children, batch_size=BATCH)
    for row, child in zip(new_rows, new_children, strict=True):
        row.match = child
    if updated:
        Child.objects.bulk_update(updated, sorted(updated_fields | {"updated_at"}), batch_size=BATCH)

    parents_created = _write_parents(team, rows, {c.pk for c in new_children})
    result.children_created = len(new_children)
    result.children_updated = len(updated)
    result.parents_created = parents_created
    new_ids = {c.pk for c in new_children}
    result.rows_unchanged = sum(1 for row in rows if row.match.pk not in new_ids and not row.changed)

    if new_children:
        audit.record_bulk("child.imported", Child, [c.pk for c in new_children], team=team)
    if updated:
        audit.record_bulk("child.updated_by_import", Child, [c.pk for c in updated], team=team)
    result.changed_child_ids = [c.pk for c in new_children] + school_changed
    if result.changed_child_ids:
        hooks.children_changed(team=team, child_ids=result.changed_child_ids)


def _write_parents(team, rows: list[Row], new_child_ids: set[int]) -> int:
    """New parents and links; a parent matches by email or phone among the child's own parents."""
    known_ids = [row.match.pk for row in rows if row.match.pk not in new_child_ids]
    existing: dict[int, list[dict]] = {}
    if known_ids:
        for link in ParentRelationship.objects.filter(child_id__in=known_ids).values(
            "child_id", "parent_id", "parent__email", "parent__phone", "parent__full_name"
        ):
            existing.setdefault(link["child_id"], []).append(link)

    shared: dict[tuple, Parent] = {}  # siblings in one file share a parent
    new_parents: list[Parent] = []
    pending_links: list[tuple[int, ParentRow, object]] = []
    fills: dict[int, dict] = {}
    for row in rows:
        child_id = row.match.pk
        for parent_row in row.parents:
            found = None
            for link in existing.get(child_id, []):
                if (parent_row.email and link["parent__email"].lower() == parent_row.email) or (
                    parent_row.phone and link["parent__phone"] == parent_row.phone
                ):
                    found = link
                    break
            if found:
                # Fill in contact details the register did not have; never overwrite.
                fill = {}
                if parent_row.email and not found["parent__email"]:
                    fill["email"] = parent_row.email
                if parent_row.phone and not found["parent__phone"]:
                    fill["phone"] = parent_row.phone
                if fill:
                    fills.setdefault(found["parent_id"], {}).update(fill)
                    row.changed = True
                continue
            parent = shared.get(parent_row.key) if parent_row.key else None
            if parent is None:
                parent = Parent(
                    team=team,
                    full_name=parent_row.name,
                    email=parent_row.email,
                    phone=parent_row.phone,
                    phone_receive_updates=is_uk_mobile(parent_row.phone),
                )
                if parent_row.key:
                    shared[parent_row.key] = parent
                new_parents.append(parent)
            pending_links.append((child_id, parent_row, parent))
            if child_id not in new_child_ids:
                row.changed = True

    Parent.objects.bulk_create(new_parents, batch_size=BATCH)
    ParentRelationship.objects.bulk_create(
        [
            ParentRelationship(child_id=child_id, parent_id=parent.pk, type=p.relationship, other_name=p.other_name)
            for child_id, p, parent in pending_links
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    if fills:
        parents = list(Parent.objects.filter(pk__in=fills))
        for parent in parents:
            for name, value in fills[parent.pk].items():
                setattr(parent, name, value)
        Parent.objects.bulk_update(parents, ["email", "phone"], batch_size=BATCH)
        audit.record_bulk("parent.updated_by_import", Parent, list(fills), team=team)
    if new_parents:
        audit.record_bulk("parent.imported", Parent, [p.pk for p in new_parents], team=team)
    return len(new_parents)
