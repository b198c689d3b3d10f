"""Reads for the clinic pages. Every selector takes the team (or a session already scoped to it)
and runs a fixed number of queries whatever the number of children."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from clinics.eligibility import Eligibility, next_clinic_date, reminder_clinic_date  # noqa: F401 - views use next_clinic_date
from clinics.models import ClinicInvitation, ClinicInvitationRequest
from mavis.memo import BUCKET, in_buckets, memoised_counts
from notifications.models import Message
from patients.academic import academic_year_of, year_group_label
from patients.models import Child, Programme, ProgrammeStatus
from patients.statuses import applicable_programmes, status_q
from sessions.models import Session, SessionDate, SessionMembership
from sessions.selectors import booked_q, with_booking

CANNOT_CONTACT_LIST_LIMIT = 100
GIVEN = ProgrammeStatus.GIVEN
VACCINATED = ProgrammeStatus.Vaccination.VACCINATED


def _sessions():
    return Session.objects.select_related("team", "school").prefetch_related(
        Prefetch("dates", queryset=SessionDate.objects.order_by("value")),
        Prefetch("programmes", queryset=Programme.objects.order_by("name")),
    )


def current_clinic(team, today: datetime.date, loaded: Session | None = None) -> Session | None:
    """The team's Community clinic session with a date today or later (the earliest year first).
    `loaded`: a session the page already has; reused (not loaded again) when it is that clinic."""
    clinics = Session.objects.for_team(team).community_clinics().scheduled(today).order_by("academic_year")
    if loaded is not None and loaded.is_community_clinic:
        pk = clinics.values_list("pk", flat=True).first()
        return loaded if pk == loaded.pk else (_sessions().get(pk=pk) if pk else None)
    return _sessions().for_team(team).community_clinics().scheduled(today).order_by("academic_year").first()


def session_for_team(team, session_id) -> Session:
    from mavis.scoping import get_for_team

    return get_for_team(_sessions(), team, pk=session_id)


def is_completed(session, today) -> bool:
    values = [d.value for d in session.dates.all()]
    return bool(values) and max(values) < today


def members_q(session) -> Q:
    return Q(Exists(SessionMembership.objects.filter(session=session, child_id=OuterRef("pk"))))


def invited_to_session_q(session) -> Q:
    return Q(Exists(ClinicInvitation.objects.filter(session=session, child_id=OuterRef("pk"))))


# --- The children each path considers (the rule itself is in clinics.eligibility) -------------


def automatic_candidates(clinic):
    """Path 1: home-schooled and unknown-school members never invited to this clinic session."""
    return (
        Child.objects.filter(members_q(clinic))
        .exclude(school_status=Child.SchoolStatus.SCHOOL)
        .exclude(invited_to_session_q(clinic))
    )


def school_candidates(school_session, clinic):
    """Path 2: the school session's children not yet invited to the clinic session."""
    return Child.objects.filter(members_q(school_session)).exclude(invited_to_session_q(clinic))


def school_programmes(school_session, clinic) -> list[Programme]:
    """The clinic's programmes that the school session also offered."""
    offered = {p.pk for p in school_session.programmes.all()}
    return [p for p in clinic.programmes.all() if p.pk in offered]


def reminder_candidates(clinic, today):
    """Path 4: children invited at least once to this clinic session who have not booked."""
    return Child.objects.filter(invited_to_session_q(clinic)).exclude(booked_q(clinic, today))


def reminders_skipped_booked(clinic, today, clinic_date) -> Eligibility:
    """The children a reminder would go to but for their booking (the summary's "skipped because
    they booked", and the list behind that count)."""
    booked = Child.objects.filter(invited_to_session_q(clinic)).filter(booked_q(clinic, today))
    return Eligibility(clinic, clinic_date, children=booked)


@dataclass
class Summary:
    clinic: Session | None
    clinic_date: datetime.date | None
    count: int
    cannot_contact: list
    cannot_contact_count: int
    children: list = field(default_factory=list)  # who will be sent one, by name (the first 100)
    invited_before: int | None = None  # reminders only: children invited to this clinic at all
    skipped_booked: int = 0  # reminders only: children who would be reminded but have booked
    seen: str = ""  # the digest of who will be sent one (Eligibility.snapshot), for the button to check


def _first(eligibility: Eligibility) -> list:
    return list(
        eligibility.child_ids_queryset().order_by("family_name", "given_name", "pk")[:CANNOT_CONTACT_LIST_LIMIT]
    )


def _summary(clinic, clinic_date, eligible: Eligibility, unreachable: Eligibility, **extra) -> Summary:
    snapshot = eligible.snapshot()
    count = len(snapshot.child_ids)
    return Summary(
        clinic,
        clinic_date,
        count,
        _first(unreachable),
        unreachable.count(),
        _first(eligible) if count else [],
        seen=snapshot.digest,
        **extra,
    )


def school_invitations_eligibility(school_session, clinic, clinic_date, *, contactable=True) -> Eligibility:
    """Who **Send clinic invitations** invites (or, not contactable, lists as cannot be contacted)."""
    children = school_candidates(school_session, clinic)
    programmes = school_programmes(school_session, clinic)
    return Eligibility(clinic, clinic_date, children=children, programmes=programmes, contactable=contactable)


def reminders_eligibility(clinic, today, clinic_date, *, contactable=True) -> Eligibility:
    """Who **Send booking reminders** reminds (or, not contactable, lists as cannot be contacted)."""
    return Eligibility(clinic, clinic_date, children=reminder_candidates(clinic, today), contactable=contactable)


SUMMARY_LISTS = {"send": "Will be sent one", "cannot_be_contacted": "Cannot be contacted"}


def summary_list(team, session, today, which: str) -> Eligibility | None:
    """The children behind a count on **Send clinic invitations** (a completed school session) or
    **Send booking reminders** (the clinic): `which` is "send" or "cannot_be_contacted". None when
    the page has no such count (no clinic, no date after today)."""
    contactable = which == "send"
    if session.is_community_clinic:
        clinic_date = reminder_clinic_date(session, today)
        return (
            None if clinic_date is None else reminders_eligibility(session, today, clinic_date, contactable=contactable)
        )
    clinic = current_clinic(team, today)
    if clinic is None:
        return None
    clinic_date = next_clinic_date(clinic, today)
    return school_invitations_eligibility(session, clinic, clinic_date, contactable=contactable)


def school_invitations_summary(team, school_session, today) -> Summary:
    clinic = current_clinic(team, today)
    if clinic is None:
        return Summary(None, None, 0, [], 0)
    clinic_date = next_clinic_date(clinic, today)
    eligible = school_invitations_eligibility(school_session, clinic, clinic_date)
    unreachable = school_invitations_eligibility(school_session, clinic, clinic_date, contactable=False)
    return _summary(clinic, clinic_date, eligible, unreachable)


def reminders_summary(clinic, today) -> Summary:
    clinic_date = reminder_clinic_date(clinic, today)
    invited_before = Child.objects.filter(invited_to_session_q(clinic)).count()
    if clinic_date is None:
        return Summary(clinic, None, 0, [], 0, invited_before=invited_before)
    eligible = reminders_eligibility(clinic, today, clinic_date)
    unreachable = reminders_eligibility(clinic, today, clinic_date, contactable=False)
    skipped = reminders_skipped_booked(clinic, today, clinic_date).count()
    return _summary(clinic, clinic_date, eligible, unreachable, invited_before=invited_before, skipped_booked=skipped)


# --- One child ----------------------------------------------------------------------------------


@dataclass
class ChildInvitationState:
    clinic: Session | None
    clinic_date: datetime.date | None
    invited_on: datetime.date | None = None
    scheduled_for: datetime.date | None = None
    can_be_contacted: bool = True
    booking_state: str | None = None  # sessions.selectors.BOOKING_STATES
    booking_date: datetime.date | None = None
    booking_time: datetime.time | None = None


def _latest_invitation_sent_on(clinic, child_id):
    """When the child was last invited to the clinic (an invitation, not a reminder): once invited,
    **Invite to community clinic** says so instead of inviting again."""
    return (
        ClinicInvitation.objects.filter(session=clinic, child_id=child_id, kind=ClinicInvitation.Kind.INVITATION)
        .order_by("-sent_on")
        .values("sent_on")[:1]
    )


def child_invitation_state(team, child, today, session=None) -> ChildInvitationState:
    """The child's standing with the current clinic, in one query besides the clinic's own."""
    clinic = current_clinic(team, today, loaded=session)
    if clinic is None:
        return ChildInvitationState(None, None)
    latest_invitation = _latest_invitation_sent_on(clinic, OuterRef("pk"))
    pending_request = (
        ClinicInvitationRequest.objects.filter(session=clinic, child_id=OuterRef("pk"), processed_at__isnull=True)
        .order_by("scheduled_for")
        .values("scheduled_for")[:1]
    )
    row = (
        with_booking(Child.objects.filter(pk=child.pk), clinic, today)
        .annotate(
            invited_on=Subquery(latest_invitation),
            scheduled_for=Subquery(pending_request),
            can_be_contacted=Exists(Child.objects.filter(pk=OuterRef("pk")).can_be_messaged()),
        )
        .values("invited_on", "scheduled_for", "can_be_contacted", "booking_state", "booking_date", "booking_time")
        .get()
    )
    return ChildInvitationState(clinic, next_clinic_date(clinic, today), **row)


@dataclass
class ChildInvitePlan:
    """What **Invite to community clinic** will do for one child, worked out before it is done:
    the confirmation page shows it and `services.clinic_invitation_request` carries it out."""

    clinic: Session | None
    clinic_day_today: bool = False  # a walk-in: the child goes on today's list
    send_on: datetime.date | None = None  # the next-day job's date, when an invitation will go
    no_later_date: bool = False
    cannot_be_contacted: bool = False
    not_needed: bool = False
    archived: bool = False  # out of the team's lists and messages (domain.md): neither added nor invited
    year_group: str = ""  # none of the clinic's programmes is for the child's year group ("Year 1")
    invited_on: datetime.date | None = None  # already invited to the clinic: nothing more to do
    not_messaged: object = None  # the child, when their record is marked deceased, restricted or invalidated


def child_invite_plan(team, child, today) -> ChildInvitePlan:
    clinic = current_clinic(team, today)
    if clinic is None:
        return ChildInvitePlan(None)
    if child.archived:
        return ChildInvitePlan(clinic, archived=True)
    plan = ChildInvitePlan(clinic, clinic_day_today=any(d.value == today for d in clinic.dates.all()))
    invited = _latest_invitation_sent_on(clinic, child.pk).first()
    if invited is not None:  # a page opened before the invitation went (the sweep, Send clinic invitations)
        plan.invited_on = invited["sent_on"]
        return plan
    send_on = today + datetime.timedelta(days=1)
    # The date the next-day job will invite for: a walk-in on the last clinic day has none.
    clinic_date = next_clinic_date(clinic, send_on)
    if clinic_date is None:
        plan.no_later_date = True
        return plan
    one = Child.objects.filter(pk=child.pk)
    if Eligibility(clinic, clinic_date, children=one).count():
        plan.send_on = send_on
    elif Eligibility(clinic, clinic_date, children=one, contactable=False).count():
        plan.cannot_be_contacted = True
    elif not one.not_blocked().exists():  # deceased, restricted or invalidated (patients.models)
        plan.not_messaged = child
    elif not applicable_programmes(child, clinic.programmes.all(), academic_year_of(clinic_date)):
        plan.year_group = year_group_label(child.year_group(academic_year_of(clinic_date)))
    else:
        plan.not_needed = True
    return plan


# --- The clinic's Overview totals, in children, each with the list of exactly those children ----

INVITATION_FILTERS = {
    "invited": "Invited",
    "delivered": "Delivered",
    "failed": "Failed",
    "cannot_be_contacted": "Cannot be contacted",
}


# The Overview's funnel: of the children invited, how many have booked, have consent given and are
# vaccinated now (each its one definition: sessions' "booked", patients.statuses' consent and
# vaccination statuses, for any programme of the clinic).
FUNNEL_FILTERS = {
    "invited": "Invited",
    "booked": "Booked",
    "consent_given": "Consent given",
    "vaccinated": "Vaccinated",
}
LIST_LABELS = {**INVITATION_FILTERS, **FUNNEL_FILTERS}


def invitation_filter_q(clinic, key: str, today: datetime.date | None = None, buckets=None) -> Q:
    """invited: has an invitation to the clinic; delivered: invited and every message to the
    family delivered; failed: invited and any message failed; cannot_be_contacted: a member no
    parent of whom can receive email or texts (patients.statuses); booked, consent_given,
    vaccinated: invited and so (FUNNEL_FILTERS). `buckets`: for children of these buckets only
    (mavis.memo), so that each subquery reads only their rows."""

    def children_in(rows) -> Q:
        """Children whose id is a `child_id` of `rows`. An uncorrelated IN: PostgreSQL hashes the
        ids once, where a correlated EXISTS probed an index for every child of the team (8 µs a child)."""
        return Q(pk__in=in_buckets(rows.filter(child_id__isnull=False), buckets, "child_id").values("child_id"))

    messages = Message.objects.filter(
        session=clinic, kind__in=[Message.Kind.CLINIC_INVITATION, Message.Kind.CLINIC_BOOKING_REMINDER]
    )
    invited = children_in(ClinicInvitation.objects.filter(session=clinic))
    if key == "invited":
        return invited
    if key == "booked":
        return invited & booked_q(clinic, today or timezone.localdate())
    if key in ("consent_given", "vaccinated"):
        field, values = ("consent", GIVEN) if key == "consent_given" else ("vaccination", [VACCINATED])
        return invited & status_q(clinic.programmes.all(), clinic.academic_year, field, values)
    if key == "delivered":
        return invited & children_in(messages) & ~children_in(messages.exclude(status=Message.Status.DELIVERED))
    if key == "failed":
        return invited & children_in(messages.filter(status__in=Message.FAILED_STATUSES))
    if key == "cannot_be_contacted":
        # Scoped to the team: unscoped, PostgreSQL hashed every child of every team to answer it.
        unreachable = in_buckets(Child.objects.filter(team_id=clinic.team_id), buckets).cannot_be_contacted()
        return children_in(SessionMembership.objects.filter(session=clinic)) & Q(pk__in=unreachable.values("pk"))
    raise ValueError(key)


def invitation_children(clinic, key: str, today: datetime.date | None = None):
    """The children behind one of the totals, by name."""
    return (
        Child.objects.filter(team_id=clinic.team_id)
        .filter(invitation_filter_q(clinic, key, today))
        .order_by("family_name", "given_name", "pk")
    )


def _totals(clinic, today, filters, buckets=None) -> dict:
    """The aggregates of clinic_totals_counted: the same filters as the lists."""
    return {key: Count("pk", filter=invitation_filter_q(clinic, key, today, buckets)) for key in filters}


def clinic_totals_counted(clinic, today: datetime.date | None = None, filters=INVITATION_FILTERS) -> dict:
    """{filter: number of children} for `filters` (INVITATION_FILTERS or FUNNEL_FILTERS), in one
    query."""
    return Child.objects.filter(team_id=clinic.team_id).aggregate(**_totals(clinic, today, filters))


def clinic_totals(clinic, today: datetime.date | None = None, filters=INVITATION_FILTERS) -> dict:
    """clinic_totals_counted, kept until the team's data about those children changes (mavis.memo):
    the Overview does not read every member again on each view. "Booked" counts bookings from today
    on: today keys it."""
    today = today or timezone.localdate()
    key = f"clinic_totals:{clinic.pk}:{today.isoformat()}:{','.join(filters)}"

    def count(buckets):
        children = in_buckets(Child.objects.filter(team_id=clinic.team_id), buckets)
        for row in children.values(BUCKET).annotate(**_totals(clinic, today, filters, buckets)).order_by():
            yield from ((row[BUCKET], total, row[total]) for total in filters)

    counts = memoised_counts(clinic.team_id, key, count)
    return {total: counts[total] for total in filters}
