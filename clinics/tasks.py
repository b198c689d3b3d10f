"""Thin Celery wrappers over clinics.services (idempotent: the marker row and the unique
constraint make a repeated run a no-op)."""

import datetime

from celery import shared_task
from django.utils import timezone

from mavis import audit


@shared_task(name="clinics.invitation_sweep")
def invitation_sweep():
    """Beat runs this every 15 minutes: one task per team whose London send time has passed and
    that has not swept today, so teams sweep in parallel on every worker."""
    from clinics.services import teams_due

    today, teams = teams_due(timezone.now())
    team_ids = list(teams.values_list("pk", flat=True))
    for team_id in team_ids:
        team_invitation_sweep.delay(team_id, today.isoformat())
    return {"queued": team_ids}


@shared_task(name="clinics.team_invitation_sweep", acks_late=True, ignore_result=True)
def team_invitation_sweep(team_id: int, today: str):
    """One team's daily run; a second task for the same team and day finds the marker and stops."""
    from clinics.services import team_sweep
    from mavis.models import Team

    team = Team.objects.get(pk=team_id)
    with audit.acting_as("task:clinics.invitation_sweep"):
        results = team_sweep(team=team, today=datetime.date.fromisoformat(today))
    return None if results is None else sum(r.automatic + r.requested for r in results)
