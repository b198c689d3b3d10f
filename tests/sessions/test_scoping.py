"""Every sessions URL answers 404 for another team's session or child (never 403, never data)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests.sessions.factories import SessionFactory, member, ready_to_vaccinate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def urls(session, child):
    s, c = session.pk, child.pk
    return [
        reverse("sessions:session", args=[s]),
        reverse("sessions:children", args=[s]),
        reverse("sessions:register", args=[s]),
        reverse("sessions:record", args=[s]),
        reverse("sessions:edit", args=[s]),
        reverse("sessions:edit_programmes", args=[s]),
        reverse("sessions:edit_dates", args=[s]),
        reverse("sessions:edit_message_date", args=[s, "consent-request-date"]),
        reverse("sessions:child", args=[s, c]),
        reverse("sessions:child_activity", args=[s, c]),
        reverse("sessions:vaccinate_step", args=[s, c, "flu", "identity"]),
    ]


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_every_url_is_404_for_another_team(client, nurse, other_nurse, team, other_team):
    session = SessionFactory(team=team, dates=[TODAY])
    child = member(session)
    ready_to_vaccinate(child)
    client.force_login(nurse)
    for url in urls(session, child):
        assert client.get(url).status_code == 200, url
    client.force_login(other_nurse)
    for url in urls(session, child):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"child_id": child.pk, "status": "attending", "text": "x"}).status_code == 404, url


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_child_of_another_team_in_own_session_is_404(nurse_client, team, other_team):
    session = SessionFactory(team=team, dates=[TODAY])
    other_session = SessionFactory(team=other_team, dates=[TODAY])
    stranger = member(other_session)
    for name in ("sessions:child", "sessions:child_activity"):
        assert nurse_client.get(reverse(name, args=[session.pk, stranger.pk])).status_code == 404
