from django.core.management.base import BaseCommand, CommandError

from mavis import audit
from notifications import control


class Command(BaseCommand):
    help = "Resume sending after GOV.UK Notify refused a service's API key (403) and its dispatch paused."

    def add_arguments(self, parser):
        parser.add_argument("--service", help="The Notify service's name (default: every paused service).")
        parser.add_argument("--dry-run", action="store_true", help="Only say which services are paused.")

    def handle(self, *args, service=None, dry_run=False, **options):
        services = control.services()
        if service:
            services = [s for s in services if s.name == service]
            if not services:
                names = ", ".join(s.name for s in control.services())
                raise CommandError(f"No Notify service is called {service!r} (there are: {names}).")
        paused = [(s, reason) for s in services if (reason := control.paused_reason(s))]
        if not paused:
            self.stdout.write("Sending is not paused.")
            return
        for s, reason in paused:
            self.stdout.write(f"{s.name}: paused since {reason}")
        if dry_run:
            return
        with audit.acting_as("command:notify_resume"):
            for s, reason in paused:
                control.resume(s)
                audit.record("notify.resumed", None, service=s.name, reason=reason)
        self.stdout.write(self.style.SUCCESS(f"Sending resumed: {', '.join(s.name for s, _ in paused)}."))
