"""Messages (their delivery status) add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("notifications", "0007_notify_service_key_env_notify_only"), ("mavis", "0003_team_write")]

    operations = [track_writes("notifications_message", "team")]
