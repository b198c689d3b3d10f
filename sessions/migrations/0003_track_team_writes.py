"""Sessions, their programmes and members add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes

BY_SESSION = "SELECT s.team_id FROM changed JOIN vaccination_sessions_session s ON s.id = changed.session_id"


class Migration(migrations.Migration):
    dependencies = [("vaccination_sessions", "0002_venues_and_default_batches"), ("mavis", "0003_team_write")]

    operations = [
        track_writes("vaccination_sessions_session", "SELECT team_id FROM changed"),
        track_writes("vaccination_sessions_session_programmes", BY_SESSION),
        track_writes("vaccination_sessions_sessionmembership", BY_SESSION),
    ]
