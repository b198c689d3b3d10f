"""Consent responses, consent requests and triage.

Nothing here is ever deleted: a newer response from the same person supersedes their
older one, and withdrawing or invalidating keeps the record with who and why. The
derived consent status is computed in SQL at query time (consent.selectors).
"""

from django.db import models
from django.db.models import Q

from mavis.models import Team, User
from patients.models import Child, Parent, Programme
from sessions.models import Session


class FluMethod(models.TextChoices):
    NASAL = "nasal", "Nasal spray"
    NASAL_OR_INJECTION = "nasal_or_injection", "Nasal spray, or injection if the nasal spray is unsuitable"
    INJECTION = "injection", "Injected vaccine only"


class ConsentResponseQuerySet(models.QuerySet):
    def for_team(self, team):
        return self.filter(team=team)

    def valid(self):
        """Not withdrawn and not invalidated."""
        return self.filter(withdrawn_at__isnull=True, invalidated_at__isnull=True)


class ConsentResponse(models.Model):
    class Respondent(models.TextChoices):
        PARENT = "parent", "Parent or guardian"
        CHILD = "child", "Child (Gillick competent)"

    class Response(models.TextChoices):
        GIVEN = "given", "Consent given"
        REFUSED = "refused", "Consent refused"
        NOT_PROVIDED = "not_provided", "No response"

    class Route(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "By phone"
        PAPER = "paper", "Paper form"
        IN_PERSON = "in_person", "In person"
        SELF_CONSENT = "self_consent", "Self-consent"

    class RefusalReason(models.TextChoices):
        GELATINE = "gelatine", "Vaccine contains gelatine from pigs"
        ALREADY_VACCINATED = "already_vaccinated", "Vaccine already received"
        ELSEWHERE = "elsewhere", "Vaccine will be given elsewhere"
        MEDICAL = "medical", "Medical reasons"
        PERSONAL_CHOICE = "personal_choice", "Personal choice"
        OTHER = "other", "Other"

    # Reasons whose details the person must give.
    REASONS_NEEDING_NOTES = (
        RefusalReason.ALREADY_VACCINATED,
        RefusalReason.ELSEWHERE,
        RefusalReason.MEDICAL,
        RefusalReason.OTHER,
    )

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consent_responses")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    parent = models.ForeignKey(Parent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # "parent:<id>" or "child": whose responses supersede each other.
    respondent_key = models.CharField(max_length=40)
    respondent_name = models.CharField(max_length=200)
    respondent_relationship = models.CharField(max_length=100, blank=True)

    response = models.CharField(max_length=20, choices=Response.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    flu_method = models.CharField(max_length=20, choices=FluMethod.choices, blank=True)
    refusal_reason = models.CharField(max_length=30, choices=RefusalReason.choices, blank=True)
    refusal_notes = models.TextField(blank=True, max_length=1000)
    notes = models.TextField(blank=True, max_length=1000)
    # [{"question": ..., "answer": "yes"|"no", "details": ...}]
    health_answers = models.JSONField(default=list, blank=True)
    needs_triage = models.BooleanField(default=False, help_text="A health answer is yes: a nurse must triage.")

    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_reason = models.TextField(blank=True, max_length=1000)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invalidated_reason = models.TextField(blank=True, max_length=1000)

    objects = ConsentResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["child", "programme", "academic_year", "respondent_key"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(respondent="parent") & Q(parent__isnull=False))
                | (Q(respondent="child") & Q(parent__isnull=True)),
                name="consent_respondent_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(response="refused") | Q(refusal_reason=""),
                name="consent_refusal_reason_only_when_refused",
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.get_response_display()} by {self.respondent_name}"

    @staticmethod
    def key_for(parent) -> str:
        return f"parent:{parent.pk}" if parent is not None else "child"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def invalidated(self) -> bool:
        return self.invalidated_at is not None


class ConsentRequest(models.Model):
    """A consent request sent to a child's parents from a session (who, when, which programmes)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="consent_requests")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="consent_requests")
    programmes = models.ManyToManyField(Programme, related_name="+")
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["child", "session", "-sent_at"])]

    def __str__(self):
        return f"Consent request for {self.child} ({self.sent_at:%Y-%m-%d})"


class Triage(models.Model):
    """A nurse's decision after a "yes" health answer. The latest one counts."""

    class Status(models.TextChoices):
        SAFE_TO_VACCINATE = "safe_to_vaccinate", "Yes, it’s safe to vaccinate"
        KEEP_IN_TRIAGE = "keep_in_triage", "No, keep in triage"
        DELAY_VACCINATION = "delay_vaccination", "No, delay vaccination"
        DO_NOT_VACCINATE = "do_not_vaccinate", "No, do not vaccinate"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="triages")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    flu_method = models.CharField(max_length=20, choices=FluMethod.choices, blank=True)
    notes = models.TextField(blank=True, max_length=1000)
    performed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["child", "programme", "academic_year"])]

    def __str__(self):
        return f"{self.programme} {self.get_status_display()}"


class ConsentFormSubmission(models.Model):
    """Claims one set of a parent's answers in the transaction that records them: a double click
    or a second tab records once, and an attempt that fails leaves nothing claimed."""

    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key


class ParentDetailsChange(models.Model):
    """Details a parent typed on the online form that differ from what is stored, kept for a
    nurse to accept or dismiss: a consent link never changes a stored parent by itself."""

    class Kind(models.TextChoices):
        # The linked parent typed new contact details (same name or same email as stored).
        DETAILS = "details", "New contact details"
        # Someone else answered on the linked parent's link (a forwarded link).
        OTHER_RESPONDENT = "other_respondent", "Someone else answered"
        # A link sent before links named their parent: the answers are held by a new parent
        # record that is not yet a contact of the child.
        UNLINKED = "unlinked", "Answered on a link for no parent"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="parent_details_changes")
    # The parent the answers were recorded for.
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    full_name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=10)
    other_relationship = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    phone_receive_updates = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["child", "resolved_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.full_name}"
