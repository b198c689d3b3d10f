from django.core.management.base import BaseCommand, CommandError

from mavis import audit
from mavis.commands import team_by_ods_code
from notifications import services
from patients.phone import normalise_uk_mobile


class Command(BaseCommand):
    help = "Queue a test email and/or text message from a team, to check its Notify set-up."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's ODS code.")
        parser.add_argument("--email", default="", help="Send a test email to this address.")
        parser.add_argument("--phone", default="", help="Send a test text message to this UK mobile number.")

    def handle(self, *args, team, email, phone, **options):
        if not email and not phone:
            raise CommandError("Give --email or --phone (or both).")
        found = team_by_ods_code(team)
        if phone and not normalise_uk_mobile(phone):
            raise CommandError("Phone number is not a UK mobile.")
        with audit.acting_as("command:send_test_message"):
            messages = services.test_message_send(team=found, email=email, phone=normalise_uk_mobile(phone) or "")
        for message in messages:
            self.stdout.write(
                f"Queued {message.get_channel_display().lower()} to {message.recipient}: reference {message.pk}"
            )
