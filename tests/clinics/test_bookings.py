"""Clinic bookings: a nurse records them, every clinic list shows them, reminders skip them."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clinics.models import ClinicInvitation
from sessions.models import ActivityEvent, Attendance, Booking
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.sessions.factories import ready_to_vaccinate
from tests.text import visible_text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)
CLINIC_DAY = datetime.date(2026, 12, 10)
LATER_DAY = datetime.date(2027, 1, 5)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def clinic(team):
    return clinic_session(team, [CLINIC_DAY, LATER_DAY])


def invite(team, clinic, child, clinic_date=datetime.date(2026, 11, 2)):
    sent = datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC)
    ClinicInvitation.objects.create(
        team=team,
        child=child,
        session=clinic,
        clinic_date=clinic_date,
        kind="invitation",
        programmes=["flu"],
        source="automatic",
        created_at=sent,
        sent_at=sent,
        sent_on=sent.date(),
    )


def book(client, child, **data):
    return client.post(reverse("clinics:booking", args=[child.pk]), data, follow=True)


def test_nurse_books_by_phone_and_every_list_shows_it(nurse_client, team, clinic):
    ada = make_child(team, session=clinic, given_name="Ada", family_name="Zed")
    ben = make_child(team, session=clinic, given_name="Ben", family_name="Young")
    record = visible_text(nurse_client.get(reverse("patients:child", args=[ada.pk])).content.decode())
    assert "Not booked" in record and "Record a clinic appointment" in record

    response = book(nurse_client, ada, status="booked", date=LATER_DAY.isoformat(), time="10:20")
    assert "Ada Zed: Booked for Tuesday 5 January at 10:20" in visible_text(response.content.decode())
    booking = Booking.objects.get(child=ada)
    assert (booking.source, booking.date, booking.time) == ("nurse_phone", LATER_DAY, datetime.time(10, 20))

    record = visible_text(nurse_client.get(reverse("patients:child", args=[ada.pk])).content.decode())
    assert "Booked for Tuesday 5 January at 10:20" in record

    children_url = reverse("sessions:children", args=[clinic.pk])
    text = visible_text(nurse_client.get(children_url).content.decode())
    assert "Booked for Tuesday 5 January at 10:20" in text and "Not booked" in text
    booked = visible_text(nurse_client.get(children_url, {"booked": "booked"}).content.decode())
    assert "ZED, Ada" in booked and "YOUNG, Ben" not in booked and "1 child" in booked
    not_booked = visible_text(nurse_client.get(children_url, {"booked": "not_booked"}).content.decode())
    assert "YOUNG, Ben" in not_booked and "ZED, Ada" not in not_booked

    activity = nurse_client.get(reverse("sessions:child_activity", args=[clinic.pk, ada.pk])).content.decode()
    assert "Booked for Tuesday 5 January at 10:20" in visible_text(activity)
    assert ben.pk != ada.pk


def test_move_cancel_and_decline_are_recorded_and_saving_the_same_twice_records_once(nurse_client, team, clinic):
    ada = make_child(team, session=clinic)
    book(nurse_client, ada, status="booked", date=CLINIC_DAY.isoformat(), time="")
    book(nurse_client, ada, status="booked", date=CLINIC_DAY.isoformat(), time="")
    book(nurse_client, ada, status="booked", date=LATER_DAY.isoformat(), time="2:30pm")
    book(nurse_client, ada, status="cancelled", date=LATER_DAY.isoformat(), time="14:30")
    book(nurse_client, ada, status="declined")
    texts = list(
        ActivityEvent.objects.filter(child=ada, kind="booking")
        .order_by("created_at", "text")
        .values_list("text", flat=True)
    )
    assert sorted(texts) == sorted(
        [
            "Booked for Thursday 10 December",
            "Booked for Tuesday 5 January at 14:30",
            "Booking cancelled",
            "Declined a clinic appointment",
        ]
    )
    booking = Booking.objects.get(child=ada)
    assert (booking.status, booking.date, booking.time) == ("declined", None, None)
    declined = visible_text(
        nurse_client.get(reverse("sessions:children", args=[clinic.pk]), {"booked": "declined"}).content.decode()
    )
    assert "1 child" in declined


def test_bad_booking_input_is_explained_and_nothing_is_saved(nurse_client, team, clinic):
    ada = make_child(team, session=clinic)
    text = visible_text(book(nurse_client, ada, status="booked", date="", time="25:99").content.decode())
    assert "There is a problem" in text
    assert "Choose the clinic date booked" in text and "Enter the time like 10:20 or 2:30pm" in text
    text = visible_text(book(nurse_client, ada, status="booked", date="2026-12-11").content.decode())
    assert "That date is no longer one of the clinic’s dates. Choose another date" in text
    assert not Booking.objects.exists()


def test_a_clinic_date_removed_while_the_form_was_open_says_so_in_words(nurse_client, team, clinic):
    """The nurse opened the form, someone removed 10 December from the clinic, the nurse chose
    it: "Select a valid choice. 2026-12-10 is not one of the available choices." said it twice."""
    ada = make_child(team, session=clinic)
    clinic.dates.filter(value=CLINIC_DAY).delete()
    text = visible_text(book(nurse_client, ada, status="booked", date=CLINIC_DAY.isoformat()).content.decode())
    assert "There is a problem" in text
    assert "That date is no longer one of the clinic’s dates. Choose another date" in text
    assert "Select a valid choice" not in text and "Choose the clinic date booked" not in text
    text = visible_text(book(nurse_client, ada, status="attended").content.decode())
    assert "Choose booked, cancelled or declined" in text and "Select a valid choice" not in text
    assert not Booking.objects.exists()


def test_another_teams_child_cannot_be_booked(other_client, team, clinic):
    ada = make_child(team, session=clinic)
    assert other_client.get(reverse("clinics:booking", args=[ada.pk])).status_code == 404
    assert other_client.post(reverse("clinics:booking", args=[ada.pk]), {"status": "declined"}).status_code == 404
    assert not Booking.objects.exists()


def test_a_phone_booking_adds_a_child_not_yet_on_the_clinic_list(nurse_client, team, clinic):
    outsider = make_child(team)
    book(nurse_client, outsider, status="booked", date=CLINIC_DAY.isoformat(), time="09:00")
    assert clinic.memberships.filter(child=outsider).exists()


def test_clinic_day_lists_show_the_time_and_sort_by_it(nurse_client, nurse, team, clinic):
    names = {"Late": "11:40", "Early": "09:10", "Walkin": None, "Notime": ""}
    children = {}
    for name, time in names.items():
        children[name] = make_child(team, session=clinic, given_name=name, family_name="Smith")
        ready_to_vaccinate(children[name], "flu", "hpv")
        if time is not None:
            book(nurse_client, children[name], status="booked", date=CLINIC_DAY.isoformat(), time=time)
    with time_machine.travel(datetime.datetime(2026, 12, 10, 9, 0, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)  # the sign-in from 23 November has timed out
        register = visible_text(nurse_client.get(reverse("sessions:register", args=[clinic.pk])).content.decode())
        order = [register.index(f"SMITH, {name}") for name in ("Early", "Late", "Notime", "Walkin")]
        assert order == sorted(order)
        assert "09:10" in register and "11:40" in register and "Booked, no time" in register
        assert "Not booked today" in register
        for child in children.values():
            Attendance.objects.create(session=clinic, child=child, date=CLINIC_DAY, status="attending")
        record = visible_text(nurse_client.get(reverse("sessions:record", args=[clinic.pk])).content.decode())
        order = [record.index(f"SMITH, {name}") for name in ("Early", "Late", "Notime", "Walkin")]
        assert order == sorted(order)
        assert "09:10" in record and "Appointment" in record


def test_a_past_appointment_no_longer_counts_as_booked(nurse_client, nurse, team, clinic):
    ada = make_child(team, session=clinic)
    book(nurse_client, ada, status="booked", date=CLINIC_DAY.isoformat(), time="10:00")
    with time_machine.travel(datetime.datetime(2026, 12, 11, 9, 0, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)
        text = visible_text(
            nurse_client.get(reverse("sessions:children", args=[clinic.pk]), {"booked": "booked"}).content.decode()
        )
        assert "0 children" in text


def test_booking_reminders_skip_booked_children_and_say_how_many(nurse_client, team, clinic):
    booked = make_child(team, session=clinic, given_name="Booked", family_name="Child")
    waiting = make_child(team, session=clinic, given_name="Waiting", family_name="Child")
    for child in (booked, waiting):
        invite(team, clinic, child)
    book(nurse_client, booked, status="booked", date=LATER_DAY.isoformat(), time="10:20")
    url = reverse("clinics:send_reminders", args=[clinic.pk])
    page = nurse_client.get(url).content.decode()
    text = visible_text(page)
    assert "to the parents of 1 child who have not yet been sent a reminder" in text
    assert "1 child was skipped because they booked an appointment" in text
    skipped_url = reverse("clinics:reminders_skipped", args=[clinic.pk])
    assert skipped_url in page
    skipped = visible_text(nurse_client.get(skipped_url).content.decode())
    assert "CHILD, Booked" in skipped and "CHILD, Waiting" not in skipped and "1 child" in skipped

    nurse_client.post(url)
    reminded = set(ClinicInvitation.objects.filter(kind="booking_reminder").values_list("child_id", flat=True))
    assert reminded == {waiting.pk}


def test_reminders_skipped_list_is_team_scoped(other_client, team, clinic):
    assert other_client.get(reverse("clinics:reminders_skipped", args=[clinic.pk])).status_code == 404


# --- Import bookings (the team's own booking system) ---------------------------------------------


def upload(client, clinic, text, name="bookings.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("clinics:import_bookings", args=[clinic.pk]),
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
        follow=True,
    )


def test_import_bookings_by_nhs_number_or_name_and_birth_date(nurse_client, team, clinic):
    by_nhs = make_child(team, session=clinic, given_name="Ada", family_name="Lovelace", nhs_number="9434765919")
    by_name = make_child(
        team, session=clinic, given_name="Ben", family_name="Okafor", date_of_birth=datetime.date(2014, 2, 3)
    )
    invite(team, clinic, by_nhs)
    invite(team, clinic, by_name)
    overview = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    assert reverse("clinics:import_bookings", args=[clinic.pk]) in overview
    csv_text = (
        "NHS number,First name,Last name,Date of birth,Date,Time\n"
        "943 476 5919,,,,05/01/2027,10:20\n"
        ",ben,OKAFOR,03/02/2014,2026-12-10,\n"
    )
    response = upload(nurse_client, clinic, csv_text)
    text = visible_text(response.content.decode())
    assert "Bookings imported: 2 children booked or moved" in text
    assert "LOVELACE, Ada" in text and "Booked for Tuesday 5 January at 10:20" in text
    assert "Booked for Thursday 10 December" in text
    assert set(Booking.objects.values_list("child_id", "source")) == {(by_nhs.pk, "import"), (by_name.pk, "import")}

    again = visible_text(upload(nurse_client, clinic, csv_text).content.decode())
    assert "Bookings imported: 0 children booked or moved (2 already booked as in the file)" in again
    assert ActivityEvent.objects.filter(kind="booking").count() == 2

    # Both booked: reminders go to nobody, and the summary says why.
    reminders = visible_text(nurse_client.get(reverse("clinics:send_reminders", args=[clinic.pk])).content.decode())
    assert "2 children were skipped because they booked an appointment" in reminders


def test_a_file_with_any_bad_row_books_nobody_and_lists_each_line(nurse_client, team, clinic):
    make_child(team, session=clinic, given_name="Ada", family_name="Lovelace", nhs_number="9434765919")
    csv_text = (
        "NHS number,First name,Last name,Date of birth,Date,Time\n"
        "9434765919,,,,2026-12-10,10:20\n"
        "1234567890,,,,2026-12-10,10:30\n"
        "9434765919,,,,2026-12-10,10:40\n"
        ",Nobody,Known,01/01/2014,2026-12-11,\n"
        ",,,,,25:00\n"
    )
    text = visible_text(upload(nurse_client, clinic, csv_text).content.decode())
    assert "There is a problem" in text and "4 rows have errors: nothing was imported" in text
    assert "3 NHS number ‘1234567890’ is not a valid 10-digit NHS number" in text
    assert "4 The same child as on line 2" in text
    assert "5 Friday 11 December 2026 is not one of the clinic’s dates" in text
    assert "6 Enter the child’s NHS number, or their first name, last name and date of birth" in text
    assert "Enter the appointment date" in text and "Time ‘25:00’ is not a time" in text
    assert not Booking.objects.exists()


def test_unreadable_files_are_explained(nurse_client, team, clinic):
    text = visible_text(upload(nurse_client, clinic, "Name,Time\nAda,10:00\n").content.decode())
    assert "The file is missing the columns: Date" in text
    text = visible_text(upload(nurse_client, clinic, "Date,Time\n2026-12-10,10:00\n").content.decode())
    assert "needs an NHS number column, or First name, Last name and Date of birth columns" in text
    text = visible_text(upload(nurse_client, clinic, "NHS number,Date\n9434765919,2026-12-10\n").content.decode())
    assert "1 row has errors" in text and "No child in your team has NHS number 943 476 5919" in text
    assert not Booking.objects.exists()


def test_two_columns_for_the_appointment_date_are_refused_not_one_picked(nurse_client, team, clinic):
    """A booking system's export with "Booking date" (the day the parent booked) before
    "Appointment date": both name the date column. Taking the first booked the child for the day
    the booking was made, when that was a clinic date too."""
    make_child(team, session=clinic, nhs_number="9434765919")
    csv_text = "NHS number,Booking date,Appointment date,Time\n9434765919,2026-12-10,2027-01-05,10:20\n"
    text = visible_text(upload(nurse_client, clinic, csv_text).content.decode())
    assert "There is a problem" in text
    assert (
        "The file has more than one column for Date (Booking date, Appointment date): "
        "remove or rename the ones that are not it" in text
    )
    assert not Booking.objects.exists()
    # The same header twice is refused in the same words.
    text = visible_text(upload(nurse_client, clinic, "NHS number,Date,Date\n9434765919,2026-12-10,\n").content.decode())
    assert "The file has more than one column for Date (Date, Date)" in text
    assert not Booking.objects.exists()


def test_a_huge_cell_is_quoted_shortened_in_the_error(nurse_client, team, clinic):
    """A 100,000-character cell came back whole in the error: a page of 100 KB per bad row."""
    response = upload(
        nurse_client, clinic, "NHS number,Date,Time\n" + "9" * 100_000 + ",2026-12-10," + "1" * 100_000 + "\n"
    )
    text = visible_text(response.content.decode())
    assert "NHS number ‘" + "9" * 40 + "…’ is not a valid 10-digit NHS number" in text
    assert "Time ‘" + "1" * 40 + "…’ is not a time" in text
    assert len(response.content) < 50_000
    assert not Booking.objects.exists()


@pytest.mark.parametrize("books_in_service", [False, True])
def test_an_archived_child_is_not_booked_by_the_import_or_the_nurse(nurse_client, team, clinic, books_in_service):
    """A child archived as deceased (or moved away) was booked, and put on the clinic's list."""
    from django.utils import timezone

    from sessions.models import SessionMembership

    team.books_in_service = books_in_service
    team.save(update_fields=["books_in_service"])
    gone = make_child(team, nhs_number="9434765919", deceased=True)
    gone.archived_at, gone.archive_reason = timezone.now(), "deceased"
    gone.save(update_fields=["archived_at", "archive_reason"])
    text = visible_text(upload(nurse_client, clinic, "NHS number,Date\n9434765919,2026-12-10\n").content.decode())
    assert "There is a problem" in text and "2 This child’s record is archived: they cannot be booked" in text
    text = visible_text(
        book(nurse_client, gone, status="booked", date=CLINIC_DAY.isoformat(), time="").content.decode()
    )
    assert "There is a problem" in text and "This child’s record is archived: they cannot be booked" in text
    assert not Booking.objects.exists()
    assert not SessionMembership.objects.filter(child=gone).exists()


def test_import_bookings_is_team_scoped(other_client, team, clinic):
    make_child(team, session=clinic, nhs_number="9434765919")
    response = upload(other_client, clinic, "NHS number,Date\n9434765919,2026-12-10\n")
    assert response.status_code == 404
    assert not Booking.objects.exists()


def test_overview_funnel_counts_link_to_exactly_those_children(nurse_client, team, clinic):
    from patients.models import Programme
    from tests.factories import VaccinationRecordFactory

    invited = [make_child(team, session=clinic, given_name=f"Child{i}", family_name="Funnel") for i in range(4)]
    not_invited = make_child(team, session=clinic, given_name="Uninvited", family_name="Funnel")
    for child in invited:
        invite(team, clinic, child)
    for child in invited[:3] + [not_invited]:
        book(nurse_client, child, status="booked", date=CLINIC_DAY.isoformat(), time="10:00")
    ready_to_vaccinate(invited[0], "flu")
    ready_to_vaccinate(invited[1], "hpv")
    VaccinationRecordFactory(child=invited[2], programme=Programme.objects.get(code="flu"))

    page = nurse_client.get(reverse("sessions:session", args=[clinic.pk])).content.decode()
    text = visible_text(page)
    assert "From invitation to vaccination" in text
    expected = {"invited": 4, "booked": 3, "consent_given": 2, "vaccinated": 1}
    for key, count in expected.items():
        url = reverse("clinics:invitation_children", args=[clinic.pk, key])
        assert url in page
        listed = visible_text(nurse_client.get(url).content.decode())
        assert f"{count} {'child' if count == 1 else 'children'}" in listed
        assert listed.count("FUNNEL, ") == count
        assert "Uninvited" not in listed
