"""Every count on a Community clinic's Overview links to a list of exactly that many children, with
members a nurse meets: archived, deceased, a year group no programme is for, no contactable parent,
voice only, two parents one unreachable, booked, vaccinated."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from patients.models import Programme
from sessions.models import Booking
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, sent_invitation
from tests.factories import ParentFactory, ParentRelationshipFactory, VaccinationRecordFactory

pytestmark = pytest.mark.django_db

CLINIC_DAY = datetime.date(2026, 12, 10)
COUNT_LINK = (
    r'<a class="nhsuk-link" href="([^"]+)">([\d,]+) (?:child|children)'
    r'<span class="nhsuk-u-visually-hidden"> ([^<]*)</span>'
)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def invite(team, clinic, child):
    sent_invitation(team, clinic, child, programmes=("hpv",))


@pytest.mark.parametrize("codes", [("hpv",), ("flu", "hpv")])
def test_every_overview_count_lists_that_many_children(nurse_client, team, codes):
    clinic = clinic_session(team, [CLINIC_DAY], codes=codes)
    members = [
        make_child(team, session=clinic),
        make_child(team, session=clinic, date_of_birth=datetime.date(2020, 3, 1)),  # Year 2
        make_child(team, session=clinic, parent={"email": "", "phone": ""}),
        make_child(team, session=clinic, parent={"email": "", "phone": "07700900123", "contact_method": "voice"}),
    ]
    archived = make_child(team, session=clinic)
    archived.archived_at, archived.archive_reason = timezone.now(), "moved_out_of_area"
    archived.save()
    deceased = make_child(team, session=clinic)
    deceased.deceased = True
    deceased.save()
    booked = make_child(team, session=clinic)
    Booking.objects.create(
        team=team, session=clinic, child=booked, status="booked", date=CLINIC_DAY, updated_at=timezone.now()
    )
    vaccinated = make_child(team, session=clinic)
    for code in codes:
        VaccinationRecordFactory(child=vaccinated, programme=Programme.objects.get(code=code))
    two_parents = make_child(team, session=clinic, parent={"email": "", "phone": ""})
    ParentRelationshipFactory(child=two_parents, parent=ParentFactory(team=team))
    for child in [*members, archived, deceased, booked, vaccinated, two_parents]:
        invite(team, clinic, child)

    page = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    links = re.findall(COUNT_LINK, page)
    assert len(links) > 10
    wrong = []
    for href, count, what in links:
        listed = nurse_client.get(href.replace("&amp;", "&")).content.decode()
        names = set(re.findall(r'href="/(?:sessions/\d+/)?children/(\d+)', listed))
        if len(names) != int(count.replace(",", "")):
            wrong.append((what, count, len(names)))
    assert not wrong
