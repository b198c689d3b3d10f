"""The guide, word for word: "Getting consent to vaccinate" in the Community clinic.

Send consent request -> the parent completes the online form -> Consent given; and the
phone flow through Record a new consent response for a given, a refused and a triage case.
"""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from consent.models import ConsentRequest, ConsentResponse, Triage
from notifications.models import Message
from patients.models import Parent
from tests.browser_helpers import assert_accessible, sign_in
from tests.consent.factories import add_child, make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Dispatch after commit needs the notifications pipeline (notifications.tasks and the local
# Notify); until it is on main these journeys cannot run end to end.
pytest.importorskip("notifications.tasks")
pytest.importorskip("notifications.local_notify")


def open_consent_tab(page, live_server, session):
    # 1. In the Community clinic page, go to the Consent tab and filter for No response.
    page.goto(f"{live_server.url}/sessions/{session.pk}")
    expect(page.get_by_role("heading", name="Community clinic", level=1)).to_be_visible()
    page.get_by_role("link", name="Consent", exact=True).click()
    expect(page.get_by_role("heading", name="Consent", level=2)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="No response", exact=True).click()
    assert_accessible(page)


def test_send_consent_request_then_parent_gives_consent_online(page, browser, live_server, nurse, team, local_notify):
    session = make_session(team, codes=("flu", "hpv"), dates=(14,))
    child = add_child(session, given_name="Maya", family_name="Patel")
    add_child(session, given_name="Other", family_name="Child")
    # Her mum as the register knows her: the details she types below match, so nothing waits for a nurse.
    Parent.objects.filter(relationships__child=child).update(
        full_name="Priya Patel", email="priya@example.com", phone="07700900555", phone_receive_updates=True
    )
    child.relationships.update(type="mum")

    sign_in(page, live_server, nurse)
    open_consent_tab(page, live_server, session)
    expect(page.get_by_text("2 children (No response)")).to_be_visible()
    # 2. Click into the child's record and scroll down. 3. Click on Send consent request.
    page.get_by_role("link", name="PATEL, Maya").click()
    expect(page.get_by_role("heading", name="Maya Patel", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send consent request").click()
    expect(page.get_by_text("A request was sent on")).to_be_visible()
    assert_accessible(page)
    request = ConsentRequest.objects.get(child=child)
    assert request.sent_by == nurse

    # One email and one text to the parent, both on Session activity and notes.
    messages = Message.objects.filter(child=child, kind="consent_request")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "sms"]
    page.get_by_role("link", name="Session activity and notes").click()
    expect(page.get_by_text("Consent request sent").first).to_be_visible()
    assert page.get_by_text("Consent request sent").count() >= 2
    assert_accessible(page)

    # The email reaches (the local) Notify with the personal link in its body.
    from notifications.dispatch import messages_dispatch

    messages_dispatch()
    email = messages.get(channel="email")
    sent = local_notify.by_reference()[str(email.pk)]
    assert len(sent) == 1 and sent[0]["email_address"] == email.recipient
    link = re.search(r"https?://[^\s]+/consent/[^\s]+", sent[0]["body"]).group(0)
    assert link == email.personalisation["consent_link"]
    assert str(messages.get(channel="sms").pk) in local_notify.by_reference()
    # The parent opens the personal link (in their own browser: no sign-in).
    parent_context = browser.new_context(locale="en-GB")
    parent = parent_context.new_page()
    parent.goto(live_server.url + urlsplit(link).path)
    expect(parent.get_by_role("heading", name="Give or refuse consent for vaccinations")).to_be_visible()
    expect(parent.get_by_text("Maya Patel", exact=True)).to_be_visible()
    assert_accessible(parent)
    parent.get_by_role("button", name="Continue").click()
    expect(parent.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(parent)
    parent.get_by_label("Yes").check()
    parent.get_by_role("button", name="Continue").click()

    expect(parent.get_by_role("heading", name="About you")).to_be_visible()
    assert_accessible(parent)
    parent.get_by_label("Full name").fill("Priya Patel")
    parent.get_by_label("Mum").check()
    parent.get_by_label("Email address").fill("not an email")
    parent.get_by_role("button", name="Continue").click()
    expect(parent.get_by_text("Enter a valid email address").first).to_be_visible()
    expect(parent.get_by_label("Full name")).to_have_value("Priya Patel")
    assert_accessible(parent)
    parent.get_by_label("Email address").fill("priya@example.com")
    parent.get_by_label("Phone number").fill("07700 900 555")
    parent.get_by_role("group", name="Get updates by text message").get_by_label("Yes").check()
    parent.get_by_role("button", name="Continue").click()

    expect(parent.get_by_role("heading", name="Do you agree to your child having the vaccinations?")).to_be_visible()
    assert_accessible(parent)
    parent.get_by_label("Yes, for the nasal spray, or the injected vaccine if the nasal spray is unsuitable").check()
    parent.get_by_role("group", name="HPV").get_by_label("Yes, I agree").check()
    parent.get_by_role("button", name="Continue").click()

    expect(parent.get_by_role("heading", name="Health questions")).to_be_visible()
    for question in ("allergies", "medical conditions", "severe reaction", "extra support"):
        parent.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
    assert_accessible(parent)
    parent.get_by_role("button", name="Continue").click()

    expect(parent.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert_accessible(parent)
    parent.get_by_role("button", name="Confirm").click()
    expect(parent.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
    assert_accessible(parent)
    parent_context.close()
    assert Message.objects.filter(child=child, kind="consent_confirmation_given").count() == 2

    # The child moves to Consent given.
    page.goto(f"{live_server.url}/sessions/{session.pk}/consent")
    page.get_by_role("link", name="Consent given", exact=True).click()
    expect(page.get_by_role("link", name="PATEL, Maya")).to_be_visible()
    expect(page.get_by_text("Consent given for nasal spray")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="No response", exact=True).click()
    expect(page.get_by_role("link", name="PATEL, Maya")).to_have_count(0)


def record_by_phone(page, live_server, session, name, *, agree, health_yes=False, refusal=None):
    open_consent_tab(page, live_server, session)
    # 2. Click into the child's record. 3. Click on Record a new consent response.
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Record a new consent response").click()
    expect(page.get_by_role("heading", name="Who are you trying to get consent from?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Details for parent or guardian")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="How was the response given?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("By phone").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Do they agree?")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose if they agree to the HPV vaccination").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("HPV")).get_by_label(agree, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    if agree.startswith("Yes"):
        expect(page.get_by_role("heading", name="Health questions")).to_be_visible()
        for question in ("allergies", "medical conditions", "severe reaction", "extra support"):
            group = page.get_by_role("group", name=re.compile(question))
            if health_yes and question == "allergies":
                group.get_by_label("Yes", exact=True).check()
                page.get_by_role("textbox").first.fill("Severe egg allergy")
            else:
                group.get_by_label("No", exact=True).check()
        assert_accessible(page)
        page.get_by_role("button", name="Continue").click()
        if health_yes:
            expect(page.get_by_role("heading", name="Is it safe to vaccinate?")).to_be_visible()
            assert_accessible(page)
            page.get_by_label("No, keep in triage").check()
            page.get_by_role("button", name="Continue").click()
    else:
        expect(page.get_by_role("heading", name="Reason for refusal")).to_be_visible()
        page.get_by_label(refusal).check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("Enter details for the reason for refusal").first).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Give details").fill("Had it at the GP in October")
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(
        page.get_by_text(f"Consent recorded for {name.split(', ')[1]} {name.split(', ')[0].title()}")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Consent", level=2)).to_be_visible()
    assert_accessible(page)


def test_record_consent_responses_over_the_phone(page, live_server, nurse, team):
    session = make_session(team, codes=("hpv",), dates=(7,))
    given = add_child(session, given_name="Gina", family_name="Given")
    refused = add_child(session, given_name="Rory", family_name="Refused")
    triage = add_child(session, given_name="Tess", family_name="Triage")
    sign_in(page, live_server, nurse)

    record_by_phone(page, live_server, session, "GIVEN, Gina", agree="Yes, they agree")
    record_by_phone(page, live_server, session, "REFUSED, Rory", agree="No", refusal="Vaccine already received")
    record_by_phone(page, live_server, session, "TRIAGE, Tess", agree="Yes, they agree", health_yes=True)

    assert ConsentResponse.objects.get(child=given).response == "given"
    assert ConsentResponse.objects.get(child=refused).refusal_reason == "already_vaccinated"
    assert Triage.objects.get(child=triage).status == "keep_in_triage"
    page.get_by_role("link", name="Consent given", exact=True).click()
    expect(page.get_by_role("link", name="GIVEN, Gina")).to_be_visible()
    expect(page.get_by_role("link", name="TRIAGE, Tess")).to_be_visible()
    page.get_by_role("link", name="Consent refused", exact=True).click()
    expect(page.get_by_role("link", name="REFUSED, Rory")).to_be_visible()
    # The triage case shows on the child's page.
    page.goto(f"{live_server.url}/sessions/{session.pk}/children/{triage.pk}")
    expect(page.get_by_text("Keep in triage").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Triage HPV").click()
    expect(page.get_by_role("heading", name="Is it safe to vaccinate?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_text("Choose if it is safe to vaccinate").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Yes, it’s safe to vaccinate").check()
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_text("Triage decision recorded for Tess Triage")).to_be_visible()
    assert Triage.objects.filter(child=triage).first().status == "safe_to_vaccinate"

    # Withdraw and invalidate keep the response, with who and why.
    page.goto(f"{live_server.url}/sessions/{session.pk}/children/{given.pk}")
    page.get_by_role("link", name=re.compile("Withdraw consent")).click()
    expect(page.get_by_role("heading", name="Withdraw consent")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_text("Enter a reason").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason").fill("Mum phoned back to withdraw")
    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_text("Withdrawn on")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Mark as invalid")).click()
    expect(page.get_by_role("heading", name="Mark response as invalid")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason").fill("Recorded against the wrong child")
    page.get_by_role("button", name="Mark response as invalid").click()
    expect(page.get_by_text("Invalidated on")).to_be_visible()
    assert ConsentResponse.objects.get(child=given).invalidated_at is not None
