"""Validation only: the sessions app's forms."""

from django import forms

from mavis.dates import date_short
from mavis.fields import DateField, TextField
from patients.academic import current_academic_year
from patients.dates import parse_time
from patients.models import Programme, VaccinationRecord, Vaccine
from patients.services import BATCH_NUMBER_TOO_LONG
from sessions.models import Attendance, Session
from sessions.selectors import BOOKING_STATES, OUTCOME_LABELS
from sessions.services import SCREENING_NOT_PASSED

STATUS_CHOICES = [("", "Any")] + [(s.value, s.label) for s in Session.Status]


# The filters' errors (mavis.forms.valid_filters leaves an invalid one out and the page says so).
SEARCH_ERRORS = {"max_length": "Search must be 100 characters or fewer"}
CHOOSE_PROGRAMME = "Choose a programme from the list"


class SessionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=STATUS_CHOICES,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any")] + list(Session.Kind.choices),
        error_messages={"invalid_choice": "Choose a type from the list"},
    )
    programme = forms.ChoiceField(
        label="Programme", required=False, error_messages={"invalid_choice": CHOOSE_PROGRAMME}
    )
    year = forms.TypedChoiceField(
        label="Academic year",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an academic year from the list"},
    )
    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Location name", error_messages=SEARCH_ERRORS
    )

    def __init__(self, *args, programmes=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any")] + [(p.code, p.name) for p in programmes]
        current = current_academic_year()
        years = sorted(set(years) | {current}, reverse=True)
        self.fields["year"].choices = [(y, f"{y}/{(y + 1) % 100:02d}") for y in years]
        self.current_year = current


class ChildrenFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Name or NHS number", error_messages=SEARCH_ERRORS
    )
    programme = forms.ChoiceField(
        label="Programme", required=False, error_messages={"invalid_choice": CHOOSE_PROGRAMME}
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Any")] + list(OUTCOME_LABELS.items()),
        error_messages={"invalid_choice": "Choose an outcome from the list"},
    )
    booked = forms.ChoiceField(
        label="Booked",
        required=False,
        choices=[("", "Any")] + list(BOOKING_STATES.items()),
        error_messages={"invalid_choice": "Choose a booking from the list"},
    )

    def __init__(self, *args, programmes=(), clinic=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any")] + [(p.code, p.name) for p in programmes]
        if not clinic:  # only a Community clinic takes bookings
            del self.fields["booked"]


class SessionProgrammesForm(forms.Form):
    programmes = forms.ModelMultipleChoiceField(
        label="Programmes",
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one programme",
            "invalid_choice": "Choose programmes from the list",
            "invalid_pk_value": "Choose programmes from the list",
        },
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
    status = forms.ChoiceField(
        choices=Attendance.Status.choices,
        error_messages={
            "required": "Choose attending or absent",
            "invalid_choice": "Choose attending or absent",
        },
    )


# --- Record vaccinations: one question per page (sessions.record_flow) ------------------------------

YES, NO = "yes", "no"


class IdentityForm(forms.Form):
    confirmed = forms.ChoiceField(
        label="Has the child confirmed their identity?",
        choices=[(YES, "Yes"), (NO, "No, someone else confirmed it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose if the child confirmed their identity"},
    )
    confirmed_by = TextField(
        label="Who confirmed their identity?",
        error_name="The person who confirmed their identity",
        required=False,
        max_length=200,
        help_text="For example, their parent or a teacher, with their name",
    )

    def clean(self):
        data = super().clean()
        if data.get("confirmed") == NO and not data.get("confirmed_by", "").strip():
            self.add_error("confirmed_by", "Enter who confirmed their identity")
        if data.get("confirmed") == YES:
            data["confirmed_by"] = ""
        return data


PRE_SCREENING = {
    "feeling_well": "They are feeling well",
    "no_allergies": "They have no allergies that would stop them being vaccinated",
    "no_medication": "They are not taking medication that would stop them being vaccinated",
    "not_pregnant": "They are not pregnant",
    "no_previous_reaction": "They have not had a serious reaction to a vaccine before",
}


def pre_screening_questions(programme, child) -> list[str]:
    """The checks asked before a dose: pregnancy only for the teenage injected vaccines (not flu)
    and not for boys."""
    asked = list(PRE_SCREENING)
    if programme.is_flu or child.gender == child.Gender.MALE:
        asked.remove("not_pregnant")
    return asked


class PreScreeningForm(forms.Form):
    checks = forms.MultipleChoiceField(
        label="Pre-screening checks",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ask the child, and tick each statement that is true",
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checks"].choices = [(key, PRE_SCREENING[key]) for key in questions]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Did they get the vaccine?",
        choices=[(YES, "Yes, they got the vaccine"), (NO, "No, they did not get it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose if they got the vaccine"},
    )

    def __init__(self, *args, screening_passed=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.screening_passed = screening_passed

    def clean_outcome(self):
        value = self.cleaned_data["outcome"]
        if value == YES and not self.screening_passed:
            raise forms.ValidationError(SCREENING_NOT_PASSED)
        return value


class BatchChoiceForm(forms.Form):
    batch = forms.ChoiceField(
        label="Which batch did you use?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the batch", "invalid_choice": "Choose a batch from the list"},
    )
    make_default = forms.MultipleChoiceField(
        label="Default batch",
        choices=[(YES, "Use this batch by default for the rest of today")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [
            (str(b.pk), f"{b.vaccine.brand}, batch {b.number} (expires {date_short(b.expiry)})") for b in batches
        ]


class InjectionSiteForm(forms.Form):
    method = forms.ChoiceField(
        label="How was the injection given?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the injection was given",
            "invalid_choice": "Choose a method this vaccine can be given by",
        },
    )
    site = forms.ChoiceField(
        label="Where was the injection given?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the injection was given",
            "invalid_choice": "Choose a site this vaccine can be given in",
        },
    )

    def __init__(self, *args, vaccine=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(VaccinationRecord.Method.choices)
        self.fields["method"].choices = [(m, labels[m]) for m in vaccine.record_methods]
        sites = dict(VaccinationRecord.Site.choices)
        self.fields["site"].choices = [(s, sites[s]) for s in vaccine.sites]


class VenueChoiceForm(forms.Form):
    venue = forms.ChoiceField(
        label="Which venue are you at?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the venue", "invalid_choice": "Choose a venue from the list"},
    )

    def __init__(self, *args, venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].choices = [(str(v.pk), v.name) for v in venues]


NOT_VACCINATED_REASONS = [
    (VaccinationRecord.Outcome.REFUSED, "They refused it"),
    (VaccinationRecord.Outcome.UNWELL, "They were not well enough"),
    (VaccinationRecord.Outcome.CONTRAINDICATIONS, "They had contraindications"),
    (VaccinationRecord.Outcome.ALREADY_HAD, "They have already had the vaccine"),
    (VaccinationRecord.Outcome.ABSENT, "They were absent from the session"),
]


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why did they not get it?",
        choices=NOT_VACCINATED_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why they did not get the vaccine"},
    )


class ConfirmForm(forms.Form):
    # Which answers the page showed (record_flow.Flow.fingerprint): Confirm records only those.
    answers = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    notes = TextField(
        label="Notes (optional)",
        error_name="Notes",
        multiline=True,
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )


class NoteForm(forms.Form):
    text = TextField(
        label="Note",
        multiline=True,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter a note"},
    )


# --- Vaccines, batches and venues (kept by the team's admins) --------------------------------------


class VaccineForm(forms.Form):
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.order_by("name"),
        to_field_name="code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the programme", "invalid_choice": "Choose a programme from the list"},
    )
    brand = TextField(label="Brand", max_length=100, error_messages={"required": "Enter the brand"})
    method = forms.ChoiceField(
        label="How is it given?",
        choices=Vaccine.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is given", "invalid_choice": "Choose how it is given from the list"},
    )


class BatchForm(forms.Form):
    number = TextField(
        label="Batch number",
        max_length=50,
        error_messages={"required": "Enter the batch number", "max_length": BATCH_NUMBER_TOO_LONG},
    )
    expiry = DateField(label="Expiry date", required_message="Enter the expiry date")


class VenueForm(forms.Form):
    name = TextField(label="Name", max_length=200, error_messages={"required": "Enter the name of the venue"})
    address = TextField(label="Address (optional)", error_name="Address", max_length=300, required=False)


class _TimeField(forms.CharField):
    """A time of day as people type it (patients.dates.parse_time)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        parsed = parse_time(text)
        if parsed is None:
            raise forms.ValidationError(f"Enter {self.label.lower()} like 9:00 or 2:30pm")
        return parsed


class AppointmentTimesForm(forms.Form):
    """A clinic date's appointment times (teams that book in this service)."""

    start = _TimeField(
        label="First appointment", error_messages={"required": "Enter the time of the first appointment"}
    )
    end = _TimeField(label="Clinic ends", error_messages={"required": "Enter the time the clinic ends"})
    slot_minutes = forms.IntegerField(
        label="Appointment length in minutes",
        min_value=5,
        max_value=240,
        error_messages={
            "required": "Enter the appointment length",
            "invalid": "Enter the appointment length as a number of minutes",
            "min_value": "Appointments must be at least 5 minutes",
            "max_value": "Appointments must be 240 minutes or fewer",
        },
    )
    places = forms.IntegerField(
        label="Places in each appointment",
        min_value=1,
        max_value=500,
        error_messages={
            "required": "Enter how many children can come to each appointment",
            "invalid": "Enter the places as a number",
            "min_value": "There must be at least 1 place",
            "max_value": "There can be 500 places or fewer",
        },
    )
