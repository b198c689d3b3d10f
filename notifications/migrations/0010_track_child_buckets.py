"""Write rows of messages name the child's bucket, or every child for a message about none (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_track_team_writes"), ("mavis", "0005_team_write_bucket")]

    operations = [track_writes("notifications_message", "team_and_child_id", was="team")]
