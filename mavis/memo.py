"""Counts worked out once and reused until the team's data about those children changes
(docs/decisions/0014-memoised-counts.md, 0015-memo-buckets.md).

A page's counts are computed by the one rule (patients.statuses, clinics.selectors) and kept in the
cache with a fingerprint of the team's writes. PostgreSQL keeps that fingerprint: every statement
that writes a table the counts read adds rows to `mavis_team_write` (team, writing transaction,
bucket), by a trigger that `track_writes` attaches in each app's migrations. So no writer can forget
to say it changed something (services, bulk writes, the admin, raw SQL and cascades all fire it),
and the triggers hold no rule, only which tables feed the counts and which child a row is about.

Children are split into buckets by id (`mavis_child_bucket`, 1,024 ids each). A write row names the
bucket of the child it is about, or NULL when it may concern every child of the team (a session,
its programmes). Counts are kept per bucket, so a write about one child counts that child's bucket
again and reuses the others.

Why reusing a bucket is sound. A memo is kept with the snapshot it was checked in (S1), that
snapshot's xmin (the oldest transaction still running, our own included) and, per bucket, a digest
of the ids of the team's write rows from that xmin on that S1 could see. Later, in S2, a bucket is
reused when the same digest over the rows visible in S2 is unchanged, for it and for NULL:
- every transaction S2 sees and S1 did not was running at S1 or began after it, so its xid is at or
  above S1's xmin and its rows join the digest; our own later statements add rows with new ids;
  a rollback or the prune takes rows away for good (ids are never reused). So an unchanged digest
  means no write about the bucket's children became visible (or invisible) between S1 and S2, and
  their counts in S2 are those of S1.
- the counts are computed after S1 was taken: whatever they see beyond S1 has rows S1 did not see,
  which only costs a recount later. A bucket reused at S1 from an older memo was, by the same
  argument, what S1 would count, so the whole memo is stamped with S1.
- one write finds its children through another table: a parent's children, through relationships
  its statement could see. A relationship committed after that statement but before S1, by a
  transaction S1 sees, while the parent's transaction was still running at S1, would leave the
  parent's row naming the wrong buckets. Those rows are marked `indirect`: one from a transaction
  running at S1 (below S1's xmax, not visible in S1) counts every bucket again.
"""

import logging
from collections import Counter

from django.core.cache import cache
from django.db import connection, migrations
from django.db.models import BigIntegerField, F, Func, Q, Value

logger = logging.getLogger(__name__)

TTL_SECONDS = 3600
# Write rows older than this are deleted (mavis_team_write_prune). Safe while TTL_SECONDS plus the
# longest transaction stays below it: a row may only go once no live memo can depend on it.
KEEP_HOURS = 24
BUCKET = "memo_bucket"  # the annotation in_buckets adds

# One row per bucket with write rows: the snapshot, its xmin, the bucket, its digest from that xmin
# (kept with the new memo) and from the memo's xmin (compared with the memo's), and whether an
# indirect row of a transaction running when the memo was checked is visible now.
_STATE_SQL = """
-- Our own transaction counts as running (PostgreSQL includes it in xmin; LEAST says so here).
WITH now AS (
    SELECT pg_current_snapshot()::text AS snapshot,
           LEAST(pg_snapshot_xmin(pg_current_snapshot()), pg_current_xact_id_if_assigned()) AS xmin
)
SELECT now.xmin::text, now.snapshot, w.bucket,
    md5(string_agg(w.id::text, ',' ORDER BY w.id) FILTER (WHERE w.xid >= now.xmin)),
    md5(string_agg(w.id::text, ',' ORDER BY w.id) FILTER (WHERE w.xid >= %(since)s::xid8)),
    coalesce(bool_or(w.indirect AND w.xid < pg_snapshot_xmax(%(checked)s::pg_snapshot)
                     AND NOT pg_visible_in_snapshot(w.xid, %(checked)s::pg_snapshot)), false)
FROM now LEFT JOIN mavis_team_write w ON w.team_id = %(team)s AND w.xid >= LEAST(now.xmin, %(since)s::xid8)
GROUP BY now.xmin, now.snapshot, w.bucket
"""


def in_buckets(rows, buckets, child: str = "pk"):
    """`rows` annotated with the bucket of their child (BUCKET; `child`: the field with the
    child's id), only those in `buckets` (None: all), read as ranges of ids (an index serves them)."""
    rows = rows.annotate(**{BUCKET: Func(F(child), function="mavis_child_bucket", output_field=BigIntegerField())})
    if buckets is None:
        return rows
    ranges = Q(pk__in=[])
    for bucket in sorted(buckets):
        start, end = (
            Func(Value(b), function="mavis_bucket_start", output_field=BigIntegerField()) for b in (bucket, bucket + 1)
        )
        ranges |= Q(**{f"{child}__gte": start, f"{child}__lt": end})
    return rows.filter(ranges)


def memoised_counts(team_id: int, key: str, count) -> Counter:
    """{group: number of children}, summed over buckets. `count(buckets)` counts the children of
    `buckets` (None: every bucket; in_buckets applies it) and yields (bucket, group, n). It is asked
    only for the buckets written since the memo, if any. One query, plus count() when something
    changed."""
    cache_key = f"counts:{team_id}:{key}"
    try:
        kept = cache.get(cache_key)
    except Exception:  # the cache is a shortcut: without Redis, count
        logger.warning("memo: cache unavailable", exc_info=True)
        kept = None
    with connection.cursor() as cursor:
        cursor.execute(
            _STATE_SQL,
            {"team": team_id, "since": kept["xmin"] if kept else "0", "checked": kept["snapshot"] if kept else None},
        )
        rows = cursor.fetchall()
    xmin, snapshot = rows[0][:2]
    stale = _stale(kept, rows)
    if stale == set():
        return sum(kept["values"].values(), Counter())
    values = {} if stale is None else {bucket: n for bucket, n in kept["values"].items() if bucket not in stale}
    for bucket, group, n in count(stale):
        values.setdefault(bucket, Counter())[group] += n
    digests = {bucket: digest for _, _, bucket, digest, _, _ in rows if digest}
    try:
        cache.set(cache_key, {"xmin": xmin, "snapshot": snapshot, "digests": digests, "values": values}, TTL_SECONDS)
    except Exception:
        logger.warning("memo: cache unavailable", exc_info=True)
    return sum(values.values(), Counter())


def _stale(kept, rows) -> set | None:
    """The buckets whose digest changed since the memo; None: every bucket."""
    if kept is None or any(in_flight for *_, in_flight in rows):
        return None
    now = {bucket: digest for _, _, bucket, _, digest, _ in rows if digest}
    changed = {
        bucket for bucket in now.keys() | kept["digests"].keys() if now.get(bucket) != kept["digests"].get(bucket)
    }
    return None if None in changed else changed


def prune() -> int:
    """Delete write rows no memo can still depend on. Returns the number deleted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM mavis_team_write WHERE created_at < now() - make_interval(hours => %s)", [KEEP_HOURS]
        )
        return cursor.rowcount


def track_writes(table: str, way: str, was: str | None = None) -> migrations.RunSQL:
    """A migration operation: every INSERT, UPDATE and DELETE statement on `table` adds write rows
    for each team and bucket it touched, found by `way` (mavis_team_write_by_<way>, mavis
    migrations 0004 and 0005). `was`: the way it replaces, restored when the migration is reversed.
    An UPDATE's trigger sees the rows before (`before`) and after (`changed`)."""

    def triggers(way):
        events = (
            ("INSERT", "NEW TABLE AS changed"),
            ("UPDATE", "OLD TABLE AS before NEW TABLE AS changed"),
            ("DELETE", "OLD TABLE AS changed"),
        )
        return [
            f"CREATE OR REPLACE TRIGGER {table}_team_write_{event.lower()} AFTER {event} ON {table} "
            f"REFERENCING {rows} FOR EACH STATEMENT EXECUTE FUNCTION mavis_team_write_by_{way}()"
            for event, rows in events
        ]

    backward = (
        triggers(was)
        if was
        else [f"DROP TRIGGER IF EXISTS {table}_team_write_{e} ON {table}" for e in ("insert", "update", "delete")]
    )
    return migrations.RunSQL(triggers(way), backward)
