"""Write rows of clinic invitations name the children's buckets (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("clinics", "0002_track_team_writes"), ("mavis", "0005_team_write_bucket")]

    operations = [track_writes("clinics_clinicinvitation", "team_and_child_id", was="team")]
