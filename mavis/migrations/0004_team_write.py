"""mavis_team_write and its trigger functions: the fingerprint of a team's writes (mavis.memo)."""

from django.db import migrations

# How each function finds the teams of a statement's rows: on the row, through its child, or
# through its session.
TEAMS = {
    "team": "team_id FROM changed",
    "child": "c.team_id FROM changed JOIN patients_child c ON c.id = changed.child_id",
    "session": "s.team_id FROM changed JOIN vaccination_sessions_session s ON s.id = changed.session_id",
}

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
    # One function per way to find the team: static SQL, so PL/pgSQL plans it once per session
    # (EXECUTE of built SQL cost 0.15 ms a statement, static SQL under 0.03 ms).
    *[
        f"""
        CREATE FUNCTION mavis_team_write_by_{via}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- `changed`: the statement's rows (its transition table).
            INSERT INTO mavis_team_write (team_id) SELECT DISTINCT {teams};
            RETURN NULL;
        END
        $$
        """
        for via, teams in TEAMS.items()
    ],
]
BACKWARD = [
    *[f"DROP FUNCTION IF EXISTS mavis_team_write_by_{via}() CASCADE" for via in TEAMS],
    "DROP TABLE IF EXISTS mavis_team_write",
]


class Migration(migrations.Migration):
    dependencies = [("mavis", "0003_team_books_in_service")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
