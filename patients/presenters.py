"""What the register's templates show."""

from dataclasses import dataclass

from django.utils import timezone

from patients.academic import current_academic_year, year_group_label
from patients.models import CohortImport, VaccinationRecord
from patients.nhs_number import format_nhs_number


@dataclass(frozen=True)
class ProgrammeStatus:
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
        """No parent has an email or a UK mobile (uses the prefetched relationships)."""
        return not any(link.parent.contactable for link in self.child.relationships.all())

    def programme_statuses(self, programmes) -> list[ProgrammeStatus]:
        """Each programme's status this academic year, from the prefetched vaccination records."""
        year = self.academic_year
        group = self.child.year_group(year)
        records = list(self.child.vaccination_records.all())  # newest first
        statuses = []
        for programme in programmes:
            mine = [r for r in records if r.programme_id == programme.pk]
            this_year = [r for r in mine if r.performed_in(year)]
            done = next((r for r in mine if r.counts_as_vaccinated(year, programme)), None)
            if done:
                statuses.append(
                    ProgrammeStatus(
                        programme, "Vaccinated", "green", f"{timezone.localtime(done.performed_at):%-d %B %Y}"
                    )
                )
            elif group not in programme.year_groups:
                statuses.append(ProgrammeStatus(programme, "Not eligible", "white", year_group_label(group)))
            elif this_year and this_year[0].outcome != VaccinationRecord.Outcome.ABSENT:
                statuses.append(
                    ProgrammeStatus(programme, "Could not vaccinate", "red", this_year[0].get_outcome_display())
                )
            else:
                statuses.append(ProgrammeStatus(programme, "No outcome yet", "grey"))
        return statuses


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
            return (
                "Waiting to start. If the service is busy or recovering from a fault, it starts by itself when it can."
            )
        if item.total_rows:
            return f"Checked {item.processed_rows:,} of {item.total_rows:,} rows"
        return "Reading the file"
