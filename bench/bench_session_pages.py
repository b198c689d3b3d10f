"""Session pages at scale: Overview, Children and the Sessions list with 200 and 20,000 children.

Seeds its own database (bench_session_pages, plus BENCH_DATABASE_SUFFIX), one team per size,
signs in with django.test.Client in process and times each request (server time: routing,
queries, rendering), the two sizes alternately. Prints the median of REQUESTS requests per page
and size, the ratio between the sizes and the SQL query count at each size.
Targets: median under 150 ms at 20,000, at most twice the time at 200, and the same number of
queries at both sizes.

Other apps add their session pages to PAGES (label, URL name, takes the session id).
"""

import datetime
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

# (label, URL name, whether the URL takes the session's id)
PAGES = [
    ("Overview", "sessions:session", True),
    ("Children", "sessions:children", True),
    ("Children, filtered by outcome", "sessions:children", True, "?outcome=none_yet"),
    ("Sessions list", "sessions:list", False),
    ("Consent", "consent:tab", True),
    ("Consent, filtered by No response", "consent:tab", True, "?status=no_response"),
]


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
    clinic = Session.objects.create(team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=year)
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
    return user, big


def measure(clients: dict, url_for) -> dict:
    """Times the page at every size in turn, REQUESTS rounds, so each size sees the same machine
    load (the machine is shared: sequential runs of 200 and 20,000 did not). Returns
    {size: (median ms, query count)}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = {size: [] for size in clients}
    for size, client in clients.items():
        client.get(url_for(size))  # warm up
    for _ in range(REQUESTS):
        for size, client in clients.items():
            start = time.perf_counter()
            response = client.get(url_for(size))
            timings[size].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url_for(size), response.status_code)
    results = {}
    for size, client in clients.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url_for(size))
        results[size] = (statistics.median(timings[size]), len(queries))
    return results


def main():
    setup_django(DATABASE)
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    clients, sessions = {}, {}
    for index, size in enumerate(SIZES):
        user, sessions[size] = seed(size, index)
        clients[size] = Client()
        clients[size].force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    results = {}
    for label, name, takes_session, *query in PAGES:

        def url_for(size, name=name, takes_session=takes_session, query=query):
            return reverse(name, args=[sessions[size].pk] if takes_session else None) + (query[0] if query else "")

        for size, figures in measure(clients, url_for).items():
            results[(label, size)] = figures
    small, large = SIZES
    for label, *_ in PAGES:
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
