from django import forms

from mavis.fields import DateField
from patients.models import Child


class ChildSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, help_text="Name or NHS number")
    date_of_birth = DateField(label="Date of birth", required=False)
    school_status = forms.ChoiceField(
        label="School", required=False, choices=[("", "Any")] + list(Child.SchoolStatus.choices)
    )
    archived = forms.BooleanField(label="Include archived children", required=False)
