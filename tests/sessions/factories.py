"""Factories and helpers for sessions tests."""

import datetime

import factory

from patients.models import Child, Programme
from sessions.models import Session, SessionDate, SessionMembership
from tests.factories import ChildFactory, SchoolFactory, TeamFactory


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    kind = Session.Kind.SCHOOL
    school = factory.LazyAttribute(lambda s: SchoolFactory(team=s.team) if s.kind == Session.Kind.SCHOOL else None)
    academic_year = 2026

    @factory.post_generation
    def programmes(self, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["flu"]
            self.programmes.set(Programme.objects.filter(code__in=codes))

    @factory.post_generation
    def dates(self, create, extracted, **kwargs):
        if create and extracted:
            SessionDate.objects.bulk_create([SessionDate(session=self, value=value) for value in extracted])


def clinic(team, **kwargs) -> Session:
    return SessionFactory(team=team, kind=Session.Kind.COMMUNITY_CLINIC, school=None, **kwargs)


def member(session, **kwargs) -> Child:
    """A child (Year 5 in 2026/27 by default) who is a member of the session."""
    kwargs.setdefault("team", session.team)
    kwargs.setdefault("date_of_birth", datetime.date(2016, 3, 1))
    if session.school_id:
        kwargs.setdefault("school", session.school)
    else:
        kwargs.setdefault("school_status", Child.SchoolStatus.HOME_SCHOOLED)
        kwargs.setdefault("school", None)
    child = ChildFactory(**kwargs)
    SessionMembership.objects.create(session=session, child=child)
    return child


def ensure_programmes():
    """Transactional (browser) tests truncate tables, data migrations included: put the programmes back."""
    from importlib import import_module

    from django.apps import apps as django_apps

    import_module("patients.migrations.0002_programmes").create_programmes(django_apps, None)


def ready_to_vaccinate(child, *codes, academic_year=2026, **inputs):
    """Consent given and no triage needed, as the consent services store it (patients.ProgrammeStatus
    inputs; the generated columns say the rest). `inputs` overrides, e.g. triage="needed"."""
    from patients.models import ProgrammeStatus

    for code in codes or ("flu",):
        defaults = {"responses": "given_nasal" if code == "flu" else "given", **inputs}
        ProgrammeStatus.objects.update_or_create(
            child=child, programme=Programme.objects.get(code=code), academic_year=academic_year, defaults=defaults
        )
