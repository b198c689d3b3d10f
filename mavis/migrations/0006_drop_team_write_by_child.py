"""0004's mavis_team_write_by_child (every child of the child's team) is no longer used: the patients
app's tables name the child's bucket (mavis_team_write_by_child_id). Without CASCADE, so a trigger
still using it stops the migration."""

from django.db import migrations

BY_CHILD = """
CREATE FUNCTION mavis_team_write_by_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mavis_team_write (team_id)
    SELECT DISTINCT c.team_id FROM changed JOIN patients_child c ON c.id = changed.child_id;
    RETURN NULL;
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("mavis", "0005_team_write_bucket"), ("patients", "0008_track_child_buckets")]

    operations = [migrations.RunSQL("DROP FUNCTION mavis_team_write_by_child()", BY_CHILD)]
