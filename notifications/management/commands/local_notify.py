"""Run the local GOV.UK Notify: python manage.py local_notify --host 127.0.0.1 --port 6011"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mavis.commands import whole_number
from notifications import local_notify


class Command(BaseCommand):
    help = "Serve a local stand-in for GOV.UK Notify (development and tests only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=None, help="Address to listen on (default: the host of NOTIFY_BASE_URL, 127.0.0.1)."
        )
        parser.add_argument(
            "--port",
            type=whole_number(1, 65_535),
            default=None,
            help="Port to listen on (default: the port of NOTIFY_BASE_URL, 6011).",
        )
        parser.add_argument("--callback-url", default=None, help="Where delivery receipts go.")
        parser.add_argument("--no-callbacks", action="store_true", help="Do not send delivery receipts.")
        parser.add_argument("--latency", type=float, default=0.0, help="Seconds added to every send.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The local Notify is for development and tests, not production.")
        overrides = {"latency": options["latency"]}
        if options["host"]:
            overrides["host"] = options["host"]
        if options["port"] is not None:
            overrides["port"] = options["port"]
        if options["callback_url"]:
            overrides["callback_url"] = options["callback_url"]
        notify = local_notify.from_settings(**overrides)
        if options["no_callbacks"]:
            notify.callbacks_enabled = False
        notify.start()
        self.stdout.write(
            f"Local Notify on {notify.url} (messages page: {notify.url}/); receipts to {notify.callback_url}"
        )
        self.stdout.flush()
        notify.serve_forever()
