"""Fill the status rows from the records that exist (patients.ProgrammeStatus)."""

from django.db import migrations


def rebuild(apps, schema_editor):
    # The rules live in code (consent.statuses); the command runs them over every record.
    from consent.statuses import programme_statuses_rebuild

    programme_statuses_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_parent_details_change"),
        ("patients", "0004_programme_status"),
        ("vaccination_sessions", "0001_initial"),
    ]

    # Going back drops the table in patients 0004, so there is nothing to undo here.
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
