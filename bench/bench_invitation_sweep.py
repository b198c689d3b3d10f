"""Clinic invitation sweep at scale (spec: clinic-invitations.md, "Scale and speed").

A team of 100,000 children whose Community clinic has 20,000 invitable members (home-schooled
or unknown school, each with a parent with an email and a UK mobile): the daily sweep must
create the 20,000 invitations and their 40,000 messages in under 20 s, with a query count that
does not grow with the number of children. Also measured for a team with 200 members.
Runs in its own database (bench_invitation_sweep), built with set-based SQL.
"""

import datetime
import os
import time

from common import report, setup_django

BENCH = "invitation sweep"
DATABASE = "bench_invitation_sweep"


def build_team(name: str, ods: str, children: int, invitable: int):
    from django.db import connection

    from mavis.models import Team
    from patients.models import School
    from sessions.models import Session, SessionDate

    team = Team.objects.create(
        name=name,
        ods_code=ods,
        email=f"{ods.lower()}@example.nhs.uk",
        phone="0121 000 0000",
        privacy_notice_url="https://example.nhs.uk/privacy",
        booking_link="https://booking.example.nhs.uk/",
    )
    school = School.objects.create(team=team, urn=f"U{ods}", name=f"{name} school", year_groups=list(range(12)))
    clinic = Session.objects.create(team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=2026)
    from patients.models import Programme

    clinic.programmes.set(Programme.objects.filter(code__in=["flu", "hpv"]))
    SessionDate.objects.bulk_create(
        [
            SessionDate(session=clinic, value=datetime.date(2026, 12, 10)),
            SessionDate(session=clinic, value=datetime.date(2027, 1, 14)),
        ]
    )
    with connection.cursor() as cursor:
        # Children: the first `invitable` are home-schooled or unknown school; the rest at a school.
        cursor.execute(
            """
            INSERT INTO patients_child (team_id, given_name, family_name, preferred_given_name, preferred_family_name,
                date_of_birth, gender, address_line_1, address_line_2, address_town, address_postcode,
                school_status, school_id, deceased, restricted, invalidated, archive_reason, archive_details,
                created_at, updated_at)
            SELECT %s, 'Child' || g, 'Family' || g, '', '', date '2012-01-01' + (g %% 3000), 'not_known', '', '', '', '',
                CASE WHEN g <= %s THEN (CASE WHEN g %% 2 = 0 THEN 'home_schooled' ELSE 'unknown' END) ELSE 'school' END,
                CASE WHEN g <= %s THEN NULL ELSE %s END, false, false, false, '', '', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [team.pk, invitable, invitable, school.pk, children],
        )
        cursor.execute(
            """
            INSERT INTO patients_parent (team_id, full_name, email, phone, phone_receive_updates, contact_method,
                contact_method_details, created_at)
            SELECT %s, 'Parent ' || g, 'parent' || g || '@example.com', '07700' || lpad(g::text, 6, '0'), true, 'any', '', now()
            FROM generate_series(1, %s) AS g
            """,
            [team.pk, children],
        )
        # Both inserts above allocate consecutive ids: child n gets parent n.
        cursor.execute("SELECT min(id), max(id) FROM patients_child WHERE team_id = %s", [team.pk])
        first_child, last_child = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM patients_parent WHERE team_id = %s", [team.pk])
        first_parent, last_parent = cursor.fetchone()
        assert last_child - first_child == last_parent - first_parent == children - 1
        cursor.execute(
            """
            INSERT INTO patients_parentrelationship (child_id, parent_id, type, other_name, parental_responsibility)
            SELECT %s + g, %s + g, 'mum', '', true FROM generate_series(0, %s) AS g
            """,
            [first_child, first_parent, children - 1],
        )
        cursor.execute(
            """
            INSERT INTO vaccination_sessions_sessionmembership (session_id, child_id, source, added_at)
            SELECT %s, id, 'cohort', now() FROM patients_child WHERE team_id = %s AND school_status <> 'school'
            """,
            [clinic.pk, team.pk],
        )
        cursor.execute("ANALYZE")
    return team


def measure(team, members: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clinics.models import ClinicInvitation
    from clinics.services import team_sweep
    from mavis import audit
    from notifications.models import Message

    with audit.acting_as("bench"), CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        if os.environ.get("BENCH_PROFILE") and members > 1000:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            [result] = profile.runcall(team_sweep, team=team, today=datetime.date(2026, 11, 23))
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        else:
            [result] = team_sweep(team=team, today=datetime.date(2026, 11, 23))
        seconds = time.perf_counter() - start
    if os.environ.get("BENCH_VERBOSE"):
        slow = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]
        for query in slow:
            print(f"  {query['time']}s  {query['sql'][:160]}")
        print(f"  total SQL time {sum(float(q['time']) for q in queries.captured_queries):.2f}s")
    invitations = ClinicInvitation.objects.filter(team=team).count()
    messages = Message.objects.filter(team=team).count()
    label = f"{members:,} members"
    report(BENCH, f"{label}: invitations created", invitations, "", f"= {members:,}", invitations == members)
    report(BENCH, f"{label}: messages queued", messages, "", f"= {2 * members:,}", messages == 2 * members)
    report(BENCH, f"{label}: time", round(seconds, 2), "s", "< 20 s" if members >= 20000 else "", seconds < 20)
    report(BENCH, f"{label}: rate", round(invitations / seconds), "inv/s")
    report(BENCH, f"{label}: SQL queries", len(queries), "queries")
    return len(queries), result


def main():
    setup_django(DATABASE)
    from django.conf import settings

    # The dispatcher is triggered after commit; the benchmark measures the sweep, not delivery.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    small = build_team("Small team", "SMALL", 1000, 200)
    big = build_team("Big team", "BIG", 100_000, 20_000)
    small_queries, _ = measure(small, 200)
    big_queries, _ = measure(big, 20_000)
    report(
        BENCH,
        "query growth 200 -> 20,000 members",
        big_queries - small_queries,
        "queries",
        "only outbox batches",
    )


if __name__ == "__main__":
    main()
