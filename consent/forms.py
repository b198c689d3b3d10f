"""Validation of the consent forms (the parents' online form and the nurse's flow share them)."""

from django import forms

from consent.models import ConsentResponse, FluMethod, Triage
from mavis.fields import TextField
from patients.models import ParentRelationship
from patients.phone import has_other_digits, normalise_phone

HEALTH_QUESTIONS = [
    ("allergies", "Does your child have any severe allergies?"),
    ("conditions", "Does your child have any medical conditions for which they receive treatment?"),
    ("reaction", "Has your child ever had a severe reaction to any medicines, including vaccines?"),
    ("support", "Does your child need extra support during vaccination sessions?"),
]

YES_NO = [("yes", "Yes"), ("no", "No")]

RELATIONSHIP_CHOICES = [
    (ParentRelationship.Type.MUM, "Mum"),
    (ParentRelationship.Type.DAD, "Dad"),
    (ParentRelationship.Type.GUARDIAN, "Guardian"),
    (ParentRelationship.Type.OTHER, "Other"),
]

# Flu: one question whose answers carry the method (no JavaScript needed).
FLU_GIVEN = {
    "given_nasal": FluMethod.NASAL,
    "given_nasal_or_injection": FluMethod.NASAL_OR_INJECTION,
    "given_injection": FluMethod.INJECTION,
}
FLU_CHOICES = [
    ("given_nasal", "Yes, for the nasal spray only"),
    ("given_nasal_or_injection", "Yes, for the nasal spray, or the injected vaccine if the nasal spray is unsuitable"),
    ("given_injection", "Yes, for the injected vaccine only"),
    ("refused", "No"),
]


class ConfirmChildForm(forms.Form):
    confirm = forms.ChoiceField(
        label="Are these your child’s details?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if these are your child’s details"},
    )


class ParentDetailsForm(forms.Form):
    full_name = TextField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter the parent or guardian’s full name"},
    )
    relationship = forms.ChoiceField(
        label="Relationship to the child",
        choices=RELATIONSHIP_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the relationship to the child",
            "invalid_choice": "Choose the relationship to the child",
        },
    )
    other_relationship = TextField(
        label="Relationship",
        max_length=100,
        required=False,
    )
    parental_responsibility = forms.ChoiceField(
        label="Do they have parental responsibility?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose if they have parental responsibility"},
        help_text="They have the legal rights and responsibilities for the child, such as a guardian.",
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,  # what a parent's record keeps (a valid address can be longer)
        error_messages={
            "invalid": "Enter a valid email address",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    phone = TextField(label="Phone number", max_length=30, required=False)
    phone_receive_updates = forms.ChoiceField(
        label="Get updates by text message",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose if they want updates by text message"},
        help_text="We will text you about your child’s vaccination as well as emailing you.",
    )

    def __init__(self, *args, email_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.email_required = email_required
        if email_required:
            # The parent's own form speaks to them ("About you"); the nurse's speaks about them.
            self.fields["email"].required = True
            self.fields["email"].error_messages["required"] = "Enter your email address"
            self.fields["full_name"].label = "Your full name"
            self.fields["full_name"].error_messages["required"] = "Enter your full name"
            self.fields["relationship"].label = "Your relationship to the child"
            self.fields["parental_responsibility"].label = "Do you have parental responsibility?"
            self.fields[
                "parental_responsibility"
            ].help_text = "You have the legal rights and responsibilities for the child, such as a guardian."

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if has_other_digits(phone):
            raise forms.ValidationError("Enter a phone number using the digits 0 to 9, like 07700 900 982")
        if phone and not any(c.isdigit() for c in phone):
            raise forms.ValidationError("Enter a valid phone number, like 07700 900 982")
        digits = "".join(c for c in phone if c.isdigit() or c == "+")
        if phone and len(digits.lstrip("+")) < 10:
            raise forms.ValidationError("Enter a valid phone number, like 07700 900 982")
        return normalise_phone(phone)

    def clean(self):
        data = super().clean()
        if data.get("relationship") == ParentRelationship.Type.OTHER:
            if not data.get("other_relationship", "").strip():
                self.add_error("other_relationship", "Enter the relationship to the child")
            if data.get("parental_responsibility") != "yes":
                self.add_error("parental_responsibility", "Only someone with parental responsibility can give consent")
        if not self.email_required and not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", "Enter an email address or a phone number")
        if data.get("phone_receive_updates") == "yes" and not data.get("phone"):
            self.add_error("phone", "Enter a mobile number to get updates by text message")
        return data


class RouteForm(forms.Form):
    route = forms.ChoiceField(
        label="How was the response given?",
        choices=[
            (ConsentResponse.Route.PHONE, "By phone"),
            (ConsentResponse.Route.PAPER, "Paper form"),
            (ConsentResponse.Route.IN_PERSON, "In person"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how the response was given",
            "invalid_choice": "Choose how the response was given",
        },
    )


class AgreeForm(forms.Form):
    """One question per programme. With allow_no_response, **No response** is an answer too."""

    def __init__(self, *args, programmes, allow_no_response=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.programmes = list(programmes)
        for programme in self.programmes:
            if programme.is_flu:
                choices = list(FLU_CHOICES)
                label = (
                    "Do they agree to the flu vaccination?"
                    if allow_no_response
                    else ("Do you agree to your child having the flu vaccination?")
                )
            else:
                choices = [("given", "Yes, they agree" if allow_no_response else "Yes, I agree"), ("refused", "No")]
                label = (
                    f"Do they agree to the {programme.name} vaccination?"
                    if allow_no_response
                    else (f"Do you agree to your child having the {programme.name} vaccination?")
                )
            if allow_no_response:
                choices.append(("not_provided", "No response"))
            self.fields[f"programme_{programme.code}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose if they agree to the {programme.name} vaccination",
                    "invalid_choice": f"Choose if they agree to the {programme.name} vaccination",
                },
            )

    def answers(self) -> dict[str, dict]:
        """{code: {"response": ..., "flu_method": ...}}."""
        result = {}
        for programme in self.programmes:
            value = self.cleaned_data[f"programme_{programme.code}"]
            if value in FLU_GIVEN:
                result[programme.code] = {"response": "given", "flu_method": str(FLU_GIVEN[value])}
            else:
                result[programme.code] = {"response": value, "flu_method": ""}
        return result


class HealthForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in HEALTH_QUESTIONS:
            self.fields[key] = forms.ChoiceField(
                label=question,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer the question: {question}",
                    "invalid_choice": f"Answer the question: {question}",
                },
            )
            self.fields[f"{key}_details"] = TextField(
                label="Give details",
                error_name="Details",
                multiline=True,
                max_length=1000,
                required=False,
                widget=forms.Textarea,
            )

    def clean(self):
        data = super().clean()
        for key, _ in HEALTH_QUESTIONS:
            if data.get(key) == "yes" and not data.get(f"{key}_details", "").strip():
                self.add_error(f"{key}_details", "Enter details")
        return data

    def answers(self) -> list[dict]:
        return [
            {
                "question": question,
                "answer": self.cleaned_data[key],
                "details": self.cleaned_data[f"{key}_details"].strip() if self.cleaned_data[key] == "yes" else "",
            }
            for key, question in HEALTH_QUESTIONS
        ]


class TriageForm(forms.Form):
    status = forms.ChoiceField(
        label="Is it safe to vaccinate?",
        choices=Triage.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose if it is safe to vaccinate",
            "invalid_choice": "Choose if it is safe to vaccinate",
        },
    )
    notes = TextField(
        label="Triage notes (optional)",
        error_name="Triage notes",
        multiline=True,
        max_length=1000,
        required=False,
        widget=forms.Textarea,
    )


class RefusalForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason for refusal",
        choices=ConsentResponse.RefusalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason for refusal", "invalid_choice": "Choose a reason for refusal"},
    )
    notes = TextField(
        label="Give details",
        error_name="Details",
        multiline=True,
        max_length=1000,
        required=False,
        widget=forms.Textarea,
        help_text="Needed for already vaccinated, vaccinated elsewhere, medical reasons and other.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") in ConsentResponse.REASONS_NEEDING_NOTES and not data.get("notes", "").strip():
            self.add_error("notes", "Enter details for the reason for refusal")
        return data


class ReasonForm(forms.Form):
    """Why a response is withdrawn or invalidated."""

    reason = TextField(
        label="Reason",
        multiline=True,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter a reason"},
    )


class WhoForm(forms.Form):
    def __init__(self, *args, relationships, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"parent:{r.parent_id}", f"{r.parent.full_name} ({r.label})") for r in relationships]
        choices += [("new", "Add a new parental contact"), ("child", "Child (Gillick competent)")]
        self.hints = {
            f"parent:{r.parent_id}": " · ".join(x for x in [r.parent.email, r.parent.phone] if x) for r in relationships
        }
        self.fields["who"] = forms.ChoiceField(
            label="Who are you trying to get consent from?",
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose who you are trying to get consent from",
                # A contact removed from the child's record while the page was open.
                "invalid_choice": "That contact is no longer on the child’s record. "
                "Choose who you are trying to get consent from",
            },
        )
