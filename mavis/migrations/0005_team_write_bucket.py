"""Write rows say which children they concern, by bucket of child ids (mavis.memo.memoised_counts).

`bucket`: mavis_child_bucket of the child's id; NULL when the write may concern every child of the
team (a session, its programmes, a message with no child). `indirect`: the bucket was found through
another table's rows (a parent's children, through its relationships), which a transaction running
at the same time may change; mavis.memo says why that matters.

The apps' migrations point their tables' triggers at these functions (mavis.memo.track_writes);
0004's mavis_team_write_by_team and _by_session already mean "every child" (the column's default).
"""

from django.db import migrations

# What each function inserts for the statement's rows (`changed`): team, bucket, indirect.
WAYS = {
    "child_row": "changed.team_id, mavis_child_bucket(changed.id), false FROM {rows}",
    "child_id": (
        "c.team_id, mavis_child_bucket(changed.child_id), false FROM {rows} "
        "JOIN patients_child c ON c.id = changed.child_id"
    ),
    "team_and_child_id": "changed.team_id, mavis_child_bucket(changed.child_id), false FROM {rows}",
    "session_and_child_id": (
        "s.team_id, mavis_child_bucket(changed.child_id), false FROM {rows} "
        "JOIN vaccination_sessions_session s ON s.id = changed.session_id"
    ),
    # A parent with no relationship concerns no child now, but one may be linked to it by a
    # transaction this statement cannot see yet: every child, to be safe. A parent just added
    # needs nothing: a relationship naming it is written (and tracked) after it.
    "parent": (
        "changed.team_id, mavis_child_bucket(r.child_id), r.child_id IS NOT NULL FROM {rows} "
        "LEFT JOIN patients_parentrelationship r ON r.parent_id = changed.id WHERE TG_OP <> 'INSERT'"
    ),
}

FORWARD = [
    "ALTER TABLE mavis_team_write ADD COLUMN bucket bigint, ADD COLUMN indirect boolean NOT NULL DEFAULT false",
    # 1,024 ids a bucket: a write about one child recounts at most 1,024 children, and a memo of
    # 20,000 children keeps about 20 buckets' counts.
    "CREATE FUNCTION mavis_child_bucket(child_id bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS 'SELECT child_id >> 10'",
    # The bucket's first id: counts of a few buckets read ranges of ids, which indexes serve.
    "CREATE FUNCTION mavis_bucket_start(bucket bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS 'SELECT bucket << 10'",
    # Static SQL, as in 0004. An UPDATE counts its rows before and after (a row may move to
    # another child): its trigger names the old rows `before`.
    *[
        f"""
        CREATE FUNCTION mavis_team_write_by_{way}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                INSERT INTO mavis_team_write (team_id, bucket, indirect)
                SELECT DISTINCT {select.format(rows="(TABLE before UNION ALL TABLE changed) AS changed")};
            ELSE
                INSERT INTO mavis_team_write (team_id, bucket, indirect) SELECT DISTINCT {select.format(rows="changed")};
            END IF;
            RETURN NULL;
        END
        $$
        """
        for way, select in WAYS.items()
    ],
]
BACKWARD = [
    *[f"DROP FUNCTION IF EXISTS mavis_team_write_by_{way}()" for way in WAYS],
    "DROP FUNCTION IF EXISTS mavis_child_bucket(bigint)",
    "DROP FUNCTION IF EXISTS mavis_bucket_start(bigint)",
    "ALTER TABLE mavis_team_write DROP COLUMN IF EXISTS bucket, DROP COLUMN IF EXISTS indirect",
]


class Migration(migrations.Migration):
    dependencies = [("mavis", "0004_team_write")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
