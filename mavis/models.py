"""The platform: teams (the tenancy boundary), users and the audit trail."""

import datetime
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Team(models.Model):
    """An NHS school-age immunisation service (SAIS) team."""

    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    email = models.EmailField("contact email")
    phone = models.CharField("contact phone", max_length=30)
    privacy_notice_url = models.URLField("privacy notice URL")
    booking_link = models.URLField(
        "booking link", help_text="The team's local booking system, put in every clinic invitation."
    )
    days_before_invitations = models.PositiveSmallIntegerField(default=21)
    days_before_consent_requests = models.PositiveSmallIntegerField(default=21)
    days_before_consent_reminders = models.PositiveSmallIntegerField(default=7)
    send_time = models.TimeField(default=datetime.time(9, 0), help_text="London time at which daily messages go out.")
    automatic_clinic_invitations = models.BooleanField(default=True)
    books_in_service = models.BooleanField(
        "books clinic appointments in this service",
        default=False,
        help_text="Off: parents book through the booking link (the team's own system). On: the invitation's "
        "personal link lets each parent choose a clinic time here, then give consent.",
    )
    notify_service = models.ForeignKey(
        "notifications.NotifyService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text="Blank: the default GOV.UK Notify service (settings).",
    )
    notify_email_reply_to_id = models.UUIDField("Notify email reply-to id", null=True, blank=True)
    notify_sms_sender_id = models.UUIDField("Notify SMS sender id", null=True, blank=True)
    notify_template_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text='Template ids that replace the defaults, e.g. {"clinic_invitation.email": "<uuid>"}.',
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        NURSE = "nurse", "Nurse"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.NURSE)
    teams = models.ManyToManyField(Team, related_name="users", blank=True)

    @property
    def is_nurse(self) -> bool:
        return self.role == self.Role.NURSE

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class AuditEvent(models.Model):
    """One write by a person, a task or a command. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=200, help_text="user, task:<name> or command:<name>")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"
