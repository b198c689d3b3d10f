from django.core.management.base import BaseCommand

from mavis import audit
from mavis.commands import whole_number
from notifications import dispatch


class Command(BaseCommand):
    help = (
        "Look up in GOV.UK Notify, by reference, messages whose fate is unknown (a timeout, a killed "
        "worker, a missing delivery receipt) and record what Notify says."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Look up, but record nothing.")
        parser.add_argument(
            "--limit",
            type=whole_number(1, 100_000),
            default=1000,
            help="Look up at most this many messages (default 1000).",
        )
        parser.add_argument(
            "--older-than",
            type=whole_number(0, 365 * 24 * 3600),
            default=600,
            help="Seconds without a receipt (default 600).",
        )

    def handle(self, *args, dry_run=False, limit=1000, older_than=600, **options):
        with audit.acting_as("command:reconcile_messages"):
            summary = dispatch.messages_reconcile(limit=limit, older_than_seconds=older_than, dry_run=dry_run)
        self.stdout.write(
            ", ".join(f"{key}: {value}" for key, value in summary.items()) + (" (dry run)" if dry_run else "")
        )
