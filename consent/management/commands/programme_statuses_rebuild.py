"""Recompute every child's consent, triage and vaccination status rows from the records.

Run after restoring data or loading records that bypassed the services; safe to run any time.
"""

from django.core.management.base import BaseCommand

from consent.statuses import programme_statuses_rebuild


class Command(BaseCommand):
    help = "Recompute the stored consent, triage and vaccination statuses from the records."

    def handle(self, *args, **options):
        programme_statuses_rebuild(stdout=self.stdout)
