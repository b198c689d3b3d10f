"""Issue 17, a team with its own booking system: the nurse imports the booking system's export;
booked children are skipped by booking reminders and listed with their times (1280 px, then the
clinic day's Register at 375 px)."""

import datetime
import io
import re

import pytest
import time_machine
from playwright.sync_api import expect

from clinics.models import ClinicInvitation
from tests.browser_helpers import assert_accessible, sign_in
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
CLINIC_DAY = datetime.date(2026, 12, 10)
FIRST_DAY = datetime.date(2026, 11, 26)


def invited(team, clinic, **kwargs):
    child = make_child(team, session=clinic, **kwargs)
    sent = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
    ClinicInvitation.objects.create(
        team=team, child=child, session=clinic, clinic_date=datetime.date(2026, 11, 20), kind="invitation",
        programmes=["flu"], source="automatic", created_at=sent, sent_at=sent, sent_on=sent.date(),
    )  # fmt: skip
    return child


def test_import_a_booking_export_then_reminders_skip_the_booked(page, live_server, nurse, team):
    with time_machine.travel(START, tick=True):
        clinic = clinic_session(team, [CLINIC_DAY])
        late = invited(team, clinic, given_name="Lena", family_name="Adams", nhs_number="9434765919")
        early = invited(team, clinic, given_name="Omar", family_name="Baker", date_of_birth=datetime.date(2014, 3, 9))
        waiting = invited(team, clinic, given_name="Priya", family_name="Chopra")
        export = "NHS number,First name,Last name,Date of birth,Date,Time\n9434765919,,,,10/12/2026,11:40\n,Omar,Baker,09/03/2014,10/12/2026,09:10\n"

        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, nurse)
        page.goto(f"{live_server.url}/sessions/{clinic.pk}")
        page.get_by_role("link", name="Import bookings").click()
        expect(page.get_by_role("heading", name="Import bookings")).to_be_visible()
        assert_accessible(page)
        # A file with a bad row books nobody, and says which line.
        page.locator("input[type=file]").set_input_files(
            files=[
                {"name": "bad.csv", "mimeType": "text/csv", "buffer": (export + "123,,,,10/12/2026,10:00\n").encode()}
            ]
        )
        page.get_by_role("button", name="Import bookings").click()
        expect(page.get_by_role("heading", name="Errors in the file")).to_be_visible()
        main = page.inner_text("main")
        assert "1 row has errors: nothing was imported" in main
        assert "NHS number ‘123’ is not a valid 10-digit NHS number" in main
        assert_accessible(page)
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "bookings.csv", "mimeType": "text/csv", "buffer": export.encode()}]
        )
        page.get_by_role("button", name="Import bookings").click()
        expect(page.get_by_text("Bookings imported: 2 children booked or moved")).to_be_visible()
        main = page.inner_text("main")
        assert "Booked for Thursday 10 December at 11:40" in page.get_by_role("row", name="ADAMS, Lena").inner_text()
        assert "Booked for Thursday 10 December at 09:10" in page.get_by_role("row", name="BAKER, Omar").inner_text()
        assert "CHOPRA, Priya" not in main  # the page is filtered to Booked

        page.goto(f"{live_server.url}/sessions/{clinic.pk}")
        page.get_by_role("link", name="Send booking reminders").click()
        main = page.inner_text("main")
        assert "to the parents of 1 child who have not yet been sent a reminder" in main
        assert "2 children were skipped because they booked an appointment" in main
        assert_accessible(page)
        page.get_by_role("link", name="2 children were skipped because they booked an appointment").click()
        main = page.inner_text("main")
        assert "ADAMS, Lena" in main and "BAKER, Omar" in main and "CHOPRA" not in main
        page.go_back()
        page.get_by_role("button", name="Send booking reminders").click()
        expect(page.get_by_text("Booking reminders sent to the parents of 1 child")).to_be_visible()
        reminded = set(ClinicInvitation.objects.filter(kind="booking_reminder").values_list("child_id", flat=True))
        assert reminded == {waiting.pk}

    with time_machine.travel(datetime.datetime(2026, 12, 10, 8, 30, tzinfo=datetime.UTC), tick=True):
        page.set_viewport_size({"width": 375, "height": 800})
        sign_in(page, live_server, nurse)
        page.goto(f"{live_server.url}/sessions/{clinic.pk}/register")
        main = page.inner_text("main")
        assert main.index("BAKER, Omar") < main.index("ADAMS, Lena") < main.index("CHOPRA, Priya")
        assert "09:10" in page.get_by_role("row", name="BAKER, Omar").inner_text()
        assert "11:40" in page.get_by_role("row", name="ADAMS, Lena").inner_text()
        assert "Not booked today" in page.get_by_role("row", name="CHOPRA, Priya").inner_text()
        assert_accessible(page)
        assert early.pk != late.pk


def test_parent_books_a_time_and_gives_consent_from_one_link(page, browser, live_server, nurse, team, local_notify):
    from django.core.management import call_command

    from notifications.dispatch import messages_dispatch
    from patients.models import Parent
    from sessions.models import SessionDate, Venue

    with time_machine.travel(START, tick=True):
        team.books_in_service = True
        team.save()
        # Invited for the first date; the parent books the second (so reminders for it would go, but for the booking).
        clinic = clinic_session(team, [FIRST_DAY, CLINIC_DAY], invitation_date=START.date(), codes=("hpv",))
        SessionDate.objects.filter(session=clinic).update(
            appointments_start=datetime.time(9, 0),
            appointments_end=datetime.time(10, 0),
            slot_minutes=20,
            places_per_slot=3,
        )
        Venue.objects.create(team=team, name="Riverside Health Centre", address="1 River Road")
        maya = make_child(team, session=clinic, given_name="Maya", family_name="Patel")
        Parent.objects.filter(relationships__child=maya).update(full_name="Priya Patel", email="priya@example.com")
        maya.relationships.update(type="mum")

        # The sweep sends the invitation; the outbox hands it to (the local) Notify.
        call_command("invitation_sweep", date=START.date().isoformat(), team=team.ods_code, stdout=io.StringIO())
        messages_dispatch()

        # The parent, in their own browser at 375 px and without JavaScript, opens the link from the email.
        parent_context = browser.new_context(locale="en-GB", java_script_enabled=False)
        parent = parent_context.new_page()
        parent.set_viewport_size({"width": 375, "height": 800})
        # axe runs in the page, so each page the parent sees is checked again in a browser with JavaScript.
        checker = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800}).new_page()

        def assert_parent_page_accessible(post_empty=False):
            checker.goto(parent.url)
            if post_empty:
                checker.get_by_role("button", name="Book this time").click()
                expect(checker.get_by_text("There is a problem")).to_be_visible()
            assert_accessible(checker)

        parent.goto(local_notify.url)
        parent.locator('a[href*="/clinics/book/"]').first.click()
        expect(parent.get_by_role("heading", name="Book a clinic appointment")).to_be_visible()
        main = parent.inner_text("main")
        assert "Maya Patel" in main and "Riverside Health Centre, 1 River Road" in main
        assert_parent_page_accessible()
        parent.get_by_role("link", name="Thursday 10 December 2026").click()
        expect(parent.get_by_role("heading", name="Choose a time")).to_be_visible()
        assert "09:20 (3 places left)" in parent.inner_text("main")
        parent.get_by_role("button", name="Book this time").click()
        expect(parent.get_by_text("There is a problem")).to_be_visible()
        assert "Choose a time" in parent.inner_text("main")
        assert_parent_page_accessible(post_empty=True)
        parent.get_by_label("09:20 (3 places left)").check()
        parent.get_by_role("button", name="Book this time").click()
        expect(parent.get_by_role("heading", name="Appointment booked")).to_be_visible()
        assert "Booked for Thursday 10 December at 09:20" in parent.inner_text("main")
        assert_parent_page_accessible()

        # Straight on into the online consent form: HPV has no answer yet.
        parent.get_by_role("button", name="Continue to consent").click()
        expect(parent.get_by_role("heading", name="Give or refuse consent for vaccinations")).to_be_visible()
        parent.get_by_label("Yes").check()
        parent.get_by_role("button", name="Continue").click()
        expect(parent.get_by_role("heading", name="About you")).to_be_visible()
        parent.get_by_label("Full name").fill("Priya Patel")
        parent.get_by_label("Mum").check()
        parent.get_by_label("Email address").fill("priya@example.com")
        parent.get_by_role("group", name="Get updates by text message").get_by_label("No").check()
        parent.get_by_role("button", name="Continue").click()
        expect(
            parent.get_by_role("heading", name="Do you agree to your child having the vaccinations?")
        ).to_be_visible()
        parent.get_by_role("group", name="HPV").get_by_label("Yes, I agree").check()
        parent.get_by_role("button", name="Continue").click()
        expect(parent.get_by_role("heading", name="Health questions")).to_be_visible()
        for question in ("allergies", "medical conditions", "severe reaction", "extra support"):
            parent.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
        parent.get_by_role("button", name="Continue").click()
        expect(parent.get_by_role("heading", name="Check your answers")).to_be_visible()
        parent.get_by_role("button", name="Confirm").click()
        expect(parent.get_by_role("heading", name="Your answers have been sent")).to_be_visible()

        # The booking confirmation reaches the local Notify: date, time, venue and the change link.
        messages_dispatch()
        parent.goto(local_notify.url)
        main = parent.inner_text("main")
        assert "clinic appointment: Thursday 10 December at 09:20" in main
        assert "Where: Riverside Health Centre, 1 River Road" in main and "To change or cancel" in main
        parent_context.close()
        checker.context.close()

    # The nurse, once the first date has passed: Consent given on the Consent tab; booking
    # reminders for 10 December do not count Maya, who booked.
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC), tick=True):
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, live_server, nurse)
        page.goto(f"{live_server.url}/sessions/{clinic.pk}/consent")
        page.get_by_role("link", name="Consent given", exact=True).click()
        expect(page.get_by_role("link", name="PATEL, Maya")).to_be_visible()
        page.goto(f"{live_server.url}/sessions/{clinic.pk}")
        page.get_by_role("link", name="Send booking reminders").click()
        main = page.inner_text("main")
        assert "No booking reminders to send" in main
        assert "1 child was skipped because they booked an appointment" in main

    with time_machine.travel(datetime.datetime(2026, 12, 10, 8, 30, tzinfo=datetime.UTC), tick=True):
        sign_in(page, live_server, nurse)
        page.goto(f"{live_server.url}/sessions/{clinic.pk}/register")
        assert "09:20" in page.get_by_role("row", name="PATEL, Maya").inner_text()
        assert_accessible(page)


def test_a_time_taken_meanwhile_then_cancelling_read_right_to_the_parent(browser, live_server, team):
    """The parent's pages no other test reaches in a browser: the time they chose went to someone
    else while they looked ("09:00 is now full"), once booked, cancelling, and a link altered in
    copying. At 375 px, read as the parent reads them and checked with axe."""
    from django.urls import reverse

    from clinics import services
    from clinics.tokens import make_token
    from sessions.models import Booking, SessionDate

    with time_machine.travel(START, tick=True):
        team.books_in_service = True
        team.save()
        clinic = clinic_session(team, [CLINIC_DAY], invitation_date=START.date(), codes=("hpv",))
        SessionDate.objects.filter(session=clinic).update(
            appointments_start=datetime.time(9, 0),
            appointments_end=datetime.time(10, 0),
            slot_minutes=20,
            places_per_slot=1,
        )
        maya = make_child(team, session=clinic, given_name="Maya", family_name="Patel")
        other = make_child(team, session=clinic, given_name="Omar", family_name="Baker")
        token = make_token(child_id=maya.pk, session_id=clinic.pk, parent_id=maya.relationships.first().parent_id)

        page = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800}).new_page()
        page.goto(live_server.url + reverse("clinics:parent_booking", args=[token]))
        page.get_by_role("link", name="Thursday 10 December 2026").click()
        page.get_by_label("09:00 (1 place left)").check()
        # Another family takes the last place at 09:00 before Maya's parent presses the button.
        services.clinic_appointment_book(clinic=clinic, child=other, date=CLINIC_DAY, time=datetime.time(9, 0))
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        main = page.inner_text("main")
        assert "09:00 is now full. Choose another time: the next free times are 09:20, 09:40" in main
        assert "09:00 (" not in main and "09:20 (1 place left)" in main
        assert_accessible(page)
        assert not Booking.objects.filter(child=maya).exists()

        page.get_by_label("09:20 (1 place left)").check()
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_role("heading", name="Appointment booked")).to_be_visible()
        page.get_by_role("link", name="Change or cancel the appointment").click()
        page.get_by_role("button", name="Cancel the appointment").click()
        expect(page.get_by_role("heading", name="Appointment cancelled")).to_be_visible()
        assert "Maya Patel’s clinic appointment is cancelled and the place is free for someone else" in page.inner_text(
            "main"
        )
        assert_accessible(page)
        assert Booking.objects.get(child=maya).status == Booking.Status.CANCELLED

        # The link altered in copying: the parents' own page, not the staff's way to sign in.
        response = page.goto(live_server.url + reverse("clinics:parent_booking", args=[token[:-4] + "abcd"]))
        assert response.status == 404
        main = page.inner_text("main")
        assert "This link does not work" in main
        assert "contact your school-age immunisation team" in main
        assert "Maya" not in page.inner_text("body") and "start page" not in page.inner_text("body")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert_accessible(page)
        page.context.close()
