"""The tables counts read (children, statuses, parents) add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes

BY_CHILD = "SELECT c.team_id FROM changed JOIN patients_child c ON c.id = changed.child_id"


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_programme_status_injection_accepted"), ("mavis", "0003_team_write")]

    operations = [
        track_writes("patients_child", "SELECT team_id FROM changed"),
        track_writes("patients_programmestatus", BY_CHILD),
        track_writes("patients_parent", "SELECT team_id FROM changed"),
        track_writes("patients_parentrelationship", BY_CHILD),
    ]
