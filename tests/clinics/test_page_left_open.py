"""A summary page left open while things change: its button never sends to more children than it
said; it sends what it showed, or says what changed and sends nothing."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from clinics.models import ClinicInvitation
from notifications.models import Message
from patients.models import Programme
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, school_session, sent_invitation
from tests.factories import SchoolFactory, VaccinationRecordFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db

CLINIC_DAY = datetime.date(2026, 12, 10)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def clinic(team):
    return clinic_session(team, [CLINIC_DAY])


@pytest.fixture
def school(team):
    return SchoolFactory(team=team, name="Oak Academy")


@pytest.fixture
def completed(team, school):
    return school_session(team, [datetime.date(2026, 10, 6)], school=school)


def form_fields(page: str) -> dict:
    """What the browser posts from the page's form (the hidden fields)."""
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page))


def invited_before(team, clinic):
    child = make_child(team, session=clinic)
    sent_invitation(team, clinic, child)
    return child


def test_send_invitations_page_left_open_while_a_child_joins_sends_nothing_and_says_so(
    nurse_client, team, school, completed, clinic
):
    first = make_child(team, school=school, session=completed)
    url = reverse("clinics:send_invitations", args=[completed.pk])
    page = nurse_client.get(url).content.decode()
    assert "1 child was not vaccinated at this school" in page
    second = make_child(team, school=school, session=completed)  # joins the school while the page is open

    response = nurse_client.post(url, form_fields(page), follow=True)
    text = visible_text(response.content.decode())
    assert "There is a problem" in text
    assert "The children to invite have changed since you opened this page. No invitations were sent." in text
    assert "2 children were not vaccinated at this school" in text  # the page now says who
    assert not ClinicInvitation.objects.exists() and not Message.objects.exists()

    # Sent from the page as it is now: exactly those two, once.
    response = nurse_client.post(url, form_fields(response.content.decode()), follow=True)
    assert "Clinic invitations sent to the parents of 2 children" in visible_text(response.content.decode())
    assert set(ClinicInvitation.objects.values_list("child_id", flat=True)) == {first.pk, second.pk}


def test_send_invitations_double_click_sends_once(nurse_client, team, school, completed, clinic):
    make_child(team, school=school, session=completed)
    url = reverse("clinics:send_invitations", args=[completed.pk])
    fields = form_fields(nurse_client.get(url).content.decode())
    first = visible_text(nurse_client.post(url, fields, follow=True).content.decode())
    second = visible_text(nurse_client.post(url, fields, follow=True).content.decode())
    assert "Clinic invitations sent to the parents of 1 child" in first
    assert "No clinic invitations were sent" in second
    assert ClinicInvitation.objects.count() == 1


def test_send_invitations_page_left_open_while_a_child_is_vaccinated_sends_to_the_others_only(
    nurse_client, team, school, completed, clinic
):
    stays = make_child(team, school=school, session=completed)
    url = reverse("clinics:send_invitations", args=[completed.pk])
    page = nurse_client.get(url).content.decode()
    assert "1 child was not vaccinated" in page
    for code in ("flu", "hpv"):
        VaccinationRecordFactory(child=stays, programme=Programme.objects.get(code=code))
    response = nurse_client.post(url, form_fields(page), follow=True)
    assert "No clinic invitations were sent" in visible_text(response.content.decode())
    assert not ClinicInvitation.objects.exists()


def test_send_reminders_page_left_open_while_another_child_is_invited_sends_nothing_and_says_so(
    nurse_client, team, clinic
):
    invited_before(team, clinic)
    url = reverse("clinics:send_reminders", args=[clinic.pk])
    page = nurse_client.get(url).content.decode()
    assert "parents of 1 child who have not yet been sent a reminder" in page
    invited_before(team, clinic)  # the sweep invited another while the page was open

    response = nurse_client.post(url, form_fields(page), follow=True)
    text = visible_text(response.content.decode())
    assert "The children to remind have changed since you opened this page. No booking reminders were sent." in text
    assert "parents of 2 children who have not yet been sent a reminder" in text
    assert not ClinicInvitation.objects.filter(kind="booking_reminder").exists()

    response = nurse_client.post(url, form_fields(response.content.decode()), follow=True)
    assert "Booking reminders sent to the parents of 2 children" in visible_text(response.content.decode())
    again = nurse_client.post(url, form_fields(response.content.decode()), follow=True)
    assert ClinicInvitation.objects.filter(kind="booking_reminder").count() == 2
    assert "There is a problem" not in visible_text(again.content.decode())


def test_send_reminders_page_left_open_until_the_last_clinic_day_says_why_nothing_was_sent(
    nurse_client, nurse, team, clinic
):
    invited_before(team, clinic)
    url = reverse("clinics:send_reminders", args=[clinic.pk])
    with time_machine.travel(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)
        page = nurse_client.get(url).content.decode()
    assert "parents of 1 child who have not yet been sent a reminder" in page
    with time_machine.travel(datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)  # signed in again: the page itself was left open overnight
        text = visible_text(nurse_client.post(url, form_fields(page), follow=True).content.decode())
    assert "No booking reminders were sent: the clinic has no date after today." in text
    assert "already been sent one" not in text
    assert not ClinicInvitation.objects.filter(kind="booking_reminder").exists()


def test_send_invitations_page_left_open_while_the_clinic_dates_are_removed_says_why(
    nurse_client, team, school, completed, clinic
):
    make_child(team, school=school, session=completed)
    url = reverse("clinics:send_invitations", args=[completed.pk])
    page = nurse_client.get(url).content.decode()
    clinic.dates.all().delete()
    text = visible_text(nurse_client.post(url, form_fields(page), follow=True).content.decode())
    assert "No clinic invitations were sent. There is no community clinic with a date today or later." in text
    assert "already been invited" not in text
    assert not ClinicInvitation.objects.exists()
