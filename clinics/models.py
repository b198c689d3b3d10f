"""Clinic invitations: who was invited to which Community clinic date, and why."""

from django.db import models
from django.db.models import Q

from mavis.models import Team, User
from patients.models import Child
from sessions.models import Session


class ClinicInvitationQuerySet(models.QuerySet):
    def for_team(self, team):
        return self.filter(team=team)


class ClinicInvitation(models.Model):
    """One invitation (or booking reminder) of a child to a Community clinic session for one date.

    The unique constraint on (child, session, clinic_date) is the rule "one invitation per
    child per clinic session date", whatever runs concurrently: every path inserts with
    ON CONFLICT DO NOTHING and sends messages only for the rows it actually inserted.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Clinic invitation"
        BOOKING_REMINDER = "booking_reminder", "Booking reminder"

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic (home-schooled or unknown school)"
        SCHOOL_SESSION = "school_session", "Send clinic invitations (completed school)"
        CHILD_RECORD = "child_record", "Invite to community clinic"
        REMINDERS = "reminders", "Send booking reminders"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="clinic_invitations")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="clinic_invitations")
    clinic_date = models.DateField(help_text="The clinic date the family is invited to book for.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    programmes = models.JSONField(help_text="Codes of the programmes the child still needed when invited.")
    source = models.CharField(max_length=20, choices=Source.choices)
    # From which school session (Send clinic invitations), if any.
    school_session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    # When its messages were queued (the same transaction as the row).
    sent_at = models.DateTimeField()
    # The London date it went out (the next-day path sends a day after the request).
    sent_on = models.DateField()

    objects = ClinicInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "session", "clinic_date"], name="clinic_invitation_one_per_child_session_date"
            )
        ]
        indexes = [models.Index(fields=["session", "clinic_date"]), models.Index(fields=["team", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.clinic_date}"


class ClinicInvitationRequest(models.Model):
    """**Invite to community clinic** pressed on one child: the invitation goes out on
    `scheduled_for` (the next day) at the team's send time, if the child can still be invited."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Invitation sent"
        NOT_NEEDED = "not_needed", "Not sent: no longer needed"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="clinic_invitation_requests")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="clinic_invitation_requests")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    scheduled_for = models.DateField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            # One waiting request per child and clinic: a double click asks once.
            models.UniqueConstraint(
                fields=["child", "session"],
                condition=Q(processed_at__isnull=True),
                name="clinic_invitation_request_one_pending",
            )
        ]
        indexes = [
            models.Index(fields=["team", "scheduled_for"], condition=Q(processed_at__isnull=True), name="cir_due_idx")
        ]

    def __str__(self):
        return f"Invitation request for {self.scheduled_for}"


class ClinicSweepRun(models.Model):
    """Marks the daily sweep as done for a team and London date, so it acts once a day."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    run_on = models.DateField()
    started_at = models.DateTimeField(auto_now_add=True)
    invited = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-run_on"]
        constraints = [models.UniqueConstraint(fields=["team", "run_on"], name="clinic_sweep_once_per_team_day")]

    def __str__(self):
        return f"Sweep {self.run_on}"
