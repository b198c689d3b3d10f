"""Sessions, their programmes and members add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("vaccination_sessions", "0002_venues_and_default_batches"), ("mavis", "0003_team_write")]

    operations = [
        track_writes("vaccination_sessions_session", "team"),
        track_writes("vaccination_sessions_session_programmes", "session"),
        track_writes("vaccination_sessions_sessionmembership", "session"),
    ]
