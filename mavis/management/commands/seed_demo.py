"""Load a realistic demo team. Idempotent: running it again changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mavis import audit, demo
from mavis.commands import whole_number
from mavis.models import Team, User

DEMO_PASSWORD = "vaccinate-2026"  # noqa: S105 - demo logins, printed for the developer


class Command(BaseCommand):
    help = "Create (once) a demo team with schools, children, sessions, consent and invitations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--children", type=whole_number(0, 100_000), default=3000, help="How many children to create."
        )
        parser.add_argument(
            "--clinic-day", action="store_true", help="Put today's date on the Community clinic (try the clinic day)."
        )

    def handle(self, *args, children, clinic_day=False, **options):
        # The demo sign-ins have a password written here, one of them a superuser.
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates sign-ins with a known password: it does not run in production.")
        with audit.acting_as("command:seed_demo"), transaction.atomic():
            team, created = Team.objects.get_or_create(
                ods_code="RYG",
                defaults={
                    "name": "Coventry and Warwickshire SAIS",
                    "email": "sais.team@example.nhs.uk",
                    "phone": "0121 123 4567",
                    "privacy_notice_url": "https://example.nhs.uk/privacy",
                    "booking_link": "https://booking.example.nhs.uk/clinics",
                },
            )
            if created:
                audit.record("team.created", team)
            for username, role, first, last in [
                ("nurse", User.Role.NURSE, "Nora", "Nurse"),
                ("admin", User.Role.ADMIN, "Adam", "Admin"),
            ]:
                user, made = User.objects.get_or_create(
                    username=username, defaults={"role": role, "first_name": first, "last_name": last}
                )
                if made:
                    user.set_password(DEMO_PASSWORD)
                    if username == "admin":
                        user.is_staff = user.is_superuser = True
                    user.save()
                user.teams.add(team)
            for _order, name, step in demo.steps():
                self.stdout.write(f"demo data: {name}")
                step(team=team, stdout=self.stdout, children=children, clinic_day=clinic_day)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Sign in at {settings.MAVIS_BASE_URL} as nurse / {DEMO_PASSWORD} or admin / {DEMO_PASSWORD} "
            "(README.md, First steps)"
        )
