"""Sessions, their programmes, members and bookings add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("vaccination_sessions", "0004_appointment_times"), ("mavis", "0004_team_write")]

    operations = [
        track_writes("vaccination_sessions_session", "team"),
        track_writes("vaccination_sessions_session_programmes", "session"),
        track_writes("vaccination_sessions_sessionmembership", "session"),
        track_writes("vaccination_sessions_booking", "team"),
    ]
