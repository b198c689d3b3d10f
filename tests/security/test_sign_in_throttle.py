"""One throttle for the sign-in page and the Django admin, on real Redis (mavis/throttle.py)."""

import threading

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


@pytest.fixture
def behind_the_load_balancer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_FAILURE_LIMIT = 5


def sign_in(client, username, password, address):
    return client.post(
        reverse("mavis:sign_in"), {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_admin_sign_in_is_throttled(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    for _ in range(28):
        client.post(reverse("admin:login"), {"username": admin.username, "password": "wrong"})
    response = client.post(reverse("admin:login"), {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 200 and not signed_in(client)
    # The same limit holds on the service's own page: one throttle for both.
    assert b"Too many failed attempts" in sign_in(Client(), admin.username, PASSWORD, "").content


@pytest.mark.django_db
def test_guessing_from_one_address_does_not_lock_the_nurse_out_elsewhere(behind_the_load_balancer):
    nurse = UserFactory()
    attacker = Client()
    for _ in range(5):
        sign_in(attacker, nurse.username, "wrong", "203.0.113.9")
    # Locked for the attacker's address, even with the right password or a forged header.
    assert b"Too many failed attempts" in sign_in(attacker, nurse.username, PASSWORD, "203.0.113.9").content
    assert b"Too many" in sign_in(attacker, nurse.username, PASSWORD, "198.51.100.7, 203.0.113.9").content
    assert not signed_in(attacker)
    # The nurse, at the clinic, behind the same load balancer.
    nurse_client = Client()
    assert sign_in(nurse_client, nurse.username, PASSWORD, "198.51.100.7").status_code == 302
    assert signed_in(nurse_client)


@pytest.mark.django_db
def test_spraying_one_password_over_many_usernames_is_limited_per_address(behind_the_load_balancer, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    users = [UserFactory() for _ in range(12)]
    sprayer = Client()
    answers = [sign_in(sprayer, user.username, "Winter2026!", "203.0.113.9").content for user in users]
    assert sum(b"Enter a correct username and password" in a for a in answers) == 10
    assert all(b"Too many failed attempts" in a for a in answers[10:])
    # Successful sign-ins from a shared office address give their count back.
    office = "198.51.100.7"
    for user in users:
        assert sign_in(Client(), user.username, PASSWORD, office).status_code == 302


@pytest.mark.django_db
def test_one_username_from_many_addresses_is_slowed_not_locked(behind_the_load_balancer, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 3
    nurse = UserFactory()
    for n in range(3):
        sign_in(Client(), nurse.username, "wrong", f"203.0.113.{n}")
    # Past the limit, one attempt per interval from anywhere: the nurse's gets in...
    assert sign_in(Client(), nurse.username, PASSWORD, "198.51.100.7").status_code == 302
    # ...and the next guess straight after is refused.
    assert b"Too many" in sign_in(Client(), nurse.username, "wrong", "203.0.113.50").content


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_cannot_pass_the_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    nurse = UserFactory()
    results, start = [], threading.Barrier(30)

    def guess():
        request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
        start.wait()
        try:
            authenticate(request, username=nurse.username, password="wrong")
            results.append(getattr(request, "sign_in_throttled", False))
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 30
    # At most the limit reached the password check. Fewer is possible and safe: under load a thread
    # can count its pair within the limit and the username past 20 (the slow lane) in between.
    assert 1 <= results.count(False) <= 5
