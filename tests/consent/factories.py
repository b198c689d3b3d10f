"""Consent test helpers: sessions with dates and members, and responses recorded through the services."""

import datetime

from django.utils import timezone

from consent import services
from consent.models import ConsentResponse
from patients.academic import current_academic_year
from patients.models import Programme
from sessions.models import Session, SessionDate, SessionMembership
from tests.factories import ChildFactory, ParentRelationshipFactory


def ensure_programmes():
    """Transactional (browser) tests flush the programmes the data migration made: put them back."""
    from importlib import import_module

    from django.apps import apps

    if not Programme.objects.exists():
        import_module("patients.migrations.0002_programmes").create_programmes(apps, None)


def programme(code):
    return Programme.objects.get(code=code)


def make_session(team, *, kind="community_clinic", codes=("flu", "hpv"), dates=(7,), school=None):
    ensure_programmes()
    today = timezone.localdate()
    session = Session.objects.create(
        team=team,
        kind=kind,
        school=school,
        academic_year=current_academic_year(today),
    )
    session.programmes.set(Programme.objects.filter(code__in=codes))
    for offset in dates:
        SessionDate.objects.create(session=session, value=today + datetime.timedelta(days=offset))
    return session


def year_9_dob(session):
    """A date of birth in Year 9 for the session's academic year (eligible for every programme)."""
    return datetime.date(session.academic_year - 9 - 5, 10, 1)


def add_child(session, *, parents=1, **kwargs):
    kwargs.setdefault("date_of_birth", year_9_dob(session))
    kwargs.setdefault("school_status", "home_schooled")
    child = ChildFactory(team=session.team, **kwargs)
    for _ in range(parents):
        ParentRelationshipFactory(child=child)
    SessionMembership.objects.create(session=session, child=child)
    return child


def record(
    session,
    child,
    code,
    response="given",
    *,
    parent="first",
    flu_method="",
    reason="",
    health_yes=False,
    user=None,
    triage=None,
):
    if parent == "first":
        parent = child.relationships.order_by("pk").first().parent
    if code == "flu" and response == "given" and not flu_method:
        flu_method = "nasal_or_injection"
    answers = [
        {
            "question": "Does your child have any allergies?",
            "answer": "yes" if health_yes else "no",
            "details": "Peanuts" if health_yes else "",
        }
    ]
    return services.consent_response_record(
        team=session.team,
        child=child,
        session=session,
        answers=[
            services.ProgrammeAnswer(
                programme(code),
                response,
                flu_method=flu_method,
                refusal_reason=reason or ("personal_choice" if response == "refused" else ""),
            )
        ],
        route=ConsentResponse.Route.PHONE,
        parent=parent,
        relationship_label="Mum",
        health_answers=answers,
        recorded_by=user,
        triage=triage,
    )[0]
