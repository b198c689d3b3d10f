"""The parents' message after a vaccination outcome (consent.services.vaccination_outcome_message_enqueue,
called by sessions' vaccination_recorded hook inside vaccination_record_add's transaction)."""

import pytest
from django.db import transaction
from django.utils import timezone

from consent import services as consent_services
from mavis.dates import date_long
from mavis.extensions import HOOKS, Hook, slots_filled
from notifications import dispatch
from notifications.models import Message
from patients.models import Programme, VaccinationRecord
from sessions import services as session_services
from sessions.models import ActivityEvent, Attendance
from tests.celery_helpers import celery_worker  # noqa: F401 - fixture
from tests.consent.factories import add_child, make_session, record
from tests.factories import ParentRelationshipFactory, UserFactory
from tests.notifications.conftest import notify, notify_settings  # noqa: F401 - fixtures

Outcome = VaccinationRecord.Outcome


def outcome_messages(child):
    """The messages about the vaccination outcome (recording consent sent its own confirmation)."""
    return Message.objects.filter(child=child, kind__startswith="vaccination_")


def _ready(team, *, code="hpv", **child):
    """A child attending today whose first parent gave consent: ready for a nurse to vaccinate."""
    session = make_session(team, dates=(0,))
    child = add_child(session, **child)
    record(session, child, code, "given")
    nurse = UserFactory(team=team, first_name="Nora", last_name="Nurse")
    session_services.attendance_record(session=session, child=child, status=Attendance.Status.ATTENDING, user=nurse)
    return session, child, nurse


def _record(session, child, nurse, outcome=Outcome.VACCINATED, code="hpv"):
    details = {}
    if outcome == Outcome.VACCINATED:
        details = {"vaccine": "Gardasil 9", "batch": "GA1234", "method": "intramuscular", "site": "left_arm_upper"}
        if code == "flu":
            details |= {"vaccine": "Fluenz", "method": "nasal", "site": "nose"}
    return session_services.vaccination_record_add(
        session=session, child=child, programme=Programme.objects.get(code=code), outcome=outcome, user=nurse, **details
    )


@pytest.mark.django_db
def test_a_dose_sends_the_consenting_parent_a_confirmation_by_email_and_text(team):
    session, child, nurse = _ready(team)
    parent = child.relationships.get().parent
    vaccination = _record(session, child, nurse)

    messages = Message.objects.filter(child=child, kind="vaccination_confirmation").order_by("channel")
    assert [(m.channel, m.recipient, m.parent_id) for m in messages] == [
        ("email", parent.email, parent.pk),
        ("sms", "07700900123", parent.pk),
    ]
    personalisation = messages[0].personalisation
    assert personalisation["vaccine"] == "HPV (Gardasil 9)"
    assert personalisation["vaccination_date"] == date_long(timezone.localdate())
    assert personalisation["site"] == "injection in the left arm (upper position)"
    assert "sore, red or swollen" in personalisation["what_to_expect"]
    assert (personalisation["team_phone"], personalisation["team_email"]) == (team.phone, team.email)
    assert {m.key for m in messages} == {f"vaccination_record:{vaccination.pk}"}
    assert {m.sent_by_id for m in messages} == {nurse.pk}
    events = ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.MESSAGE_SENT)
    assert sorted(events.values_list("text", "channel")) == [
        ("Vaccination confirmation", "email"),
        ("Vaccination confirmation", "sms"),
    ]


@pytest.mark.django_db
def test_a_nasal_flu_dose_says_nasal_spray_and_what_to_expect_from_it(team):
    session, child, nurse = _ready(team, code="flu")
    _record(session, child, nurse, code="flu")
    personalisation = Message.objects.filter(child=child, kind="vaccination_confirmation").first().personalisation
    assert personalisation["vaccine"] == "Flu (Fluenz)"
    assert personalisation["site"] == "nasal spray"
    assert "runny or blocked nose" in personalisation["what_to_expect"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "reason", "next_step"),
    [
        (Outcome.ABSENT, "they were not at the session", "book a community clinic appointment now"),
        (Outcome.UNWELL, "they were not well enough to have it", "book a community clinic appointment now"),
        (Outcome.REFUSED, "they did not want to have it on the day", "Your consent still stands"),
        (Outcome.CONTRAINDICATIONS, "the nurse decided it should not be given that day", "A nurse will contact you"),
    ],
)
def test_no_dose_tells_the_parent_why_and_what_happens_next(team, outcome, reason, next_step):
    session, child, nurse = _ready(team)
    _record(session, child, nurse, outcome=outcome)
    messages = Message.objects.filter(child=child, kind="vaccination_not_given")
    assert messages.count() == 2
    personalisation = messages.first().personalisation
    assert personalisation["programme"] == "HPV"
    assert personalisation["reason"] == reason
    assert next_step in personalisation["next_steps"]
    if outcome in (Outcome.ABSENT, Outcome.UNWELL):
        assert team.booking_link in personalisation["next_steps"]
    assert not Message.objects.filter(child=child, kind="vaccination_confirmation").exists()


@pytest.mark.django_db
def test_the_message_commits_or_rolls_back_with_the_record_and_is_queued_once(team):
    session, child, nurse = _ready(team)
    with pytest.raises(RuntimeError), transaction.atomic():
        _record(session, child, nurse)
        raise RuntimeError("the rest of the confirmation failed")
    assert not VaccinationRecord.objects.filter(child=child).exists()
    assert not outcome_messages(child).exists()

    vaccination = _record(session, child, nurse)
    assert outcome_messages(child).count() == 2
    # Asked again for the same record (a retried task, a second listener): nothing more is queued.
    assert consent_services.vaccination_outcome_message_enqueue(record=vaccination, session=session, user=nurse) == []
    assert outcome_messages(child).count() == 2
    assert ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.MESSAGE_SENT).count() == 2


@pytest.mark.django_db
def test_who_hears_follows_consent_the_one_contact_rule_and_the_text_opt_in(team):
    session, child, nurse = _ready(team)
    consenting = child.relationships.get().parent
    consenting.phone_receive_updates = False  # email only: no text without the opt-in
    consenting.save()
    ParentRelationshipFactory(child=child)  # gave no response
    withdrawn = ParentRelationshipFactory(child=child).parent
    consent_services.consent_response_withdraw(
        response=record(session, child, "hpv", "given", parent=withdrawn), reason="Changed their mind", by=nurse
    )
    voice_only = ParentRelationshipFactory(child=child, parent__email="", parent__contact_method="voice").parent
    record(session, child, "hpv", "given", parent=voice_only)  # gave consent, but cannot get messages

    _record(session, child, nurse, outcome=Outcome.UNWELL)
    recipients = set(outcome_messages(child).values_list("parent_id", "channel"))
    assert recipients == {(consenting.pk, "email")}


@pytest.mark.django_db
def test_a_blocked_family_or_a_self_consenting_child_gets_no_message(team):
    session, child, nurse = _ready(team)
    child.restricted = True
    child.save()
    _record(session, child, nurse, outcome=Outcome.ABSENT)
    assert not outcome_messages(child).exists()

    other = add_child(session)
    consent_services.consent_response_record(
        team=team,
        child=other,
        session=session,
        answers=[consent_services.ProgrammeAnswer(Programme.objects.get(code="hpv"), "given")],
        route="self_consent",
        parent=None,
        relationship_label="",
        health_answers=[],
        recorded_by=nurse,
    )
    session_services.attendance_record(session=session, child=other, status=Attendance.Status.ATTENDING, user=nurse)
    _record(session, other, nurse)
    assert VaccinationRecord.objects.filter(child=other).exists()
    assert not outcome_messages(other).exists()


def test_a_required_hook_nobody_listens_to_fails_at_start_up_and_when_reached():
    hook = Hook("test.nobody_listens", required_by="consent")
    try:
        assert [error.id for error in slots_filled() if "test.nobody_listens" in error.msg] == ["mavis.E001"]
        with pytest.raises(Exception, match="Nothing listens"):
            hook.send(record=None)
    finally:
        HOOKS.remove(hook)
    assert not slots_filled()  # the project's own hooks all have listeners


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_reaches_the_local_notify(team, notify, celery_worker):  # noqa: F811
    session, child, nurse = _ready(team)
    vaccination = _record(session, child, nurse)
    ids = {str(pk) for pk in outcome_messages(child).values_list("pk", flat=True)}
    assert len(ids) == 2

    # dispatch_due was enqueued on commit; the worker sends both through the real client.
    assert dispatch.wait_for(lambda: ids <= set(notify.by_reference()), 30, 0.05), Message.objects.values_list(
        "status", "status_reason"
    )
    sent = {n["type"]: n for reference in ids for n in notify.by_reference()[reference]}
    email, text = sent["email"], sent["sms"]
    assert email["email_address"] == child.relationships.get().parent.email
    assert email["subject"] == f"{child.full_name} has had their HPV (Gardasil 9) vaccination"
    for words in (
        "Vaccine: HPV (Gardasil 9)",
        f"Date: {date_long(timezone.localdate())}",
        "How it was given: injection in the left arm (upper position)",
        "sore, red or swollen",
        f"contact {team.name} on {team.phone} or {team.email}",
    ):
        assert words in email["body"], words
    assert text["phone_number"] == "07700900123"
    assert "HPV (Gardasil 9)" in text["body"] and team.phone in text["body"]
    # The worker writes Notify's answer back after the batch: both rows leave pending.
    assert dispatch.wait_for(lambda: not outcome_messages(child).filter(status="pending").exists(), 10, 0.05)
    assert vaccination.pk
