"""The clinic day (issue 12), as a nurse works it: register attendance, record a nasal flu
vaccination from her default batch (1280 px), whose confirmation reaches the parent through the
local Notify, an HPV injection with its site and a refusal on the day (375 px); the child's
status and the Overview counts change. Read on inner_text, axe on every new page."""

import datetime
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from patients.models import Batch, Programme, VaccinationRecord, Vaccine
from sessions.models import DefaultBatch, Venue
from tests.browser.test_guide_journey import dispatch
from tests.browser_helpers import assert_accessible, sign_in
from tests.factories import ParentRelationshipFactory
from tests.sessions.factories import clinic, ensure_programmes, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "clinic-day"


def give_consent(session, child):
    from consent import services

    services.consent_response_record(
        team=session.team,
        child=child,
        session=session,
        answers=[
            services.ProgrammeAnswer(p, "given", flu_method="nasal" if p.is_flu else "")
            for p in session.programmes.all()
        ],
        route="phone",
        parent=ParentRelationshipFactory(child=child).parent,
        send_confirmation=False,
    )


def counts(page, programme):
    """The Overview's outcome table of one programme, as {outcome: children}."""
    table = page.locator("table", has=page.locator("caption", has_text=programme))
    rows = [line.split("\t") for line in table.inner_text().splitlines()[2:] if "\t" in line]
    return {label.strip(): int(value.split()[0].replace(",", "")) for label, value in rows}  # "1 child"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def answer(page, label, button="Continue"):
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name=button).click()


ALL_CHECKS = ["They are feeling well", "They have no allergies", "They are not taking", "They have not had"]


def pre_screening(page, extra=()):
    expect(page.get_by_role("heading", name="Pre-screening checks")).to_be_visible()
    for label in ALL_CHECKS + list(extra):
        page.get_by_label(label).check()
    page.get_by_role("button", name="Continue").click()


@time_machine.travel(START, tick=True)
def test_the_clinic_day(page, live_server, nurse, team, local_notify_with_receipts):
    notify = local_notify_with_receipts
    ensure_programmes()
    session = clinic(team, dates=[TODAY], programmes=["flu", "hpv"])
    year8 = datetime.date(2014, 3, 1)
    amara = member(session, given_name="Amara", family_name="Okafor", date_of_birth=year8, gender="female")
    cara = member(session, given_name="Cara", family_name="Reid", date_of_birth=year8, gender="female")
    for child in (amara, cara):
        give_consent(session, child)
    fluenz = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Fluenz", method="nasal"
    )
    gardasil = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )
    Batch.objects.create(team=team, vaccine=fluenz, number="FL1", expiry=datetime.date(2027, 6, 1))
    default = Batch.objects.create(team=team, vaccine=fluenz, number="FL2", expiry=datetime.date(2027, 6, 1))
    Batch.objects.create(team=team, vaccine=gardasil, number="GD1", expiry=datetime.date(2027, 6, 1))
    DefaultBatch.objects.create(user=nurse, date=TODAY, vaccine=fluenz, batch=default)
    Venue.objects.create(team=team, name="Riverside Health Centre")

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, nurse)
    page.goto(f"{live_server.url}/sessions/{session.pk}")
    assert counts(page, "Flu") == {"Vaccinated": 0, "Could not vaccinate": 0, "No outcome yet": 2}
    tabs = page.get_by_role("navigation", name="Session")

    # Register attendance.
    tabs.get_by_role("link", name="Register", exact=True).click()
    for name in ("Amara Okafor", "Cara Reid"):
        page.get_by_role("button", name=f"Attending – {name}").click()
        expect(page.get_by_text(f"{name} is attending today")).to_be_visible()

    # A nasal flu vaccination from the nurse's default batch.
    tabs.get_by_role("link", name="Record vaccinations", exact=True).click()
    page.get_by_role("link", name="Record outcome for Amara Okafor").click()
    answer(page, "Yes")
    pre_screening(page)
    assert "They are not pregnant" not in page.inner_text("main")  # flu: not asked
    answer(page, "Yes, they got the vaccine")
    main = page.inner_text("main")
    assert "Which batch did you use?" in main and "Gardasil" not in main
    expect(page.get_by_label("Fluenz, batch FL2 (expires 1 June 2027)")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Which venue are you at?")).to_be_visible()
    answer(page, "Riverside Health Centre")
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    main = page.inner_text("main")
    for text in ("Fluenz", "FL2", "Nasal spray", "Nose", "Riverside Health Centre", "The child"):
        assert text in main, text
    assert_accessible(page)
    shot(page, "1280-check-and-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Vaccination outcome recorded for Amara Okafor")).to_be_visible()
    dispatch()  # the parent's confirmation, through the outbox to the local Notify
    email = amara.relationships.get().parent.email
    [confirmation] = [n for n in notify.notifications.values() if n["email_address"] == email]
    assert "Fluenz" in confirmation["body"] and "nasal spray" in confirmation["body"].lower()
    listed = page.get_by_role("row", name="OKAFOR, Amara").inner_text()
    assert "Vaccinated" in listed and "Nothing more to record" in listed and "Record outcome" not in listed

    # 375 px: an HPV injection with its site, then a refusal on the day.
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name="HPV", exact=True).click()
    page.get_by_role("link", name="Record outcome for Amara Okafor").click()
    page.get_by_label("No, someone else confirmed it").check()
    page.get_by_label("Who confirmed their identity?").fill("Her mum, Grace Okafor")
    page.get_by_role("button", name="Continue").click()
    pre_screening(page, extra=["They are not pregnant"])
    answer(page, "Yes, they got the vaccine")
    answer(page, "Gardasil 9, batch GD1 (expires 1 June 2027)")
    expect(page.get_by_role("heading", name="How was the injection given?")).to_be_visible()
    main = page.inner_text("main")
    assert "Left thigh" in main and "Nose" not in main and "Nasal spray" not in main
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose where the injection was given").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Intramuscular").check()
    page.get_by_label("Left arm (upper position)").check()
    page.get_by_role("button", name="Continue").click()
    answer(page, "Riverside Health Centre")
    main = page.inner_text("main")
    assert "Her mum, Grace Okafor" in main and "Left arm (upper position)" in main and "GD1" in main
    shot(page, "375-check-and-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Vaccination outcome recorded for Amara Okafor")).to_be_visible()

    page.get_by_role("link", name="Record outcome for Cara Reid").click()
    answer(page, "Yes")
    page.get_by_role("button", name="Continue").click()  # no check ticked: she says she is unwell... and refuses
    page.get_by_label("Yes, they got the vaccine").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Not every pre-screening check is true").first).to_be_visible()
    answer(page, "No, they did not get it")
    answer(page, "They refused it")
    assert "They refused it" in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Vaccination outcome recorded for Cara Reid")).to_be_visible()
    # Not vaccinated: the nurse lands on Cara's page (where a clinic's offer would show).
    assert page.url.endswith(
        f"/sessions/{session.pk}/children/{VaccinationRecord.objects.order_by('pk').last().child_id}"
    )

    # The child's status and the Overview counts.
    page.goto(f"{live_server.url}/sessions/{session.pk}/record")
    page.get_by_role("link", name="OKAFOR, Amara").click()
    main = page.inner_text("main")
    assert "Record Flu vaccination" not in main and "Record HPV vaccination" not in main
    assert "already vaccinated against HPV" in main
    shot(page, "375-child-after")
    page.goto(f"{live_server.url}/sessions/{session.pk}")
    assert counts(page, "Flu") == {"Vaccinated": 1, "Could not vaccinate": 0, "No outcome yet": 1}
    assert counts(page, "HPV") == {"Vaccinated": 1, "Could not vaccinate": 1, "No outcome yet": 0}
    records = VaccinationRecord.objects.order_by("pk")
    assert [(r.outcome, r.batch, r.site, r.location_name) for r in records] == [
        ("vaccinated", "FL2", "nose", "Riverside Health Centre"),
        ("vaccinated", "GD1", "left_arm_upper", "Riverside Health Centre"),
        ("refused", "", "", "Community clinic"),
    ]
