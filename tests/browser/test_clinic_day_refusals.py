"""The clinic day's refused cases (issue 12), in the browser at 1280 px and 375 px: what the nurse
(or the admin) reads for each, that the recording action is absent where it must be, that a value
the page never offers is refused when sent anyway (an edited radio, a crafted POST), and that
nothing is written: no vaccination record, no vaccination activity event, no message to a parent."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from mavis.models import User
from notifications.models import Message
from patients.models import Batch, Programme, VaccinationRecord, Vaccine
from sessions.models import ActivityEvent, Attendance, Venue
from tests.browser.test_clinic_day import ALL_CHECKS, answer, give_consent
from tests.browser_helpers import assert_accessible, sign_in
from tests.factories import UserFactory, VaccinationRecordFactory
from tests.sessions.factories import clinic, ensure_programmes, member, ready_to_vaccinate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "clinic-day-refusals"
YEAR8 = datetime.date(2014, 3, 1)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def written():
    """What a recording writes: records, vaccination events, messages to parents."""
    return (
        VaccinationRecord.objects.count(),
        ActivityEvent.objects.filter(kind=ActivityEvent.Kind.VACCINATION).count(),
        Message.objects.count(),
    )


def submit_radio_as(page, label, value):
    """Send `value` for the radio labelled `label`, as if the page had offered it."""
    radio = page.get_by_label(label, exact=True)
    radio.evaluate("(el, value) => { el.value = value; el.checked = true; }", value)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


@time_machine.travel(START, tick=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_each_refused_case_is_explained_and_writes_nothing(page, browser, live_server, nurse, team, width):
    ensure_programmes()
    flu, hpv = Programme.objects.get(code="flu"), Programme.objects.get(code="hpv")
    session = clinic(team, dates=[TODAY], programmes=["flu", "hpv"])
    amara = member(session, given_name="Amara", family_name="Okafor", date_of_birth=YEAR8)  # nasal flu only
    ben = member(session, given_name="Ben", family_name="Shaw", date_of_birth=YEAR8)  # HPV done last year
    cara = member(session, given_name="Cara", family_name="Reid", date_of_birth=YEAR8)  # HPV consent refused
    dev = member(session, given_name="Dev", family_name="Patel", date_of_birth=YEAR8)  # HPV triage: do not
    give_consent(session, amara)
    ready_to_vaccinate(ben, "hpv")
    VaccinationRecordFactory(
        child=ben,
        programme=hpv,
        performed_at=datetime.datetime(2025, 10, 1, 10, tzinfo=datetime.UTC),
        vaccine="Gardasil 9",
        method="intramuscular",
        site="left_arm_upper",
    )
    ready_to_vaccinate(cara, "hpv", responses="refused")
    ready_to_vaccinate(dev, "hpv", responses="given", triage="do_not_vaccinate")
    for child in (amara, ben, cara, dev):
        Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")
    fluenz = Vaccine.objects.create(team=team, programme=flu, brand="Fluenz", method="nasal")
    fluarix = Vaccine.objects.create(team=team, programme=flu, brand="Fluarix Tetra", method="injection")
    gardasil = Vaccine.objects.create(team=team, programme=hpv, brand="Gardasil 9", method="injection")
    good = datetime.date(2027, 6, 1)
    Batch.objects.create(team=team, vaccine=fluenz, number="FL1", expiry=good)
    expired = Batch.objects.create(team=team, vaccine=fluenz, number="FLX", expiry=datetime.date(2026, 11, 1))
    injected = Batch.objects.create(team=team, vaccine=fluarix, number="FX1", expiry=good)
    other = Batch.objects.create(team=team, vaccine=gardasil, number="GD1", expiry=good)
    Venue.objects.create(team=team, name="Riverside Health Centre")
    before = written()

    refusals = [
        (ben, "Ben Shaw is already vaccinated against HPV (already): nothing more to record"),
        (cara, "Consent for HPV was refused: do not vaccinate Cara Reid"),
        (dev, "Triage for HPV is not safe to vaccinate (do not vaccinate): only a safe triage allows recording"),
    ]
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, nurse)

    if width == 1280:  # the wide layout: one refusal and the admin's 403 (375 px walks every case)
        refusals = refusals[1:2]
    else:
        nasal_only_flu_is_refused(page, live_server, session, amara, (injected, expired, other), before)
    refused_children(page, live_server, session, refusals, width, before)
    admin_is_refused(browser, live_server, session, team, amara, width, before)


def nasal_only_flu_is_refused(page, live_server, session, amara, forbidden, before):
    main = page.locator("main")
    # Nasal-only consent: the batch list offers only the nasal vaccine's good batch; an injected
    # flu batch, an expired batch or another programme's batch sent anyway is refused.
    page.goto(f"{live_server.url}{reverse('sessions:vaccinate', args=[session.pk, amara.pk, 'flu'])}")
    answer(page, "Yes")
    for label in ALL_CHECKS:
        page.get_by_label(label).check()
    page.get_by_role("button", name="Continue").click()
    answer(page, "Yes, they got the vaccine")
    expect(page.get_by_role("heading", name="Which batch did you use?")).to_be_visible()
    offered = page.locator("input[name=batch]")
    expect(offered).to_have_count(1)
    expect(page.get_by_label("Fluenz, batch FL1 (expires 1 June 2027)")).to_be_visible()
    for absent in ("Fluarix", "FX1", "FLX", "Gardasil", "GD1"):
        expect(main).not_to_contain_text(absent)
    for batch in forbidden:
        submit_radio_as(page, "Fluenz, batch FL1 (expires 1 June 2027)", str(batch.pk))
        expect(page.get_by_role("heading", name="Which batch did you use?")).to_be_visible()
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a batch from the list")
    assert_accessible(page)
    shot(page, "375-batch-not-offered")

    # Fluenz is nasal only: no injection question, and an injection sent to it changes nothing.
    answer(page, "Fluenz, batch FL1 (expires 1 June 2027)")
    answer(page, "Riverside Health Centre")
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    site_url = reverse("sessions:vaccinate_step", args=[session.pk, amara.pk, "flu", "site"])
    response = page.request.post(
        f"{live_server.url}{site_url}",
        form={"csrfmiddlewaretoken": token, "method": "intramuscular", "site": "left_arm_upper"},
        headers={"Referer": page.url},
    )
    assert response.ok and response.url.endswith("/check"), response.url
    page.reload()
    text = page.inner_text("main")
    assert "Nasal spray" in text and "Nose" in text, text
    assert "Intramuscular" not in text and "Left arm" not in text and "How was the injection given?" not in text
    assert written() == before


def refused_children(page, live_server, session, refusals, width, before):
    """Already vaccinated, consent refused, triage not safe: no recording action, and the URL refuses."""
    main = page.locator("main")
    for child, message in refusals:
        child_url = f"{live_server.url}{reverse('sessions:child', args=[session.pk, child.pk])}"
        page.goto(child_url)
        expect(main).to_contain_text(message)
        expect(page.get_by_role("link", name="Record HPV vaccination")).to_have_count(0)
        expect(page.get_by_role("button", name="Record HPV vaccination")).to_have_count(0)
        page.goto(f"{live_server.url}{reverse('sessions:vaccinate', args=[session.pk, child.pk, 'hpv'])}")
        assert page.url == child_url
        expect(page.locator(".nhsuk-notification-banner")).to_contain_text(message)
        assert "Has the child confirmed their identity?" not in page.inner_text("main")
        token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
        for step, data in [("check", {"notes": ""}), ("reason", {"reason": "refused"})]:
            url = reverse("sessions:vaccinate_step", args=[session.pk, child.pk, "hpv", step])
            response = page.request.post(
                f"{live_server.url}{url}", form={"csrfmiddlewaretoken": token, **data}, headers={"Referer": page.url}
            )
            assert response.ok and response.url == child_url and message in response.text(), (step, response.url)
        shot(page, f"{width}-refused-{child.given_name.lower()}")
    listed = f"{live_server.url}{reverse('sessions:record', args=[session.pk])}?programme=hpv"
    page.goto(listed)
    for child, _ in refusals:
        expect(main).not_to_contain_text(f"{child.family_name.upper()}, {child.given_name}")
    assert written() == before


def admin_is_refused(browser, live_server, session, team, amara, width, before):
    """The admin: no recording action, and the URL answers 403 saying only nurses can."""
    listed = f"{live_server.url}{reverse('sessions:record', args=[session.pk])}?programme=hpv"
    admin = UserFactory(team=team, username="admin.one", role=User.Role.ADMIN)
    context = browser.new_context(viewport={"width": width, "height": 900})
    admin_page = context.new_page()
    sign_in(admin_page, live_server, admin)
    admin_page.goto(f"{live_server.url}{reverse('sessions:child', args=[session.pk, amara.pk])}")
    expect(admin_page.locator("main")).to_contain_text("Amara Okafor")
    expect(admin_page.get_by_role("link", name="Record HPV vaccination")).to_have_count(0)
    expect(admin_page.get_by_role("link", name="Record Flu vaccination")).to_have_count(0)
    admin_page.goto(listed)
    expect(admin_page.locator("main")).to_contain_text("Only nurses can record vaccinations.")
    response = admin_page.goto(f"{live_server.url}{reverse('sessions:vaccinate', args=[session.pk, amara.pk, 'hpv'])}")
    assert response.status == 403
    text = admin_page.inner_text("main")
    assert "You cannot do that" in text and "Only nurses can record vaccinations." in text, text
    assert "with the admin role" in text
    if width == 1280:  # (375 px runs axe on the batch page)
        assert_accessible(admin_page)
    shot(admin_page, f"{width}-admin-403")
    context.close()
    assert written() == before
