from django.core.management.base import BaseCommand, CommandError

from mavis.commands import team_by_ods_code
from notifications import templates


class Command(BaseCommand):
    help = "Show the GOV.UK Notify template id each kind of message uses for a team, and check its overrides."

    def add_arguments(self, parser):
        parser.add_argument("--team", required=True, help="The team's ODS code.")

    def handle(self, *args, team, **options):
        found = team_by_ods_code(team)
        errors = templates.override_errors(found.notify_template_overrides or {})
        if errors:
            raise CommandError("Template overrides are wrong:\n" + "\n".join(errors))
        for key, template_id, overridden in templates.effective(found):
            self.stdout.write(f"{key:40} {template_id}  {'team override' if overridden else 'default'}")
