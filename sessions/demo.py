"""Demo data: this year's sessions for the demo team (see mavis.demo). Idempotent.

The Community clinic stays unscheduled, so the guide's scheduling path can be tried. Of the
school sessions, one is on today (Register and Record vaccinations), some are scheduled
later, and some are completed with outcomes (vaccinated, absent, unwell), so "not vaccinated
at school" is real data for clinic invitations.
"""

import datetime

from django.utils import timezone

from mavis import demo
from patients.academic import academic_year_bounds, current_academic_year
from patients.models import Batch, Programme, VaccinationRecord, Vaccine
from patients.statuses import vaccination_statuses_refresh_many
from sessions import selectors, services
from sessions.models import ActivityEvent, Attendance, Session, Venue

VACCINES = {
    "flu": ("Fluenz", VaccinationRecord.Method.NASAL, VaccinationRecord.Site.NOSE),
    "hpv": ("Gardasil 9", VaccinationRecord.Method.INTRAMUSCULAR, VaccinationRecord.Site.LEFT_ARM_UPPER),
    "menacwy": ("MenQuadfi", VaccinationRecord.Method.INTRAMUSCULAR, VaccinationRecord.Site.LEFT_ARM_UPPER),
    "td_ipv": ("Revaxis", VaccinationRecord.Method.INTRAMUSCULAR, VaccinationRecord.Site.RIGHT_ARM_UPPER),
}


@demo.register(20, "sessions")
def seed_sessions(*, team, stdout, **_):
    today = timezone.localdate()
    year = current_academic_year(today)
    created = services.sessions_create_for_year(team=team, academic_year=year)
    if not created:
        stdout.write(f"  sessions for {year} already there")
        return
    schools = [s for s in created if s.kind == Session.Kind.SCHOOL]
    start, end = academic_year_bounds(year)
    past = [today - datetime.timedelta(days=d) for d in (28, 21, 14)]
    past = [d for d in past if d >= start]
    plan = []
    for index, session in enumerate(schools):
        if index == 0:
            plan.append((session, [today, min(today + datetime.timedelta(days=14), end)]))
        elif index in (1, 2) and past:
            plan.append((session, [past[(index - 1) % len(past)]]))
        elif index in (3, 4, 5):
            plan.append((session, [min(today + datetime.timedelta(days=7 * index), end)]))
    for session, dates in plan:
        services.session_dates_set(session=session, dates=sorted(set(dates)))
    completed = 0
    for session, dates in plan:
        if dates[-1] < today:
            _record_outcomes(session, dates[0])
            completed += 1
    stdout.write(
        f"  {len(created)} sessions for {year}: Community clinic unscheduled, "
        f"{len(plan) - completed} school sessions scheduled, {completed} completed"
    )


def _record_outcomes(session, day):
    """Most children vaccinated; every 7th absent and every 9th unwell (so some need a clinic)."""
    performed_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    children = list(selectors.session_children(session).order_by("pk").values_list("pk", flat=True))
    programmes = list(session.programmes.all())
    records, attendances, events = [], [], []
    for position, child_id in enumerate(children):
        absent = position % 7 == 3
        attendances.append(
            Attendance(session=session, child_id=child_id, date=day, status="absent" if absent else "attending")
        )
        for programme in programmes:
            if absent:
                outcome = VaccinationRecord.Outcome.ABSENT
            elif position % 9 == 4:
                outcome = VaccinationRecord.Outcome.UNWELL
            else:
                outcome = VaccinationRecord.Outcome.VACCINATED
            vaccine, method, site = VACCINES.get(programme.code, ("Vaccine", "intramuscular", "left_arm_upper"))
            given = outcome == VaccinationRecord.Outcome.VACCINATED
            records.append(
                VaccinationRecord(
                    team=session.team,
                    child_id=child_id,
                    programme=programme,
                    outcome=outcome,
                    performed_at=performed_at,
                    session_id=session.pk,
                    location_name=session.location_name,
                    vaccine=vaccine if given else "",
                    batch="DEMO123" if given else "",
                    method=method if given else "",
                    site=site if given else "",
                )
            )
            events.append(
                ActivityEvent(
                    team=session.team,
                    child_id=child_id,
                    session=session,
                    kind=ActivityEvent.Kind.VACCINATION,
                    actor="Nora Nurse",
                    text=f"{programme.name}: {outcome.label}",
                    created_at=performed_at,
                    details={"programme": programme.code, "outcome": outcome},
                )
            )
    Attendance.objects.bulk_create(attendances, batch_size=2000)
    VaccinationRecord.objects.bulk_create(records, batch_size=2000)
    vaccination_statuses_refresh_many(records)
    ActivityEvent.objects.bulk_create(events, batch_size=2000)


# (programme, brand, how it is given, batch numbers); the first Fluenz batch has expired.
DEMO_VACCINES = [
    ("flu", "Fluenz", Vaccine.Method.NASAL, ["FE4301", "FE4302"]),
    ("flu", "Flucelvax", Vaccine.Method.INJECTION, ["FC1107"]),
    ("hpv", "Gardasil 9", Vaccine.Method.INJECTION, ["GD9012", "GD9013"]),
    ("menacwy", "MenQuadfi", Vaccine.Method.INJECTION, ["MQ5520"]),
    ("td_ipv", "Revaxis", Vaccine.Method.INJECTION, ["RX7781"]),
]
DEMO_VENUES = [
    ("Riverside Health Centre", "12 River Street, Coventry CV1 2AB"),
    ("Northgate Library community room", "Northgate, Warwick CV34 4QA"),
]
EXPIRED_BATCH = "FE4300"


@demo.register(25, "vaccines")
def seed_vaccines(*, team, stdout, **_):
    """The team's vaccines and batches (one expired, to see it refused) and clinic venues."""
    today = timezone.localdate()
    programmes = {p.code: p for p in Programme.objects.all()}
    batches = 0
    for code, brand, method, numbers in DEMO_VACCINES:
        vaccine, _ = Vaccine.objects.get_or_create(
            team=team, brand=brand, defaults={"programme": programmes[code], "method": method}
        )
        for number in numbers:
            _, made = Batch.objects.get_or_create(
                vaccine=vaccine, number=number, defaults={"team": team, "expiry": today + datetime.timedelta(days=180)}
            )
            batches += made
        if brand == "Fluenz":
            _, made = Batch.objects.get_or_create(
                vaccine=vaccine,
                number=EXPIRED_BATCH,
                defaults={"team": team, "expiry": today - datetime.timedelta(days=1)},
            )
            batches += made
    for name, address in DEMO_VENUES:
        Venue.objects.get_or_create(team=team, name=name, defaults={"address": address})
    stdout.write(f"  {len(DEMO_VACCINES)} vaccines, {batches} new batches, {len(DEMO_VENUES)} venues")


@demo.register(60, "clinic day")
def seed_clinic_day(*, team, stdout, clinic_day: bool = False, **_):
    """`seed_demo --clinic-day`: the Community clinic is on today (Register and Record vaccinations
    at once). Off by default, so the guide's path of scheduling the unscheduled clinic stays."""
    if not clinic_day:
        return
    today = timezone.localdate()
    clinic = selectors.community_clinic_for_team(team, current_academic_year(today))
    dates = set(clinic.dates.values_list("value", flat=True))
    if today not in dates:
        services.session_dates_set(session=clinic, dates=sorted(dates | {today}))
    stdout.write(f"  the Community clinic is on today ({today.isoformat()})")
