import datetime

import pytest
import time_machine
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from mavis.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_healthcheck_is_public(client):
    response = client.get("/healthcheck")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_database_and_redis(client):
    response = client.get("/readiness")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "notify": "ok"}


def test_pages_need_sign_in(client):
    response = client.get(reverse("patients:children"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mavis:sign_in"))


def test_sign_in_and_audit(client, nurse):
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.signed_in", user=nurse).count() == 1


def test_wrong_password_shows_error_summary(client, nurse):
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"Enter a correct username and password" in response.content


def test_sign_in_is_throttled_after_repeated_failures(client, nurse, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "wrong"})
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "correct-horse-battery"})
    assert response.status_code == 200
    assert b"Too many failed attempts" in response.content


def test_security_headers(nurse_client):
    response = nurse_client.get(reverse("patients:children"))
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_expires_after_30_minutes_idle(client, nurse):
    start = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)
    children = reverse("patients:children")

    def expiry():
        return Session.objects.get(session_key=client.session.session_key).expire_date

    with time_machine.travel(start, tick=False) as clock:
        client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "correct-horse-battery"})
        assert expiry() == start + datetime.timedelta(minutes=30)
        clock.shift(datetime.timedelta(seconds=30))
        assert client.get(children).status_code == 200
        assert expiry() == start + datetime.timedelta(minutes=30)  # saved at most once a minute
        clock.shift(datetime.timedelta(minutes=20))
        assert client.get(children).status_code == 200
        assert expiry() == start + datetime.timedelta(minutes=50, seconds=30)
        clock.shift(datetime.timedelta(minutes=31))
        # Redis drops its copy of the session in real time; the database's expiry is the record.
        cache.delete(SessionStore(client.session.session_key).cache_key)
        response = client.get(children)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mavis:sign_in"))


def test_unknown_url_is_nhs_404(nurse_client):
    response = nurse_client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_sign_out_needs_post(nurse_client):
    assert nurse_client.get(reverse("mavis:sign_out")).status_code == 405
    response = nurse_client.post(reverse("mavis:sign_out"))
    assert response.status_code == 302
    assert nurse_client.get(reverse("patients:children")).status_code == 302


def test_nurses_sign_in_and_work_while_redis_is_down(client, nurse, settings):
    # Nothing listens on port 1: every cache call fails as it would in a Redis outage.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "wrong"})
    assert b"Enter a correct username and password" in response.content
    response = client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get(reverse("patients:children")).status_code == 200
    assert client.get(reverse("sessions:list")).status_code == 200
    assert client.get("/readiness").json()["checks"]["redis"] != "ok"
