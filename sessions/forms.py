"""Validation only: the sessions app's forms."""

from django import forms

from mavis.fields import DateField
from patients.academic import current_academic_year
from patients.models import Programme, VaccinationRecord, Vaccine
from sessions.models import Attendance, Session
from sessions.selectors import OUTCOME_LABELS

STATUS_CHOICES = [("", "Any")] + [(s.value, s.label) for s in Session.Status]


class SessionFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "Any")] + list(Session.Kind.choices))
    programme = forms.ChoiceField(label="Programme", required=False)
    year = forms.TypedChoiceField(label="Academic year", required=False, coerce=int, empty_value=None)
    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Location name")

    def __init__(self, *args, programmes=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any")] + [(p.code, p.name) for p in programmes]
        current = current_academic_year()
        years = sorted(set(years) | {current}, reverse=True)
        self.fields["year"].choices = [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]
        self.current_year = current


class ChildrenFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Name or NHS number")
    programme = forms.ChoiceField(label="Programme", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[("", "Any")] + list(OUTCOME_LABELS.items()))

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any")] + [(p.code, p.name) for p in programmes]


class SessionProgrammesForm(forms.Form):
    programmes = forms.ModelMultipleChoiceField(
        label="Programmes",
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one programme"},
    )


def session_dates_form_class(count: int):
    """A form with `count` date fields date_0 ... (the dates page adds and removes rows)."""
    fields = {
        f"date_{index}": DateField(label=f"Session date {index + 1}", error_name="Session date", required=True)
        for index in range(count)
    }
    return type("SessionDatesForm", (forms.Form,), fields)


class MessageDateForm(forms.Form):
    value = DateField(label="Date")


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(choices=Attendance.Status.choices)


NOT_VACCINATED_REASONS = [
    (VaccinationRecord.Outcome.REFUSED, "They refused it"),
    (VaccinationRecord.Outcome.UNWELL, "They were not well enough"),
    (VaccinationRecord.Outcome.CONTRAINDICATIONS, "They had contraindications"),
    (VaccinationRecord.Outcome.ALREADY_HAD, "They have already had the vaccine"),
    (VaccinationRecord.Outcome.ABSENT, "They were absent from the session"),
]


class VaccinationForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Did they get the vaccine?",
        choices=[
            (VaccinationRecord.Outcome.VACCINATED, "Yes, they got the vaccine"),
            ("not", "No, they did not get it"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose if they got the vaccine"},
    )
    vaccine = forms.CharField(label="Vaccine", required=False, max_length=100)
    batch = forms.CharField(label="Batch number", required=False, max_length=50)
    method = forms.ChoiceField(
        label="Method", required=False, choices=[("", "Choose")] + list(VaccinationRecord.Method.choices)
    )
    site = forms.ChoiceField(
        label="Site", required=False, choices=[("", "Choose")] + list(VaccinationRecord.Site.choices)
    )
    reason = forms.ChoiceField(
        label="Why did they not get it?", required=False, choices=NOT_VACCINATED_REASONS, widget=forms.RadioSelect
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=1000, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == VaccinationRecord.Outcome.VACCINATED:
            for name, message in [
                ("vaccine", "Enter the vaccine"),
                ("batch", "Enter the batch number"),
                ("method", "Choose the method"),
                ("site", "Choose the site"),
            ]:
                if not data.get(name):
                    self.add_error(name, message)
        elif data.get("outcome") == "not" and not data.get("reason"):
            self.add_error("reason", "Choose why they did not get the vaccine")
        return data

    @property
    def final_outcome(self) -> str:
        outcome = self.cleaned_data["outcome"]
        return outcome if outcome == VaccinationRecord.Outcome.VACCINATED else self.cleaned_data["reason"]


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter a note", "max_length": "Note must be 1,000 characters or fewer"},
    )


# --- Vaccines, batches and venues (kept by the team's admins) --------------------------------------


class VaccineForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the programme"},
    )
    brand = forms.CharField(label="Brand", max_length=100, error_messages={"required": "Enter the brand"})
    method = forms.ChoiceField(
        label="How is it given?",
        choices=Vaccine.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is given"},
    )


class BatchForm(forms.Form):
    number = forms.CharField(label="Batch number", max_length=50, error_messages={"required": "Enter the batch number"})
    expiry = DateField(label="Expiry date", required_message="Enter the expiry date")


class VenueForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the name of the venue"})
    address = forms.CharField(label="Address (optional)", max_length=300, required=False)
