"""mavis_team_write and its trigger function: the fingerprint of a team's writes (mavis.memo)."""

from django.db import migrations


FORWARD = [
    """
    CREATE TABLE mavis_team_write (
        id bigserial PRIMARY KEY,
        team_id bigint NOT NULL,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX mavis_team_write_team_xid ON mavis_team_write (team_id, xid)",
    "CREATE INDEX mavis_team_write_created_at ON mavis_team_write (created_at)",
    """
    CREATE FUNCTION mavis_team_write_track() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- TG_ARGV[0] selects team_id from the statement's transition table, `changed`.
        EXECUTE 'INSERT INTO mavis_team_write (team_id) SELECT DISTINCT team_id FROM ('
            || TG_ARGV[0] || ') AS written WHERE team_id IS NOT NULL';
        RETURN NULL;
    END
    $$
    """,
]
BACKWARD = ["DROP FUNCTION IF EXISTS mavis_team_write_track() CASCADE", "DROP TABLE IF EXISTS mavis_team_write"]


class Migration(migrations.Migration):
    dependencies = [("mavis", "0002_notify_services")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
