"""The outbox: one row per email or text message to a parent; the GOV.UK Notify services."""

import os
import re
import uuid

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from mavis.models import Team, User
from patients.models import Child, Parent
from sessions.models import FAILED_DELIVERY, DeliveryStatus, Session


class Message(models.Model):
    """One email or text message. Its id is the Notify `reference`.

    Created in the same transaction as the business record that causes it; the
    dispatcher claims due rows, sends them once, and delivery receipts move
    `status` forward only.
    """

    class Kind(models.TextChoices):
        CLINIC_INVITATION = "clinic_invitation", "Clinic invitation"
        CLINIC_BOOKING_REMINDER = "clinic_booking_reminder", "Booking reminder"
        CONSENT_REQUEST = "consent_request", "Consent request"
        CONSENT_CONFIRMATION_GIVEN = "consent_confirmation_given", "Consent confirmation (given)"
        CONSENT_CONFIRMATION_REFUSED = "consent_confirmation_refused", "Consent confirmation (refused)"
        CONSENT_CONFIRMATION_TRIAGE = "consent_confirmation_triage", "Consent confirmation (nurse to review)"
        TEST = "test", "Test message"
        VACCINATION_CONFIRMATION = "vaccination_confirmation", "Vaccination confirmation"
        VACCINATION_NOT_GIVEN = "vaccination_not_given", "Not vaccinated"
        CLINIC_BOOKING_CONFIRMATION = "clinic_booking_confirmation", "Clinic appointment booked"
        CLINIC_APPOINTMENT_REMINDER = "clinic_appointment_reminder", "Clinic appointment reminder"
        CLINIC_APPOINTMENT_CANCELLED = "clinic_appointment_cancelled", "Clinic appointment cancelled"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    Status = DeliveryStatus  # declared once, with the activity store's events (sessions)
    FAILED_STATUSES = FAILED_DELIVERY

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=320, help_text="Email address or phone number.")
    template_id = models.UUIDField()
    personalisation = models.JSONField(default=dict)
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    parent = models.ForeignKey(Parent, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    activity_event_id = models.UUIDField(
        null=True, blank=True, help_text="The child's activity event for this message."
    )
    # The business record that causes the message ("vaccination_record:<id>"): with the parent
    # and the channel it is unique, so asking twice for the same record's message queues one.
    key = models.CharField(max_length=100, blank=True, default="")

    status = models.CharField(max_length=30, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.CharField(max_length=500, blank=True)
    notify_id = models.UUIDField(null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set when a send attempt may have reached Notify (timeout, 5xx): look it up before resending.
    ambiguous = models.BooleanField(default=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="message_due_idx"),
            models.Index(fields=["parent", "-created_at"]),
            models.Index(fields=["session", "kind"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "parent", "channel"], condition=~models.Q(key=""), name="message_once_per_key"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.get_channel_display().lower()} ({self.status})"


# The name of the variable holding a key (a pasted API key never matches: lower case and hyphens).
# NOTIFY_ only, so a service cannot be pointed at DJANGO_SECRET_KEY or DATABASE_URL and send part
# of it (the service id of a key goes in clear) to a base URL of the admin's choosing.
ENV_NAME_RE = r"NOTIFY_[A-Z0-9_]+"
ENV_NAME_HELP = "NOTIFY_ then capital letters, digits and underscores, e.g. NOTIFY_KEY_NORTH."


class NotifyService(models.Model):
    """One GOV.UK Notify service: its own API key, rate and daily limits. A team uses one; a team
    without one uses the default service from settings (NOTIFY_API_KEY, NOTIFY_RATE_PER_SECOND).

    The API key is never stored: the row names the environment variable that holds it
    (docs/decisions/0010-notify-services.md), so neither the database nor the admin ever shows it.
    """

    name = models.CharField(max_length=100, unique=True)
    api_key_env = models.CharField(
        "API key environment variable",
        max_length=100,
        validators=[RegexValidator(rf"\A{ENV_NAME_RE}\Z", ENV_NAME_HELP)],
        help_text="The name of the environment variable that holds this service's API key (the key is never stored).",
    )
    base_url = models.URLField("API base URL", blank=True, help_text="Blank: the default (NOTIFY_BASE_URL).")
    # 0 would leave the service unpaced (control.Pacer), so Notify would refuse with 429s.
    rate_per_minute = models.PositiveIntegerField(
        default=3000,
        validators=[MinValueValidator(1), MaxValueValidator(3000)],
        help_text="GOV.UK Notify allows 3,000 a minute.",
    )
    daily_email_budget = models.PositiveIntegerField(default=250_000)
    daily_sms_budget = models.PositiveIntegerField("daily text message budget", default=250_000)
    template_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='Template ids of this service, e.g. {"clinic_invitation.email": "<uuid>"}; a team\'s own win.',
    )
    email_reply_to_id = models.UUIDField("email reply-to id", null=True, blank=True)
    sms_sender_id = models.UUIDField("SMS sender id", null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def api_key(self) -> str:
        key = os.environ.get(self.api_key_env, "") if re.fullmatch(ENV_NAME_RE, self.api_key_env) else ""
        if not key:
            raise ImproperlyConfigured(
                f"Notify service {self.name}: the environment variable {self.api_key_env} is not set."
            )
        return key
