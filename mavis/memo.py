"""Counts worked out once and reused until the team's data changes (docs/decisions/0014-memoised-counts.md).

A page's counts are computed by the one rule (patients.statuses, clinics.selectors) and kept in
the cache with a fingerprint of the team's writes. PostgreSQL keeps that fingerprint: every
statement that writes a table the counts read adds a row to `mavis_team_write` (team, writing
transaction), by a trigger that `track_writes` attaches in each app's migrations. So no writer can
forget to say it changed something (services, bulk writes, the admin, raw SQL and cascades all fire
it), and the triggers hold no rule, only which tables feed the counts.

A memo is kept with the oldest transaction still running when it was computed (the snapshot's
xmin) and a digest of the ids of the team's write rows from that transaction on that its snapshot
could see. It is reused while the same rows are visible: a transaction that commits later adds
rows to that range, one of our own writes adds one, a rollback takes ours away; any of them
changes the digest and the counts are computed again.
"""

import logging

from django.core.cache import cache
from django.db import connection, migrations

logger = logging.getLogger(__name__)

TTL_SECONDS = 3600
# Write rows older than this are deleted (mavis_team_write_prune). Safe while TTL_SECONDS plus the
# longest transaction stays below it: a row may only go once no live memo can depend on it.
KEEP_HOURS = 24

_STATE_SQL = """
-- Our own transaction counts as running (PostgreSQL includes it in xmin; LEAST says so here).
WITH now AS (SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot()), pg_current_xact_id_if_assigned()) AS xmin)
SELECT
    (SELECT xmin::text FROM now),
    (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM mavis_team_write, now
     WHERE team_id = %(team)s AND xid >= now.xmin),
    (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM mavis_team_write
     WHERE team_id = %(team)s AND xid >= %(since)s::xid8)
"""


def memoised(team_id: int, key: str, compute):
    """compute(), or the value it gave before if none of the team's tracked tables has changed
    since. One query, plus compute() when something changed."""
    cache_key = f"memo:{team_id}:{key}"
    try:
        kept = cache.get(cache_key)
    except Exception:  # the cache is a shortcut: without Redis, compute
        logger.warning("memo: cache unavailable", exc_info=True)
        kept = None
    since = kept["xmin"] if kept else "0"
    with connection.cursor() as cursor:
        cursor.execute(_STATE_SQL, {"team": team_id, "since": since})
        xmin, digest, kept_digest = cursor.fetchone()
    if kept and kept_digest == kept["digest"]:
        return kept["value"]
    # Computed after the fingerprint: anything it sees beyond it only costs a recount later.
    value = compute()
    try:
        cache.set(cache_key, {"xmin": xmin, "digest": digest, "value": value}, TTL_SECONDS)
    except Exception:
        logger.warning("memo: cache unavailable", exc_info=True)
    return value


def prune() -> int:
    """Delete write rows no memo can still depend on. Returns the number deleted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM mavis_team_write WHERE created_at < now() - make_interval(hours => %s)", [KEEP_HOURS]
        )
        return cursor.rowcount


def track_writes(table: str, via: str) -> migrations.RunSQL:
    """A migration operation: every INSERT, UPDATE and DELETE statement on `table` adds a write row
    for each team it touched, found by `via`: "team" (the row's team_id), "child" or "session" (the
    team of its child_id or session_id; mavis migration 0003)."""
    forward, backward = [], []
    for event, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        name = f"{table}_team_write_{event.lower()}"
        forward.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {rows} TABLE AS changed "
            f"FOR EACH STATEMENT EXECUTE FUNCTION mavis_team_write_by_{via}()"
        )
        backward.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    return migrations.RunSQL(forward, backward)
