"""Builders for the clinic tests: a team's Community clinic, school sessions, children."""

import datetime

from clinics.models import ClinicInvitation
from patients.models import Child, Programme
from sessions.models import Session, SessionDate, SessionMembership
from tests.factories import ChildFactory, ParentFactory, ParentRelationshipFactory, SchoolFactory

YEAR = 2026  # academic year 2026/27
YEAR_8_BIRTHDAY = datetime.date(2014, 5, 1)  # Year 8 in 2026/27: flu and HPV


def ensure_programmes():
    """Tests with transaction=True flush the tables, including the programmes a data migration made."""
    import importlib

    for code, name, year_groups, seasonal in importlib.import_module("patients.migrations.0002_programmes").PROGRAMMES:
        Programme.objects.get_or_create(
            code=code, defaults={"name": name, "year_groups": year_groups, "seasonal": seasonal}
        )


def programmes(*codes):
    ensure_programmes()
    return list(Programme.objects.filter(code__in=codes or ["flu", "hpv"]))


def clinic_session(team, dates=(), *, codes=("flu", "hpv"), invitation_date=None, year=YEAR) -> Session:
    session = Session.objects.create(
        team=team, kind=Session.Kind.COMMUNITY_CLINIC, academic_year=year, invitation_date=invitation_date
    )
    session.programmes.set(programmes(*codes))
    for value in dates:
        SessionDate.objects.create(session=session, value=value)
    return session


def school_session(team, dates=(), *, school=None, codes=("flu", "hpv"), year=YEAR) -> Session:
    school = school or SchoolFactory(team=team)
    session = Session.objects.create(team=team, kind=Session.Kind.SCHOOL, school=school, academic_year=year)
    session.programmes.set(programmes(*codes))
    for value in dates:
        SessionDate.objects.create(session=session, value=value)
    return session


def child(team, *, session=None, status=Child.SchoolStatus.HOME_SCHOOLED, school=None, parent=True, **kwargs):
    if school is not None:
        status = Child.SchoolStatus.SCHOOL
    made = ChildFactory(
        team=team,
        school_status=status,
        school=school if status == Child.SchoolStatus.SCHOOL else None,
        date_of_birth=kwargs.pop("date_of_birth", YEAR_8_BIRTHDAY),
        **kwargs,
    )
    if parent:
        parent_kwargs = parent if isinstance(parent, dict) else {}
        ParentRelationshipFactory(child=made, parent=ParentFactory(team=team, **parent_kwargs))
    if session is not None:
        SessionMembership.objects.create(session=session, child=made)
    return made


def sent_invitation(team, clinic, child, *, programmes=("flu",)) -> ClinicInvitation:
    """An invitation to the clinic's earlier date (2 November), sent on 12 October."""
    at = datetime.datetime(2026, 10, 12, 9, tzinfo=datetime.UTC)
    return ClinicInvitation.objects.create(
        team=team,
        child=child,
        session=clinic,
        clinic_date=datetime.date(2026, 11, 2),
        kind=ClinicInvitation.Kind.INVITATION,
        programmes=list(programmes),
        source=ClinicInvitation.Source.AUTOMATIC,
        created_at=at,
        sent_at=at,
        sent_on=at.date(),
    )
