"""Messages (their delivery status) add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_booking_messages"), ("mavis", "0004_team_write")]

    operations = [track_writes("notifications_message", "team")]
