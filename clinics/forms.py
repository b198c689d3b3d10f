"""Validation only: the nurse's booking form."""

from django import forms

from mavis.dates import clock_time, date_long
from patients.dates import parse_time
from sessions.models import Booking

TIME_HINT = "Optional. For example, 10:20 or 2:30pm"


class BookingForm(forms.Form):
    status = forms.ChoiceField(
        label="Clinic appointment",
        choices=[
            (Booking.Status.BOOKED, "Booked"),
            (Booking.Status.CANCELLED, "Cancelled"),
            (Booking.Status.DECLINED, "Declined: the family do not want a clinic appointment"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose booked, cancelled or declined",
            "invalid_choice": "Choose booked, cancelled or declined",
        },
    )
    date = forms.ChoiceField(
        label="Clinic date",
        required=False,
        # A date removed from the clinic (or gone by) since the form was opened.
        error_messages={"invalid_choice": "That date is no longer one of the clinic’s dates. Choose another date"},
    )
    time = forms.CharField(label="Appointment time", required=False, max_length=10)

    def __init__(self, *args, dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.dates = {value.isoformat(): value for value in dates}
        self.fields["date"].choices = [("", "Choose a date")] + [
            (key, date_long(value)) for key, value in self.dates.items()
        ]

    def clean_time(self):
        text = self.cleaned_data["time"].strip()
        if not text:
            return None
        value = parse_time(text)
        if value is None:
            raise forms.ValidationError("Enter the time like 10:20 or 2:30pm")
        return value

    def clean(self):
        data = super().clean()
        booked = data.get("status") == Booking.Status.BOOKED
        if booked and not data.get("date") and "date" not in self.errors:
            self.add_error("date", "Choose the clinic date booked")
        data["date"] = self.dates.get(data.get("date")) if booked else None
        if not booked:
            data["time"] = None
        return data


class AppointmentTimeForm(forms.Form):
    """A parent's (or a nurse's) choice among the free appointment times of one clinic date."""

    time = forms.ChoiceField(
        label="Choose a time", widget=forms.RadioSelect, error_messages={"required": "Choose a time"}
    )

    def __init__(self, *args, times=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.times = {clock_time(time): time for time, _ in times}
        self.fields["time"].choices = [
            (clock_time(time), f"{clock_time(time)} ({free} {'place' if free == 1 else 'places'} left)")
            for time, free in times
        ]
        self.fields["time"].error_messages["invalid_choice"] = "That time is no longer free. Choose another time"

    def clean_time(self):
        return self.times[self.cleaned_data["time"]]
