"""Team scoping: every lookup of a team's object goes through here.

Another team's object answers 404, never 403 and never data.
"""

from django.http import Http404


def get_for_team(queryset, team, **lookup):
    """The one object of `team` matching `lookup`, or 404."""
    if team is None:
        raise Http404
    try:
        return queryset.filter(team=team).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
