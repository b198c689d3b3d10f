"""Vaccines, batches and venues (issue 12, point 1): kept by the team in the service and the
Django admin; a dose names a batch of the team's list, never an expired, archived or other
programme's one, and only the methods and sites its vaccine allows."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import Batch, Programme, VaccinationRecord, Vaccine
from sessions import services
from sessions.models import Attendance, DefaultBatch, Venue
from tests.factories import TeamFactory, UserFactory
from tests.sessions.factories import SessionFactory, clinic, member, ready_to_vaccinate

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)


def vaccine(team, code="hpv", brand="Gardasil 9", method="injection"):
    return Vaccine.objects.create(team=team, programme=Programme.objects.get(code=code), brand=brand, method=method)


def batch(vaccine, number="GD1", expiry=datetime.date(2027, 6, 30), **kwargs):
    return Batch.objects.create(team=vaccine.team, vaccine=vaccine, number=number, expiry=expiry, **kwargs)


def test_allowed_methods_and_sites_come_from_the_vaccine(team):
    nasal = vaccine(team, "flu", "Fluenz", "nasal")
    injected = vaccine(team)
    assert nasal.record_methods == ["nasal"] and nasal.sites == ["nose"]
    assert injected.record_methods == ["intramuscular", "subcutaneous"]
    assert set(injected.sites) == {"left_arm_upper", "right_arm_upper", "left_thigh", "right_thigh"}


@time_machine.travel(NOW, tick=False)
def test_admin_pages_add_vaccines_batches_and_venues(nurse_client, team):
    add = reverse("setup:vaccine_add")
    blank = nurse_client.post(add, {}).content.decode()
    assert "Choose the programme" in blank and "Enter the brand" in blank and "Choose how it is given" in blank
    nasal_hpv = nurse_client.post(add, {"programme": "hpv", "brand": "Gardasil 9", "method": "nasal"})
    assert "HPV vaccines are injected" in nasal_hpv.content.decode() and not Vaccine.objects.exists()
    assert nurse_client.post(add, {"programme": "hpv", "brand": "Gardasil 9", "method": "injection"}).status_code == 302
    again = nurse_client.post(add, {"programme": "hpv", "brand": "gardasil 9", "method": "injection"}).content.decode()
    assert "already in your list of vaccines" in again
    gardasil = Vaccine.objects.get(team=team)

    url = reverse("setup:batch_add", args=[gardasil.pk])
    expired = {"number": "gd1", "expiry_day": "22", "expiry_month": "11", "expiry_year": "2026"}
    html = nurse_client.post(url, expired).content.decode()
    assert "Enter an expiry date that is today or in the future" in html and 'value="gd1"' in html
    assert nurse_client.post(url, {**expired, "expiry_year": "2027"}).status_code == 302
    added = Batch.objects.get()
    assert added.number == "GD1" and added.team == team and added.expiry == datetime.date(2027, 11, 22)

    listing = nurse_client.get(reverse("setup:vaccines")).content.decode()
    assert "Gardasil 9" in listing and "GD1" in listing and "In use" in listing
    assert nurse_client.post(reverse("setup:batch_archive", args=[added.pk])).status_code == 302
    added.refresh_from_db()
    assert added.archived and "Archived" in nurse_client.get(reverse("setup:vaccines")).content.decode()

    venue_add = reverse("setup:venue_add")
    assert "Enter the name of the venue" in nurse_client.post(venue_add, {"name": ""}).content.decode()
    assert nurse_client.post(venue_add, {"name": "Riverside Health Centre", "address": "1 River St"}).status_code == 302
    venue = Venue.objects.get(team=team)
    assert "Riverside Health Centre" in nurse_client.get(reverse("setup:venues")).content.decode()
    nurse_client.post(reverse("setup:venue_archive", args=[venue.pk]))
    venue.refresh_from_db()
    assert venue.archived_at is not None


def test_django_admin_lists_vaccines_with_their_batches(admin_client, team):
    gardasil = vaccine(team)
    batch(gardasil)
    change = reverse("admin:patients_vaccine_change", args=[gardasil.pk])
    html = admin_client.get(change).content.decode()
    assert "GD1" in html and "Gardasil 9" in html
    # Read-only: a vaccine's method and its batches' expiry change only through the Vaccines page.
    assert 'name="_save"' not in html and 'name="batches-0-expiry' not in html
    response = admin_client.post(change, {"brand": "Gardasil 9", "programme": gardasil.programme_id, "method": "nasal"})
    assert response.status_code == 403
    gardasil.refresh_from_db()
    assert gardasil.method == "injection"
    assert admin_client.get(reverse("admin:patients_vaccine_add")).status_code == 403
    assert admin_client.get(reverse("admin:vaccination_sessions_venue_changelist")).status_code == 200


def _ready_session(team):
    session = SessionFactory(team=team, dates=[TODAY], programmes=["flu", "hpv"])
    child = member(session, date_of_birth=datetime.date(2014, 3, 1))
    ready_to_vaccinate(child, "flu", "hpv")
    Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")
    return session, child


def _give(session, child, code, given_from, **details):
    return services.vaccination_record_add(
        session=session,
        user=UserFactory(team=session.team),
        child=child,
        programme=Programme.objects.get(code=code),
        outcome="vaccinated",
        vaccine_batch=given_from,
        method=details.pop("method", "intramuscular"),
        site=details.pop("site", "left_arm_upper"),
        today=TODAY,
        **details,
    )


@time_machine.travel(NOW, tick=False)
def test_a_dose_refuses_an_expired_archived_or_other_batch(team):
    session, child = _ready_session(team)
    gardasil = vaccine(team)
    fluenz = vaccine(team, "flu", "Fluenz", "nasal")
    theirs = vaccine(TeamFactory(), brand="Gardasil 9")
    cases = [
        (batch(gardasil, "OLD", datetime.date(2026, 11, 22)), {}, "expired on 22 November 2026"),
        (batch(gardasil, "ARC", archived_at=NOW), {}, "is archived"),
        (batch(fluenz, "FL1"), {}, "Fluenz, which is not a HPV vaccine"),
        (batch(theirs, "THEIRS"), {}, "Choose a batch from your team's list"),
        (batch(gardasil, "OK1"), {"method": "nasal", "site": "nose"}, "cannot be given by nasal spray"),
        (Batch.objects.get(number="OK1"), {"site": "nose"}, "cannot be given in the nose"),
    ]
    for given_from, details, message in cases:
        with pytest.raises(ValidationError, match=message):
            _give(session, child, "hpv", given_from, **details)
    assert not VaccinationRecord.objects.exists()

    record = _give(session, child, "hpv", Batch.objects.get(number="OK1"), site="left_thigh")
    assert (record.vaccine, record.batch, record.vaccine_batch.number) == ("Gardasil 9", "OK1", "OK1")


@time_machine.travel(NOW, tick=False)
def test_a_clinic_dose_records_the_venue(team):
    session = clinic(team, dates=[TODAY], programmes=["hpv"])
    child = member(session, date_of_birth=datetime.date(2014, 3, 1))
    ready_to_vaccinate(child, "hpv")
    Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")
    venue = Venue.objects.create(team=team, name="Riverside Health Centre")
    other = Venue.objects.create(team=TeamFactory(), name="Elsewhere")
    gardasil = batch(vaccine(team))
    with pytest.raises(ValidationError, match="Choose a venue of your team"):
        _give(session, child, "hpv", gardasil, venue=other)
    record = _give(session, child, "hpv", gardasil, venue=venue)
    assert record.location_name == "Riverside Health Centre" and record.venue_id == venue.pk


@time_machine.travel(NOW, tick=False)
def test_a_nurse_sets_a_default_batch_per_day_and_vaccine(team):
    nurse = UserFactory(team=team)
    fluenz = vaccine(team, "flu", "Fluenz", "nasal")
    first, second = batch(fluenz, "FL1"), batch(fluenz, "FL2")
    services.default_batch_set(user=nurse, date=TODAY, vaccine_batch=first)
    services.default_batch_set(user=nurse, date=TODAY, vaccine_batch=second)
    assert DefaultBatch.objects.get(user=nurse, date=TODAY, vaccine=fluenz).batch == second
    with pytest.raises(ValidationError, match="expired"):
        services.default_batch_set(user=nurse, date=TODAY, vaccine_batch=batch(fluenz, "OLD", TODAY.replace(day=1)))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("year", "refused"), [("9999", True), ("2207", True), ("2042", True), ("2041", False)])
def test_an_expiry_date_more_than_15_years_ahead_is_refused(nurse_client, team, year, refused):
    # A typo ("2207" for "2027") would keep a batch usable for ever.
    gardasil = vaccine(team)
    url = reverse("setup:batch_add", args=[gardasil.pk])
    response = nurse_client.post(url, {"number": "GD1", "expiry_day": "23", "expiry_month": "11", "expiry_year": year})
    if refused:
        assert "Enter an expiry date no more than 15 years from today" in response.content.decode()
        assert not Batch.objects.exists()
    else:
        assert response.status_code == 302 and Batch.objects.get().expiry == datetime.date(2041, 11, 23)
