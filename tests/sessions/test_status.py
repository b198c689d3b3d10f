"""Statuses come from dates alone, in London time (midnight in London, not UTC)."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sessions.models import Session
from sessions.status import session_status
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 7, 1)  # British Summer Time: London is UTC+1


def status_at(session, utc):
    with time_machine.travel(utc, tick=False):
        session = Session.objects.prefetch_related("dates").get(pk=session.pk)
        return session_status(session, timezone.localdate())


def test_status_turns_over_at_london_midnight(team):
    session = SessionFactory(team=team, academic_year=2025, dates=[DAY])
    UTC = datetime.UTC
    assert status_at(session, datetime.datetime(2026, 6, 30, 22, 59, tzinfo=UTC)) == Session.Status.SCHEDULED
    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert status_at(session, datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == Session.Status.IN_PROGRESS
    assert status_at(session, datetime.datetime(2026, 7, 1, 22, 59, tzinfo=UTC)) == Session.Status.IN_PROGRESS
    assert status_at(session, datetime.datetime(2026, 7, 1, 23, 1, tzinfo=UTC)) == Session.Status.COMPLETED


def test_unscheduled_and_a_future_date_makes_completed_scheduled_again(team):
    session = SessionFactory(team=team, academic_year=2025)
    when = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC)
    assert status_at(session, when) == Session.Status.UNSCHEDULED
    session.dates.create(value=datetime.date(2026, 6, 1))
    assert status_at(session, when) == Session.Status.COMPLETED
    session.dates.create(value=datetime.date(2026, 7, 15))
    assert status_at(session, when) == Session.Status.SCHEDULED


def test_list_filters_agree_across_midnight(nurse_client, nurse, team):
    session = SessionFactory(team=team, academic_year=2025, dates=[DAY])
    link = f">{session.location_name}</a>"
    base = reverse("sessions:list") + "?year=2025&status="
    with time_machine.travel(datetime.datetime(2026, 6, 30, 22, 59, tzinfo=datetime.UTC), tick=False):
        assert link not in nurse_client.get(base + "in_progress").content.decode()
        assert link in nurse_client.get(base + "scheduled").content.decode()
    with time_machine.travel(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)  # 31 minutes on: the idle session has ended
        assert link in nurse_client.get(base + "in_progress").content.decode()
        assert link in nurse_client.get(base + "scheduled").content.decode()
    with time_machine.travel(datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC), tick=False):
        nurse_client.force_login(nurse)
        assert link in nurse_client.get(base + "completed").content.decode()
        assert link not in nurse_client.get(base + "scheduled").content.decode()
