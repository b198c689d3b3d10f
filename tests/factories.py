"""factory-boy factories for every app's models (dev dependency only)."""

import datetime

import factory
from django.db import transaction
from django.utils import timezone

from mavis.models import Team, User
from patients.models import Child, Parent, ParentRelationship, Programme, School, VaccinationRecord


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"SAIS team {n}")
    ods_code = factory.Sequence(lambda n: f"T{n:04d}")
    email = factory.LazyAttribute(lambda t: f"{t.ods_code.lower()}@example.nhs.uk")
    phone = "0121 000 0000"
    privacy_notice_url = "https://example.nhs.uk/privacy"
    booking_link = "https://booking.example.nhs.uk/"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Nora"
    last_name = factory.Sequence(lambda n: f"Nurse{n}")
    role = User.Role.NURSE
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.add(extracted)
        if create:
            self.save()


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    team = factory.SubFactory(TeamFactory)
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"School {n}")
    year_groups = list(range(0, 12))


def nhs_number_for(n: int) -> str:
    """A valid NHS number (modulus 11) derived from n."""
    from patients.nhs_number import is_valid_nhs_number

    base = 900000000 + n * 7
    while True:
        digits = f"{base:09d}"[-9:]
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            candidate = digits + str(check)
            assert is_valid_nhs_number(candidate)
            return candidate
        base += 1


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    team = factory.SubFactory(TeamFactory)
    given_name = factory.Sequence(lambda n: f"Child{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    nhs_number = factory.Sequence(nhs_number_for)
    date_of_birth = datetime.date(2014, 5, 1)
    school_status = Child.SchoolStatus.SCHOOL
    school = factory.LazyAttribute(lambda c: SchoolFactory(team=c.team) if c.school_status == "school" else None)


class ParentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parent

    team = factory.SubFactory(TeamFactory)
    full_name = factory.Sequence(lambda n: f"Parent {n}")
    email = factory.Sequence(lambda n: f"parent{n}@example.com")
    phone = "07700900123"
    phone_receive_updates = True


class ParentRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParentRelationship

    child = factory.SubFactory(ChildFactory)
    parent = factory.SubFactory(ParentFactory, team=factory.SelfAttribute("..child.team"))
    type = ParentRelationship.Type.MUM


def child_with_parent(**kwargs) -> Child:
    child = ChildFactory(**kwargs)
    ParentRelationshipFactory(child=child)
    return child


class VaccinationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VaccinationRecord
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    team = factory.SelfAttribute("child.team")
    programme = factory.LazyFunction(lambda: Programme.objects.get(code="flu"))
    outcome = VaccinationRecord.Outcome.VACCINATED
    performed_at = factory.LazyFunction(timezone.now)
    vaccine = "Fluenz"
    batch = "AB1234"
    method = VaccinationRecord.Method.NASAL
    site = VaccinationRecord.Site.NOSE

    @factory.post_generation
    def statuses(record, create, extracted, **kwargs):
        """What the recording service does in the same transaction: keep the status rows true."""
        if create:
            from patients.statuses import vaccination_statuses_refresh

            with transaction.atomic():
                vaccination_statuses_refresh(child_id=record.child_id, programme=record.programme)
