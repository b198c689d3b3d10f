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


# Consent tokens ------------------------------------------------------------------------------


@pytest.fixture
def handler_output():
    """What the configured handlers really write (caplog's own handler would skip their filters)."""
    import io

    out = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.filters]
    assert handlers, "no filtered handler on the root logger"
    previous = [h.setStream(out) for h in handlers]
    yield out
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def test_consent_tokens_never_reach_a_log_line(client, handler_output):
    import datetime

    from django.test import Client
    from django.utils import timezone

    from consent import tokens
    from sessions.models import SessionDate
    from tests.consent.factories import add_child, make_session

    session = make_session(ParentRelationshipFactory().child.team)
    child = add_child(session)
    token = tokens.make_token(
        child=child, session=session, programmes=session.programmes.all(), parent=child.relationships.get().parent
    )
    path = reverse("consent:parent_form", args=[token])
    # django.request: Not Found
    assert client.get(path + "/no-such-step").status_code == 404
    # django.security.csrf: Forbidden (CSRF cookie not set.)
    assert Client(enforce_csrf_checks=True).post(path, {"confirm": "yes"}).status_code == 403
    # django.server (runserver's request line), with a full URL too
    logging.getLogger("django.server").warning('"%s" %s %s', f"GET {path} HTTP/1.1", "404", "12")
    logging.getLogger("django.request").warning("Referer: http://testserver%s", path)
    # django.request: Gone (the consent window has closed)
    SessionDate.objects.filter(session=session).update(value=timezone.localdate() - datetime.timedelta(days=1))
    assert client.get(path).status_code == 410

    logged = handler_output.getvalue()
    for expected in ("Not Found: /consent/[redacted]", "CSRF cookie not set", "Gone: /consent/[redacted]"):
        assert expected in logged
    assert logged.count("/consent/[redacted]") == 5
    assert token not in logged


def test_the_redaction_leaves_staff_consent_paths_alone():
    from mavis.log_redaction import redact

    assert redact("Not Found: /sessions/1/children/2/consent/record") == (
        "Not Found: /sessions/1/children/2/consent/record"
    )
    assert redact('"GET /consent/abc.def:ghi/check HTTP/1.1"') == '"GET /consent/[redacted]/check HTTP/1.1"'
