"""What the register's templates show."""

from patients.academic import current_academic_year, year_group_label
from patients.nhs_number import format_nhs_number


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
