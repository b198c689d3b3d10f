"""No personal data in logs: names, NHS numbers, emails and phones never reach a log line."""

import logging

import pytest
from django.urls import reverse

from tests.factories import ParentRelationshipFactory

pytestmark = pytest.mark.django_db


def test_browsing_and_failed_sign_in_log_no_personal_data(client, nurse, caplog):
    relationship = ParentRelationshipFactory(child__team=nurse.teams.first())
    child, parent = relationship.child, relationship.parent
    caplog.set_level(logging.DEBUG)
    client.post(reverse("mavis:sign_in"), {"username": nurse.username, "password": "wrong"})
    client.force_login(nurse)
    client.get(reverse("patients:children"), {"q": child.family_name})
    client.get(reverse("patients:child", args=[child.pk]))
    client.get(reverse("patients:child", args=[child.pk + 10_000]))  # a 404 is logged
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Not Found" in logged  # the log is captured, so the checks below mean something
    for personal in (child.given_name, child.family_name, child.nhs_number, parent.email, parent.phone, "wrong"):
        assert personal not in logged
