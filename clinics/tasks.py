"""Thin Celery wrappers over clinics.services (idempotent: the marker row and the unique
constraint make a repeated run a no-op)."""

from celery import shared_task

from mavis import audit


@shared_task(name="clinics.invitation_sweep")
def invitation_sweep():
    """Beat runs this every 15 minutes; each team is swept once a day, at its London send time."""
    from clinics.services import invitation_sweep_due

    with audit.acting_as("task:clinics.invitation_sweep"):
        done = invitation_sweep_due()
    return {str(team_id): sum(r.automatic + r.requested for r in results) for team_id, results in done.items()}
