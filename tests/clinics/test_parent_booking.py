"""Teams that book in this service: the invitation's personal link, choosing a time, consent
next, the confirmation and the day-before reminder through the outbox, cancelling, and never
overbooking however many parents book at once."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client
from django.urls import reverse

from clinics import services
from clinics.tokens import make_token
from notifications.models import Message
from sessions.models import Booking, Session, SessionDate, Venue
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.clinics.test_concurrency import run_together
from tests.factories import ParentFactory, ParentRelationshipFactory
from tests.text import visible_text

TODAY = datetime.date(2026, 11, 23)
CLINIC_DAY = datetime.date(2026, 12, 10)
NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def booking_clinic(team, *, start=datetime.time(9, 0), end=datetime.time(10, 0), minutes=20, places=2):
    team.books_in_service = True
    team.save()
    clinic = clinic_session(team, [CLINIC_DAY], invitation_date=TODAY)
    SessionDate.objects.filter(session=clinic).update(
        appointments_start=start, appointments_end=end, slot_minutes=minutes, places_per_slot=places
    )
    Venue.objects.create(team=team, name="Riverside Health Centre", address="1 River Road")
    return clinic


def link(child, clinic, parent=None):
    parent = parent or child.relationships.first().parent
    return reverse(
        "clinics:parent_booking", args=[make_token(child_id=child.pk, session_id=clinic.pk, parent_id=parent.pk)]
    )


@pytest.mark.django_db
def test_the_invitation_carries_each_parents_own_link_and_the_parent_books_then_consents(client, team):
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic, given_name="Ada", family_name="Lovelace")
    ParentRelationshipFactory(child=child, parent=ParentFactory(team=team))
    services.team_sweep(team=team, today=TODAY, claim=False)

    invitations = list(Message.objects.filter(kind="clinic_invitation", channel="email"))
    assert len(invitations) == 2
    links = {m.parent_id: m.personalisation["booking_link"] for m in invitations}
    assert len(set(links.values())) == 2 and all("/clinics/book/" in url for url in links.values())

    parent_id, url = next(iter(links.items()))
    path = urlsplit(url).path
    page = visible_text(client.get(path).content.decode())
    assert "Book a clinic appointment" in page and "Thursday 10 December 2026 – 6 places free" in page
    assert "Riverside Health Centre, 1 River Road" in page
    times_url = reverse("clinics:parent_booking_time", args=[path.rsplit("/", 1)[1], CLINIC_DAY.isoformat()])
    page = visible_text(client.get(times_url).content.decode())
    assert "09:00 (2 places left)" in page and "09:40 (2 places left)" in page and "10:00" not in page

    response = client.post(times_url, {"time": "09:20"}, follow=True)
    page = visible_text(response.content.decode())
    assert "Appointment booked" in page and "Booked for Thursday 10 December at 09:20" in page
    assert "Continue to consent" in page
    [consent_link] = re.findall(r'href="(/consent/[^"]+)"', response.content.decode())
    consent_page = visible_text(client.get(consent_link).content.decode())
    assert "Give or refuse consent for vaccinations" in consent_page and "Ada Lovelace" in consent_page

    booking = Booking.objects.get(child=child)
    assert (booking.status, booking.time, booking.source) == ("booked", datetime.time(9, 20), "parent_online")
    [confirmation] = Message.objects.filter(kind="clinic_booking_confirmation", channel="email")
    assert confirmation.parent_id == parent_id
    assert confirmation.personalisation["appointment_date"] == "Thursday 10 December"
    assert confirmation.personalisation["appointment_time"] == "09:20"
    assert confirmation.personalisation["venue"] == "Riverside Health Centre, 1 River Road"
    assert "/clinics/book/" in confirmation.personalisation["manage_link"]

    # The day before: one reminder per parent, once however often the daily run goes.
    services.appointment_reminders_send(team=team, today=CLINIC_DAY - datetime.timedelta(days=1))
    services.appointment_reminders_send(team=team, today=CLINIC_DAY - datetime.timedelta(days=1))
    reminders = Message.objects.filter(kind="clinic_appointment_reminder", channel="email")
    assert reminders.count() == 2  # both parents
    assert {m.personalisation["appointment_time"] for m in reminders} == {"09:20"}


@pytest.mark.django_db
def test_cancelling_frees_the_place_and_full_times_are_not_offered(client, team):
    clinic = booking_clinic(team, end=datetime.time(9, 20), places=1)  # one time, one place
    first = make_child(team, session=clinic)
    second = make_child(team, session=clinic)
    token = link(first, clinic).rsplit("/", 1)[1]
    client.post(reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()]), {"time": "09:00"})
    assert Booking.objects.get(child=first).status == "booked"

    other = link(second, clinic)
    assert "no free appointments left" in visible_text(client.get(other).content.decode())
    response = client.post(
        reverse("clinics:parent_booking_time", args=[other.rsplit("/", 1)[1], CLINIC_DAY.isoformat()]),
        {"time": "09:00"},
    )
    assert response.status_code == 409
    assert "09:00 is now full. Choose another time" in visible_text(response.content.decode())
    assert not Booking.objects.filter(child=second).exists()

    page = visible_text(client.post(reverse("clinics:parent_booking_cancel", args=[token])).content.decode())
    assert "Appointment cancelled" in page
    assert "1 place free" in visible_text(client.get(other).content.decode())


@pytest.mark.django_db
def test_the_family_is_told_of_a_cancellation_once_by_whoever_cancelled(client, team, nurse):
    from sessions.models import Booking
    from sessions.services import BookingChange

    clinic = booking_clinic(team)
    child = make_child(team, session=clinic, given_name="Ada", family_name="Lovelace")
    second_parent = ParentFactory(team=team)
    ParentRelationshipFactory(child=child, parent=second_parent)
    first_parent = child.relationships.exclude(parent=second_parent).first().parent
    token = make_token(child_id=child.pk, session_id=clinic.pk, parent_id=first_parent.pk)
    client.post(reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()]), {"time": "09:40"})

    # The parent cancels through their link: they are told, with the appointment as it was.
    cancel = reverse("clinics:parent_booking_cancel", args=[token])
    client.post(cancel)
    again = client.post(cancel)  # pressed again (a second tab): nothing more is cancelled or sent
    assert "Appointment cancelled" in visible_text(again.content.decode())
    cancelled = Message.objects.filter(kind="clinic_appointment_cancelled")
    assert {(m.parent_id, m.channel) for m in cancelled} <= {(first_parent.pk, "email"), (first_parent.pk, "sms")}
    [email] = cancelled.filter(channel="email")
    assert email.personalisation["appointment_date"] == "Thursday 10 December"
    assert email.personalisation["appointment_time"] == "09:40"
    assert "/clinics/book/" in email.personalisation["manage_link"]
    assert Booking.objects.get(child=child).status == "cancelled"

    # Booked again, then cancelled by a nurse on the phone: every parent is told.
    services.clinic_appointment_book(clinic=clinic, child=child, date=CLINIC_DAY, time=datetime.time(9, 0))
    services.clinic_booking_record(
        clinic=clinic, child=child, change=BookingChange(child.pk, Booking.Status.CANCELLED), user=nurse
    )
    emails = Message.objects.filter(kind="clinic_appointment_cancelled", channel="email").exclude(pk=email.pk)
    assert {m.parent_id for m in emails} == {first_parent.pk, second_parent.pk}
    assert {m.personalisation["appointment_time"] for m in emails} == {"09:00"}


@pytest.mark.django_db
def test_cancel_without_an_appointment_ahead_changes_nothing_and_tells_no_one(client, team, nurse):
    from sessions.services import BookingChange

    # Two dates: the child missed an appointment on the first; the clinic still has one ahead.
    clinic = booking_clinic(team)
    SessionDate.objects.create(session=clinic, value=datetime.date(2026, 11, 20))
    missed, declined, never = (make_child(team, session=clinic) for _ in range(3))
    Booking.objects.create(
        team=team, session=clinic, child=missed, status="booked", date=datetime.date(2026, 11, 20),
        time=datetime.time(9, 0), source="import", updated_at=NOW,
    )  # fmt: skip
    services.clinic_booking_record(
        clinic=clinic, child=declined, change=BookingChange(declined.pk, Booking.Status.DECLINED), user=nurse
    )
    before = list(Booking.objects.order_by("pk").values("child_id", "status", "date", "time"))

    for child in (missed, declined, never):  # a cancel button on a page open for days, or a crafted POST
        token = link(child, clinic).rsplit("/", 1)[1]
        response = client.post(reverse("clinics:parent_booking_cancel", args=[token]))
        assert response.status_code == 302 and response["Location"] == reverse("clinics:parent_booking", args=[token])
        page = visible_text(client.get(response["Location"]).content.decode())
        assert "Book a clinic appointment" in page and "Appointment cancelled" not in page

    assert list(Booking.objects.order_by("pk").values("child_id", "status", "date", "time")) == before
    assert not Message.objects.filter(kind="clinic_appointment_cancelled").exists()


@pytest.mark.django_db
def test_the_cancel_address_opened_in_a_browser_shows_the_appointment_not_a_blank_page(client, team):
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic)
    token = link(child, clinic).rsplit("/", 1)[1]
    client.post(reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()]), {"time": "09:20"})
    # The cancelled page's address, pasted into a new tab or reopened from the history: a GET.
    response = client.get(reverse("clinics:parent_booking_cancel", args=[token]), follow=True)
    assert response.status_code == 200
    assert "Booked for Thursday 10 December at 09:20" in visible_text(response.content.decode())
    assert Booking.objects.get(child=child).status == "booked"
    assert client.get(reverse("clinics:parent_booking_cancel", args=[token[:-2]])).status_code == 404


@pytest.mark.django_db
def test_links_that_do_not_work(client, team, other_team):
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic)
    good = link(child, clinic)
    assert client.get(good).status_code == 200
    assert client.get(good[:-3] + "abc").status_code == 404  # altered
    stranger = ParentFactory(team=team)
    assert client.get(link(child, clinic, stranger)).status_code == 404  # not the child's contact
    assert (
        client.get(reverse("clinics:parent_booking_time", args=[good.rsplit("/", 1)[1], "2026-13-01"])).status_code
        == 404
    )
    team.books_in_service = False
    team.save()
    assert client.get(good).status_code == 404  # the team books in its own system now


@pytest.mark.django_db
def test_a_time_already_gone_today_cannot_be_booked(client, team):
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic)
    token = link(child, clinic).rsplit("/", 1)[1]
    url = reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()])
    # 09:30 on the clinic day: 09:00 and 09:20 have gone (a page left open since the morning).
    with time_machine.travel(datetime.datetime(2026, 12, 10, 9, 30, tzinfo=datetime.UTC), tick=False):
        response = client.post(url, {"time": "09:20"})
        page = visible_text(response.content.decode())
        assert response.status_code == 200
        assert "There is a problem That time is no longer free. Choose another time" in page
        assert "09:40 (2 places left)" in page and "09:20 (" not in page
        assert not Booking.objects.filter(child=child).exists()
        assert not Message.objects.filter(kind="clinic_booking_confirmation").exists()
        assert client.post(url, {"time": "09:40"}).status_code == 302
    assert Booking.objects.get(child=child).time == datetime.time(9, 40)


@pytest.mark.django_db(transaction=True)
def test_times_changed_by_a_nurse_while_the_parent_chose_are_shown_again(client, team):
    """The nurse moves the date's appointments to the afternoon between the page's check of the
    chosen time and the booking's locked read of the date: an error and the new times, not a 500."""
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic)
    token = link(child, clinic).rsplit("/", 1)[1]
    url = reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()])
    moved = []

    def nurse_moves_the_times(execute, sql, params, many, context):
        if "FOR UPDATE" in sql and SessionDate._meta.db_table in sql and not moved:
            moved.append(True)
            nurse = connections.create_connection(DEFAULT_DB_ALIAS)  # her own connection, committed at once
            with nurse.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {SessionDate._meta.db_table} SET appointments_start = '14:00',"  # noqa: S608 - a model's table
                    " appointments_end = '15:00' WHERE session_id = %s",
                    [clinic.pk],
                )
            nurse.close()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(nurse_moves_the_times):
        response = client.post(url, {"time": "09:20"})
    page = visible_text(response.content.decode())
    assert moved and response.status_code == 200
    assert "There is a problem That time is no longer free. Choose another time" in page
    assert "14:00 (2 places left)" in page and "09:20 (" not in page
    assert not Booking.objects.filter(child=child).exists()
    assert not Message.objects.filter(kind="clinic_booking_confirmation").exists()


@pytest.mark.django_db
def test_a_link_that_no_longer_works_tells_the_parent_who_to_call(client, team):
    clinic = booking_clinic(team)
    child = make_child(team, session=clinic, given_name="Secretname")
    good = link(child, clinic)
    token = good.rsplit("/", 1)[1]
    team.phone, team.email = "0121 496 0000", "sais@example.com"
    team.save()

    altered = client.get(good[:-3] + ("abc" if not good.endswith("abc") else "xyz"))
    page = visible_text(altered.content.decode())
    assert altered.status_code == 404 and "This link does not work" in page
    assert "using the phone number in the message you were sent" in page
    assert "Secretname" not in page and "Go to the start page" not in page

    # After the clinic's last date (the link in last term's invitation): the team is known.
    with time_machine.travel(datetime.datetime(2026, 12, 11, 10, 0, tzinfo=datetime.UTC), tick=False):
        for url in (
            good,
            reverse("clinics:parent_booking_done", args=[token]),
            reverse("clinics:parent_booking_time", args=[token, CLINIC_DAY.isoformat()]),
        ):
            response = client.get(url)
            page = visible_text(response.content.decode())
            assert response.status_code == 404 and "This link does not work" in page, url
            assert f"contact {team.name} on 0121 496 0000" in page and "Secretname" not in page
        response = client.post(reverse("clinics:parent_booking_cancel", args=[token]))
        assert response.status_code == 404 and "This link does not work" in visible_text(response.content.decode())


@pytest.mark.django_db
def test_a_date_that_has_passed_or_gone_sends_the_parent_back_to_the_dates_saying_why(client, team):
    clinic = booking_clinic(team)
    SessionDate.objects.create(session=clinic, value=datetime.date(2026, 11, 20))  # last week
    child = make_child(team, session=clinic)
    token = link(child, clinic).rsplit("/", 1)[1]
    home = reverse("clinics:parent_booking", args=[token])

    def times(day):
        return reverse("clinics:parent_booking_time", args=[token, day.isoformat()])

    # A choose-a-time page open since last week, submitted today.
    response = client.post(times(datetime.date(2026, 11, 20)), {"time": "09:00"})
    assert response.status_code == 302 and response["Location"] == home
    page = visible_text(client.get(home).content.decode())
    assert "Friday 20 November has passed. Choose another date" in page
    assert "Thursday 10 December 2026 – 6 places free" in page
    # A date the clinic no longer has (or has no times on): said so, not the staff's Page not found.
    response = client.get(times(datetime.date(2026, 12, 11)), follow=True)
    assert "There are no appointments to book on Friday 11 December. Choose another date" in visible_text(
        response.content.decode()
    )
    assert not Booking.objects.exists() and not Message.objects.filter(kind="clinic_booking_confirmation").exists()


@pytest.mark.django_db
def test_nurse_sets_appointment_times_and_books_within_them(nurse_client, team):
    clinic = booking_clinic(team, places=1)
    day = SessionDate.objects.get(session=clinic)
    url = reverse("sessions:edit_date_times", args=[clinic.pk, day.pk])
    assert "Set times" in visible_text(
        nurse_client.get(reverse("sessions:edit_dates", args=[clinic.pk])).content.decode()
    )
    page = visible_text(
        nurse_client.post(url, {"start": "11:00", "end": "10:00", "slot_minutes": "x", "places": "0"}).content.decode()
    )
    assert "Enter the appointment length as a number of minutes" in page and "There must be at least 1 place" in page
    page = visible_text(
        nurse_client.post(url, {"start": "11:00", "end": "10:00", "slot_minutes": "15", "places": "1"}).content.decode()
    )
    assert "The end time must be after the start time" in page
    nurse_client.post(url, {"start": "9:00", "end": "9:30", "slot_minutes": "15", "places": "1"})
    day.refresh_from_db()
    assert day.slot_times() == [datetime.time(9, 0), datetime.time(9, 15)]

    first, second = make_child(team, session=clinic), make_child(team, session=clinic)
    for child in (first, second):
        response = nurse_client.post(
            reverse("clinics:booking", args=[child.pk]),
            {"status": "booked", "date": CLINIC_DAY.isoformat(), "time": "9:15"},
        )
    assert "09:15 is full. Free times on Thursday 10 December: 09:00" in visible_text(response.content.decode())
    page = visible_text(
        nurse_client.post(
            reverse("clinics:booking", args=[second.pk]),
            {"status": "booked", "date": CLINIC_DAY.isoformat(), "time": "9:10"},
        ).content.decode()
    )
    assert "Choose one of the clinic’s appointment times. Free times on Thursday 10 December: 09:00" in page
    assert "One of the clinic’s appointment times" in page  # the hint of a team that books here
    assert list(Booking.objects.values_list("child_id", flat=True)) == [first.pk]
    assert Message.objects.filter(kind="clinic_booking_confirmation", child=first).exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_parents_booking_the_last_ten_places_at_once(team):
    from tests.clinics.factories import ensure_programmes

    ensure_programmes()
    # 09:00 has 12 places, 2 already taken: 10 left; 09:20 is free for those who miss out.
    clinic = booking_clinic(team, end=datetime.time(9, 40), places=12)
    for _ in range(2):
        Booking.objects.create(
            team=team, session=clinic, child=make_child(team, session=clinic), status="booked",
            date=CLINIC_DAY, time=datetime.time(9, 0), source="import", updated_at=NOW,
        )  # fmt: skip
    parents = [make_child(team, session=clinic) for _ in range(20)]
    urls = [
        reverse("clinics:parent_booking_time", args=[link(child, clinic).rsplit("/", 1)[1], CLINIC_DAY.isoformat()])
        for child in parents
    ]
    responses = []
    run_together([lambda url=url: responses.append(Client().post(url, {"time": "09:00"})) for url in urls])
    assert len(responses) == 20
    booked = [r for r in responses if r.status_code == 302]
    full = [r for r in responses if r.status_code == 409]
    assert (len(booked), len(full)) == (10, 10)
    assert Booking.objects.filter(status="booked", time=datetime.time(9, 0)).count() == 12
    for response in full:
        text = visible_text(response.content.decode())
        assert "09:00 is now full. Choose another time: the next free times are 09:20" in text
        assert "09:20 (12 places left)" in text and "09:00 (" not in text


@pytest.mark.django_db
def test_seed_demo_adds_a_team_that_books_in_this_service(team, nurse):
    import io

    from clinics.demo import seed_booking_team
    from mavis.models import Team
    from tests.clinics.factories import ensure_programmes

    ensure_programmes()
    seed_booking_team(team=team, stdout=io.StringIO())
    seed_booking_team(team=team, stdout=io.StringIO())  # idempotent
    booking_team = Team.objects.get(books_in_service=True)
    assert booking_team in nurse.teams.all() and not Team.objects.get(pk=team.pk).books_in_service
    clinic = Session.objects.get(team=booking_team)
    assert all(len(day.slot_times()) == 12 for day in clinic.dates.all())
    services.team_sweep(team=booking_team, today=TODAY, claim=False)
    links = Message.objects.filter(team=booking_team, kind="clinic_invitation").values_list(
        "personalisation__booking_link", flat=True
    )
    assert len(links) == 10 and all("/clinics/book/" in link for link in links)
