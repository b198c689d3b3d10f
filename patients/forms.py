from django import forms

from patients import cohort
from patients.academic import year_group_label
from patients.models import Child

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
YEAR_GROUPS = list(range(0, 12))


class ChildSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search must be 100 characters or fewer"},
    )
    school = forms.TypedChoiceField(
        label="School",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a school from the list"},
    )
    school_status = forms.ChoiceField(
        label="School status",
        required=False,
        choices=[("", "Any")] + list(Child.SchoolStatus.choices),
        error_messages={"invalid_choice": "Choose a school status from the list"},
    )
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any")] + [(group, year_group_label(group)) for group in YEAR_GROUPS],
        error_messages={"invalid_choice": "Choose a year group from the list"},
    )
    archived = forms.BooleanField(label="Include archived children", required=False)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "Any")] + [(school.pk, school.name) for school in schools]


class CohortUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file",
        error_messages={"required": "Choose a CSV file", "empty": "The selected file is empty"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 20MB")
        try:
            content = upload.read().decode("utf-8-sig")
            cohort.refuse_nul(content)
        except UnicodeDecodeError:
            raise forms.ValidationError("The selected file must be a CSV saved as UTF-8") from None
        except cohort.FileError as error:
            raise forms.ValidationError(f"The selected file cannot be read. {error}") from None
        self.cleaned_data["content"] = content
        return upload
