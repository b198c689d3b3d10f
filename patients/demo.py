"""Demo data for the register: schools, families and some past vaccinations.

Deterministic (a seeded random generator) and idempotent: a team that already has its demo
children is left alone. Everything is written with bulk_create.
"""

import datetime
import random

from django.utils import timezone

from mavis import audit, demo
from patients import hooks
from patients.academic import current_academic_year, dates_of_birth_for_year_groups
from patients.models import Child, Parent, ParentRelationship, Programme, School, VaccinationRecord
from patients.statuses import vaccination_statuses_refresh_many

SCHOOLS = [
    # URN, name, year groups
    ("103001", "St Mary’s Church of England Primary School", range(0, 7)),
    ("103002", "Whitley Abbey Primary School", range(0, 7)),
    ("103003", "Earlsdon Primary School", range(0, 7)),
    ("103004", "Holbrook Primary School", range(0, 7)),
    ("103005", "Stoke Park Primary School", range(0, 7)),
    ("103006", "Kenilworth Road Infant and Junior School", range(0, 7)),
    ("103007", "Caludon Castle School", range(7, 12)),
    ("103008", "Finham Park School", range(7, 12)),
    ("103009", "Warwick Road Academy", range(7, 12)),
    ("103010", "Lyng Hall School", range(7, 12)),
]
GIRLS = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Willow",
    "Florence",
    "Evie",
    "Poppy",
    "Ella",
    "Aria",
    "Sienna",
    "Daisy",
    "Harper",
    "Evelyn",
    "Maya",
    "Phoebe",
    "Ruby",
    "Chloe",
    "Zara",
    "Aisha",
    "Hannah",
    "Layla",
    "Maryam",
    "Priya",
    "Erin",
    "Niamh",
]
BOYS = [
    "Noah",
    "Muhammad",
    "George",
    "Oliver",
    "Leo",
    "Arthur",
    "Oscar",
    "Theodore",
    "Freddie",
    "Theo",
    "Archie",
    "Harry",
    "Henry",
    "Jack",
    "Alfie",
    "Charlie",
    "Finley",
    "Jacob",
    "Thomas",
    "Arlo",
    "Lucas",
    "Isaac",
    "Joshua",
    "Ethan",
    "Max",
    "Reuben",
    "Samuel",
    "Yusuf",
    "Dylan",
    "Rohan",
    "Callum",
    "Ibrahim",
    "Owen",
    "Kai",
]
ADULTS_F = [
    "Sarah",
    "Emma",
    "Laura",
    "Rebecca",
    "Claire",
    "Hannah",
    "Amy",
    "Nicola",
    "Rachel",
    "Gemma",
    "Fatima",
    "Priya",
    "Joanne",
    "Kerry",
    "Siobhan",
]
ADULTS_M = [
    "David",
    "James",
    "Daniel",
    "Mark",
    "Paul",
    "Andrew",
    "Richard",
    "Ben",
    "Tom",
    "Chris",
    "Imran",
    "Sanjay",
    "Gareth",
    "Lee",
    "Michael",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Lewis",
    "Singh",
    "Harris",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Begum",
    "Ahmed",
    "Hussain",
    "Ali",
    "Nowak",
    "Kowalski",
    "Okafor",
    "Mensah",
    "O’Brien",
    "Mcdonald",
    "Campbell",
    "Stewart",
    "Chapman",
    "Mason",
    "Hunt",
]
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Park Avenue",
    "Mill Lane",
    "Kenilworth Road",
    "Queens Road",
    "The Green",
]
TOWNS = [("Coventry", "CV"), ("Warwick", "CV34"), ("Nuneaton", "CV11"), ("Rugby", "CV21"), ("Kenilworth", "CV8")]


def demo_nhs_number(n: int) -> str:
    """A valid NHS number in the 999 test range: the first valid one from 999 000 000 + n."""
    base = 999_000_000 + n
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return digits + str(check)
        base += 1


def free_nhs_numbers():
    """Demo NHS numbers that no child has yet (NHS numbers are unique across teams)."""
    used = set(Child.objects.filter(nhs_number__startswith="999").values_list("nhs_number", flat=True))
    n = 0
    while True:
        number = demo_nhs_number(n)
        n = int(number[:9]) - 999_000_000 + 1
        if number not in used:
            yield number


@demo.register(10, "register")
def seed_register(*, team, stdout, children: int = 3000, **_):
    if Child.objects.for_team(team).exists():
        stdout.write(f"  register: {team} already has children, left alone")
        return
    rng = random.Random(f"mavis-demo-{team.ods_code}")  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    year = current_academic_year(today)

    schools = [
        School(team=team, urn=urn, name=name, address=f"{rng.choice(STREETS)}, Coventry", year_groups=list(groups))
        for urn, name, groups in SCHOOLS
    ]
    School.objects.bulk_create(schools)
    primaries = [s for s in schools if 0 in s.year_groups]
    secondaries = [s for s in schools if 11 in s.year_groups]
    birth_ranges = dict(zip(range(0, 12), dates_of_birth_for_year_groups(range(0, 12), year), strict=True))

    kids: list[Child] = []
    parents: list[Parent] = []
    links: list[tuple[int, int, str]] = []  # (child index, parent index, type)
    nhs_numbers = free_nhs_numbers()
    phone_counter = 0

    def new_parent(first, surname, contactable):
        nonlocal phone_counter
        phone_counter += 1
        handle = f"{first}.{surname}".lower().replace("’", "")
        if contactable:
            email = f"{handle}{phone_counter}@example.com" if rng.random() < 0.9 else ""
            phone = f"07700900{phone_counter % 1000:03d}" if (rng.random() < 0.85 or not email) else ""
        else:
            email, phone = "", rng.choice(["", "0121 496 0000"])  # a landline cannot take texts
        parents.append(
            Parent(
                team=team,
                full_name=f"{first} {surname}",
                email=email,
                phone=phone,
                phone_receive_updates=bool(phone) and phone.startswith("07"),
            )
        )
        return len(parents) - 1

    while len(kids) < children:
        surname = rng.choice(SURNAMES)
        contactable = rng.random() > 0.01
        family = []
        if rng.random() < 0.8:
            family.append((new_parent(rng.choice(ADULTS_F), surname, contactable), ParentRelationship.Type.MUM))
            family.append((new_parent(rng.choice(ADULTS_M), surname, contactable), ParentRelationship.Type.DAD))
        else:
            kind = rng.choice(
                [ParentRelationship.Type.MUM, ParentRelationship.Type.DAD, ParentRelationship.Type.GUARDIAN]
            )
            first = rng.choice(ADULTS_M if kind == ParentRelationship.Type.DAD else ADULTS_F)
            family.append((new_parent(first, surname, contactable), kind))
        town, postcode_area = rng.choice(TOWNS)
        address = (f"{rng.randint(1, 180)} {rng.choice(STREETS)}", town, f"{postcode_area} {rng.randint(1, 9)}AB")
        siblings = 1 if rng.random() < 0.75 else rng.choice([2, 2, 3])
        for group in rng.sample(range(0, 12), siblings):
            if len(kids) >= children:
                break
            start, end = birth_ranges[group]
            born = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
            girl = rng.random() < 0.5
            roll = rng.random()
            if roll < 0.03:
                status, school = Child.SchoolStatus.HOME_SCHOOLED, None
            elif roll < 0.06:
                status, school = Child.SchoolStatus.UNKNOWN, None
            else:
                status, school = Child.SchoolStatus.SCHOOL, rng.choice(primaries if group <= 6 else secondaries)
            kids.append(
                Child(
                    team=team,
                    nhs_number=next(nhs_numbers) if rng.random() < 0.97 else None,
                    given_name=rng.choice(GIRLS if girl else BOYS),
                    family_name=surname,
                    date_of_birth=born,
                    gender=Child.Gender.FEMALE if girl else Child.Gender.MALE,
                    address_line_1=address[0],
                    address_town=address[1],
                    address_postcode=address[2],
                    school_status=status,
                    school=school,
                )
            )
            for parent_index, kind in family:
                links.append((len(kids) - 1, parent_index, kind))

    # A few records that stop all messages.
    now = timezone.now()
    for child in rng.sample(kids, max(1, children // 300)):
        child.deceased = True
    for child in rng.sample(kids, max(1, children // 300)):
        child.restricted = True
    for child in rng.sample(kids, max(1, children // 300)):
        child.archived_at, child.archive_reason = now, Child.ArchiveReason.MOVED_OUT_OF_AREA

    Child.objects.bulk_create(kids, batch_size=2000)
    Parent.objects.bulk_create(parents, batch_size=2000)
    ParentRelationship.objects.bulk_create(
        [ParentRelationship(child=kids[c], parent=parents[p], type=kind) for c, p, kind in links], batch_size=2000
    )

    # HPV given last year to most of those now in Years 9 to 11; some flu last year.
    hpv = Programme.objects.get(code=Programme.Code.HPV)
    flu = Programme.objects.get(code=Programme.Code.FLU)
    last_year_day = datetime.datetime(year - 1, 11, 12, 10, 30, tzinfo=datetime.UTC)
    records = []
    for child in kids:
        group = child.year_group(year)
        if group >= 9 and rng.random() < 0.6:
            records.append(_record(team, child, hpv, last_year_day, "Gardasil 9", "intramuscular", "left_arm_upper"))
        elif 1 <= group <= 11 and rng.random() < 0.3:
            records.append(_record(team, child, flu, last_year_day, "Fluenz", "nasal", "nose"))
    VaccinationRecord.objects.bulk_create(records, batch_size=2000)
    vaccination_statuses_refresh_many(records)

    audit.record_bulk("child.seeded", Child, [c.pk for c in kids], team=team)
    hooks.children_changed(team=team, child_ids=[c.pk for c in kids])
    stdout.write(
        f"  register: {len(schools)} schools, {len(kids)} children, {len(parents)} parents, "
        f"{len(records)} past vaccinations"
    )


def _record(team, child, programme, when, vaccine, method, site):
    return VaccinationRecord(
        team=team,
        child=child,
        programme=programme,
        outcome=VaccinationRecord.Outcome.VACCINATED,
        performed_at=when,
        location_name=child.school.name if child.school_id else "Community clinic",
        vaccine=vaccine,
        batch=f"{vaccine[:2].upper()}{when:%y}01",
        method=method,
        site=site,
    )
