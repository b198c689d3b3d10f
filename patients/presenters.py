"""What the register's templates show."""

from dataclasses import dataclass

from mavis.dates import date_short
from patients.academic import current_academic_year, year_group_label
from patients.models import CohortImport, ProgrammeStatus
from patients.nhs_number import format_nhs_number

Vaccination = ProgrammeStatus.Vaccination
COLOURS = {Vaccination.VACCINATED: "green", Vaccination.COULD_NOT_VACCINATE: "red", Vaccination.NONE_YET: "grey"}


@dataclass(frozen=True)
class ProgrammeStatusRow:
    programme: object
    label: str
    colour: str  # NHS tag modifier
    detail: str = ""


class ChildPresenter:
    def __init__(self, child, today=None):
        self.child = child
        self.academic_year = current_academic_year(today)

    def __getattr__(self, name):
        return getattr(self.child, name)

    @property
    def nhs_number_display(self):
        return format_nhs_number(self.child.nhs_number) or "Not provided"

    @property
    def year_group_display(self):
        return year_group_label(self.child.year_group(self.academic_year))

    @property
    def school_display(self):
        if self.child.school_id:
            return self.child.school.name
        return self.child.get_school_status_display()

    @property
    def school_status_display(self):
        return self.child.get_school_status_display()

    @property
    def flags(self):
        flags = []
        if self.child.deceased:
            flags.append("Deceased")
        if self.child.restricted:
            flags.append("Restricted record")
        if self.child.invalidated:
            flags.append("Record invalidated")
        if self.child.archived_at:
            flags.append(f"Archived: {self.child.get_archive_reason_display()}")
        return flags

    @property
    def cannot_be_contacted(self) -> bool:
        """No parent can receive email or texts (relationships prefetched with
        patients.statuses.relationships_with_channels)."""
        return not any(link.parent_contactable for link in self.child.relationships.all())

    def programme_statuses(self, programmes, statuses) -> list[ProgrammeStatusRow]:
        """Each programme's vaccination status this academic year: `statuses` from
        patients.statuses.child_statuses; the date of the dose from the prefetched records."""
        year = self.academic_year
        records = list(self.child.vaccination_records.all())  # newest first
        rows = []
        for programme in programmes:
            status = statuses.get(programme.code)
            if status is None:
                label = year_group_label(self.child.year_group(year))
                rows.append(ProgrammeStatusRow(programme, "Not eligible", "white", label))
                continue
            vaccination = status["vaccination"]
            detail = ""
            if vaccination == Vaccination.VACCINATED:
                done = next((r for r in records if r.programme_id == programme.pk and r.administered), None)
                detail = date_short(done.performed_at) if done else ""
            rows.append(ProgrammeStatusRow(programme, Vaccination(vaccination).label, COLOURS[vaccination], detail))
        return rows


class CohortImportPresenter:
    TAGS = {
        CohortImport.Status.PENDING: "grey",
        CohortImport.Status.CHECKING: "blue",
        CohortImport.Status.IMPORTING: "blue",
        CohortImport.Status.INVALID: "red",
        CohortImport.Status.COMPLETED: "green",
        CohortImport.Status.FAILED: "red",
    }

    def __init__(self, cohort_import):
        self.cohort_import = cohort_import

    def __getattr__(self, name):
        return getattr(self.cohort_import, name)

    @property
    def status_colour(self):
        return self.TAGS[self.cohort_import.status]

    @property
    def progress_text(self):
        item = self.cohort_import
        if item.status == CohortImport.Status.PENDING:
            # The tag above already reads "Waiting to start": say what happens next.
            return "The file is in the queue. If the service is busy or recovering from a fault, it starts by itself when it can."
        if item.total_rows:
            return f"Checked {item.processed_rows:,} of {item.total_rows:,} rows"
        return "Reading the file"
