"""Import a cohort CSV for a team: the same checks and writes as the upload page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from mavis import audit
from mavis.commands import team_by_ods_code
from patients import cohort


class Command(BaseCommand):
    help = "Import children and parents from a CSV file. A file with bad rows changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The cohort CSV file (columns: see README.md).")
        parser.add_argument("--team", required=True, help="The team's ODS code.")
        parser.add_argument(
            "--valid-rows-only", action="store_true", help="Import the valid rows even if some rows are bad."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row and write nothing.")

    def handle(self, *args, file, team, valid_rows_only, dry_run, **options):
        team_obj = team_by_ods_code(team)
        try:
            content = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None

        def progress(done, total):
            if total >= 5000:
                self.stdout.write(f"checked {done:,} of {total:,} rows")

        with audit.acting_as("command:import_cohort"), transaction.atomic():
            try:
                result = cohort.run_import(
                    team=team_obj, content=content, valid_rows_only=valid_rows_only, dry_run=dry_run, progress=progress
                )
            except cohort.FileError as error:
                raise CommandError(str(error)) from None
            if result.written:
                audit.record(
                    "cohort_import.command",
                    team=team_obj,
                    file_name=file.name,
                    children_created=result.children_created,
                    children_updated=result.children_updated,
                    parents_created=result.parents_created,
                )

        for error in result.errors:
            self.stderr.write(f"line {error['line']}: {error['reason']}")
        if result.errors and not valid_rows_only:
            raise CommandError(
                f"{len(result.errors)} of {result.total_rows} rows have errors: nothing was imported. "
                "Correct the file, or use --valid-rows-only."
            )
        if dry_run:
            self.stdout.write(f"Dry run: {result.total_rows} rows checked, {len(result.errors)} with errors.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.total_rows} rows: {result.children_created} children created, "
                f"{result.children_updated} updated, {result.rows_unchanged} unchanged, "
                f"{result.rows_skipped} skipped; {result.parents_created} parents created."
            )
        )
