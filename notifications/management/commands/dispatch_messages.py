from django.core.management.base import BaseCommand

from mavis import audit
from mavis.commands import whole_number
from notifications import control, dispatch


class Command(BaseCommand):
    help = "Send the messages that are due now (the same work as the Celery task), batch after batch."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say how many are due.")
        parser.add_argument(
            "--max-batches",
            type=whole_number(1, 1_000_000),
            default=1000,
            help="Stop after this many batches of NOTIFY_BATCH_SIZE messages (default 1000).",
        )

    def handle(self, *args, dry_run=False, max_batches=1000, **options):
        due = dispatch.due_messages().count()
        paused = control.readiness_check()
        if paused:
            self.stdout.write(self.style.WARNING(f"Sending is {paused}"))
        if dry_run:
            self.stdout.write(f"{due} messages are due now; nothing sent (dry run).")
            return
        totals = {"sent": 0, "found": 0, "retried": 0, "rejected": 0, "released": 0}
        with audit.acting_as("command:dispatch_messages"):
            for _ in range(max_batches):
                result = dispatch.messages_dispatch()
                for key in totals:
                    totals[key] += getattr(result, key)
                if result.paused or not result.full:
                    break
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in totals.items()))
