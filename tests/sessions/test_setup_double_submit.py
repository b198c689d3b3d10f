"""Adding a vaccine, a batch or a venue twice at once (a double click, or two admins): the
second sees "already in the list", never the error page, and the thing is added once."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from patients import services as patient_services
from patients.models import Batch, Programme, Vaccine
from sessions import services
from sessions.models import Venue

pytestmark = pytest.mark.django_db(transaction=True)


def second_while_first_uncommitted(first, url, data, user):
    """`first` adds the thing inside a transaction that commits only after the second request
    (a POST to `url`) has checked for a duplicate and is waiting on the first's row."""
    added = threading.Event()
    result = {}

    def one():
        try:
            with transaction.atomic():
                first()
                added.set()
                time.sleep(1)  # the second request is now waiting on the unique index
        finally:
            connection.close()

    def two():
        try:
            added.wait(10)
            client = Client(raise_request_exception=False)
            client.force_login(user)
            result["response"] = client.post(url, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return result["response"]


def test_a_batch_added_twice_at_once_is_added_once(team, nurse):
    vaccine = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )
    expiry = datetime.date.today() + datetime.timedelta(days=200)
    response = second_while_first_uncommitted(
        lambda: patient_services.batch_add(vaccine=vaccine, number="GD1", expiry=expiry),
        reverse("setup:batch_add", args=[vaccine.pk]),
        {"number": "gd1", "expiry_day": expiry.day, "expiry_month": expiry.month, "expiry_year": expiry.year},
        nurse,
    )
    assert response.status_code == 200
    assert "Batch GD1 of Gardasil 9 is already in the list" in response.content.decode()
    assert Batch.objects.filter(vaccine=vaccine).count() == 1


def test_a_vaccine_added_twice_at_once_is_added_once(team, nurse):
    hpv = Programme.objects.get(code="hpv")
    response = second_while_first_uncommitted(
        lambda: patient_services.vaccine_add(team=team, programme=hpv, brand="Gardasil 9", method="injection"),
        reverse("setup:vaccine_add"),
        {"programme": "hpv", "brand": "Gardasil 9", "method": "injection"},
        nurse,
    )
    assert response.status_code == 200
    assert "Gardasil 9 is already in your list of vaccines" in response.content.decode()
    assert Vaccine.objects.filter(team=team).count() == 1


def test_a_venue_added_twice_at_once_is_added_once(team, nurse):
    response = second_while_first_uncommitted(
        lambda: services.venue_add(team=team, name="Riverside Health Centre"),
        reverse("setup:venue_add"),
        {"name": "Riverside Health Centre", "address": ""},
        nurse,
    )
    assert response.status_code == 200
    assert "Riverside Health Centre is already in your list of venues" in response.content.decode()
    assert Venue.objects.filter(team=team).count() == 1
