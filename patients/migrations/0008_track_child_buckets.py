"""Write rows of children, statuses, parents and relationships name the children's buckets (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("patients", "0007_track_team_writes"), ("mavis", "0005_team_write_bucket")]

    operations = [
        track_writes("patients_child", "child_row", was="team"),
        track_writes("patients_programmestatus", "child_id", was="child"),
        track_writes("patients_parent", "parent", was="team"),
        track_writes("patients_parentrelationship", "child_id", was="child"),
    ]
