"""The authentication backend: Django's ModelBackend behind the sign-in throttle."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from mavis import throttle


class ThrottledModelBackend(ModelBackend):
    """Every password check (the sign-in page, the Django admin) passes the throttle first."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None or password is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        attempt = throttle.attempt_start(request, username)
        if not attempt.allowed:
            request.sign_in_throttled = True
            # Stops authenticate() at once, without checking the password.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.attempt_succeeded(attempt)
        return user
