"""Demo data for clinic invitations and bookings (see mavis.demo).

The sessions step leaves the demo team's Community clinic unscheduled (the guide starts by
scheduling it); that team books in its own system (the booking link, **Import bookings**,
**Record a clinic appointment**). A second, small team books in this service: its clinic has
dates with appointment times, so its invitations carry each parent's own booking link.
"""

import datetime

from django.utils import timezone

from mavis import demo
from mavis.models import Team
from patients.academic import current_academic_year, dates_of_birth_for_year_groups
from patients.demo import free_nhs_numbers
from patients.models import Child, Parent, ParentRelationship, Programme
from sessions import services as session_services
from sessions.models import Session, Venue

HOW_TO = """  clinic invitations: schedule the Community clinic first (Sessions > Unscheduled > Community clinic), then:
    - Send clinic invitations: Sessions > Completed > a school > Send clinic invitations
    - Invite to community clinic: any child's record, at the bottom (sent the next day at 09:00)
    - automatic (home-schooled, unknown school): manage.py invitation_sweep --date <3 weeks before the first clinic date>
    - Send booking reminders: Sessions > Scheduled > Community clinic > Send booking reminders (after an invitation)
    - bookings (this team uses its own booking system): Community clinic > Import bookings (CSV: NHS number,
      or first name, last name and date of birth; date; time), or Record a clinic appointment on a child's record"""

BOOKING_TEAM = {
    "ods_code": "RYGBK",
    "name": "North Warwickshire SAIS (books in Mavis)",
    "email": "north.sais@example.nhs.uk",
    "phone": "0121 765 4321",
    "privacy_notice_url": "https://example.nhs.uk/privacy",
    "booking_link": "https://booking.example.nhs.uk/unused",
    "books_in_service": True,
}
FAMILIES = ["Ahmed", "Brennan", "Chowdhury", "Dobson", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones"]


@demo.register(50, "clinics")
def seed_clinics(*, team, stdout, **_):
    stdout.write(HOW_TO)


@demo.register(70, "a team that books in this service")
def seed_booking_team(*, team, stdout, **_):
    """Ten home-schooled Year 8 children, a clinic in 2 and 3 weeks (09:00 to 12:00, 15-minute
    appointments, 2 places each) at one venue. The demo sign-ins can change to the team."""
    booking_team, created = Team.objects.get_or_create(
        ods_code=BOOKING_TEAM["ods_code"], defaults={k: v for k, v in BOOKING_TEAM.items() if k != "ods_code"}
    )
    for user in team.users.all():
        user.teams.add(booking_team)
    if not created:
        stdout.write(f"  {booking_team.name} already there")
        return
    today = timezone.localdate()
    year = current_academic_year(today)
    born, _ = dates_of_birth_for_year_groups([8], year)[0]
    numbers = free_nhs_numbers()
    for index, family in enumerate(FAMILIES):
        child = Child.objects.create(
            team=booking_team,
            nhs_number=next(numbers),
            given_name=["Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack"][index],
            family_name=family,
            date_of_birth=born + datetime.timedelta(days=20 * index),
            gender=Child.Gender.NOT_KNOWN,
            school_status=Child.SchoolStatus.HOME_SCHOOLED,
        )
        parent = Parent.objects.create(
            team=booking_team, full_name=f"Sam {family}", email=f"sam.{family.lower()}@example.com"
        )
        ParentRelationship.objects.create(child=child, parent=parent, type=ParentRelationship.Type.GUARDIAN)
    Venue.objects.create(team=booking_team, name="Atherstone Health Centre", address="Long Street, Atherstone")
    clinic = session_services.session_create(
        team=booking_team, academic_year=year, programmes=list(Programme.objects.filter(code__in=["flu", "hpv"]))
    )
    dates = [today + datetime.timedelta(days=14), today + datetime.timedelta(days=21)]
    session_services.session_dates_set(session=clinic, dates=dates)
    for day in Session.objects.get(pk=clinic.pk).dates.all():
        session_services.session_date_times_set(
            session_date=day, start=datetime.time(9, 0), end=datetime.time(12, 0), slot_minutes=15, places=2
        )
    stdout.write(
        f"  {booking_team.name}: 10 home-schooled children, a Community clinic on "
        f"{dates[0].isoformat()} and {dates[1].isoformat()} with appointment times. Change team, then run "
        f"manage.py invitation_sweep --team {booking_team.ods_code} --date {today.isoformat()} and open a booking "
        "link from the local Notify page"
    )
