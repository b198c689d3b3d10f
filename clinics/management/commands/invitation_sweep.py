"""Run the clinic invitation sweep now (ops): every team, as the daily run would."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinics import services
from clinics.eligibility import CANNOT_BE_CONTACTED_REASON
from mavis import audit
from mavis.commands import team_by_ods_code
from mavis.models import Team


class Command(BaseCommand):
    help = (
        "Send the automatic clinic invitations (home-schooled and unknown school) and the next-day "
        "invitations for every team now, whatever the send time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; change nothing.")
        parser.add_argument("--date", help="Act as if today (London) were this date, after the send time: YYYY-MM-DD.")
        parser.add_argument("--team", help="Only this team (ODS code).")

    def handle(self, *args, dry_run=False, date=None, team=None, **options):
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date must be a date like 2026-12-01") from None
        else:
            today = timezone.localdate()
        teams = Team.objects.order_by("name") if team is None else [team_by_ods_code(team)]
        total = 0
        with audit.acting_as("command:invitation_sweep"):
            for each in teams:
                if dry_run:
                    results = services.sweep_preview(team=each, today=today)
                else:
                    # The run counts as the team's daily run for that date (the beat will not repeat it).
                    results = services.team_sweep(team=each, today=today, claim=False)
                total += self._print(each, results, today, dry_run)
        verb = "would be invited" if dry_run else "invited"
        self.stdout.write(self.style.SUCCESS(f"{total} {'child' if total == 1 else 'children'} {verb} on {today}."))

    def _print(self, team, results, today, dry_run) -> int:
        automatic = "on" if team.automatic_clinic_invitations else "off"
        self.stdout.write(f"{team.name} ({team.ods_code}), automatic invitations {automatic}:")
        if not results:
            self.stdout.write("  no Community clinic with a date on or after that day")
        count = 0
        verb = "would invite" if dry_run else "invited"
        for result in results:
            date = result.clinic_date.isoformat() if result.clinic_date else "no date"
            self.stdout.write(
                f"  {result.session} for {date}: {verb} {result.automatic} automatically, "
                f"{result.requested} asked for one by one"
            )
            count += result.automatic + result.requested
            for child in result.cannot_contact:
                self.stdout.write(
                    f"    cannot be contacted: {child.full_name} (id {child.pk}): {CANNOT_BE_CONTACTED_REASON}"
                )
        return count
