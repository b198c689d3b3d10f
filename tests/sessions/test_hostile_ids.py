"""Hostile ids in the new URLs and POSTed choices: another team's, gone, huge, non-ASCII digits, NUL."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import Batch, VaccinationRecord
from sessions.models import Venue
from tests.sessions.factories import clinic
from tests.sessions.test_record_flow import NOW, TODAY, Walk, setup, stock

pytestmark = pytest.mark.django_db

HUGE = 10**20


@pytest.mark.parametrize("name", ["setup:batch_add", "setup:batch_archive", "setup:venue_archive"])
@pytest.mark.parametrize("pk", [HUGE, 2**63])
def test_huge_ids_in_setup_urls_are_404(nurse_client, name, pk):
    for method in (nurse_client.get, nurse_client.post):
        assert method(reverse(name, args=[pk])).status_code in (404, 405)


def test_non_ascii_digits_and_negatives_do_not_route(nurse_client):
    assert reverse("setup:venue_archive", args=[1]) == "/venues/1/archive"
    for path in ("/vaccines/١٢/batches/add", "/venues/-1/archive", "/venues/%EF%BC%91/archive"):
        assert nurse_client.post(path).status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("pk", [HUGE, 2**63, -1])
def test_huge_ids_in_the_record_flow_are_404(nurse_client, team, pk):
    session, child = setup(team, codes=("hpv",))
    for args in ([pk, child.pk, "hpv"], [session.pk, pk, "hpv"]):
        if pk < 0:
            continue
        assert nurse_client.get(reverse("sessions:vaccinate", args=args)).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_posted_batch_and_venue_choices_that_are_not_in_the_list(nurse_client, team, other_team):
    session, child = setup(team, codes=("hpv",), session=clinic(team, dates=[TODAY], programmes=["hpv"]))
    batches = stock(team)
    theirs = stock(other_team)["GD1"]
    expired = Batch.objects.create(
        team=team, vaccine=batches["GD1"].vaccine, number="OLD", expiry=datetime.date(2026, 1, 1)
    )
    archived = Batch.objects.create(
        team=team, vaccine=batches["GD1"].vaccine, number="ARC", expiry=datetime.date(2027, 1, 1), archived_at=NOW
    )
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer(
        "pre-screening",
        {"checks": ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction", "not_pregnant"]},
    )
    walk.answer("outcome", {"outcome": "yes"})
    for value in (theirs.pk, expired.pk, archived.pk, batches["FL1"].pk, 999999, HUGE, "١٢", "-1", ""):
        response = nurse_client.post(walk.url("batch"), {"batch": value})
        assert response.status_code == 200, value
        html = response.content.decode()
        assert "Choose a batch from the list" in html or "Choose the batch" in html, value
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "venue")
    mine = Venue.objects.create(team=team, name="Riverside")
    others = Venue.objects.create(team=other_team, name="Elsewhere")
    gone = Venue.objects.create(team=team, name="Gone", archived_at=NOW)
    assert nurse_client.post(walk.url("venue"), {"venue": f"{mine.pk}\x00"}).status_code == 400  # the NUL middleware
    for value in (others.pk, gone.pk, HUGE, "١"):
        response = nurse_client.post(walk.url("venue"), {"venue": value})
        assert response.status_code == 200 and "Choose a venue from the list" in response.content.decode(), value
    walk.answer("venue", {"venue": mine.pk}, "check")
    for step in ("nope", "Check", "check%00"):
        assert nurse_client.get(walk.url("identity").replace("identity", step)).status_code == 404
    assert not VaccinationRecord.objects.exists()


def test_a_batch_number_longer_once_in_capitals_is_an_error_not_a_crash(nurse_client, team):
    from patients.models import Programme, Vaccine

    vaccine = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )
    url = reverse("setup:batch_add", args=[vaccine.pk])
    data = {"number": "ß" * 50, "expiry_day": "30", "expiry_month": "6", "expiry_year": "2030"}  # "SS" in capitals
    response = nurse_client.post(url, data)
    assert response.status_code == 200
    assert "Batch number must be 50 characters or fewer" in response.content.decode()
    assert not Batch.objects.exists()
    too_long = nurse_client.post(url, {**data, "number": "A" * 51}).content.decode()
    assert "Batch number must be 50 characters or fewer" in too_long


def test_a_vaccine_with_a_programme_or_method_not_in_the_list_gets_words(nurse_client):
    from patients.models import Vaccine

    for data in (
        {"programme": "nope", "brand": "X", "method": "injection"},
        {"programme": "hpv", "brand": "X", "method": "smoke"},
    ):
        html = nurse_client.post(reverse("setup:vaccine_add"), data).content.decode()
        assert "Choose a programme from the list" in html or "Choose how it is given from the list" in html
        assert "Select a valid choice" not in html
    assert not Vaccine.objects.exists()
