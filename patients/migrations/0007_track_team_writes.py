"""The tables counts read (children, statuses, parents) add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_programme_status_injection_accepted"), ("mavis", "0004_team_write")]

    operations = [
        track_writes("patients_child", "team"),
        track_writes("patients_programmestatus", "child"),
        track_writes("patients_parent", "team"),
        track_writes("patients_parentrelationship", "child"),
    ]
