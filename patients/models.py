"""The register: programmes, schools, children, parents and vaccination records."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mavis.models import Team, User
from patients.academic import academic_year_bounds, academic_year_of
from patients.nhs_number import validate_nhs_number


class TeamQuerySet(models.QuerySet):
    def for_team(self, team):
        return self.filter(team=team)


class Programme(models.Model):
    class Code(models.TextChoices):
        FLU = "flu", "Flu"
        HPV = "hpv", "HPV"
        MENACWY = "menacwy", "MenACWY"
        TD_IPV = "td_ipv", "Td/IPV"

    code = models.CharField(max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(max_length=50)
    year_groups = models.JSONField(help_text="Default year groups, Reception = 0.")
    seasonal = models.BooleanField(default=False, help_text="Vaccinated means vaccinated this academic year.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_flu(self) -> bool:
        return self.code == self.Code.FLU


class School(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="schools")
    urn = models.CharField("URN", max_length=10)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    year_groups = models.JSONField(default=list, help_text="Year groups taught, Reception = 0.")

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "urn"], name="school_unique_urn_per_team")]

    def __str__(self):
        return self.name


class ChildQuerySet(TeamQuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def not_blocked(self):
        """Children whose family may be messaged at all: not deceased, restricted, invalidated or archived."""
        return self.filter(deceased=False, restricted=False, invalidated=False, archived_at__isnull=True)

    def with_contactable_parent(self):
        """Annotates `has_contactable_parent` (patients.statuses.contactable_q on any parent)."""
        from patients.statuses import contactable_q

        return self.annotate(
            has_contactable_parent=models.Exists(
                ParentRelationship.objects.filter(child=models.OuterRef("pk")).filter(contactable_q("parent__"))
            )
        )

    def can_be_messaged(self):
        """The one predicate of domain.md: not blocked and at least one contactable parent."""
        return self.not_blocked().with_contactable_parent().filter(has_contactable_parent=True)

    def cannot_be_contacted(self):
        """Not blocked, but no parent can receive email or texts: listed to nurses, never skipped silently."""
        return self.not_blocked().with_contactable_parent().filter(has_contactable_parent=False)

    def search(self, text):
        text = (text or "").strip()
        if not text:
            return self
        digits = text.replace(" ", "")
        if digits.isascii() and digits.isdigit() and len(digits) == 10:
            return self.filter(nhs_number=digits)
        query = Q()
        for word in text.split():
            query &= (
                Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(preferred_given_name__icontains=word)
            )
        return self.filter(query)


class Child(models.Model):
    class SchoolStatus(models.TextChoices):
        SCHOOL = "school", "School"
        HOME_SCHOOLED = "home_schooled", "Home-schooled"
        UNKNOWN = "unknown", "Unknown school"

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NOT_KNOWN = "not_known", "Not known"
        NOT_SPECIFIED = "not_specified", "Not specified"

    class ArchiveReason(models.TextChoices):
        IMPORTED_IN_ERROR = "imported_in_error", "Imported in error"
        MOVED_OUT_OF_AREA = "moved_out_of_area", "Moved out of area"
        DECEASED = "deceased", "Deceased"
        OTHER = "other", "Other"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="children")
    nhs_number = models.CharField(
        "NHS number", max_length=10, null=True, blank=True, unique=True, validators=[validate_nhs_number]
    )
    given_name = models.CharField("first name", max_length=100)
    family_name = models.CharField("last name", max_length=100)
    preferred_given_name = models.CharField("preferred first name", max_length=100, blank=True)
    preferred_family_name = models.CharField("preferred last name", max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    address_town = models.CharField(max_length=100, blank=True)
    address_postcode = models.CharField(max_length=10, blank=True)
    school_status = models.CharField(max_length=20, choices=SchoolStatus.choices)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Flags that stop every message to the family.
    deceased = models.BooleanField(default=False)
    restricted = models.BooleanField(default=False, help_text="Sensitive record: no address or messages.")
    invalidated = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=30, choices=ArchiveReason.choices, blank=True)
    archive_details = models.CharField(max_length=300, blank=True)
    parents = models.ManyToManyField("Parent", through="ParentRelationship", related_name="children")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["team", "family_name", "given_name"]),
            models.Index(fields=["team", "school_status"]),
            models.Index(fields=["team", "date_of_birth"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(school_status="school") & Q(school__isnull=False))
                | (~Q(school_status="school") & Q(school__isnull=True)),
                name="child_school_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | ~Q(archive_reason=""),
                name="child_archive_needs_reason",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def short_name(self) -> str:
        return self.preferred_given_name or self.given_name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def year_group(self, academic_year: int) -> int:
        return academic_year - academic_year_of(self.date_of_birth) - 5

    @property
    def address(self) -> str:
        parts = [self.address_line_1, self.address_line_2, self.address_town, self.address_postcode]
        return ", ".join(p for p in parts if p)


class ParentQuerySet(TeamQuerySet):
    def with_channels(self):
        """Annotates `can_receive_email` and `can_receive_texts` (patients.statuses)."""
        from patients.statuses import can_receive_email_q, can_receive_texts_q

        return self.annotate(
            can_receive_email=models.ExpressionWrapper(can_receive_email_q(), output_field=models.BooleanField()),
            can_receive_texts=models.ExpressionWrapper(can_receive_texts_q(), output_field=models.BooleanField()),
        )


class Parent(models.Model):
    class ContactMethod(models.TextChoices):
        ANY = "any", "Any"
        TEXT = "text", "Text only"
        VOICE = "voice", "Voice only"
        OTHER = "other", "Other"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="parents")
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    phone_receive_updates = models.BooleanField("Get updates by text message", default=False)
    contact_method = models.CharField(max_length=10, choices=ContactMethod.choices, default=ContactMethod.ANY)
    contact_method_details = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParentQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["team", "email"]), models.Index(fields=["team", "phone"])]

    def __str__(self):
        return self.full_name

    # Contact methods that allow texts (domain.md): read by patients.statuses.can_receive_texts_q.
    TEXT_METHODS = (ContactMethod.ANY, ContactMethod.TEXT)


class ParentRelationship(models.Model):
    class Type(models.TextChoices):
        MUM = "mum", "Mum"
        DAD = "dad", "Dad"
        GUARDIAN = "guardian", "Guardian"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="relationships")
    parent = models.ForeignKey(Parent, on_delete=models.CASCADE, related_name="relationships")
    type = models.CharField(max_length=10, choices=Type.choices)
    other_name = models.CharField("relationship", max_length=100, blank=True)
    parental_responsibility = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "parent"], name="relationship_unique")]

    def __str__(self):
        return self.label

    def clean(self):
        # The admin can pick any parent: another team's would see this child's messages.
        if self.child_id and self.parent_id and self.child.team_id != self.parent.team_id:
            raise ValidationError({"parent": "This parent is in another team: choose a parent from the child’s team"})

    @property
    def label(self) -> str:
        return self.other_name if self.type == self.Type.OTHER and self.other_name else self.get_type_display()


class Vaccine(models.Model):
    """A vaccine product a team gives for a programme: its brand and how it is given."""

    class Method(models.TextChoices):
        NASAL = "nasal", "Nasal spray"
        INJECTION = "injection", "Injection"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="vaccines")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    brand = models.CharField(max_length=100)
    method = models.CharField(max_length=20, choices=Method.choices)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["programme__name", "brand"]
        constraints = [models.UniqueConstraint(fields=["team", "brand"], name="vaccine_unique_brand_per_team")]

    def __str__(self):
        return self.brand

    @property
    def record_methods(self) -> list[str]:
        """How a dose of it can be recorded: a nasal spray only in the nose; an injection into the
        muscle or under the skin (VaccinationRecord.Method)."""
        if self.method == self.Method.NASAL:
            return [VaccinationRecord.Method.NASAL]
        return [VaccinationRecord.Method.INTRAMUSCULAR, VaccinationRecord.Method.SUBCUTANEOUS]

    @property
    def sites(self) -> list[str]:
        """Where it can be given: the nose, or the arms and thighs."""
        if self.method == self.Method.NASAL:
            return [VaccinationRecord.Site.NOSE]
        return [s for s in VaccinationRecord.Site.values if s != VaccinationRecord.Site.NOSE]


class BatchQuerySet(TeamQuerySet):
    def usable(self, today: datetime.date):
        """Batches a nurse can pick on `today`: not archived and not expired."""
        return self.filter(archived_at__isnull=True, expiry__gte=today)


class Batch(models.Model):
    """A batch of a vaccine the team holds. Archived, never deleted, so records keep it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    vaccine = models.ForeignKey(Vaccine, on_delete=models.PROTECT, related_name="batches")
    number = models.CharField("batch number", max_length=50)
    expiry = models.DateField("expiry date")
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["vaccine__brand", "expiry", "number"]
        verbose_name_plural = "batches"
        constraints = [models.UniqueConstraint(fields=["vaccine", "number"], name="batch_unique_number_per_vaccine")]

    def __str__(self):
        return f"{self.vaccine} {self.number}"

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def refused_reason(self, *, programme, today: datetime.date) -> str | None:
        """Why a nurse cannot give a dose from this batch today, or None."""
        if self.vaccine.programme_id != programme.pk:
            return f"Batch {self.number} is {self.vaccine.brand}, which is not a {programme.name} vaccine"
        if self.archived:
            return f"Batch {self.number} is archived: choose another batch"
        if self.expiry < today:
            return f"Batch {self.number} expired on {self.expiry:%-d %B %Y}: choose another batch"
        return None


def performed_in_year_q(academic_year: int) -> Q:
    """Performed within the academic year (London dates), as a timestamp range an index can use."""
    start, end = academic_year_bounds(academic_year)
    london = timezone.get_default_timezone()
    return Q(
        performed_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=london),
        performed_at__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=london),
    )


class VaccinationRecordQuerySet(models.QuerySet):
    def counts_as_vaccinated(self, academic_year: int, programme=None):
        """Records that make a child vaccinated in the academic year (the one rule; see
        VaccinationRecord.counts_as_vaccinated): a dose given or already had, and for a
        seasonal programme (flu) only within that year. `programme` narrows to one programme."""
        records = self.filter(outcome__in=VaccinationRecord.VACCINATED_OUTCOMES)
        if programme is None:
            return records.filter(Q(programme__seasonal=False) | performed_in_year_q(academic_year))
        records = records.filter(programme=programme)
        return records.filter(performed_in_year_q(academic_year)) if programme.seasonal else records


class VaccinationRecord(models.Model):
    class Outcome(models.TextChoices):
        VACCINATED = "vaccinated", "Vaccinated"
        ALREADY_HAD = "already_had", "Already had the vaccine"
        REFUSED = "refused", "Refused vaccine"
        UNWELL = "unwell", "Unwell"
        CONTRAINDICATIONS = "contraindications", "Had contraindications"
        ABSENT = "absent", "Absent from session"

    class Method(models.TextChoices):
        INTRAMUSCULAR = "intramuscular", "Intramuscular"
        SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
        NASAL = "nasal", "Nasal spray"

    class Site(models.TextChoices):
        LEFT_ARM_UPPER = "left_arm_upper", "Left arm (upper position)"
        RIGHT_ARM_UPPER = "right_arm_upper", "Right arm (upper position)"
        LEFT_THIGH = "left_thigh", "Left thigh"
        RIGHT_THIGH = "right_thigh", "Right thigh"
        NOSE = "nose", "Nose"

    VACCINATED_OUTCOMES = (Outcome.VACCINATED, Outcome.ALREADY_HAD)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="vaccination_records")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    performed_at = models.DateTimeField()
    # Where: a session (set by the sessions app, which sits above this one) or a venue name.
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    location_name = models.CharField(max_length=200, blank=True)
    performed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True, max_length=1000)
    vaccine = models.CharField(max_length=100, blank=True)
    batch = models.CharField(max_length=50, blank=True)
    method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    site = models.CharField(max_length=20, choices=Site.choices, blank=True)
    # The batch picked from the team's list (the text fields above keep its brand and number, and
    # the history recorded before batches were kept). A venue of the Community clinic is named in
    # location_name, with its id (sessions.Venue, in the app above this one).
    vaccine_batch = models.ForeignKey(
        "Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="vaccination_records"
    )
    venue_id = models.BigIntegerField(null=True, blank=True)
    # The checks before a dose: who confirmed the child's identity when not the child, and the
    # pre-screening answers ({question key: True/False}).
    identity_confirmed_by = models.CharField(max_length=200, blank=True)
    pre_screening = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VaccinationRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_at"]
        indexes = [models.Index(fields=["child", "programme"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="vaccinated") | (~Q(vaccine="") & ~Q(batch="") & ~Q(method="") & ~Q(site="")),
                name="vaccination_administered_has_details",
            )
        ]

    def __str__(self):
        return f"{self.programme} {self.get_outcome_display()} {self.performed_at:%Y-%m-%d}"

    @property
    def administered(self) -> bool:
        return self.outcome in self.VACCINATED_OUTCOMES

    def performed_in(self, academic_year: int) -> bool:
        return academic_year_of(timezone.localdate(self.performed_at)) == academic_year

    def counts_as_vaccinated(self, academic_year: int, programme=None) -> bool:
        """The queryset's rule for one record already loaded (pass `programme` to spare a query)."""
        programme = programme or self.programme
        return self.administered and (not programme.seasonal or self.performed_in(academic_year))


class CohortImport(models.Model):
    """One uploaded cohort file and how its import went (progress, errors, counts)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        CHECKING = "checking", "Checking rows"
        IMPORTING = "importing", "Importing"
        INVALID = "invalid", "Has errors"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255)
    content = models.TextField(help_text="The uploaded CSV, kept so the import can run in the background.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    valid_rows_only = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text='[{"line": 3, "reason": "..."}]')
    children_created = models.PositiveIntegerField(default=0)
    children_updated = models.PositiveIntegerField(default=0)
    parents_created = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CHECKING, self.Status.IMPORTING)


class ProgrammeStatus(models.Model):
    """The derived statuses of one child for one programme in one academic year (domain.md).

    Stored and written in the same transaction as every record that changes them: the consent
    app writes `responses` and `triage` from the consent responses and triages, and
    patients.statuses writes `vaccinated` / `not_given` from the vaccination records. The
    statuses pages read are generated columns over those, so each rule is written once, here.
    No row means nothing recorded: patients.statuses reads it as the defaults below.
    `manage.py programme_statuses_rebuild` recomputes every row from the records.
    """

    class Consent(models.TextChoices):
        NO_RESPONSE = "no_response", "No response"
        GIVEN = "given", "Consent given"
        GIVEN_NASAL = "given_nasal", "Consent given for nasal spray"
        GIVEN_INJECTION = "given_injection", "Consent given for injected vaccine"
        REFUSED = "refused", "Consent refused"
        CONFLICTING = "conflicting", "Conflicting consent"
        NOT_REQUIRED = "not_required", "Vaccinated"

    class Triage(models.TextChoices):
        NOT_NEEDED = "not_needed", "No triage needed"
        NEEDED = "needed", "Needs triage"
        SAFE_TO_VACCINATE = "safe_to_vaccinate", "Safe to vaccinate"
        KEEP_IN_TRIAGE = "keep_in_triage", "Keep in triage"
        DELAY_VACCINATION = "delay_vaccination", "Delay vaccination"
        DO_NOT_VACCINATE = "do_not_vaccinate", "Do not vaccinate"

    class Vaccination(models.TextChoices):
        VACCINATED = "vaccinated", "Vaccinated"
        COULD_NOT_VACCINATE = "could_not_vaccinate", "Could not vaccinate"
        NONE_YET = "none_yet", "No outcome yet"

    GIVEN = (Consent.GIVEN, Consent.GIVEN_NASAL, Consent.GIVEN_INJECTION)
    SAFE_TRIAGE = (Triage.NOT_NEEDED, Triage.SAFE_TO_VACCINATE)

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="programme_statuses")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    # Inputs. `responses`: what the counting consent responses say (never not_required).
    responses = models.CharField(max_length=20, choices=Consent.choices, default=Consent.NO_RESPONSE)
    triage = models.CharField(max_length=20, choices=Triage.choices, default=Triage.NOT_NEEDED)
    vaccinated = models.BooleanField(default=False, help_text="A dose given or already had (flu: in this year).")
    not_given = models.BooleanField(
        default=False, help_text="A refusal on the day, unwell or contraindications recorded in this year."
    )
    injection_accepted = models.BooleanField(
        default=False,
        help_text="Flu: every response giving consent accepts an injection (injection only, or nasal spray "
        "with injection if the nasal spray is unsuitable).",
    )
    # The statuses (generated by PostgreSQL from the inputs).
    consent = models.GeneratedField(
        expression=models.Case(
            models.When(vaccinated=True, then=models.Value(Consent.NOT_REQUIRED.value)),
            default=models.F("responses"),
        ),
        output_field=models.CharField(max_length=20, choices=Consent.choices),
        db_persist=True,
    )
    vaccination = models.GeneratedField(
        expression=models.Case(
            models.When(vaccinated=True, then=models.Value(Vaccination.VACCINATED.value)),
            models.When(
                Q(responses=Consent.REFUSED.value) | Q(triage=Triage.DO_NOT_VACCINATE.value) | Q(not_given=True),
                then=models.Value(Vaccination.COULD_NOT_VACCINATE.value),
            ),
            default=models.Value(Vaccination.NONE_YET.value),
        ),
        output_field=models.CharField(max_length=20, choices=Vaccination.choices),
        db_persist=True,
    )
    # The safety gate: no dose without consent given and a safe triage.
    ready_to_vaccinate = models.GeneratedField(
        expression=Q(vaccinated=False)
        & Q(responses__in=[c.value for c in GIVEN])
        & Q(triage__in=[t.value for t in SAFE_TRIAGE]),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "programme", "academic_year"], name="programme_status_unique")
        ]
        indexes = [models.Index(fields=["academic_year", "programme", "consent"])]

    def __str__(self):
        return f"{self.child_id} {self.programme_id} {self.academic_year}: {self.consent}, {self.vaccination}"
