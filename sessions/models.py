"""Sessions: a location, an academic year, programmes and dates; who is in them; what happened."""

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from mavis.models import Team, User
from patients.models import Batch, Child, Programme, School, TeamQuerySet, Vaccine


class SessionQuerySet(models.QuerySet):
    def for_team(self, team):
        return self.filter(team=team)

    def community_clinics(self):
        return self.filter(kind=Session.Kind.COMMUNITY_CLINIC)

    def schools(self):
        return self.filter(kind=Session.Kind.SCHOOL)

    def unscheduled(self):
        return self.filter(~models.Exists(SessionDate.objects.filter(session=models.OuterRef("pk"))))

    def scheduled(self, today: datetime.date):
        """Has a date today or later (includes In progress)."""
        return self.filter(models.Exists(SessionDate.objects.filter(session=models.OuterRef("pk"), value__gte=today)))

    def in_progress(self, today: datetime.date):
        return self.filter(models.Exists(SessionDate.objects.filter(session=models.OuterRef("pk"), value=today)))

    def completed(self, today: datetime.date):
        """Has dates and every one has passed."""
        return self.filter(models.Exists(SessionDate.objects.filter(session=models.OuterRef("pk")))).exclude(
            models.Exists(SessionDate.objects.filter(session=models.OuterRef("pk"), value__gte=today))
        )


class Session(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", "School session"
        COMMUNITY_CLINIC = "community_clinic", "Community clinic"

    class Status(models.TextChoices):
        UNSCHEDULED = "unscheduled", "Unscheduled"
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    COMMUNITY_CLINIC_NAME = "Community clinic"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    academic_year = models.PositiveSmallIntegerField()
    programmes = models.ManyToManyField(Programme, related_name="+")
    # Community clinic: when automatic invitations go out. Schools: consent request and reminder dates.
    invitation_date = models.DateField(null=True, blank=True)
    invitation_date_set_by_hand = models.BooleanField(default=False)
    consent_request_date = models.DateField(null=True, blank=True)
    consent_request_date_set_by_hand = models.BooleanField(default=False)
    consent_reminder_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["academic_year", "kind", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "academic_year"],
                condition=Q(kind="community_clinic"),
                name="one_community_clinic_per_team_and_year",
            ),
            models.UniqueConstraint(
                fields=["team", "school", "academic_year"],
                condition=Q(kind="school"),
                name="one_school_session_per_school_and_year",
            ),
            models.CheckConstraint(
                condition=(Q(kind="school") & Q(school__isnull=False))
                | (Q(kind="community_clinic") & Q(school__isnull=True)),
                name="session_school_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.location_name} ({self.academic_year}/{(self.academic_year + 1) % 100:02d})"

    @property
    def is_community_clinic(self) -> bool:
        return self.kind == self.Kind.COMMUNITY_CLINIC

    @property
    def location_name(self) -> str:
        return self.school.name if self.school_id else self.COMMUNITY_CLINIC_NAME


class SessionDate(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="dates")
    value = models.DateField()
    # A Community clinic of a team that books in this service: its appointment times.
    appointments_start = models.TimeField(null=True, blank=True)
    appointments_end = models.TimeField(null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    places_per_slot = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["value"]
        constraints = [models.UniqueConstraint(fields=["session", "value"], name="session_date_unique")]

    def __str__(self):
        return self.value.isoformat()

    def slot_times(self) -> list[datetime.time]:
        """The appointment start times: every slot from the start that ends by the end."""
        if not (self.appointments_start and self.appointments_end and self.slot_minutes and self.places_per_slot):
            return []
        length = datetime.timedelta(minutes=self.slot_minutes)
        day = datetime.date(2000, 1, 1)
        at, end = (
            datetime.datetime.combine(day, self.appointments_start),
            datetime.datetime.combine(day, self.appointments_end),
        )
        times = []
        while at + length <= end:
            times.append(at.time())
            at += length
        return times


class SessionMembership(models.Model):
    """A child on a session's list (when their year group is eligible there)."""

    class Source(models.TextChoices):
        COHORT = "cohort", "Cohort (school or school status)"
        SCHOOL_SESSION = "school_session", "Send clinic invitations"
        CHILD_RECORD = "child_record", "Invite to community clinic"
        OTHER = "other", "Other"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="memberships")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="session_memberships")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.COHORT)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "child"], name="membership_unique")]
        indexes = [models.Index(fields=["child", "session"])]

    def __str__(self):
        return f"{self.child} in {self.session}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        ATTENDING = "attending", "Attending"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="attendances")
    date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "child", "date"], name="attendance_unique")]

    def __str__(self):
        return f"{self.child} {self.get_status_display().lower()} on {self.date}"


class Booking(models.Model):
    """A child's appointment at a Community clinic: one row per child and clinic session, holding
    the latest state (no row: not booked). Moving to another date or time updates the row; the
    history is in the child's activity. Whether a child *is booked* is decided by
    sessions.selectors.booking_state alone."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        DECLINED = "declined", "Declined"

    class Source(models.TextChoices):
        PARENT_ONLINE = "parent_online", "The parent online"
        NURSE_PHONE = "nurse_phone", "A nurse, by phone"
        IMPORT = "import", "Booking system import"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="bookings")
    status = models.CharField(max_length=20, choices=Status.choices)
    date = models.DateField(null=True, blank=True, help_text="The clinic date booked (none when declined).")
    time = models.TimeField(null=True, blank=True, help_text="The appointment time, when known.")
    source = models.CharField(max_length=20, choices=Source.choices)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "child"], name="booking_one_per_child_session"),
            models.CheckConstraint(
                condition=~Q(status="booked") | Q(date__isnull=False), name="booking_booked_has_date"
            ),
        ]
        indexes = [models.Index(fields=["session", "date", "time"])]

    def __str__(self):
        return f"{self.get_status_display()} {self.date or ''}".strip()


class DeliveryStatus(models.TextChoices):
    """A message's delivery status (notifications.Message.status and ActivityEvent.delivery_status),
    with the one label every page shows."""

    # Ours, before Notify has it: to the nurse it is on its way, as in Notify's own "Sending"
    # ("Waiting to send" read as stuck).
    PENDING = "pending", "Sending"
    # Notify's statuses, in the order they can move.
    CREATED = "created", "Sending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    TEMPORARY_FAILURE = "temporary-failure", "Temporary failure"
    PERMANENT_FAILURE = "permanent-failure", "Permanent failure"
    TECHNICAL_FAILURE = "technical-failure", "Technical failure"
    # Ours: Notify refused it (400), or we could not send it (not a UK mobile).
    REJECTED = "rejected", "Not sent"


# The statuses that mean the message did not reach the family (declared once).
FAILED_DELIVERY = (
    DeliveryStatus.PERMANENT_FAILURE,
    DeliveryStatus.TEMPORARY_FAILURE,
    DeliveryStatus.TECHNICAL_FAILURE,
    DeliveryStatus.REJECTED,
)


class ActivityEvent(models.Model):
    """Every event about a child, recorded once, with who did it and the session it belongs to.

    Message events (one per email or text) carry channel, recipient and delivery status;
    the notifications app creates them with the outbox row and moves the status forward.
    """

    class Kind(models.TextChoices):
        ADDED_TO_SESSION = "added_to_session", "Added to the session"
        REMOVED_FROM_SESSION = "removed_from_session", "Removed from the session"
        CLINIC_INVITATION_SENT = "clinic_invitation_sent", "Clinic invitation sent"
        BOOKING_REMINDER_SENT = "booking_reminder_sent", "Booking reminder sent"
        CONSENT_REQUEST_SENT = "consent_request_sent", "Consent request sent"
        CONSENT_CONFIRMATION_SENT = "consent_confirmation_sent", "Consent confirmation sent"
        MESSAGE_SENT = "message_sent", "Message sent"
        CONSENT_RECORDED = "consent_recorded", "Consent recorded"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        CONSENT_INVALIDATED = "consent_invalidated", "Consent invalidated"
        TRIAGE = "triage", "Triaged"
        ATTENDANCE = "attendance", "Attendance recorded"
        VACCINATION = "vaccination", "Vaccination outcome recorded"
        NOTE = "note", "Note"
        BOOKING = "booking", "Clinic booking"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="activity_events")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="activity_events"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=200, help_text='A person\'s name, or "automatic".')
    text = models.TextField(blank=True, max_length=1000, help_text="A note's text or a short description.")
    details = models.JSONField(default=dict, blank=True)
    # Message events only.
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    message_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["child", "session", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class Venue(models.Model):
    """A place where the team holds its Community clinic (one clinic session covers them all)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="venue_unique_name_per_team")]

    def __str__(self):
        return self.name


class DefaultBatch(models.Model):
    """The batch a nurse gives from by default on one session date, for one vaccine."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    vaccine = models.ForeignKey(Vaccine, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date", "vaccine"], name="default_batch_unique_per_day")]

    def __str__(self):
        return f"{self.user} {self.date}: {self.batch}"
