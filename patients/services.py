"""Every write to the register: keyword-only functions, atomic, audited.

Whenever children are created, or their school status or school changes, the register
tells the apps above it through `patients.hooks.children_changed` inside the same transaction.
"""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from mavis import audit
from mavis.repeats import refused_as
from patients import cohort, hooks
from patients.models import Batch, Child, CohortImport, Parent, ParentRelationship, School, Vaccine
from patients.nhs_number import normalise_nhs_number
from patients.phone import normalise_phone

CHILD_FIELDS = {
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_given_name",
    "preferred_family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "address_town",
    "address_postcode",
    "school_status",
    "school",
    "deceased",
    "restricted",
    "invalidated",
}
logger = logging.getLogger(__name__)

PARENT_FIELDS = {"full_name", "email", "phone", "phone_receive_updates", "contact_method", "contact_method_details"}


def check_school(team, fields):
    """A known school belongs to the team; Home-schooled and Unknown school have no school."""
    status = fields.get("school_status")
    school = fields.get("school")
    if status == Child.SchoolStatus.SCHOOL:
        if school is None:
            raise ValidationError({"school": "Choose a school"})
        if school.team_id != team.pk:
            raise ValidationError({"school": "Choose one of your team's schools"})
    elif status is not None:
        fields["school"] = None


def _clean_child_fields(fields):
    unknown = set(fields) - CHILD_FIELDS
    if unknown:
        raise TypeError(f"Not child fields: {sorted(unknown)}")
    if "nhs_number" in fields:
        fields["nhs_number"] = normalise_nhs_number(fields["nhs_number"] or "") or None
    return fields


@transaction.atomic
def child_create(*, team, **fields) -> Child:
    fields = _clean_child_fields(fields)
    fields.setdefault("school_status", Child.SchoolStatus.SCHOOL if fields.get("school") else "unknown")
    check_school(team, fields)
    child = Child(team=team, **fields)
    child.full_clean()
    child.save()
    audit.record("child.created", child, team=team)
    hooks.children_changed(team=team, child_ids=[child.pk])
    return child


@transaction.atomic
def child_update(*, child: Child, **fields) -> Child:
    fields = _clean_child_fields(fields)
    if "school" in fields and "school_status" not in fields:
        fields["school_status"] = Child.SchoolStatus.SCHOOL if fields["school"] else Child.SchoolStatus.UNKNOWN
    check_school(child.team, fields)
    before = (child.school_status, child.school_id)
    changed = []
    for name, value in fields.items():
        attribute = "school_id" if name == "school" else name
        new = value.pk if name == "school" and value is not None else value
        if getattr(child, attribute) != new:
            setattr(child, name, value)
            changed.append(name)
    if not changed:
        return child
    child.full_clean()
    child.save()
    audit.record("child.updated", child, team=child.team, fields=sorted(changed))
    if (child.school_status, child.school_id) != before:
        hooks.children_changed(team=child.team, child_ids=[child.pk])
    return child


@transaction.atomic
def child_archive(*, child: Child, reason: str, details: str = "") -> Child:
    if reason not in Child.ArchiveReason.values:
        raise ValidationError({"archive_reason": "Choose a reason"})
    if reason == Child.ArchiveReason.OTHER and not details.strip():
        raise ValidationError({"archive_details": "Enter details"})
    child.archived_at = timezone.now()
    child.archive_reason = reason
    child.archive_details = details.strip()
    if reason == Child.ArchiveReason.DECEASED:
        child.deceased = True
    child.save(update_fields=["archived_at", "archive_reason", "archive_details", "deceased", "updated_at"])
    audit.record("child.archived", child, team=child.team, reason=reason)
    # Archived children leave sessions and invitation lists: the apps above re-check them.
    hooks.children_changed(team=child.team, child_ids=[child.pk])
    return child


@transaction.atomic
def child_unarchive(*, child: Child) -> Child:
    child.archived_at = None
    child.archive_reason = ""
    child.archive_details = ""
    child.save(update_fields=["archived_at", "archive_reason", "archive_details", "updated_at"])
    audit.record("child.unarchived", child, team=child.team)
    hooks.children_changed(team=child.team, child_ids=[child.pk])
    return child


def _clean_parent_fields(fields):
    unknown = set(fields) - PARENT_FIELDS
    if unknown:
        raise TypeError(f"Not parent fields: {sorted(unknown)}")
    if "phone" in fields:
        fields["phone"] = normalise_phone(fields["phone"])
    if "email" in fields:
        fields["email"] = (fields["email"] or "").strip().lower()
    return fields


@transaction.atomic
def parent_create(*, child: Child, relationship: str, other_name: str = "", **fields) -> Parent:
    """A new parent or guardian of `child` (siblings can then share them: `parent_link`)."""
    parent = Parent(team=child.team, **_clean_parent_fields(fields))
    parent.full_clean()
    parent.save()
    audit.record("parent.created", parent, team=child.team)
    parent_link(child=child, parent=parent, relationship=relationship, other_name=other_name)
    return parent


@transaction.atomic
def parent_update(*, parent: Parent, **fields) -> Parent:
    fields = _clean_parent_fields(fields)
    changed = [name for name, value in fields.items() if getattr(parent, name) != value]
    if not changed:
        return parent
    for name in changed:
        setattr(parent, name, fields[name])
    parent.full_clean()
    parent.save()
    audit.record("parent.updated", parent, team=parent.team, fields=sorted(changed))
    return parent


@transaction.atomic
def parent_link(*, child: Child, parent: Parent, relationship: str, other_name: str = "") -> ParentRelationship:
    if parent.team_id != child.team_id:
        raise ValidationError("A parent can only be linked to a child of the same team.")
    link, created = ParentRelationship.objects.update_or_create(
        child=child, parent=parent, defaults={"type": relationship, "other_name": other_name}
    )
    audit.record("relationship.created" if created else "relationship.updated", link, team=child.team)
    return link


@transaction.atomic
def parent_unlink(*, child: Child, parent: Parent) -> None:
    deleted, _ = ParentRelationship.objects.filter(child=child, parent=parent).delete()
    if deleted:
        audit.record("relationship.deleted", child, team=child.team, parent_id=parent.pk)


@transaction.atomic
def school_create(*, team, urn: str, name: str, address: str = "", year_groups=None) -> School:
    school = School(team=team, urn=urn.strip(), name=name.strip(), address=address, year_groups=year_groups or [])
    school.full_clean()
    school.save()
    audit.record("school.created", school, team=team)
    return school


# Cohort import -------------------------------------------------------------------------


@transaction.atomic
def cohort_import_create(*, team, uploaded_by, file_name: str, content: str) -> CohortImport:
    """Keep the uploaded file and check and import it in the background.

    `queued` on the result says whether the task reached the broker; if not, the import waits
    as pending and cohort_imports_resume (every minute, from beat) starts it later.
    """
    cohort_import = CohortImport.objects.create(
        team=team, uploaded_by=uploaded_by, file_name=file_name[:255], content=content
    )
    audit.record("cohort_import.uploaded", cohort_import, team=team, file_name=file_name)
    transaction.on_commit(partial(_enqueue, cohort_import))
    return cohort_import


def _enqueue(cohort_import: CohortImport) -> None:
    from patients import tasks

    try:
        tasks.cohort_import_process.delay(cohort_import.pk)
        cohort_import.queued = True
    except Exception:  # noqa: BLE001 - broker down: the row is committed and resumed later
        cohort_import.queued = False
        logger.warning("Could not queue cohort import %s; it will be resumed.", cohort_import.pk)


# A pending import older than this was not queued (or its task was lost): queue it again.
RESUME_AFTER = datetime.timedelta(minutes=1)


def cohort_imports_resume(*, now=None) -> int:
    """Queue the imports left pending, e.g. uploaded while the broker was down. A duplicate
    task is harmless: cohort_import_process runs one import at a time and only once."""
    cutoff = (now or timezone.now()) - RESUME_AFTER
    stale = list(
        CohortImport.objects.filter(status=CohortImport.Status.PENDING, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        _enqueue(CohortImport(pk=pk))
    return len(stale)


@transaction.atomic
def cohort_import_valid_rows_only(*, cohort_import: CohortImport) -> CohortImport:
    """The user chose to import the valid rows of a file that has bad rows."""
    if cohort_import.status != CohortImport.Status.INVALID:
        raise ValidationError("Only an import with errors can import its valid rows.")
    cohort_import.valid_rows_only = True
    cohort_import.status = CohortImport.Status.PENDING
    cohort_import.processed_rows = 0
    cohort_import.save(update_fields=["valid_rows_only", "status", "processed_rows"])
    audit.record("cohort_import.valid_rows_only", cohort_import, team=cohort_import.team)
    transaction.on_commit(partial(_enqueue, cohort_import))
    return cohort_import


def cohort_import_process(*, cohort_import_id: int) -> CohortImport | None:
    """Check and write one uploaded file. Idempotent: a finished import is left alone.

    Progress is saved outside the writing transaction, so the upload page can show it.
    """
    # One run per import at a time: a resumed import may have a second task on its way.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, cohort_import_id])
        if not cursor.fetchone()[0]:
            return None
    try:
        return _process(cohort_import_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, cohort_import_id])


IMPORT_LOCK = 0x4D42  # advisory lock namespace for one import's run


def _process(cohort_import_id: int) -> CohortImport | None:
    claimed = CohortImport.objects.filter(
        pk=cohort_import_id,
        status__in=[CohortImport.Status.PENDING, CohortImport.Status.CHECKING, CohortImport.Status.IMPORTING],
    ).update(status=CohortImport.Status.CHECKING, processed_rows=0)
    if not claimed:
        return None
    cohort_import = CohortImport.objects.select_related("team").get(pk=cohort_import_id)

    def progress(done, total):
        CohortImport.objects.filter(pk=cohort_import.pk).update(processed_rows=done, total_rows=total)

    try:
        # Checking each row needs no database: its progress is saved (and seen) as it goes.
        checked = cohort.check_file(cohort_import.content, progress=progress)
    except cohort.FileError as error:
        _reject(cohort_import, str(error))
        return cohort_import
    except Exception:
        # A fault in the checks: say so rather than show "Checking rows" for ever.
        CohortImport.objects.filter(pk=cohort_import.pk).update(
            status=CohortImport.Status.FAILED, completed_at=timezone.now()
        )
        raise
    CohortImport.objects.filter(pk=cohort_import.pk).update(status=CohortImport.Status.IMPORTING)
    try:
        with transaction.atomic():
            result = cohort.apply_file(
                team=cohort_import.team, checked=checked, valid_rows_only=cohort_import.valid_rows_only
            )
            _save_result(cohort_import, result)
    except Exception:
        # Nothing was written (one transaction); say so rather than show "Importing" for ever.
        CohortImport.objects.filter(pk=cohort_import.pk).update(
            status=CohortImport.Status.FAILED, completed_at=timezone.now()
        )
        raise
    return cohort_import


def _reject(cohort_import: CohortImport, reason: str) -> None:
    cohort_import.status = CohortImport.Status.INVALID
    cohort_import.errors = [{"line": 1, "reason": reason}]
    cohort_import.completed_at = timezone.now()
    cohort_import.save(update_fields=["status", "errors", "completed_at"])
    audit.record("cohort_import.rejected", cohort_import, team=cohort_import.team, reason=reason)


def _save_result(cohort_import: CohortImport, result) -> None:
    cohort_import.total_rows = cohort_import.processed_rows = result.total_rows
    cohort_import.errors = result.errors
    cohort_import.status = CohortImport.Status.COMPLETED if result.written else CohortImport.Status.INVALID
    for name in ("children_created", "children_updated", "parents_created", "rows_unchanged", "rows_skipped"):
        setattr(cohort_import, name, getattr(result, name))
    cohort_import.completed_at = timezone.now()
    cohort_import.save()
    audit.record(
        "cohort_import.completed" if result.written else "cohort_import.rejected",
        cohort_import,
        team=cohort_import.team,
        children_created=result.children_created,
        children_updated=result.children_updated,
        parents_created=result.parents_created,
        bad_rows=len(result.errors),
    )


# --- Vaccines and batches (kept by the team's admins) ---------------------------------------------


@transaction.atomic
def vaccine_add(*, team, programme, brand: str, method: str) -> Vaccine:
    brand = brand.strip()
    duplicate = ValidationError(f"{brand} is already in your list of vaccines")
    if Vaccine.objects.for_team(team).filter(brand__iexact=brand).exists():
        raise duplicate
    if not programme.is_flu and method == Vaccine.Method.NASAL:
        raise ValidationError(f"{programme.name} vaccines are injected")
    with refused_as(duplicate):
        vaccine = Vaccine.objects.create(team=team, programme=programme, brand=brand, method=method)
    audit.record("vaccine.added", vaccine, programme=programme.code, method=method)
    return vaccine


BATCH_NUMBER_TOO_LONG = "Batch number must be 50 characters or fewer"
BATCH_EXPIRY_MAX_YEARS = 15  # as Mavis: no vaccine keeps longer


def _years_after(value: datetime.date, years: int) -> datetime.date:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


@transaction.atomic
def batch_add(*, vaccine, number: str, expiry: datetime.date, today: datetime.date | None = None) -> Batch:
    number = number.strip().upper()
    # Capitals can be longer ("ß" is "SS"): measured after, or the database refuses it.
    if len(number) > Batch._meta.get_field("number").max_length:
        raise ValidationError({"number": BATCH_NUMBER_TOO_LONG})
    today = today or timezone.localdate()
    if expiry < today:
        raise ValidationError({"expiry": "Enter an expiry date that is today or in the future"})
    if expiry > _years_after(today, BATCH_EXPIRY_MAX_YEARS):  # a typo ("2207") would never expire
        raise ValidationError(
            {"expiry": f"Enter an expiry date no more than {BATCH_EXPIRY_MAX_YEARS} years from today"}
        )
    duplicate = ValidationError({"number": f"Batch {number} of {vaccine.brand} is already in the list"})
    if Batch.objects.filter(vaccine=vaccine, number=number).exists():
        raise duplicate
    with refused_as(duplicate):
        batch = Batch.objects.create(team=vaccine.team, vaccine=vaccine, number=number, expiry=expiry)
    audit.record("batch.added", batch, vaccine=vaccine.brand, expiry=expiry.isoformat())
    return batch


@transaction.atomic
def batch_archive(*, batch) -> Batch:
    """Archived batches leave the nurses' list; the records given from them keep them."""
    if batch.archived_at is None:
        batch.archived_at = timezone.now()
        batch.save(update_fields=["archived_at"])
        audit.record("batch.archived", batch)
    return batch
