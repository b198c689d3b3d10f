from django.http import Http404

from mavis import audit


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
