import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from notifications import local_notify
from notifications.local_notify import templates as local_templates
from notifications.models import Message
from notifications.personalisation import REQUIRED
from notifications.templates import template_id
from tests.notifications.conftest import family

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_to_start_without_a_notify_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFY_")}
    env.update(MAVIS_ENVIRONMENT="production", DJANGO_SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="mavis.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "NOTIFY_API_KEY is not set" in result.stderr


def test_every_kind_and_channel_has_a_local_template_using_only_required_keys(settings):
    built = local_templates.build(settings.NOTIFY_TEMPLATES)
    for key, template_uuid in settings.NOTIFY_TEMPLATES.items():
        kind, channel = key.split(".")
        template = built[str(uuid.UUID(template_uuid))]
        assert template["type"] == channel
        assert set(template["placeholders"]) <= set(REQUIRED[kind]), key
    for kind in ("clinic_invitation", "clinic_booking_reminder"):
        # the invitation email carries everything the spec promises parents
        assert set(built[str(uuid.UUID(settings.NOTIFY_TEMPLATES[f"{kind}.email"]))]["placeholders"]) == set(
            REQUIRED[kind]
        ), kind


@pytest.mark.django_db
def test_team_override_of_a_template_id(team):
    override = str(uuid.uuid4())
    team.notify_template_overrides = {"clinic_invitation.sms": override}
    assert str(template_id(team, "clinic_invitation", "sms")) == override
    assert str(template_id(team, "clinic_invitation", "email")) != override


def test_local_notify_rejects_bad_requests_like_notify(settings):
    from notifications_python_client.errors import HTTPError
    from notifications_python_client.notifications import NotificationsAPIClient

    from tests.notifications.conftest import free_port

    with local_notify.from_settings(port=free_port(), callback_url=None) as notify:
        client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=notify.url)
        email_template = settings.NOTIFY_TEMPLATES["test.email"]
        sms_template = settings.NOTIFY_TEMPLATES["test.sms"]
        cases = [
            (
                lambda: client.send_email_notification("x@example.com", "not-a-uuid", {"team_name": "T"}),
                "ValidationError",
            ),
            (lambda: client.send_email_notification("x@example.com", str(uuid.uuid4()), {}), "Template not found"),
            (
                lambda: client.send_email_notification("not an email", email_template, {"team_name": "T"}),
                "email_address",
            ),
            (lambda: client.send_sms_notification("01214960000", sms_template, {"team_name": "T"}), "Not a UK mobile"),
            (lambda: client.send_email_notification("x@example.com", email_template, {}), "Missing personalisation"),
        ]
        for call, expected in cases:
            with pytest.raises(HTTPError) as error:
                call()
            assert error.value.status_code == 400
            assert expected in str(error.value.message)
            body = error.value.response.json()
            assert body["status_code"] == 400 and body["errors"][0]["error"] in ("ValidationError", "BadRequestError")

        wrong_key = "other-" + str(uuid.uuid4()) + "-" + str(uuid.uuid4())
        with pytest.raises(HTTPError) as error:
            NotificationsAPIClient(wrong_key, base_url=notify.url).send_email_notification(
                "x@example.com", email_template, {"team_name": "T"}
            )
        assert error.value.status_code == 403

        sent = client.send_email_notification("x@example.com", email_template, {"team_name": "Team T"}, reference="r1")
        assert client.get_notification_by_id(sent["id"])["reference"] == "r1"
        assert [n["id"] for n in client.get_all_notifications(reference="r1")["notifications"]] == [sent["id"]]
        assert client.get_all_notifications(reference="nothing")["notifications"] == []
        import requests

        page = requests.get(notify.url + "/", timeout=5).text
        assert "This is a test message from Team T" in page and "x@example.com" in page


@pytest.mark.django_db
def test_parent_card_warns_when_the_last_message_failed(team, nurse_client):
    relationship = family(team, email="gone@example.com")
    Message.objects.create(
        team=team,
        kind="test",
        channel="email",
        recipient="gone@example.com",
        template_id=uuid.uuid4(),
        parent=relationship.parent,
        child=relationship.child,
        status="permanent-failure",
    )
    page = nurse_client.get(reverse("patients:child", args=[relationship.child.pk])).content.decode()
    assert "Email address does not exist" in page
    assert "Last email failed" in page


@pytest.mark.django_db
def test_parent_card_quiet_when_the_last_message_was_delivered(team, nurse_client):
    relationship = family(team)
    for status in ("permanent-failure", "delivered"):
        Message.objects.create(
            team=team,
            kind="test",
            channel="sms",
            recipient="07700900123",
            template_id=uuid.uuid4(),
            parent=relationship.parent,
            status=status,
        )
    page = nurse_client.get(reverse("patients:child", args=[relationship.child.pk])).content.decode()
    assert "does not exist" not in page


@pytest.mark.django_db
def test_parent_card_says_not_a_uk_mobile(team, nurse_client):
    relationship = family(team, email="")
    Message.objects.create(
        team=team,
        kind="test",
        channel="sms",
        recipient="01214960000",
        template_id=uuid.uuid4(),
        parent=relationship.parent,
        status="rejected",
        status_reason="Phone number is not a UK mobile",
    )
    page = nurse_client.get(reverse("patients:child", args=[relationship.child.pk])).content.decode()
    assert "Phone number is not a UK mobile" in page


@pytest.mark.django_db
def test_template_overrides_are_validated_and_listed(team, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from notifications import templates

    assert templates.override_errors({"clinic_invitation.email": str(uuid.uuid4())}) == []
    assert templates.override_errors({"clinic_invite.email": str(uuid.uuid4())})[0].startswith("'clinic_invite.email'")
    assert "not a UUID" in templates.override_errors({"test.sms": "abc"})[0]
    team.notify_template_overrides = {"test.sms": str(uuid.uuid4())}
    team.save()
    call_command("notify_templates", "--team", team.ods_code)
    output = capsys.readouterr().out
    assert "test.sms" in output and "team override" in output and output.count("default") == len(templates.KEYS) - 1
    team.notify_template_overrides = {"test.sms": "abc"}
    team.save()
    with pytest.raises(CommandError, match="not a UUID"):
        call_command("notify_templates", "--team", team.ods_code)


def test_system_check_reports_a_missing_template(settings):
    from notifications.templates import check_templates

    assert check_templates() == []
    settings.NOTIFY_TEMPLATES = {k: v for k, v in settings.NOTIFY_TEMPLATES.items() if k != "test.sms"}
    assert [e.id for e in check_templates()] == ["notifications.E001"]
