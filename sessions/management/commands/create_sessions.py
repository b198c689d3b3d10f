"""Create a team's sessions for an academic year: the Community clinic and one per school."""

from django.core.management.base import BaseCommand
from django.db import transaction

from mavis import audit
from mavis.commands import team_by_ods_code, whole_number
from patients.academic import current_academic_year
from sessions import services

FIRST_YEAR = 2000  # an earlier year is a typing mistake, not a year of this service's records


class Command(BaseCommand):
    help = "Create the year's sessions for a team (Community clinic plus one per school). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's ODS code.")
        current = current_academic_year()
        parser.add_argument(
            "--year",
            type=whole_number(
                FIRST_YEAR, current + 1, f"must be an academic year from {FIRST_YEAR} to {current + 1}, like {current}"
            ),
            default=None,
            help="Academic year (the year it starts), e.g. 2026: up to next year's (default: this year's).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created; change nothing.")

    def handle(self, *args, team, year, dry_run, **options):
        team_obj = team_by_ods_code(team)
        year = current_academic_year() if year is None else year
        plan = services.sessions_for_year_plan(team=team_obj, academic_year=year)
        label = f"{year}/{(year + 1) % 100:02d}"
        if not plan:
            self.stdout.write(f"{team_obj.name} already has every session for {label}.")
            return
        for name, _school in plan:
            self.stdout.write(f"{'Would create' if dry_run else 'Create'}: {name} ({label})")
        if dry_run:
            self.stdout.write(f"Dry run: {len(plan)} sessions would be created; nothing changed.")
            return
        with audit.acting_as("command:create_sessions"), transaction.atomic():
            created = services.sessions_create_for_year(team=team_obj, academic_year=year)
        self.stdout.write(self.style.SUCCESS(f"Created {len(created)} sessions for {team_obj.name} ({label})."))
