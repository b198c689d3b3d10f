"""The Consent tab of a Community clinic with 20,000 children: median page time and query count.

Seeds its own database (bench_consent_tab): 20,000 children in Reception to Year 11, each
with a parent, all members of the clinic (Flu, HPV, MenACWY, Td/IPV); about 45,000 consent
responses (given, refused, superseded, withdrawn, two-parent conflicts) and 2,000
vaccinations. Then renders the tab through the Django test client (full middleware,
templates) with each filter and a name search.
Target: median under 150 ms, and the same number of queries for every filter.
"""

import datetime
import random
import statistics

from common import Timer, report, setup_django

BENCH = "consent tab (20k children)"
CHILDREN = 20_000
RUNS = 15


def seed():
    from django.utils import timezone

    from consent.models import ConsentResponse
    from mavis.models import Team, User
    from patients.academic import current_academic_year
    from patients.models import Child, Parent, ParentRelationship, Programme, VaccinationRecord
    from sessions.models import Session, SessionDate, SessionMembership

    rng = random.Random(7)
    today = timezone.localdate()
    year = current_academic_year(today)
    team = Team.objects.create(
        name="Bench team",
        ods_code="BENCH",
        email="b@example.nhs.uk",
        phone="0121 000 0000",
        privacy_notice_url="https://example.nhs.uk/p",
        booking_link="https://example.nhs.uk/b",
    )
    user = User.objects.create(username="bench-nurse", role=User.Role.NURSE)
    user.teams.add(team)
    session = Session.objects.create(team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=year)
    programmes = list(Programme.objects.all())
    session.programmes.set(programmes)
    SessionDate.objects.create(session=session, value=today + datetime.timedelta(days=10))

    children = []
    for n in range(CHILDREN):
        group = rng.randint(0, 11)
        birth_year = year - group - 5
        dob = datetime.date(birth_year, 9, 1) + datetime.timedelta(days=rng.randint(0, 364))
        children.append(
            Child(
                team=team,
                given_name=f"Given{n}",
                family_name=f"Family{n:05d}",
                date_of_birth=dob,
                school_status=Child.SchoolStatus.HOME_SCHOOLED,
            )
        )
    children = Child.objects.bulk_create(children, batch_size=5000)
    parents = Parent.objects.bulk_create(
        [Parent(team=team, full_name=f"Parent {n}", email=f"p{n}@example.com") for n in range(CHILDREN)],
        batch_size=5000,
    )
    ParentRelationship.objects.bulk_create(
        [ParentRelationship(child=c, parent=p, type="mum") for c, p in zip(children, parents, strict=True)],
        batch_size=5000,
    )
    SessionMembership.objects.bulk_create(
        [SessionMembership(session=session, child=c) for c in children], batch_size=5000
    )

    responses, records = [], []
    now = timezone.now()
    for child, parent in zip(children, parents, strict=True):
        group = child.year_group(year)
        for programme in programmes:
            if group not in programme.year_groups or rng.random() < 0.35:
                continue
            kind = rng.random()
            base = {
                "team": team,
                "child": child,
                "programme": programme,
                "academic_year": year,
                "session": session,
                "respondent": "parent",
                "parent": parent,
                "respondent_key": f"parent:{parent.pk}",
                "respondent_name": parent.full_name,
                "route": "online",
            }
            if kind < 0.6:
                flu = rng.choice(["nasal", "nasal_or_injection", "injection"]) if programme.is_flu else ""
                responses.append(ConsentResponse(**base, response="given", flu_method=flu))
            elif kind < 0.75:
                responses.append(ConsentResponse(**base, response="refused", refusal_reason="personal_choice"))
            elif kind < 0.85:  # superseded: refused then given
                responses.append(ConsentResponse(**base, response="refused", refusal_reason="personal_choice"))
                responses.append(
                    ConsentResponse(**base, response="given", flu_method="nasal" if programme.is_flu else "")
                )
            elif kind < 0.92:
                responses.append(
                    ConsentResponse(
                        **base, response="given", withdrawn_at=now, flu_method="nasal" if programme.is_flu else ""
                    )
                )
            else:  # second respondent disagrees: conflicting
                responses.append(
                    ConsentResponse(**base, response="given", flu_method="nasal" if programme.is_flu else "")
                )
                responses.append(
                    ConsentResponse(
                        **{**base, "respondent": "child", "parent": None, "respondent_key": "child"},
                        response="refused",
                        refusal_reason="personal_choice",
                    )
                )
        if rng.random() < 0.1:
            flu = next(p for p in programmes if p.is_flu)
            records.append(
                VaccinationRecord(team=team, child=child, programme=flu, outcome="already_had", performed_at=now)
            )
    ConsentResponse.objects.bulk_create(responses, batch_size=5000)
    VaccinationRecord.objects.bulk_create(records, batch_size=5000)
    from patients.statuses import vaccination_statuses_refresh_many

    vaccination_statuses_refresh_many(records)  # what the recording service does per record
    from consent.statuses import programme_statuses_rebuild

    programme_statuses_rebuild(team=team)  # the responses were bulk-created: what the services would write
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, session, len(responses), len(records)


def main():
    setup_django("bench_consent_tab")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    user, session, n_responses, n_records = seed()
    report(BENCH, "children / responses / vaccinations", f"{CHILDREN}/{n_responses}/{n_records}")
    client = Client()
    client.force_login(user)
    url = reverse("consent:tab", args=[session.pk])
    cases = {
        "all": {},
        "no_response": {"status": "no_response"},
        "given": {"status": "given"},
        "given_injection": {"status": "given_injection"},
        "refused": {"status": "refused"},
        "conflicting": {"status": "conflicting"},
        "search": {"q": "Family01"},
        "page 50": {"status": "given", "page": "50"},
    }
    query_counts = set()
    medians = []
    for name, params in cases.items():
        assert client.get(url, params).status_code == 200
        times = []
        for _ in range(RUNS):
            with Timer() as timer:
                response = client.get(url, params)
            assert response.status_code == 200
            times.append(timer.seconds * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        if name != "search":
            query_counts.add(len(queries))
        median = statistics.median(times)
        medians.append(median)
        report(BENCH, f"median GET ({name}), {len(queries)} queries", round(median, 1), "ms", "< 150 ms", median < 150)
    report(BENCH, "same query count for every filter", sorted(query_counts), "", "one value", len(query_counts) == 1)
    # The Overview with its consent panel.
    overview = reverse("sessions:session", args=[session.pk])
    times = []
    for _ in range(RUNS):
        with Timer() as timer:
            client.get(overview)
        times.append(timer.seconds * 1000)
    report(BENCH, "median GET Overview (with consent panel)", round(statistics.median(times), 1), "ms")


if __name__ == "__main__":
    main()
