import uuid

import pytest
from django.urls import reverse

from mavis.models import AuditEvent
from notifications import control
from notifications.models import Message
from sessions.models import ActivityEvent
from tests.factories import UserFactory
from tests.notifications.conftest import family, outbox_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, team):
    user = UserFactory(team=team, is_staff=True, is_superuser=True, username="admin.one")
    client.force_login(user)
    return client


def test_outbox_list_filters_and_search(admin_client, team):
    [rejected] = outbox_rows(team, 1, recipient="findme@example.com")
    Message.objects.filter(pk=rejected.pk).update(status="rejected")
    outbox_rows(team, 3)
    url = reverse("admin:notifications_message_changelist")
    assert admin_client.get(url).status_code == 200
    page = admin_client.get(url, {"status": "rejected"}).content.decode()
    assert "findme@example.com" in page and "parent1@example.com" not in page
    # The pages' "Sending" covers three statuses; the filter keeps them apart.
    for status in ("Sending (pending)", "Sending (created)", "Sending (sending)", "Not sent (rejected)"):
        assert status in page
    assert "findme@example.com" in admin_client.get(url, {"q": "findme"}).content.decode()
    assert "findme@example.com" in admin_client.get(url, {"q": str(rejected.pk)}).content.decode()
    change = admin_client.get(reverse("admin:notifications_message_change", args=[rejected.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content  # read-only


def test_retry_action(admin_client, team):
    relationship = family(team, phone="")
    from notifications.services import FamilyMessage, family_messages_enqueue

    [failed] = family_messages_enqueue(
        team=team, kind="test", items=[FamilyMessage(relationship.child, {"team_name": team.name}, sms=False)]
    )
    [rejected, permanent] = outbox_rows(team, 2)
    Message.objects.filter(pk=failed.pk).update(status="temporary-failure", notify_id=uuid.uuid4())
    Message.objects.filter(pk=rejected.pk).update(status="rejected", status_reason="bad", attempts=1)
    Message.objects.filter(pk=permanent.pk).update(status="permanent-failure")
    response = admin_client.post(
        reverse("admin:notifications_message_changelist"),
        {"action": "retry_messages", "_selected_action": [failed.pk, rejected.pk, permanent.pk]},
        follow=True,
    )
    assert b"1 queued again, 1 sent as new messages, 1 left as they are" in response.content
    rejected.refresh_from_db()
    assert (rejected.status, rejected.attempts) == ("pending", 0)
    assert Message.objects.get(pk=failed.pk).status == "temporary-failure"  # history kept
    copy = Message.objects.exclude(pk__in=[failed.pk, rejected.pk, permanent.pk]).get()
    assert copy.status == "pending" and copy.recipient == failed.recipient
    assert ActivityEvent.objects.get(message_id=copy.pk).delivery_status == "pending"
    assert Message.objects.get(pk=permanent.pk).status == "permanent-failure"
    assert AuditEvent.objects.filter(action="messages.retried").exists()


def test_resume_action(admin_client, team):
    control.pause("403 AuthError: Invalid token")
    outbox_rows(team, 1)
    admin_client.post(
        reverse("admin:notifications_message_changelist"),
        {"action": "resume_sending", "_selected_action": [Message.objects.get().pk]},
    )
    assert control.paused_reason() is None
    assert AuditEvent.objects.filter(action="notify.resumed").exists()


def test_notify_service_admin_never_shows_a_key_and_resumes_one_service(admin_client, monkeypatch):
    from notifications.models import NotifyService

    monkeypatch.setenv("NOTIFY_KEY_SOUTH", "south-secret-key-value")
    url = reverse("admin:notifications_notifyservice_add")
    response = admin_client.post(
        url,
        {
            "name": "South",
            "api_key_env": "NOTIFY_KEY_SOUTH",
            "rate_per_minute": 3000,
            "daily_email_budget": 250000,
            "daily_sms_budget": 250000,
            "template_overrides": '{"clinic_invitation.email": "not a uuid"}',
        },
    )
    assert "is not a UUID" in response.content.decode()  # a bad override is refused, in words
    response = admin_client.post(
        url, {**dict(response.context["adminform"].form.data.items()), "template_overrides": "{}"}
    )
    assert response.status_code == 302
    south = NotifyService.objects.get(name="South")
    service = control.service_of(south)
    assert service.api_key() == "south-secret-key-value"
    for page in (
        admin_client.get(reverse("admin:notifications_notifyservice_change", args=[south.pk])),
        admin_client.get(reverse("admin:notifications_notifyservice_changelist")),
    ):
        assert page.status_code == 200 and "south-secret-key-value" not in page.content.decode()
    control.pause("403 AuthError: Invalid token", service)
    control.pause("403 AuthError: Invalid token")
    admin_client.post(
        reverse("admin:notifications_notifyservice_changelist"),
        {"action": "resume_sending", "_selected_action": [south.pk]},
    )
    assert control.paused_reason(service) is None
    assert control.paused_reason() is not None  # the default service stays paused


def test_notify_service_admin_refuses_a_zero_rate_and_never_echoes_a_pasted_key(admin_client):
    from notifications.models import NotifyService

    pasted = "mavis_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
    response = admin_client.post(
        reverse("admin:notifications_notifyservice_add"),
        {
            "name": "North",
            "api_key_env": pasted,
            "rate_per_minute": 0,  # would leave the service unpaced
            "daily_email_budget": 250000,
            "daily_sms_budget": 250000,
            "template_overrides": "{}",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not NotifyService.objects.exists()
    assert "NOTIFY_ then capital letters, digits and underscores" in html
    assert "Ensure this value is greater than or equal to 1" in html
    assert pasted not in html and "26785a09" not in html


def test_a_notify_service_reads_only_a_notify_variable(admin_client, monkeypatch):
    """Pointed at another secret, a service would send part of it to a base URL of the admin's choosing."""
    from notifications.models import NotifyService

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 80)
    data = {"name": "Leak", "base_url": "https://evil.example", "rate_per_minute": 60}
    data |= {"daily_email_budget": 1, "daily_sms_budget": 1, "template_overrides": "{}"}
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "NOTIFY_", "NOTIFY KEY", "notify_key"):
        html = admin_client.post(reverse("admin:notifications_notifyservice_add"), {**data, "api_key_env": name})
        assert "NOTIFY_ then capital letters" in html.content.decode(), name
    assert not NotifyService.objects.exists()
    row = NotifyService.objects.create(name="Shell", api_key_env="DJANGO_SECRET_KEY")  # past the validation
    with pytest.raises(ValueError, match="not set"):
        control.service_of(row).api_key()
