"""Form fields shared by every app."""

import datetime

from django import forms

from mavis.text import has_visible_text, hidden_character, hidden_character_message


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes (the NHS date input)."""

    template_name = "django/forms/widgets/multiwidget.html"
    anchor_suffix = "_day"  # the error summary links to the day box

    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(attrs={"inputmode": "numeric"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A calendar date typed as day, month and year, with the NHS error wording."""

    widget = DateInputWidget

    def __init__(self, *, required_message="Enter a date", error_name=None, **kwargs):
        self.required_message = required_message
        self.error_name = error_name  # what the errors call the date; the label when not given
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(
            fields=fields,
            require_all_fields=False,
            error_messages={"required": required_message, "incomplete": required_message},
            **kwargs,
        )
        for field in self.fields:
            field.required = False

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(self.required_message, code="required")
            return None
        # The NHS pattern says what is wrong, naming the date: "Date of birth must be a real date".
        name = self.error_name or self.label or "Date"
        day, month, year = (str(part or "").strip() for part in data_list)
        if not (day and month and year):
            raise forms.ValidationError(f"{name} must include a day, month and year", code="incomplete")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # OverflowError: a 40-digit year
            raise forms.ValidationError(f"{name} must be a real date", code="invalid") from None
        if value.year < 1900:
            raise forms.ValidationError(f"{name} must be a real date", code="invalid")
        return value


class TextField(forms.CharField):
    """Text a person types (a name, a batch number, a note): refuses characters nobody can see
    (mavis.text), naming the field as the label does (or `error_name`), and says how long it may
    be in the NHS pattern ("Full name must be 200 characters or fewer"). `multiline` allows line
    breaks and tabs.
    A value with no visible character at all (zero-width spaces pasted from a message) counts as
    empty: a required field asks for it, a "give details" check sees nothing given."""

    def __init__(self, *, multiline=False, error_name=None, **kwargs):
        self.multiline = multiline
        self.error_name = error_name
        super().__init__(**kwargs)
        if self.max_length is not None and "max_length" not in kwargs.get("error_messages", {}):
            name = error_name or self.label or "Text"
            self.error_messages["max_length"] = f"{name} must be {self.max_length:,} characters or fewer"

    def to_python(self, value):
        value = super().to_python(value)
        return value if not value or has_visible_text(value) else self.empty_value

    def validate(self, value):
        super().validate(value)
        hidden = hidden_character(value or "", multiline=self.multiline)
        if hidden is not None:
            name = self.error_name or self.label or "Text"
            raise forms.ValidationError(hidden_character_message(name, hidden), code="hidden_character")
