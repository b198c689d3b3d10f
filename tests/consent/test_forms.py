"""The parents' online form (tokens, steps, validation) and Record a new consent response."""

import datetime
import hashlib

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from consent import tokens
from consent.models import ConsentResponse, Triage
from notifications.models import Message
from patients.models import Parent
from patients.statuses import child_statuses
from sessions.models import SessionDate
from tests.consent.factories import add_child, make_session, record
from tests.factories import UserFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    return make_session(team, codes=("flu", "hpv"))


def status(session, child, code):
    programmes = list(session.programmes.all())
    return child_statuses(child, programmes, session.academic_year)[code]["consent"]


def link_for(session, child):
    """The link sent to the child's parent, whose stored details are the ones PARENT types."""
    relationship = child.relationships.select_related("parent").first()
    Parent.objects.filter(pk=relationship.parent_id).update(
        full_name=PARENT["full_name"], email=PARENT["email"], phone="07700900111", phone_receive_updates=True
    )
    type(relationship).objects.filter(pk=relationship.pk).update(type="mum")
    token = tokens.make_token(
        child=child, session=session, programmes=session.programmes.all(), parent=relationship.parent
    )
    return token, reverse("consent:parent_form", args=[token])


def step_url(token, step):
    return reverse("consent:parent_form_step", args=[token, step])


PARENT = {
    "full_name": "Jane Smith",
    "relationship": "mum",
    "email": "jane@example.com",
    "phone": "07700 900 111",
    "phone_receive_updates": "yes",
}
HEALTH_NO = {"allergies": "no", "conditions": "no", "reaction": "no", "support": "no"}


def test_parent_completes_the_form_and_consent_is_given(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    start = client.get(url)
    assert start.status_code == 200 and child.full_name in start.content.decode()
    assert client.post(url, {"confirm": "yes"})["Location"] == step_url(token, "parent")
    assert client.post(step_url(token, "parent"), PARENT)["Location"] == step_url(token, "consent")
    answers = {"programme_flu": "given_nasal_or_injection", "programme_hpv": "given"}
    assert client.post(step_url(token, "consent"), answers)["Location"] == step_url(token, "health")
    assert client.post(step_url(token, "health"), HEALTH_NO)["Location"] == step_url(token, "check")
    check = client.get(step_url(token, "check")).content.decode()
    assert "Jane Smith" in check and "Check your answers" in check
    done = client.post(step_url(token, "check"))
    assert done["Location"] == reverse("consent:parent_form_done", args=[token])
    assert "Your answers have been sent" in client.get(done["Location"]).content.decode()

    assert status(session, child, "flu") == "given_nasal" and status(session, child, "hpv") == "given"
    parent = Parent.objects.get(email="jane@example.com")
    assert parent.phone == "07700900111" and parent.phone_receive_updates
    assert ConsentResponse.objects.filter(child=child, route="online", parent=parent).count() == 2
    assert set(Message.objects.filter(child=child).values_list("kind", "channel")) == {
        ("consent_confirmation_given", "email"),
        ("consent_confirmation_given", "sms"),
    }


def test_refusal_needs_a_reason_and_details_and_sends_refused_confirmation(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    client.post(step_url(token, "parent"), {**PARENT, "phone_receive_updates": "no"})
    assert client.post(step_url(token, "consent"), {"programme_flu": "refused", "programme_hpv": "refused"})[
        "Location"
    ] == step_url(token, "reason")
    error = client.post(step_url(token, "reason"), {"reason": "medical", "notes": ""}).content.decode()
    assert "There is a problem" in error and "Enter details for the reason for refusal" in error
    assert 'value="medical" checked' in error or "checked" in error
    client.post(step_url(token, "reason"), {"reason": "medical", "notes": "Immunosuppressed"})
    client.post(step_url(token, "check"))
    assert status(session, child, "hpv") == "refused"
    response = ConsentResponse.objects.filter(child=child).first()
    assert response.refusal_reason == "medical" and response.refusal_notes == "Immunosuppressed"
    # The stored parent's choice of texts stands until a nurse accepts the change typed here.
    assert set(Message.objects.filter(child=child).values_list("kind", flat=True)) == {"consent_confirmation_refused"}
    assert child.parent_details_changes.get().phone_receive_updates is False


def test_health_yes_needs_details_and_sends_nurse_review(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    client.post(step_url(token, "parent"), PARENT)
    client.post(step_url(token, "consent"), {"programme_flu": "given_nasal", "programme_hpv": "given"})
    error = client.post(step_url(token, "health"), {**HEALTH_NO, "allergies": "yes"}).content.decode()
    assert "Enter details" in error
    client.post(step_url(token, "health"), {**HEALTH_NO, "allergies": "yes", "allergies_details": "Eggs"})
    done = client.get(client.post(step_url(token, "check"))["Location"]).content.decode()
    assert "a nurse will review your answers" in done
    assert Message.objects.filter(kind="consent_confirmation_triage").exists()
    assert ConsentResponse.objects.filter(child=child, needs_triage=True).count() == 2


def test_every_parent_step_rejects_bad_input_and_keeps_what_was_typed(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    assert "Select yes if these are your child’s details" in client.post(url, {}).content.decode()
    client.post(url, {"confirm": "yes"})
    bad = client.post(step_url(token, "parent"), {**PARENT, "email": "not-an-email", "full_name": "Kept Name"})
    html = bad.content.decode()
    assert "Enter a valid email address" in html and 'value="Kept Name"' in html
    other = client.post(step_url(token, "parent"), {**PARENT, "relationship": "other"}).content.decode()
    assert "Enter the relationship to the child" in other
    assert "Only someone with parental responsibility can give consent" in other
    no_email = client.post(step_url(token, "parent"), {**PARENT, "email": ""}).content.decode()
    assert "Enter your email address" in no_email
    client.post(step_url(token, "parent"), PARENT)
    missing = client.post(step_url(token, "consent"), {"programme_flu": "given_nasal"}).content.decode()
    assert "Choose if they agree to the HPV vaccination" in missing
    # Jumping ahead sends the parent back to the first missing step.
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "consent")
    assert not ConsentResponse.objects.exists()


@pytest.mark.parametrize(
    "phone",
    [
        "０７７００ ９００ ９８２",  # fullwidth, as some phone keyboards type them
        "٠٧٧٠٠ ٩٠٠ ٩٨٢",  # Arabic-Indic
        "07700 ٩٠٠ ٩٨٢",  # mixed
        "²²²²²²²²²²²",  # superscripts: "digits" to Python, not to anyone dialling
    ],
)
def test_a_phone_number_in_other_digits_is_an_error_not_a_number_nobody_can_text(client, session, phone):
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    response = client.post(step_url(token, "parent"), {**PARENT, "phone": phone})
    page = visible_text(response.content.decode())
    assert response.status_code == 200
    assert "There is a problem Enter a phone number using the digits 0 to 9, like 07700 900 982" in page
    assert f'value="{phone}"' in response.content.decode()  # what was typed is kept to correct
    # Nothing was taken: going on still asks for these details.
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "parent")


def test_an_email_address_too_long_to_store_is_an_error_on_its_step_not_a_500_on_submit(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"  # 312 characters: a valid form, too long to keep
    response = client.post(step_url(token, "parent"), {**PARENT, "email": email})
    assert response.status_code == 200
    page = visible_text(response.content.decode())
    assert "There is a problem Email address must be 254 characters or fewer" in page
    assert f'value="{email}"' in response.content.decode()
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "parent")


def test_overlong_answers_say_how_long_they_may_be_and_keep_the_parent_on_the_step(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    typed = {**PARENT, "full_name": "J" * 201, "phone": "0" * 31, "relationship": "other"}
    typed |= {"other_relationship": "g" * 101, "parental_responsibility": "yes"}
    page = visible_text(client.post(step_url(token, "parent"), typed).content.decode())
    assert "Full name must be 200 characters or fewer" in page
    assert "Phone number must be 30 characters or fewer" in page
    assert "Relationship must be 100 characters or fewer" in page
    assert "Ensure this value" not in page
    client.post(step_url(token, "parent"), PARENT)
    client.post(step_url(token, "consent"), {"programme_flu": "given_nasal", "programme_hpv": "refused"})
    health = {**HEALTH_NO, "allergies": "yes", "allergies_details": "x" * 1001}
    page = visible_text(client.post(step_url(token, "health"), health).content.decode())
    assert "There is a problem Details must be 1,000 characters or fewer" in page
    client.post(step_url(token, "health"), HEALTH_NO)
    page = visible_text(
        client.post(step_url(token, "reason"), {"reason": "other", "notes": "x" * 1001}).content.decode()
    )
    assert "There is a problem Details must be 1,000 characters or fewer" in page
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "reason")


def test_answers_of_only_invisible_characters_count_as_not_given(client, session):
    """Zero-width spaces and joiners, word joiners, direction marks: pasted from a message, they
    look like nothing on the page and to the nurse who reads the answer."""
    child = add_child(session)
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    page = visible_text(
        client.post(step_url(token, "parent"), {**PARENT, "full_name": "\u200b \u200d"}).content.decode()
    )
    assert "There is a problem Enter your full name" in page
    # Joiners inside a name are part of it (Persian names use the zero-width non-joiner).
    assert client.post(step_url(token, "parent"), {**PARENT, "full_name": "Mehr\u200cnaz Smith"}).status_code == 302
    client.post(step_url(token, "consent"), {"programme_flu": "given_nasal", "programme_hpv": "refused"})
    health = {**HEALTH_NO, "allergies": "yes", "allergies_details": "\u2060\u200e"}
    page = visible_text(client.post(step_url(token, "health"), health).content.decode())
    assert "There is a problem Enter details" in page
    client.post(step_url(token, "health"), HEALTH_NO)
    page = visible_text(client.post(step_url(token, "reason"), {"reason": "other", "notes": "\u200b"}).content.decode())
    assert "There is a problem Enter details for the reason for refusal" in page
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "reason")


def test_a_vaccination_added_back_to_the_session_mid_form_is_asked_about_not_a_crash(client, session):
    child = add_child(session)
    token, url = link_for(session, child)  # the link names flu and HPV
    flu = session.programmes.get(code="flu")
    session.programmes.remove(flu)  # taken off the session, so the form asks about HPV only
    client.post(url, {"confirm": "yes"})
    client.post(step_url(token, "parent"), PARENT)
    client.post(step_url(token, "consent"), {"programme_hpv": "given"})
    client.post(step_url(token, "health"), HEALTH_NO)
    session.programmes.add(flu)  # and put back before the parent checks their answers
    assert client.get(step_url(token, "check"))["Location"] == step_url(token, "consent")
    assert client.post(step_url(token, "check"))["Location"] == step_url(token, "consent")
    page = visible_text(client.get(step_url(token, "consent")).content.decode())
    assert "Do you agree to your child having the flu vaccination?" in page
    assert not ConsentResponse.objects.exists()
    client.post(step_url(token, "consent"), {"programme_hpv": "given", "programme_flu": "given_nasal"})
    assert client.post(step_url(token, "check"))["Location"] == reverse("consent:parent_form_done", args=[token])
    assert ConsentResponse.objects.filter(child=child).count() == 2


def test_tampered_expired_and_unknown_tokens_show_no_data(client, session, other_team):
    child = add_child(session, given_name="Secretname")
    token, url = link_for(session, child)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    page = client.get(reverse("consent:parent_form", args=[tampered]))
    assert page.status_code == 404 and "This link does not work" in page.content.decode()
    assert "Secretname" not in page.content.decode()

    # Signed with another salt: refused.
    forged = signing.dumps({"c": child.pk, "s": session.pk, "p": [1]}, salt="something-else")
    assert client.get(reverse("consent:parent_form", args=[forged])).status_code == 404

    # A child not in that session (another team's child under this session): refused.
    stranger_session = make_session(other_team)
    stranger = add_child(stranger_session, given_name="Stranger")
    wrong = tokens.make_token(
        child=stranger, session=session, programmes=session.programmes.all(), parent=stranger.relationships.get().parent
    )
    page = client.get(reverse("consent:parent_form", args=[wrong]))
    assert page.status_code == 404 and "Stranger" not in page.content.decode()

    # The consent window closes the day before the last date.
    SessionDate.objects.filter(session=session).update(value=timezone.localdate() + datetime.timedelta(days=1))
    assert client.get(url).status_code == 200
    SessionDate.objects.filter(session=session).update(value=timezone.localdate())
    expired = client.get(url)
    assert expired.status_code == 410
    html = expired.content.decode()
    assert "This link has expired" in html and session.team.phone in html and "Secretname" not in html
    assert client.post(step_url(token, "check")).status_code == 410
    assert not ConsentResponse.objects.exists()


# --- Record a new consent response --------------------------------------------------------------


def rec(session, child, step=None):
    if step is None:
        return reverse("consent:record_start", args=[session.pk, child.pk])
    return reverse("consent:record_step", args=[session.pk, child.pk, step])


def test_nurse_records_consent_given_by_phone(nurse_client, session):
    child = add_child(session)
    parent = child.relationships.get().parent
    assert nurse_client.get(rec(session, child) + "?restart=1").status_code == 200
    assert nurse_client.post(rec(session, child), {"who": f"parent:{parent.pk}"})["Location"] == rec(
        session, child, "parent"
    )
    page = nurse_client.get(rec(session, child, "parent")).content.decode()
    assert parent.full_name in page  # prefilled
    nurse_client.post(
        rec(session, child, "parent"),
        {
            "full_name": parent.full_name,
            "relationship": "dad",
            "email": parent.email,
            "phone": parent.phone,
            "phone_receive_updates": "no",
        },
    )
    assert nurse_client.post(rec(session, child, "route"), {"route": "phone"})["Location"] == rec(
        session, child, "agree"
    )
    nurse_client.post(rec(session, child, "agree"), {"programme_flu": "given_injection", "programme_hpv": "given"})
    assert nurse_client.post(rec(session, child, "health"), HEALTH_NO)["Location"] == rec(session, child, "check")
    check = nurse_client.get(rec(session, child, "check")).content.decode()
    assert "Check and confirm" in check and "Change" in check
    done = nurse_client.post(rec(session, child, "check"), follow=True)
    assert done.redirect_chain[-1][0] == reverse("consent:tab", args=[session.pk])
    assert f"Consent recorded for {child.full_name}" in done.content.decode()
    assert status(session, child, "flu") == "given_injection"
    assert ConsentResponse.objects.filter(child=child, route="phone").count() == 2
    # Email only: this parent did not opt in to texts.
    assert list(Message.objects.filter(child=child).values_list("kind", "channel")) == [
        ("consent_confirmation_given", "email")
    ]
    assert child.relationships.get().type == "dad"


def test_nurse_records_a_refusal_from_a_new_contact(nurse_client, session):
    child = add_child(session)
    nurse_client.post(rec(session, child), {"who": "new"})
    error = nurse_client.post(rec(session, child, "parent"), {"full_name": "Gran", "relationship": "other"})
    html = error.content.decode()
    assert "Enter the relationship to the child" in html and "Enter an email address or a phone number" in html
    nurse_client.post(
        rec(session, child, "parent"),
        {
            "full_name": "Gran Smith",
            "relationship": "other",
            "other_relationship": "Grandmother",
            "parental_responsibility": "yes",
            "phone": "07700900222",
            "phone_receive_updates": "yes",
        },
    )
    nurse_client.post(rec(session, child, "route"), {"route": "in_person"})
    assert nurse_client.post(rec(session, child, "agree"), {"programme_flu": "refused", "programme_hpv": "refused"})[
        "Location"
    ] == rec(session, child, "reason")
    nurse_client.post(rec(session, child, "reason"), {"reason": "personal_choice"})
    nurse_client.post(rec(session, child, "check"))
    assert status(session, child, "hpv") == "refused"
    gran = Parent.objects.get(full_name="Gran Smith")
    assert child.relationships.get(parent=gran).other_name == "Grandmother"
    assert list(Message.objects.filter(child=child).values_list("kind", "channel")) == [
        ("consent_confirmation_refused", "sms")
    ]


def test_nurse_triages_inside_the_flow_but_an_admin_does_not(client, nurse_client, session, team):
    child = add_child(session)
    parent = child.relationships.get().parent
    nurse_client.post(rec(session, child), {"who": f"parent:{parent.pk}"})
    nurse_client.post(
        rec(session, child, "parent"), {"full_name": parent.full_name, "relationship": "mum", "email": parent.email}
    )
    nurse_client.post(rec(session, child, "route"), {"route": "phone"})
    nurse_client.post(rec(session, child, "agree"), {"programme_flu": "given_nasal", "programme_hpv": "given"})
    assert nurse_client.post(
        rec(session, child, "health"), {**HEALTH_NO, "reaction": "yes", "reaction_details": "Rash after MMR"}
    )["Location"] == rec(session, child, "triage")
    nurse_client.post(rec(session, child, "triage"), {"status": "safe_to_vaccinate", "notes": "Mild rash only"})
    nurse_client.post(rec(session, child, "check"))
    assert Triage.objects.filter(child=child, status="safe_to_vaccinate").count() == 2
    assert Message.objects.filter(kind="consent_confirmation_given").exists()

    admin = UserFactory(team=team, role="admin")
    client.force_login(admin)
    other = add_child(session)
    other_parent = other.relationships.get().parent
    client.post(rec(session, other), {"who": f"parent:{other_parent.pk}"})
    client.post(rec(session, other, "parent"), {"full_name": "A", "relationship": "mum", "email": "a@example.com"})
    client.post(rec(session, other, "route"), {"route": "paper"})
    client.post(rec(session, other, "agree"), {"programme_flu": "given_nasal", "programme_hpv": "given"})
    assert client.post(rec(session, other, "health"), {**HEALTH_NO, "allergies": "yes", "allergies_details": "Nuts"})[
        "Location"
    ] == rec(session, other, "check")
    assert client.get(rec(session, other, "triage"))["Location"] == rec(session, other, "check")


def test_gillick_self_consent_and_no_response(nurse_client, session):
    child = add_child(session)
    assert nurse_client.post(rec(session, child), {"who": "child"})["Location"] == rec(session, child, "agree")
    nurse_client.post(rec(session, child, "agree"), {"programme_flu": "not_provided", "programme_hpv": "given"})
    nurse_client.post(rec(session, child, "health"), HEALTH_NO)
    nurse_client.post(rec(session, child, "check"))
    assert status(session, child, "hpv") == "given" and status(session, child, "flu") == "no_response"
    assert ConsentResponse.objects.filter(child=child, route="self_consent", parent=None).count() == 2
    assert not Message.objects.exists()


def test_record_flow_rejects_missing_answers(nurse_client, session):
    child = add_child(session)
    assert (
        "Choose who you are trying to get consent from" in nurse_client.post(rec(session, child), {}).content.decode()
    )
    nurse_client.post(rec(session, child), {"who": "new"})
    assert "Choose how the response was given" in nurse_client.post(rec(session, child, "route"), {}).content.decode()
    assert nurse_client.get(rec(session, child, "check"))["Location"] == rec(session, child, "parent")
    record(session, child, "hpv", "given")  # unrelated write does not break the flow state
    assert not ConsentResponse.objects.filter(route="in_person").exists()


def test_a_programme_added_to_the_session_mid_flow_is_asked_not_a_crash(nurse_client, team):
    """The nurse answered for HPV; someone adds flu to the session before Confirm: the flow asks
    again for every programme instead of failing (a KeyError was a 500)."""
    from patients.models import Programme

    session = make_session(team, codes=("hpv",))
    child = add_child(session)
    nurse_client.post(rec(session, child), {"who": "child"})
    nurse_client.post(rec(session, child, "agree"), {"programme_hpv": "given"})
    nurse_client.post(rec(session, child, "health"), HEALTH_NO)
    session.programmes.add(Programme.objects.get(code="flu"))
    response = nurse_client.post(rec(session, child, "check"), follow=True)  # Confirm
    assert response.redirect_chain[-1][0] == rec(session, child, "agree")
    page = visible_text(response.content.decode())
    assert "The programmes to ask about have changed. Answer again for each programme." in page
    assert "Do they agree to the flu vaccination?" in page
    assert nurse_client.get(rec(session, child, "check"))["Location"] == rec(session, child, "agree")
    assert not ConsentResponse.objects.exists()
    nurse_client.post(rec(session, child, "agree"), {"programme_hpv": "given", "programme_flu": "refused"})
    nurse_client.post(rec(session, child, "health"), HEALTH_NO)
    nurse_client.post(rec(session, child, "reason"), {"reason": "personal_choice"})
    assert nurse_client.post(rec(session, child, "check"))["Location"] == reverse("consent:tab", args=[session.pk])
    assert sorted(ConsentResponse.objects.values_list("programme__code", "response")) == [
        ("flu", "refused"),
        ("hpv", "given"),
    ]


def test_a_nurses_double_click_on_confirm_records_once(nurse_client, team):
    """Two tabs (or a double click) on Check and confirm: the second request still holds the
    answers the first cleared, and must not record the response, or text the parent, again."""
    session = make_session(team, codes=("hpv",))
    child = add_child(session)
    parent = child.relationships.get().parent
    nurse_client.post(rec(session, child), {"who": f"parent:{parent.pk}"})
    nurse_client.post(
        rec(session, child, "parent"), {"full_name": parent.full_name, "relationship": "mum", "email": "a@example.com"}
    )
    nurse_client.post(rec(session, child, "route"), {"route": "phone"})
    nurse_client.post(rec(session, child, "agree"), {"programme_hpv": "given"})
    nurse_client.post(rec(session, child, "health"), HEALTH_NO)
    nurse_client.get(rec(session, child, "check"))
    key = f"consent_record:{session.pk}:{child.pk}"
    answers = nurse_client.session[key]
    assert nurse_client.post(rec(session, child, "check"))["Location"] == reverse("consent:tab", args=[session.pk])
    store = nurse_client.session
    store[key] = answers  # the other tab still has them
    store.save()
    second = nurse_client.post(rec(session, child, "check"), follow=True)
    assert second.redirect_chain[-1][0] == reverse("consent:tab", args=[session.pk])
    assert f"This consent response for {child.full_name} was already recorded" in visible_text(second.content.decode())
    assert ConsentResponse.objects.filter(child=child).count() == 1
    assert Message.objects.filter(child=child, kind="consent_confirmation_given").count() == 1
    # Starting again records a new response: the claim is for one set of answers only.
    nurse_client.get(rec(session, child) + "?restart=1")
    nurse_client.post(rec(session, child), {"who": "child"})
    nurse_client.post(rec(session, child, "agree"), {"programme_hpv": "refused"})
    nurse_client.post(rec(session, child, "reason"), {"reason": "personal_choice"})
    nurse_client.post(rec(session, child, "check"))
    assert ConsentResponse.objects.filter(child=child).count() == 2


@pytest.mark.parametrize(
    "phone",
    [
        "²²²²²²²²²²²",  # superscript twos: str.isdigit() says yes, nobody can dial them
        "٠٧٧٠٠ ٩٠٠ ١١١",  # Arabic-Indic digits: a number Notify cannot text or a nurse dial
        "０７７００ ９００ １１１",  # fullwidth digits
        "07700 ９００ 111",
    ],
)
def test_a_phone_number_in_digits_other_than_0_to_9_is_refused(nurse_client, session, phone):
    child = add_child(session)
    nurse_client.post(rec(session, child), {"who": "new"})
    response = nurse_client.post(
        rec(session, child, "parent"),
        {"full_name": "Gran Smith", "relationship": "mum", "phone": phone, "phone_receive_updates": "yes"},
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "There is a problem" in text and "Enter a phone number using the digits 0 to 9, like 07700 900 982" in text
    assert not Parent.objects.filter(full_name="Gran Smith").exists()
    assert "parent" not in nurse_client.session[f"consent_record:{session.pk}:{child.pk}"]


def test_choices_not_on_the_page_are_refused_in_words_not_djangos(nurse_client, session, team):
    """A contact removed while the page was open (or a tampered radio value) was "Select a valid
    choice. parent:520 is not one of the available choices."."""
    from patients.models import ParentRelationship

    child = add_child(session)
    relationship = child.relationships.get()
    page = nurse_client.get(rec(session, child)).content.decode()
    assert f"parent:{relationship.parent_id}" in page
    ParentRelationship.objects.filter(pk=relationship.pk).delete()  # meanwhile, elsewhere
    text = visible_text(
        nurse_client.post(rec(session, child), {"who": f"parent:{relationship.parent_id}"}).content.decode()
    )
    assert "That contact is no longer on the child’s record. Choose who you are trying to get consent from" in text
    nurse_client.post(rec(session, child), {"who": "new"})
    checks = [
        (
            "parent",
            {"full_name": "A", "relationship": "aunt", "email": "a@example.com"},
            "Choose the relationship to the child",
        ),
        (
            "parent",
            {"full_name": "A", "relationship": "mum", "email": "a@example.com", "parental_responsibility": "maybe"},
            "Choose if they have parental responsibility",
        ),
        (
            "parent",
            {"full_name": "A", "relationship": "mum", "phone": "07700900111", "phone_receive_updates": "x"},
            "Choose if they want updates by text message",
        ),
        ("route", {"route": "pigeon"}, "Choose how the response was given"),
    ]
    for step, data, message in checks:
        text = visible_text(nurse_client.post(rec(session, child, step), data).content.decode())
        assert message in text and "Select a valid choice" not in text, (step, data)
        if step == "parent":
            nurse_client.post(
                rec(session, child, "parent"), {"full_name": "A", "relationship": "mum", "email": "a@example.com"}
            )
    nurse_client.post(rec(session, child, "route"), {"route": "phone"})
    text = visible_text(
        nurse_client.post(
            rec(session, child, "agree"), {"programme_flu": "maybe", "programme_hpv": "given"}
        ).content.decode()
    )
    assert "Choose if they agree to the Flu vaccination" in text and "Select a valid choice" not in text
    nurse_client.post(rec(session, child, "agree"), {"programme_flu": "refused", "programme_hpv": "given"})
    text = visible_text(
        nurse_client.post(rec(session, child, "health"), {**HEALTH_NO, "allergies": "x"}).content.decode()
    )
    assert (
        "Answer the question: Does your child have any severe allergies?" in text
        and "Select a valid choice" not in text
    )
    nurse_client.post(rec(session, child, "health"), HEALTH_NO)
    text = visible_text(nurse_client.post(rec(session, child, "reason"), {"reason": "x"}).content.decode())
    assert "Choose a reason for refusal" in text and "Select a valid choice" not in text
    triage = reverse("consent:triage", args=[session.pk, child.pk, "hpv"])
    text = visible_text(nurse_client.post(triage, {"status": "x"}).content.decode())
    assert "Choose if it is safe to vaccinate" in text and "Select a valid choice" not in text
    assert not ConsentResponse.objects.exists() and not Triage.objects.exists()


def answer_up_to_check(client, session, child):
    """A parent's answers (flu refused, HPV given) up to the check page; returns the token."""
    token, url = link_for(session, child)
    client.post(url, {"confirm": "yes"})
    client.post(step_url(token, "parent"), PARENT)
    client.post(step_url(token, "consent"), {"programme_flu": "refused", "programme_hpv": "given"})
    client.post(step_url(token, "health"), HEALTH_NO)
    client.post(step_url(token, "reason"), {"reason": "personal_choice"})
    return token


def test_a_double_submit_records_once(client, session):
    child = add_child(session)
    token = answer_up_to_check(client, session, child)
    client.get(step_url(token, "check"))
    # Two tabs on the check page: the second submit finds the answers already claimed.
    key = "consent_form:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    answers = client.session[key]
    client.post(step_url(token, "check"))
    store = client.session
    store[key] = answers  # the other tab still has them
    store.save()
    assert client.post(step_url(token, "check"))["Location"] == reverse("consent:parent_form_done", args=[token])
    assert ConsentResponse.objects.filter(child=child).count() == 2


def test_a_double_click_on_submit_shows_the_parent_their_answers_were_sent(client, session):
    """Two requests at once from one browser: each loaded the session before the other saved it.
    The second waits for the first's claim, then saves its own copy of the session last: it must
    not leave the parent on the start of the form, thinking nothing was sent."""
    child = add_child(session)
    token = answer_up_to_check(client, session, child)
    client.get(step_url(token, "check"))
    key = "consent_form:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    as_loaded = dict(client.session.items())  # what the second click's request loaded
    assert client.post(step_url(token, "check"))["Location"] == reverse("consent:parent_form_done", args=[token])
    store = client.session
    for name in list(store.keys()):
        del store[name]
    store.update(as_loaded)  # the first click's save, overwritten by the second's
    store.save()
    second = client.post(step_url(token, "check"))
    assert second["Location"] == reverse("consent:parent_form_done", args=[token])
    done = client.get(second["Location"])
    assert done.status_code == 200
    page = visible_text(done.content.decode())
    assert "Your answers have been sent" in page and "What you told us Flu No HPV Yes" in page
    assert key not in client.session  # nothing typed is kept once sent
    assert ConsentResponse.objects.filter(child=child).count() == 2  # recorded once: flu and HPV
    assert Message.objects.filter(child=child, kind__startswith="consent_confirmation", channel="email").count() == 1


def test_the_parents_form_records_while_redis_is_down(client, session, settings):
    # Nothing listens on port 1: every cache call would fail as in a Redis outage.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    child = add_child(session)
    token = answer_up_to_check(client, session, child)
    assert client.post(step_url(token, "check"))["Location"] == reverse("consent:parent_form_done", args=[token])
    assert sorted(ConsentResponse.objects.filter(child=child).values_list("response", flat=True)) == [
        "given",
        "refused",
    ]


def test_after_recording_the_nurse_returns_to_the_filter_they_were_on(nurse_client, session):
    child = add_child(session)
    nurse_client.get(reverse("consent:tab", args=[session.pk]) + "?status=no_response")
    nurse_client.post(rec(session, child), {"who": "new"})
    nurse_client.post(
        rec(session, child, "parent"),
        {"full_name": "Gran Smith", "relationship": "mum", "phone": "07700900222", "phone_receive_updates": "no"},
    )
    nurse_client.post(rec(session, child, "route"), {"route": "phone"})
    nurse_client.post(rec(session, child, "agree"), {"programme_flu": "refused", "programme_hpv": "refused"})
    nurse_client.post(rec(session, child, "reason"), {"reason": "personal_choice"})
    done = nurse_client.post(rec(session, child, "check"))
    assert done["Location"] == reverse("consent:tab", args=[session.pk]) + "?status=no_response"


def test_parents_form_speaks_as_the_parents_service_and_explains_the_vaccines(client, session):
    child = add_child(session)
    token, url = link_for(session, child)
    html = client.get(url).content.decode()
    text = visible_text(html)
    assert "Manage vaccinations in schools" not in text
    assert "<title>Give or refuse consent for vaccinations – Give or refuse consent for vaccinations</title>" in html
    assert 'href="https://www.nhs.uk/vaccinations/hpv-vaccine/"' in html
    assert "human papillomavirus" in text and "Read about the children’s flu vaccine on the NHS website" in text
    # A community clinic: where and when it is, and how to book.
    assert "Booking a clinic appointment" in text
    assert session.team.phone in text
    first = session.dates.order_by("value").first().value
    assert f"{first.day} {first:%B %Y}" in text

    client.post(url, {"confirm": "yes"})
    about_you = visible_text(client.get(step_url(token, "parent")).content.decode())
    assert "Do you have parental responsibility?" in about_you and "Do they have" not in about_you
    client.post(step_url(token, "parent"), PARENT)
    client.post(step_url(token, "consent"), {"programme_flu": "given_nasal_or_injection", "programme_hpv": "refused"})
    client.post(step_url(token, "health"), HEALTH_NO)
    client.post(step_url(token, "reason"), {"reason": "personal_choice"})
    done = client.post(step_url(token, "check"))
    html = client.get(done["Location"]).content.decode()
    text = visible_text(html)
    assert "What you told us" in text and html.count("nhsuk-summary-list__key") == 2
    assert "Booking a clinic appointment" in text
