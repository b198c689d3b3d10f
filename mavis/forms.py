import hashlib
import logging

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _throttle(operation, *args, default=None):
    """Failed sign-ins are counted in Redis. Without Redis, nurses can still sign in (an outage
    must not stop a clinic; /readiness reports it) and the error is logged."""
    try:
        return operation(*args)
    except RedisError:
        logger.exception("Sign-in throttling unavailable")
        return default


def _count_failure(key):
    cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_SECONDS)
    cache.incr(key)


class SignInForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter your username"})
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput, error_messages={"required": "Enter your password"}
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def _throttle_key(self, username):
        # Hashed: no usernames in Redis keys, and any text makes a valid key.
        ip = self.request.META.get("REMOTE_ADDR", "")
        digest = hashlib.sha256(f"{username.lower()}|{ip}".encode()).hexdigest()
        return f"sign-in-failures:{digest}"

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        key = self._throttle_key(username)
        if _throttle(cache.get, key, 0, default=0) >= settings.LOGIN_FAILURE_LIMIT:
            minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
            raise forms.ValidationError(f"Too many failed attempts to sign in. Wait {minutes} minutes and try again.")
        self.user = authenticate(self.request, username=username, password=password)
        if self.user is None:
            _throttle(_count_failure, key)
            raise forms.ValidationError("Enter a correct username and password.")
        _throttle(cache.delete, key)
        return self.cleaned_data


class ChooseTeamForm(forms.Form):
    team = forms.TypedChoiceField(label="Which team are you working in?", coerce=int, widget=forms.RadioSelect)

    def __init__(self, teams, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(t.pk, t.name) for t in teams]
