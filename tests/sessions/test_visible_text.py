"""Pages read as text: no tags or entities shown to the nurse (the HTML alone looked right)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Message
from patients.models import CohortImport
from sessions.models import ActivityEvent
from tests.consent.factories import add_child, make_session
from tests.factories import ParentRelationshipFactory
from tests.sessions.factories import SessionFactory, member
from tests.text import assert_no_markup_in_text, visible_text

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_overview_status_and_consent_counts_are_markup_not_text(nurse_client, team):
    session = make_session(team, codes=("flu",))
    add_child(session)
    html = nurse_client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    text = visible_text(html)
    assert_no_markup_in_text(text)
    assert 'class="nhsuk-tag' in html
    assert f'href="{reverse("consent:tab", args=[session.pk])}?status=no_response">1 child<span' in html
    assert "1 child with no response" in text


@time_machine.travel(NOW, tick=False)
def test_message_not_delivered_warning_reads_as_a_sentence(nurse_client, team):
    session = make_session(team, codes=("flu",))
    child = add_child(session)
    relationship = ParentRelationshipFactory(child=child)
    ActivityEvent.objects.create(
        team=team,
        child=child,
        session=session,
        kind="clinic_invitation_sent",
        actor="automatic",
        channel="email",
        recipient=relationship.parent.email,
        delivery_status="permanent-failure",
        created_at=NOW - datetime.timedelta(minutes=5),
    )
    html = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    text = visible_text(html)
    assert_no_markup_in_text(text)
    assert f"Message not delivered The last email to {relationship.parent.email}" in text.replace("Important: ", "")


@time_machine.travel(NOW, tick=False)
def test_a_message_not_yet_with_notify_reads_sending_everywhere(nurse_client, team):
    session = make_session(team, codes=("flu",))
    child = add_child(session)
    relationship = ParentRelationshipFactory(child=child)
    ActivityEvent.objects.create(
        team=team,
        child=child,
        session=session,
        kind="clinic_invitation_sent",
        actor="automatic",
        channel="email",
        recipient=relationship.parent.email,
        delivery_status="pending",
        created_at=NOW - datetime.timedelta(minutes=5),
    )
    text = visible_text(nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode())
    assert "Waiting to send" not in text
    assert "Clinic invitation sent by email on 23 November 2026: Sending" in text  # Latest message
    activity = reverse("sessions:child_activity", args=[session.pk, child.pk])
    text = visible_text(nurse_client.get(activity).content.decode())
    assert "Sending" in text and "Waiting to send" not in text
    assert Message(status="pending").get_status_display() == "Sending"  # the admin's Messages


def test_a_queued_import_says_waiting_to_start_once(nurse_client, team):
    item = CohortImport.objects.create(team=team, file_name="a.csv", content="x")
    text = visible_text(nurse_client.get(reverse("patients:cohort_import", args=[item.pk])).content.decode())
    assert text.count("Waiting to start") == 1
    assert "it starts by itself when it can" in text


@time_machine.travel(NOW, tick=False)
def test_child_record_lists_session_dates_not_a_range(nurse_client, team):
    dates = [datetime.date(2027, 1, 5), datetime.date(2027, 2, 2), datetime.date(2027, 3, 3)]
    session = SessionFactory(team=team, dates=dates)
    child = member(session)
    text = visible_text(nurse_client.get(reverse("patients:child", args=[child.pk])).content.decode())
    assert "5 January 2027 to" not in text
    assert "dates: 5 January 2027, 2 February 2027 and 3 March 2027" in text
