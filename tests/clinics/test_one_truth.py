"""Done-when of issue 11: random sequences of every kind of write, through the services, and after
each one every count a nurse sees equals the children listed under it and what the sender does.

A hypothesis RuleBasedStateMachine over one team: a Community clinic (invitations open), a school
session today (register and record) and a completed school session (Send clinic invitations).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from clinics import selectors as clinic_selectors
from clinics import services as clinic_services
from clinics.eligibility import Eligibility
from clinics.models import ClinicInvitation
from consent import selectors as consent_selectors
from consent import services as consent_services
from consent.models import ConsentResponse
from consent.statuses import programme_statuses_rebuild
from mavis.models import User
from notifications.models import Message
from patients import services as patient_services
from patients.academic import current_academic_year
from patients.cohort import run_import
from patients.models import Child, Parent, ProgrammeStatus
from patients.statuses import status_groups
from sessions import selectors as session_selectors
from sessions import services as session_services
from sessions.models import Session, SessionDate
from tests.clinics.factories import ensure_programmes
from tests.factories import SchoolFactory
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = pytest.mark.django_db

CODES = ("flu", "hpv")
EMAILS = ("", "parent@example.com")
PHONES = ("", "07700900123", "01214960000")  # none, a UK mobile, a landline
METHODS = tuple(Parent.ContactMethod.values)


def _session(team, kind, school, dates, programmes, year, **extra):
    session = Session.objects.create(team=team, kind=kind, school=school, academic_year=year, **extra)
    session.programmes.set(programmes)
    SessionDate.objects.bulk_create([SessionDate(session=session, value=d) for d in dates])
    return session


class OneTruth(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # every example rolls back at teardown
        ensure_programmes()
        from tests.factories import TeamFactory

        self.today = timezone.localdate()
        year = current_academic_year(self.today)
        self.team = TeamFactory()
        self.nurse = User.objects.create(username=f"n{self.team.pk}", role=User.Role.NURSE)
        self.nurse.teams.add(self.team)
        self.school = SchoolFactory(team=self.team)
        programmes = [p for p in ensure_programmes_list() if p.code in CODES]
        day = datetime.timedelta(days=1)
        self.clinic = _session(
            self.team,
            Session.Kind.COMMUNITY_CLINIC,
            None,
            [self.today + 10 * day],
            programmes,
            year,
            invitation_date=self.today,
        )
        self.school_today = _session(self.team, Session.Kind.SCHOOL, self.school, [self.today], programmes, year)
        self.school_done = _session(
            self.team, Session.Kind.SCHOOL, SchoolFactory(team=self.team), [self.today - 3 * day], programmes, year
        )
        self.sessions = [self.clinic, self.school_today, self.school_done]
        self.year = year
        self.children = []
        # Year 9 (flu and HPV) and Year 2 (flu only).
        for n, group in enumerate((9, 9, 2)):
            self._add_child(n, group, home_schooled=n == 0)

    def _add_child(self, n, group, *, home_schooled=False):
        fields = {"school_status": Child.SchoolStatus.HOME_SCHOOLED} if home_schooled else {"school": self.school}
        child = patient_services.child_create(
            team=self.team,
            given_name=f"Kid{n}",
            family_name=f"Family{n}",
            date_of_birth=datetime.date(self.year - group - 5, 10, 1),
            **fields,
        )
        patient_services.parent_create(
            child=child, relationship="mum", full_name=f"Parent {n}", email="p@example.com", phone="07700900000"
        )
        for session in self.sessions:
            session_services.session_membership_add(session=session, child_ids=[child.pk], source="other")
        self.children.append(child)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _child(self, index):
        child = self.children[index % len(self.children)]
        child.refresh_from_db()
        return child

    def _programme(self, code):
        return next(p for p in self.clinic.programmes.all() if p.code == code)

    # --- Writes ---------------------------------------------------------------------------------

    @rule(group=st.sampled_from([2, 8, 9, 11]))
    def cohort_import(self, group):
        n = len(self.children)
        dob = datetime.date(self.year - group - 5, 11, 2)
        row = child_row(n, **{"Last name": f"Cohort{n}", "Date of birth": f"{dob:%Y-%m-%d}"})
        row["School URN"] = self.school.urn
        result = run_import(team=self.team, content=cohort_csv([row]), today=self.today)
        child = Child.objects.filter(team=self.team, family_name=f"Cohort{n}").first()
        if child is not None and child not in self.children:
            for session in self.sessions:
                session_services.session_membership_add(session=session, child_ids=[child.pk], source="other")
            self.children.append(child)
        assert result is not None

    @rule(index=st.integers(0, 10), where=st.sampled_from(["school", "home_schooled", "unknown"]))
    def school_move(self, index, where):
        child = self._child(index)
        if where == "school":
            patient_services.child_update(child=child, school=self.school)
        else:
            patient_services.child_update(child=child, school_status=where)

    @rule(index=st.integers(0, 10))
    def archive_or_unarchive(self, index):
        child = self._child(index)
        if child.archived:
            patient_services.child_unarchive(child=child)
        else:
            patient_services.child_archive(child=child, reason=Child.ArchiveReason.MOVED_OUT_OF_AREA)

    @rule(
        index=st.integers(0, 10),
        email=st.sampled_from(EMAILS),
        phone=st.sampled_from(PHONES),
        method=st.sampled_from(METHODS),
    )
    def parent_contact_change(self, index, email, phone, method):
        parent = self._child(index).relationships.first().parent
        details = "Call after 5pm" if method == Parent.ContactMethod.OTHER else ""
        patient_services.parent_update(
            parent=parent, email=email, phone=phone, contact_method=method, contact_method_details=details
        )

    @rule(
        index=st.integers(0, 10),
        code=st.sampled_from(CODES),
        response=st.sampled_from(["given", "refused"]),
        route=st.sampled_from([ConsentResponse.Route.ONLINE, ConsentResponse.Route.PHONE]),
        health_yes=st.booleans(),
        self_consent=st.booleans(),
    )
    def consent(self, index, code, response, route, health_yes, self_consent):
        child = self._child(index)
        parent = None if self_consent else child.relationships.first().parent
        consent_services.consent_response_record(
            team=self.team,
            child=child,
            session=self.school_today,
            answers=[
                consent_services.ProgrammeAnswer(
                    self._programme(code),
                    response,
                    flu_method="nasal_or_injection" if code == "flu" and response == "given" else "",
                    refusal_reason="personal_choice" if response == "refused" else "",
                )
            ],
            route=ConsentResponse.Route.SELF_CONSENT if self_consent else route,
            parent=parent,
            relationship_label="Mum",
            health_answers=[{"question": "Allergies?", "answer": "yes" if health_yes else "no", "details": ""}],
            recorded_by=self.nurse,
        )

    @rule(pick=st.integers(0, 50), invalidate=st.booleans())
    def withdraw_or_invalidate(self, pick, invalidate):
        responses = list(
            ConsentResponse.objects.filter(team=self.team, withdrawn_at=None, invalidated_at=None).order_by("pk")
        )
        if not responses:
            return
        response = responses[pick % len(responses)]
        action = (
            consent_services.consent_response_invalidate if invalidate else consent_services.consent_response_withdraw
        )
        action(response=response, reason="Test", by=self.nurse)

    @rule(
        index=st.integers(0, 10), code=st.sampled_from(CODES), status=st.sampled_from(ProgrammeStatus.Triage.values[2:])
    )
    def triage(self, index, code, status):
        consent_services.triage_record(
            team=self.team,
            child=self._child(index),
            programme=self._programme(code),
            session=self.school_today,
            status=status,
            performed_by=self.nurse,
        )

    @rule(index=st.integers(0, 10), attending=st.booleans())
    def attendance(self, index, attending):
        session_services.attendance_record(
            session=self.school_today,
            child=self._child(index),
            status="attending" if attending else "absent",
            user=self.nurse,
            today=self.today,
        )

    @rule(index=st.integers(0, 10), code=st.sampled_from(CODES), outcome=st.sampled_from(["vaccinated", "unwell"]))
    def vaccination(self, index, code, outcome):
        details = {"vaccine": "Gardasil 9", "batch": "B1", "method": "intramuscular", "site": "left_arm_upper"}
        try:
            session_services.vaccination_record_add(
                session=self.school_today,
                child=self._child(index),
                programme=self._programme(code),
                outcome=outcome,
                user=self.nurse,
                today=self.today,
                **(details if outcome == "vaccinated" else {}),
            )
        except ValidationError as error:
            # The gates: attending today, then for every outcome the safety gate (ready to vaccinate).
            if "attending" not in str(error):
                statuses = ProgrammeStatus.objects.filter(
                    child=self._child(index), programme=self._programme(code), academic_year=self.year
                ).first()
                assert statuses is None or not statuses.ready_to_vaccinate

    @rule(index=st.integers(0, 10), group=st.sampled_from([2, 8, 9, 11]), email=st.sampled_from(EMAILS))
    def direct_update(self, index, group, email):
        """What a data fix or a bulk admin action does: QuerySet.update, no service. The year group
        moves the child across programmes; the email changes who can be contacted."""
        child = self._child(index)
        Child.objects.filter(pk=child.pk).update(date_of_birth=datetime.date(self.year - group - 5, 12, 3))
        Parent.objects.filter(relationships__child=child).update(email=email)

    @rule()
    def sweep(self):
        clinic_services.team_sweep(team=self.team, today=self.today, claim=False)

    @rule()
    def send_from_school(self):
        clinic_services.clinic_invitations_send_from_school(
            school_session=self.school_done, user=self.nurse, today=self.today
        )

    @rule(index=st.integers(0, 10))
    def invite_one(self, index):
        clinic_services.clinic_invitation_request(child=self._child(index), user=self.nurse, today=self.today)

    @rule(
        index=st.integers(0, 10), status=st.sampled_from([Message.Status.DELIVERED, Message.Status.PERMANENT_FAILURE])
    )
    def delivery_receipt(self, index, status):
        from notifications.services import delivery_receipt_record

        message = Message.objects.filter(child=self._child(index)).order_by("created_at").first()
        if message is not None:
            delivery_receipt_record(notify_id=None, reference=str(message.pk), status=status)

    # --- What must always hold ------------------------------------------------------------------

    @invariant()
    def statuses_agree_with_the_records(self):
        def snapshot():
            return set(
                ProgrammeStatus.objects.filter(child__team=self.team)
                .exclude(responses="no_response", triage="not_needed", vaccinated=False, not_given=False)
                .values_list("child_id", "programme_id", "academic_year", "consent", "triage", "vaccination")
            )

        stored = snapshot()
        with transaction.atomic():
            programme_statuses_rebuild(team=self.team)
            assert snapshot() == stored
            transaction.set_rollback(True)

    @invariant()
    def every_count_equals_the_children_listed(self):
        """The counts pages show are kept until the team's data changes (mavis.memo): each equals
        the same count recomputed from the rule now, and the children listed under it."""
        for session in self.sessions:
            session = session_selectors.session_for_team(self.team, session.pk)
            programmes = list(session.programmes.all())
            children = session_selectors.session_children(session)
            kept = session_selectors.session_status_groups(session)
            recomputed = status_groups(children, programmes, self.year, fields=("consent", "vaccination"))
            assert _groups(kept) == _groups(recomputed), session
            counts = consent_selectors.consent_status_counts(children, programmes, self.year)
            assert consent_selectors.consent_status_counts(children, programmes, self.year, groups=kept) == counts
            for key, number in counts.items():
                listed = consent_selectors.consent_tab_children(
                    children, programmes, self.year, "" if key == "all" else key
                )
                assert len(list(listed)) == number, (session, key)
            outcomes = session_selectors.outcome_counts(session)
            assert outcomes["total"] == len(list(children))
            for code, by_outcome in outcomes["programmes"].items():
                for outcome, number in by_outcome.items():
                    listed = session_selectors.session_children_page_queryset(session, programme=code, outcome=outcome)
                    assert len(list(listed)) == number, (session, code, outcome)
                    page_count = session_selectors.children_page_count(session, programme=code, outcome=outcome)
                    assert page_count == number, (session, code, outcome)
            for outcome in ("", *session_selectors.OUTCOME_LABELS):  # any programme (the tab's default)
                listed = session_selectors.session_children_page_queryset(session, outcome=outcome)
                assert session_selectors.children_page_count(session, outcome=outcome) == len(list(listed))
        totals = clinic_selectors.clinic_totals(self.clinic)
        assert totals == clinic_selectors.clinic_totals_counted(self.clinic)
        for key, number in totals.items():
            assert len(list(clinic_selectors.invitation_children(self.clinic, key))) == number, key

    @invariant()
    def every_invitation_has_a_message(self):
        for invitation in ClinicInvitation.objects.filter(session=self.clinic):
            assert Message.objects.filter(
                child_id=invitation.child_id,
                session=self.clinic,
                kind__in=[Message.Kind.CLINIC_INVITATION, Message.Kind.CLINIC_BOOKING_REMINDER],
            ).exists(), invitation

    @invariant()
    def the_dry_run_and_the_summary_equal_what_is_sent(self):
        preview = clinic_services.sweep_preview(team=self.team, today=self.today)
        summary = clinic_selectors.school_invitations_summary(self.team, self.school_done, self.today)
        with transaction.atomic():
            done = clinic_services.team_sweep(team=self.team, today=self.today, claim=False)
            for before, after in zip(preview, done, strict=True):
                assert (before.automatic, before.requested) == (after.automatic, after.requested)
            transaction.set_rollback(True)
        with transaction.atomic():
            sent = clinic_services.clinic_invitations_send_from_school(
                school_session=self.school_done, user=self.nurse, today=self.today
            )
            assert sent.invited == summary.count
            transaction.set_rollback(True)
        # Every child left out only because no parent can be messaged is listed, with that reason.
        clinic = session_selectors.session_for_team(self.team, self.clinic.pk)
        unreachable = Eligibility(
            clinic,
            self.today + datetime.timedelta(days=10),
            children=clinic_selectors.automatic_candidates(clinic),
            contactable=False,
        ).child_ids_queryset()
        listed = {c.pk for p in preview for c in p.cannot_contact}
        assert listed == set(unreachable.values_list("pk", flat=True))
        assert listed <= set(Child.objects.cannot_be_contacted().values_list("pk", flat=True))


def _groups(groups) -> list:
    return sorted(repr(sorted(row.items())) for row in groups)


def ensure_programmes_list():
    from patients.models import Programme

    return list(Programme.objects.all())


def test_every_count_equals_the_children_listed_and_what_is_sent(db):
    run_state_machine_as_test(
        OneTruth,
        settings=settings(
            max_examples=2,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
