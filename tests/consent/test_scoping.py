"""Every consent URL answers 404 for another team's session, child or response (never 403, never data)."""

import pytest
from django.urls import reverse

from consent.models import ConsentRequest, ConsentResponse
from tests.consent.factories import add_child, make_session, record

pytestmark = pytest.mark.django_db


def urls(session, child, response):
    s, c = session.pk, child.pk
    return [
        reverse("consent:tab", args=[s]),
        reverse("consent:record_start", args=[s, c]),
        reverse("consent:record_step", args=[s, c, "agree"]),
        reverse("consent:withdraw", args=[s, c, response.pk]),
        reverse("consent:invalidate", args=[s, c, response.pk]),
        reverse("consent:triage", args=[s, c, "hpv"]),
    ]


def test_every_url_is_404_for_another_team(client, nurse, other_nurse, team):
    session = make_session(team)
    child = add_child(session)
    response = record(session, child, "hpv", "given", health_yes=True)
    client.force_login(nurse)
    for url in urls(session, child, response):
        assert client.get(url).status_code in (200, 302), url
    client.force_login(other_nurse)
    for url in urls(session, child, response):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "status": "safe_to_vaccinate", "who": "child"}).status_code == 404, url
    assert client.post(reverse("consent:request_send", args=[session.pk, child.pk])).status_code == 404
    assert not ConsentRequest.objects.exists()
    response.refresh_from_db()
    assert response.withdrawn_at is None and response.invalidated_at is None
    assert ConsentResponse.objects.count() == 1


def test_own_session_with_another_teams_child_or_response_is_404(nurse_client, team, other_team):
    session = make_session(team)
    mine = add_child(session)
    other_session = make_session(other_team)
    stranger = add_child(other_session)
    theirs = record(other_session, stranger, "hpv", "given")
    assert nurse_client.get(reverse("consent:record_start", args=[session.pk, stranger.pk])).status_code == 404
    assert nurse_client.get(reverse("consent:triage", args=[session.pk, stranger.pk, "hpv"])).status_code == 404
    assert nurse_client.get(reverse("consent:withdraw", args=[session.pk, mine.pk, theirs.pk])).status_code == 404
    assert nurse_client.get(reverse("consent:invalidate", args=[session.pk, mine.pk, theirs.pk])).status_code == 404
    assert nurse_client.post(reverse("consent:request_send", args=[session.pk, stranger.pk])).status_code == 404
    assert not ConsentRequest.objects.exists()
