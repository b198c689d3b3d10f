from django.core.management.base import BaseCommand

from mavis import audit
from notifications import control


class Command(BaseCommand):
    help = "Resume sending after GOV.UK Notify refused our API key (403) and dispatch paused."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say whether sending is paused.")

    def handle(self, *args, dry_run=False, **options):
        reason = control.paused_reason()
        if not reason:
            self.stdout.write("Sending is not paused.")
            return
        self.stdout.write(f"Paused since: {reason}")
        if dry_run:
            return
        with audit.acting_as("command:notify_resume"):
            control.resume()
            audit.record("notify.resumed", None, reason=reason)
        self.stdout.write(self.style.SUCCESS("Sending resumed."))
