from django import forms
from django.contrib.auth import authenticate


class SignInForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput, error_messages={"required": "Enter your password"}
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        # Throttled in the authentication backend (mavis.throttle), for the admin too.
        self.user = authenticate(self.request, username=username, password=password)
        if getattr(self.request, "sign_in_throttled", False):
            raise forms.ValidationError(
                "Too many failed attempts to sign in from here. Wait a few minutes and try again."
            )
        if self.user is None:
            raise forms.ValidationError("Enter a correct username and password.")
        return self.cleaned_data


class ChooseTeamForm(forms.Form):
    team = forms.TypedChoiceField(
        label="Which team are you working in?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the team you are working in", "invalid_choice": "Choose one of your teams"},
    )

    def __init__(self, teams, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]


def posted(request):
    """The POST data on a POST (even when empty, so a blank submit shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def valid_filters(form) -> dict:
    """A GET filter form's valid choices. A value that is not valid (a search too long, a choice
    not in the list) is left out and its error is shown; the others still apply, so the list
    and its count are filtered by what the form says, never silently by nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()  # cleans every field: cleaned_data keeps the valid ones
    return form.cleaned_data
