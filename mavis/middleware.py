import time

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from mavis import audit


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page Django answers: signed-in pages and the parents'
    form show personal data that no browser or proxy cache may keep. Static files are served
    (and cached) by WhiteNoise before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class RejectNulBytesMiddleware:
    """A NUL byte in any query or form parameter is a 400: PostgreSQL cannot store or compare
    text holding one, so it would otherwise be a 500 wherever the value reaches a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return render(request, "errors/400.jinja", status=400)
        return self.get_response(request)


def _has_nul(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class CurrentTeamMiddleware:
    """Puts the team the user acts in on `request.team` (the tenancy boundary)."""

    SESSION_KEY = "team_id"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.team = None
        user = request.user
        if user.is_authenticated:
            teams = list(user.teams.all())
            chosen = request.session.get(self.SESSION_KEY)
            request.team = next((t for t in teams if t.pk == chosen), teams[0] if teams else None)
            request.user_teams = teams
        return self.get_response(request)


class SessionActivityMiddleware:
    """Signs a user out after SESSION_COOKIE_AGE without a request.

    Each save moves the session's expiry on; saving at most once a minute, rather than on every
    request, spares a database write per page (the timeout is then exact to the minute).
    """

    KEY = "active_at"
    INTERVAL_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # After the view, so signing in stamps the new session and signing out leaves none.
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(self.KEY, 0) >= self.INTERVAL_SECONDS:
                request.session[self.KEY] = now
        return response


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            with audit.acting_as(request.user):
                return self.get_response(request)
        return self.get_response(request)


def require_team(request):
    """The team of the signed-in user; a user without a team sees nothing (404)."""
    if getattr(request, "team", None) is None:
        raise Http404("You are not a member of any team.")
    return request.team
