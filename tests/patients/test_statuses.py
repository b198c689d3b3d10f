"""patients.statuses: each rule has one definition, and its SQL and Python forms agree."""

import datetime

import pytest

from notifications.models import Message
from notifications.services import FamilyMessage, family_messages_enqueue
from patients.models import Child, Parent, Programme, ProgrammeStatus
from patients.statuses import DEFAULTS, programme_applies, programme_applies_q
from tests.factories import ChildFactory, ParentRelationshipFactory

pytestmark = pytest.mark.django_db


def test_defaults_are_what_postgresql_generates_for_an_untouched_row(team):
    child = ChildFactory(team=team)
    row = ProgrammeStatus.objects.create(child=child, programme=Programme.objects.get(code="flu"), academic_year=2026)
    row.refresh_from_db()
    assert {name: getattr(row, name) for name in DEFAULTS} == DEFAULTS


@pytest.mark.parametrize("code", ["flu", "hpv", "menacwy", "td_ipv"])
def test_programme_applies_sql_and_python_agree(team, code):
    programme = Programme.objects.get(code=code)
    # Every month of birth across Nursery to Year 12 in 2026/27.
    for months in range(0, 12 * 14):
        ChildFactory(team=team, date_of_birth=datetime.date(2009, 9, 1) + datetime.timedelta(days=31 * months))
    in_sql = set(Child.objects.filter(programme_applies_q(programme, 2026)))
    in_python = {c for c in Child.objects.all() if programme_applies(c, programme, 2026)}
    assert in_sql == in_python and in_sql


def test_a_voice_only_mobile_is_not_contactable_and_is_sent_nothing(team):
    # domain.md: texts need a UK mobile and a contact method of any or text only.
    voice = ParentRelationshipFactory(
        child=ChildFactory(team=team), parent__email="", parent__contact_method=Parent.ContactMethod.VOICE
    ).child
    texts = ParentRelationshipFactory(
        child=ChildFactory(team=team), parent__email="", parent__contact_method=Parent.ContactMethod.TEXT
    ).child
    assert set(Child.objects.cannot_be_contacted()) == {voice}
    assert set(Child.objects.can_be_messaged()) == {texts}
    items = [FamilyMessage(child, {}) for child in (voice, texts)]
    from unittest import mock

    with mock.patch("notifications.services.personalisations.validate"):
        sent = family_messages_enqueue(team=team, kind=Message.Kind.TEST, items=items)
    assert [(m.child_id, m.channel) for m in sent] == [(texts.pk, Message.Channel.SMS)]


def test_the_yearly_rollover_carries_a_dose_that_counts_every_year_into_the_new_year(team):
    # An HPV dose given in 2026/27 still counts in 2027/28; flu does not. Before the rollover the
    # new year has no row, which reads as none yet: the nurse would be offered a second HPV dose.
    from sessions.services import sessions_create_for_year
    from tests.factories import VaccinationRecordFactory

    hpv, flu = Programme.objects.get(code="hpv"), Programme.objects.get(code="flu")
    given = datetime.datetime(2026, 10, 5, 10, tzinfo=datetime.UTC)
    child = ChildFactory(team=team, date_of_birth=datetime.date(2013, 10, 1))
    VaccinationRecordFactory(
        child=child, programme=hpv, performed_at=given, method="intramuscular", site="left_arm_upper"
    )
    VaccinationRecordFactory(child=child, programme=flu, performed_at=given)
    other_team_child = ChildFactory(date_of_birth=datetime.date(2013, 10, 1))
    VaccinationRecordFactory(child=other_team_child, programme=hpv, performed_at=given)

    def row(c, programme):
        return ProgrammeStatus.objects.filter(child=c, programme=programme, academic_year=2027).first()

    assert row(child, hpv) is None

    sessions_create_for_year(team=team, academic_year=2027)

    assert row(child, hpv).vaccination == ProgrammeStatus.Vaccination.VACCINATED
    assert row(child, flu) is None  # seasonal: a new year starts with nothing given
    assert row(other_team_child, hpv) is None  # another team's rollover is its own
    sessions_create_for_year(team=team, academic_year=2027)  # idempotent
    assert ProgrammeStatus.objects.filter(academic_year=2027).count() == 1


@pytest.mark.django_db
def test_the_rollover_writes_one_row_for_a_child_with_two_doses(team):
    """Two HPV doses (different days) once made the carry-forward insert the same row twice."""
    from patients.statuses import vaccination_statuses_carry_forward
    from tests.factories import VaccinationRecordFactory

    child = ChildFactory(team=team, date_of_birth=datetime.date(2013, 3, 1))
    hpv = Programme.objects.get(code="hpv")
    for day in (1, 20):
        VaccinationRecordFactory(
            child=child,
            programme=hpv,
            performed_at=datetime.datetime(2025, 10, day, 10, tzinfo=datetime.UTC),
            vaccine="Gardasil 9",
            method="intramuscular",
            site="left_arm_upper",
        )
    assert vaccination_statuses_carry_forward(team=team, academic_year=2027) == 1
    assert ProgrammeStatus.objects.get(child=child, programme=hpv, academic_year=2027).vaccination == "vaccinated"
