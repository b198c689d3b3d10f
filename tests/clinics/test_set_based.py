"""The set-based sends (issue 16): one statement writes invitations, messages and activity events.
What it writes must be exactly the rows the rules give: one message per parent and channel the
parent can receive (patients.statuses), each with its own event, and the personalisation the
templates expect, word for word."""

import datetime

import pytest

from clinics import services
from clinics.models import ClinicInvitation
from mavis.dates import date_long
from notifications.models import Message
from notifications.templates import template_id
from patients.models import Parent, Programme
from sessions.models import ActivityEvent
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.factories import ParentFactory, ParentRelationshipFactory, UserFactory, VaccinationRecordFactory

TODAY = datetime.date(2026, 11, 23)
DATES = [datetime.date(2026, 12, 10), datetime.date(2027, 1, 14), datetime.date(2027, 2, 4)]


def words(items):
    """How a list reads in a message: 'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def expected_personalisation(team, child, codes, dates=DATES):
    names = dict(Programme.objects.values_list("code", "name"))
    return {
        "child_name": child.full_name,
        "child_short_name": child.short_name,
        "vaccinations": words([names[code] for code in codes]),
        "next_clinic_date": date_long(dates[0]),
        "clinic_dates": words([date_long(d) for d in dates]),
        "booking_link": team.booking_link,
        "team_name": team.name,
        "team_email": team.email,
        "team_phone": team.phone,
        "privacy_notice_url": team.privacy_notice_url,
    }


def expected_messages(team, children):
    """(child, parent, channel, recipient) for every parent and channel the one rule allows."""
    rows = set()
    for child in children:
        for parent in Parent.objects.with_channels().filter(relationships__child=child):
            if parent.can_receive_email:
                rows.add((child.pk, parent.pk, "email", parent.email))
            if parent.can_receive_texts:
                rows.add((child.pk, parent.pk, "sms", parent.phone))
    return rows


@pytest.fixture
def clinic(team):
    return clinic_session(team, [datetime.date(2026, 11, 2), *DATES])


def test_the_sweep_writes_exactly_the_expected_rows(team, clinic):
    plain = make_child(team, session=clinic)
    preferred = make_child(team, session=clinic, given_name="Zoë", family_name="O'Brien", preferred_given_name="Zo")
    text_only = make_child(team, session=clinic, parent={"email": "", "phone": "07700900111", "contact_method": "text"})
    voice_only = make_child(team, session=clinic, parent={"phone": "07700900222", "contact_method": "voice"})
    ParentRelationshipFactory(child=plain, parent=ParentFactory(team=team, email="second@example.com", phone=""))
    half = make_child(team, session=clinic)
    VaccinationRecordFactory(
        child=half,
        programme=Programme.objects.get(code="flu"),
        performed_at=datetime.datetime(2026, 10, 1, 10, 0, tzinfo=datetime.UTC),
    )
    children = [plain, preferred, text_only, voice_only, half]

    [result] = services.team_sweep(team=team, today=TODAY, claim=False)

    messages = Message.objects.filter(session=clinic)
    assert result.automatic == 5
    assert result.messages == messages.count()
    assert set(messages.values_list("child_id", "parent_id", "channel", "recipient")) == expected_messages(
        team, children
    )
    for message in messages:
        child = next(c for c in children if c.pk == message.child_id)
        codes = ClinicInvitation.objects.get(child=child).programmes
        assert codes == (["hpv"] if child == half else ["flu", "hpv"])
        assert message.personalisation == expected_personalisation(team, child, codes)
        assert message.template_id == template_id(team, Message.Kind.CLINIC_INVITATION, message.channel)
        assert (message.status, message.attempts, message.ambiguous, message.sent_by_id) == ("pending", 0, False, None)
    # One activity event per message, each pointing at the other.
    events = ActivityEvent.objects.filter(session=clinic, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT)
    assert {(e.message_id, e.id) for e in events} == set(messages.values_list("id", "activity_event_id"))
    for event in events:
        message = messages.get(pk=event.message_id)
        assert (event.child_id, event.channel, event.recipient) == (
            message.child_id,
            message.channel,
            message.recipient,
        )
        assert event.details == {"parent": message.parent.full_name, "message_kind": "clinic_invitation"}
        assert (event.actor, event.delivery_status) == ("automatic", "pending")


def test_one_programme_and_one_date_read_without_and(team):
    clinic = clinic_session(team, [DATES[0]], codes=("hpv",))
    child = make_child(team, session=clinic)
    services.team_sweep(team=team, today=TODAY, claim=False)
    personalisation = Message.objects.filter(child=child).first().personalisation
    assert (personalisation["vaccinations"], personalisation["clinic_dates"]) == ("HPV", date_long(DATES[0]))


def test_a_reminder_is_sent_by_the_nurse_who_pressed_the_button(team, clinic):
    nurse = UserFactory(team=team, first_name="Nora", last_name="Nurse")
    child = make_child(team, session=clinic)
    services.team_sweep(team=team, today=TODAY, claim=False)
    # The day after the first clinic: reminders are for the next one (the first was invited for).
    sent = services.booking_reminders_send(clinic=clinic, user=nurse, today=datetime.date(2026, 12, 11))
    reminders = Message.objects.filter(kind=Message.Kind.CLINIC_BOOKING_REMINDER)
    assert sent.invited == 1 and sent.messages == reminders.count() == 2
    assert set(reminders.values_list("sent_by_id", flat=True)) == {nurse.pk}
    events = ActivityEvent.objects.filter(kind=ActivityEvent.Kind.BOOKING_REMINDER_SENT, child=child)
    assert set(events.values_list("actor", "user_id")) == {("Nora Nurse", nurse.pk)}
    assert reminders.first().personalisation == expected_personalisation(team, child, ["flu", "hpv"], DATES[1:])


@pytest.mark.django_db
def test_hostile_names_reach_the_messages_exactly(team, clinic):
    """Quotes, %, %%s, placeholders, non-Latin letters and long names are values, never SQL."""
    team.name = "St Mary's %s %% %(x)s Team 😀"
    team.phone = "0114 %% 496"
    team.save()
    long_name = "Ω" * 100  # the longest a name can be
    odd = make_child(
        team,
        session=clinic,
        given_name="%s'); DROP TABLE x;--",
        family_name=long_name,
        preferred_given_name="%%s \\ ‮",
        parent={"full_name": "Ann %(name)s O'Neil", "email": "ann@example.com", "phone": ""},
    )
    services.team_sweep(team=team, today=TODAY, claim=False)
    team.refresh_from_db()
    message = Message.objects.get(child=odd)
    assert message.personalisation == expected_personalisation(team, odd, ["flu", "hpv"])
    assert message.personalisation["child_name"] == f"%s'); DROP TABLE x;-- {long_name}"
    event = ActivityEvent.objects.get(message_id=message.pk)
    assert event.details["parent"] == "Ann %(name)s O'Neil"


def test_no_bulk_send_builds_a_model_instance_per_row(team, clinic):
    """The sweep, Send clinic invitations and Send booking reminders write their invitations,
    messages and events in SQL: not one of those model instances is built in Python, however many
    children (Build 3: instances and bulk_create were most of the sweep's time)."""
    from django.db.models.signals import pre_init

    from tests.clinics.factories import school_session
    from tests.factories import SchoolFactory

    school = SchoolFactory(team=team)
    completed = school_session(team, [datetime.date(2026, 10, 6)], school=school)
    swept = [make_child(team, session=clinic) for _ in range(3)]
    from_school = [make_child(team, school=school, session=completed) for _ in range(3)]
    built = []

    def count(sender, **_):
        built.append(sender.__name__)

    for model in (ClinicInvitation, Message, ActivityEvent):
        pre_init.connect(count, sender=model, weak=False)
    try:
        [swept_result] = services.team_sweep(team=team, today=TODAY, claim=False)
        sent = services.clinic_invitations_send_from_school(school_session=completed, user=None, today=TODAY)
        reminded = services.booking_reminders_send(clinic=clinic, user=None, today=datetime.date(2026, 12, 11))
    finally:
        for model in (ClinicInvitation, Message, ActivityEvent):
            pre_init.disconnect(count, sender=model)
    assert (swept_result.automatic, sent.invited) == (len(swept), len(from_school))
    assert reminded.invited == len(swept) + len(from_school)
    assert Message.objects.filter(kind=Message.Kind.CLINIC_BOOKING_REMINDER).count() == reminded.messages > 0
    assert built == []
