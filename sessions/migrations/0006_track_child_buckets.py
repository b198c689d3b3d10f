"""Write rows of members and bookings name the children's buckets (mavis.memo); a session's and its
programmes' still concern every child."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("vaccination_sessions", "0005_track_team_writes"), ("mavis", "0005_team_write_bucket")]

    operations = [
        track_writes("vaccination_sessions_sessionmembership", "session_and_child_id", was="session"),
        track_writes("vaccination_sessions_booking", "team_and_child_id", was="team"),
    ]
