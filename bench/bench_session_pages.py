"""Session pages at scale: Overview, Children and the Sessions list with 200 and 20,000 children.

The Community clinic has every child as a member, half of them invited (messages delivered,
failed or pending) and a tenth with no parent who can be contacted, so its Overview's
invitation totals read as many children as the school session's counts. The bench also runs
EXPLAIN ANALYZE on the clinic's eligibility list (clinics.eligibility.Eligibility
.child_ids_queryset) at both sizes, so a runaway plan shows up as a figure.

Seeds its own database (bench_session_pages, plus BENCH_DATABASE_SUFFIX), one team per size,
signs in with django.test.Client in process and times each request (server time: routing,
queries, rendering), the two sizes alternately. Prints the median of REQUESTS requests per page
and size, the ratio between the sizes and the SQL query count at each size.
Targets: median under 150 ms at 20,000, at most twice the time at 200, and the same number of
queries at both sizes.

Other apps add their session pages to PAGES (label, URL name, takes the session id).
"""

import datetime
import os
import random
import statistics
import time

from common import report, setup_django

BENCH = "session pages"
DATABASE = "bench_session_pages"
SIZES = (200, 20_000)
REQUESTS = 20
TARGET_MS = 150
MAX_RATIO = 2  # the time at 20,000 children within twice the time at 200

# (label, URL name, which session's id the URL takes: "school", "clinic" or None)
PAGES = [
    ("Overview", "sessions:session", "school"),
    ("Overview, Community clinic", "sessions:session", "clinic"),
    ("Children", "sessions:children", "school"),
    ("Children, filtered by outcome", "sessions:children", "school", "?outcome=none_yet"),
    ("Sessions list", "sessions:list", None),
    ("Consent", "consent:tab", "school"),
    ("Consent, filtered by No response", "consent:tab", "school", "?status=no_response"),
]
# Counts are memoised per bucket of children until the team's data about them changes (mavis.memo):
# these are also timed right after a write, when the bucket it concerns is counted again.
AFTER_A_WRITE = {"Overview", "Overview, Community clinic", "Consent"}
WRITE_ROUNDS = 5
ELIGIBILITY_MAX_MS = 1000  # the clinic's eligibility list at 20,000 children, under EXPLAIN ANALYZE


def seed(size: int, index: int):
    """A team with one school session of `size` children (half vaccinated), and 20 other sessions."""
    from django.utils import timezone

    from mavis.models import Team, User
    from patients.academic import current_academic_year
    from patients.models import Child, Programme, School, VaccinationRecord
    from sessions.models import Attendance, Session, SessionDate, SessionMembership

    today = timezone.localdate()
    year = current_academic_year(today)
    team = Team.objects.create(
        name=f"Bench team {index}",
        ods_code=f"B{index:04d}",
        email="bench@example.nhs.uk",
        phone="0121 000 0000",
        privacy_notice_url="https://example.nhs.uk/privacy",
        booking_link="https://example.nhs.uk/book",
    )
    user = User.objects.create(username=f"bench-{index}", role=User.Role.NURSE)
    user.teams.add(team)
    flu, hpv = Programme.objects.get(code="flu"), Programme.objects.get(code="hpv")
    schools = School.objects.bulk_create(
        [School(team=team, urn=f"{index}{n:05d}", name=f"School {n}", year_groups=list(range(12))) for n in range(20)]
    )
    rng = random.Random(index)
    start = datetime.date(year - 16, 9, 1)
    children = Child.objects.bulk_create(
        [
            Child(
                team=team,
                given_name=f"Given{n}",
                family_name=f"Family{rng.randrange(100000):05d}",
                date_of_birth=start + datetime.timedelta(days=rng.randrange(365 * 12)),
                school_status=Child.SchoolStatus.SCHOOL,
                school=schools[0],
            )
            for n in range(size)
        ],
        batch_size=5000,
    )
    sessions = []
    for n, school in enumerate(schools):
        session = Session.objects.create(team=team, kind=Session.Kind.SCHOOL, school=school, academic_year=year)
        session.programmes.set([flu, hpv])
        SessionDate.objects.create(session=session, value=today + datetime.timedelta(days=n - 5))
        sessions.append(session)
    clinic = Session.objects.create(
        team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=year, invitation_date=today
    )
    clinic.programmes.set([flu, hpv])
    big = sessions[5]  # its date is today
    SessionMembership.objects.bulk_create(
        [SessionMembership(session=big, child=child) for child in children], batch_size=5000
    )
    now = timezone.now()
    records = []
    for n, child in enumerate(children):
        if n % 2 == 0:
            records.append(
                VaccinationRecord(
                    team=team,
                    child=child,
                    programme=flu,
                    outcome="vaccinated",
                    performed_at=now,
                    session_id=big.pk,
                    vaccine="Fluenz",
                    batch="B1",
                    method="nasal",
                    site="nose",
                )
            )
        elif n % 5 == 1:
            records.append(
                VaccinationRecord(
                    team=team, child=child, programme=flu, outcome="unwell", performed_at=now, session_id=big.pk
                )
            )
    VaccinationRecord.objects.bulk_create(records, batch_size=5000)
    from patients.statuses import vaccination_statuses_refresh_many

    vaccination_statuses_refresh_many(records)  # what the recording service does per record
    Attendance.objects.bulk_create(
        [Attendance(session=big, child=c, date=today, status="attending") for c in children[::3]], batch_size=5000
    )
    seed_clinic(team, clinic, children, today + datetime.timedelta(days=7))
    return user, big, clinic


def seed_clinic(team, clinic, children, clinic_date):
    """Every child a member of the clinic with one parent (a tenth with no email or phone);
    half invited, with an email delivered, failed or still pending."""
    import uuid

    from django.utils import timezone

    from clinics.models import ClinicInvitation
    from notifications.models import Message
    from patients.models import Parent, ParentRelationship
    from sessions.models import SessionDate, SessionMembership

    SessionDate.objects.create(session=clinic, value=clinic_date)
    SessionMembership.objects.bulk_create(
        [SessionMembership(session=clinic, child=child) for child in children], batch_size=5000
    )
    parents = Parent.objects.bulk_create(
        [
            Parent(team=team, full_name=f"Parent {n}", email="" if n % 10 == 9 else f"p{n}@example.com")
            for n in range(len(children))
        ],
        batch_size=5000,
    )
    ParentRelationship.objects.bulk_create(
        [ParentRelationship(child=c, parent=p, type="mother") for c, p in zip(children, parents, strict=True)],
        batch_size=5000,
    )
    now = timezone.now()
    invited = [(n, c, p) for n, (c, p) in enumerate(zip(children, parents, strict=True)) if n % 2 == 1 and p.email]
    ClinicInvitation.objects.bulk_create(
        [
            ClinicInvitation(
                team=team,
                child=c,
                session=clinic,
                clinic_date=clinic_date,
                kind=ClinicInvitation.Kind.INVITATION,
                programmes=["flu"],
                source=ClinicInvitation.Source.AUTOMATIC,
                created_at=now,
                sent_at=now,
                sent_on=now.date(),
            )
            for _, c, _ in invited
        ],
        batch_size=5000,
    )
    statuses = [Message.Status.DELIVERED, Message.Status.DELIVERED, Message.Status.PERMANENT_FAILURE]
    Message.objects.bulk_create(
        [
            Message(
                team=team,
                kind=Message.Kind.CLINIC_INVITATION,
                channel=Message.Channel.EMAIL,
                recipient=p.email,
                template_id=uuid.UUID(int=1),
                child=c,
                parent=p,
                session=clinic,
                status=statuses[n % 3],
            )
            for n, c, p in invited
        ],
        batch_size=5000,
    )


def a_write(session):
    """A write in the session's team that changes no count: a parent's name (its child's bucket)."""
    from patients.models import Parent

    parent = Parent.objects.filter(team_id=session.team_id).order_by("pk").first()
    Parent.objects.filter(pk=parent.pk).update(full_name=f"Parent {time.perf_counter_ns()}")


def measure(clients: dict, url_for, before=None) -> dict:
    """Times the page at every size in turn, REQUESTS rounds, so each size sees the same machine
    load (the machine is shared: sequential runs of 200 and 20,000 did not). `before(size)`, if
    given, runs before each request, untimed. Returns {size: (median ms, query count)}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = before or (lambda size: None)
    timings = {size: [] for size in clients}
    for size, client in clients.items():
        client.get(url_for(size))  # warm up
    for _ in range(REQUESTS):
        for size, client in clients.items():
            before(size)
            start = time.perf_counter()
            response = client.get(url_for(size))
            timings[size].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url_for(size), response.status_code)
    results = {}
    for size, client in clients.items():
        before(size)
        with CaptureQueriesContext(connection) as queries:
            client.get(url_for(size))
        results[size] = (statistics.median(timings[size]), len(queries))
    return results


def explain_eligibility(school, clinic) -> tuple[float, float]:
    """EXPLAIN ANALYZE of the first page of the children Send clinic invitations would invite from
    the school session (clinics.selectors' summary list): (execution ms, planner's total cost)."""
    import json

    from django.db import connection

    from clinics.eligibility import Eligibility, next_clinic_date
    from clinics.selectors import school_candidates, school_programmes
    from sessions.selectors import session_for_team

    school, clinic = session_for_team(school.team, school.pk), session_for_team(clinic.team, clinic.pk)
    eligibility = Eligibility(
        clinic,
        next_clinic_date(clinic, datetime.date.today()),
        children=school_candidates(school, clinic),
        programmes=school_programmes(school, clinic),
    )
    listed = eligibility.child_ids_queryset().order_by("family_name", "given_name", "pk")[:100]
    sql, params = listed.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return plan[0]["Execution Time"], plan[0]["Plan"]["Total Cost"]


def write_overhead(clinic) -> dict:
    """What the write-tracking triggers (mavis.memo) cost writers: 1,000 single-row updates of a
    message's status (a delivery receipt each) and one UPDATE of every clinic membership, with the
    triggers and without (ALTER TABLE ... DISABLE TRIGGER USER), each in a transaction rolled back:
    a warm-up, then WRITE_ROUNDS rounds alternating. Returns {label: (median ms with, without)}."""
    from django.db import connection, transaction

    from notifications.models import Message

    ids = list(Message.objects.filter(session=clinic).values_list("pk", flat=True)[:1000])

    def timed(tables: list[str], run) -> tuple[float, float]:
        figures = {True: [], False: []}
        for enabled in (True, *[True, False] * WRITE_ROUNDS):
            with transaction.atomic(), connection.cursor() as cursor:
                if not enabled:
                    for table in tables:
                        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                start = time.perf_counter()
                run(cursor)
                figures[enabled].append((time.perf_counter() - start) * 1000)
                transaction.set_rollback(True)
        return statistics.median(figures[True][1:]), statistics.median(figures[False])

    def receipts(cursor):
        for pk in ids:
            cursor.execute("UPDATE notifications_message SET status = 'delivered' WHERE id = %s", [pk])

    def memberships(cursor):
        cursor.execute(
            "UPDATE vaccination_sessions_sessionmembership SET source = 'other' WHERE session_id = %s", [clinic.pk]
        )

    return {
        f"{len(ids):,} message status updates": timed(["notifications_message"], receipts),
        "one UPDATE of every clinic membership": timed(["vaccination_sessions_sessionmembership"], memberships),
    }


def main():
    setup_django(DATABASE)
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    clients, sessions = {}, {}
    for index, size in enumerate(SIZES):
        user, school, clinic = seed(size, index)
        sessions[size] = {"school": school, "clinic": clinic}
        clients[size] = Client()
        clients[size].force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    results = {}
    for label, name, which, *query in PAGES:

        def url_for(size, name=name, which=which, query=query):
            return reverse(name, args=[sessions[size][which].pk] if which else None) + (query[0] if query else "")

        for size, figures in measure(clients, url_for).items():
            results[(label, size)] = figures
        if label in AFTER_A_WRITE:
            for size, figures in measure(
                clients, url_for, before=lambda size: a_write(sessions[size]["school"])
            ).items():
                results[(f"{label}, first view after a write", size)] = figures
    report(BENCH, "load average (1 min) after the pages", round(os.getloadavg()[0], 1))
    small, large = SIZES
    explained = {size: explain_eligibility(sessions[size]["school"], sessions[size]["clinic"]) for size in SIZES}
    for size, (ms, cost) in explained.items():
        target = f"< {ELIGIBILITY_MAX_MS} ms" if size == large else ""
        ok = ms < ELIGIBILITY_MAX_MS if size == large else None
        report(BENCH, f"Eligibility list, EXPLAIN ANALYZE at {size:,}", round(ms, 1), "ms", target, ok)
        report(BENCH, f"Eligibility list, planned cost at {size:,}", round(cost))
    for label, (with_ms, without_ms) in write_overhead(sessions[large]["clinic"]).items():
        report(BENCH, f"Writes, {label}: with / without triggers", f"{with_ms:.1f} / {without_ms:.1f}", "ms")
        report(BENCH, f"Writes, {label}: ratio", round(with_ms / without_ms, 2), "x")
    labels = [label for label, *_ in PAGES]
    labels += [f"{label}, first view after a write" for label in labels if label in AFTER_A_WRITE]
    for label in labels:
        (small_ms, small_queries), (large_ms, large_queries) = results[(label, small)], results[(label, large)]
        report(BENCH, f"{label}: median at {small:,}", round(small_ms, 1), "ms")
        report(
            BENCH, f"{label}: median at {large:,}", round(large_ms, 1), "ms", f"< {TARGET_MS} ms", large_ms < TARGET_MS
        )
        ratio = large_ms / small_ms
        report(
            BENCH, f"{label}: ratio {large:,} / {small:,}", round(ratio, 2), "x", f"< {MAX_RATIO}x", ratio < MAX_RATIO
        )
        report(
            BENCH,
            f"{label}: queries at {small:,} / {large:,}",
            f"{small_queries} / {large_queries}",
            "",
            "equal",
            small_queries == large_queries,
        )


if __name__ == "__main__":
    main()
