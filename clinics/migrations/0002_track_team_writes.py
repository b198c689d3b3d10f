"""Clinic invitations add to the team's write fingerprint (mavis.memo)."""

from django.db import migrations

from mavis.memo import track_writes


class Migration(migrations.Migration):
    dependencies = [("clinics", "0001_initial"), ("mavis", "0004_team_write")]

    operations = [track_writes("clinics_clinicinvitation", "team")]
