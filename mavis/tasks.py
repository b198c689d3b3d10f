"""Thin Celery tasks of the platform app."""

from celery import shared_task

from mavis import memo


@shared_task(name="mavis.team_writes_prune")
def team_writes_prune() -> int:
    """Delete the write rows no memo can still depend on (mavis.memo.KEEP_HOURS)."""
    return memo.prune()
