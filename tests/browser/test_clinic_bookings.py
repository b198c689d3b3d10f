"""Issue 17, a team with its own booking system: the nurse imports the booking system's export;
booked children are skipped by booking reminders and listed with their times (1280 px, then the
clinic day's Register at 375 px)."""

import datetime

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
