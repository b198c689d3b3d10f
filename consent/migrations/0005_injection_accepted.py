"""Fill ProgrammeStatus.injection_accepted from the consent responses that exist."""

from django.db import migrations


def rebuild(apps, schema_editor):
    # The rules live in code (consent.statuses); the command runs them over every record.
    from consent.statuses import programme_statuses_rebuild

    programme_statuses_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_programme_statuses_rebuild"),
        ("patients", "0006_programme_status_injection_accepted"),
        ("vaccination_sessions", "0002_venues_and_default_batches"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
