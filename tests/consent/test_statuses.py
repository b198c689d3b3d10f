"""Consent, triage and vaccination statuses agree with the records after every kind of write."""

import pytest
from django.utils import timezone

from consent import selectors, services
from consent.models import ConsentResponse, Triage
from consent.selectors import ConsentStatus, TriageStatus
from consent.statuses import programme_statuses_rebuild
from patients.models import Child, ProgrammeStatus
from patients.statuses import child_statuses
from sessions.models import ActivityEvent
from tests.consent.factories import add_child, make_session, programme, record
from tests.factories import ParentRelationshipFactory, VaccinationRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    return make_session(team, codes=("flu", "hpv"))


def statuses(session, child):
    """The stored statuses, which must equal what a rebuild from the records gives."""
    programmes = list(session.programmes.all())
    stored = child_statuses(child, programmes, session.academic_year)
    programme_statuses_rebuild()
    assert child_statuses(child, programmes, session.academic_year) == stored
    return {code: row["consent"] for code, row in stored.items() if row is not None}


def refused_filter(session, child, code="hpv"):
    return statuses(session, child)[code] == ConsentStatus.REFUSED


def test_no_response_until_a_response_arrives(session):
    child = add_child(session)
    assert statuses(session, child) == {"flu": "no_response", "hpv": "no_response"}


def test_new_response_given_then_refused_by_the_same_parent_supersedes(session):
    child = add_child(session)
    record(session, child, "hpv", "given")
    assert statuses(session, child)["hpv"] == ConsentStatus.GIVEN
    assert not refused_filter(session, child)
    record(session, child, "hpv", "refused")
    assert statuses(session, child)["hpv"] == ConsentStatus.REFUSED
    assert refused_filter(session, child)
    record(session, child, "hpv", "given")
    assert statuses(session, child)["hpv"] == ConsentStatus.GIVEN


def test_two_parents_disagree_is_conflicting(session):
    child = add_child(session, parents=2)
    mum, dad = [r.parent for r in child.relationships.order_by("pk")]
    record(session, child, "hpv", "given", parent=mum)
    record(session, child, "hpv", "refused", parent=dad)
    assert statuses(session, child)["hpv"] == ConsentStatus.CONFLICTING
    assert not refused_filter(session, child)
    # Both refuse: refused.
    record(session, child, "hpv", "refused", parent=mum)
    assert statuses(session, child)["hpv"] == ConsentStatus.REFUSED


def test_flu_methods(session):
    child = add_child(session, parents=2)
    mum, dad = [r.parent for r in child.relationships.order_by("pk")]
    record(session, child, "flu", "given", parent=mum, flu_method="nasal_or_injection")
    assert statuses(session, child)["flu"] == ConsentStatus.GIVEN_NASAL
    record(session, child, "flu", "given", parent=dad, flu_method="injection")
    assert statuses(session, child)["flu"] == ConsentStatus.GIVEN_INJECTION  # overlap: injection
    record(session, child, "flu", "given", parent=mum, flu_method="nasal")
    assert statuses(session, child)["flu"] == ConsentStatus.CONFLICTING  # nasal only vs injection only
    record(session, child, "flu", "given", parent=dad, flu_method="nasal")
    assert statuses(session, child)["flu"] == ConsentStatus.GIVEN_NASAL


def test_not_provided_counts_for_nothing(session):
    child = add_child(session)
    record(session, child, "hpv", "not_provided")
    assert statuses(session, child)["hpv"] == ConsentStatus.NO_RESPONSE
    record(session, child, "hpv", "given")
    record(session, child, "hpv", "not_provided")
    assert statuses(session, child)["hpv"] == ConsentStatus.GIVEN


def test_withdraw_keeps_the_record_and_stops_it_counting(session, nurse):
    child = add_child(session)
    first = record(session, child, "hpv", "given")
    second = record(session, child, "hpv", "given")
    services.consent_response_withdraw(response=second, reason="Changed their mind", by=nurse)
    # The older response from the same parent does not come back.
    assert statuses(session, child)["hpv"] == ConsentStatus.NO_RESPONSE
    assert ConsentResponse.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    second.refresh_from_db()
    assert second.withdrawn_by == nurse and second.withdrawn_reason == "Changed their mind"
    assert ActivityEvent.objects.filter(
        child=child, kind=ActivityEvent.Kind.CONSENT_WITHDRAWN, session=session
    ).exists()
    with pytest.raises(services.ConsentError):
        services.consent_response_withdraw(response=second, reason="again", by=nurse)


def test_invalidate_means_it_never_happened(session, nurse):
    child = add_child(session)
    record(session, child, "hpv", "given")
    wrong = record(session, child, "hpv", "refused")
    assert statuses(session, child)["hpv"] == ConsentStatus.REFUSED
    services.consent_response_invalidate(response=wrong, reason="Wrong child", by=nurse)
    assert statuses(session, child)["hpv"] == ConsentStatus.GIVEN
    wrong.refresh_from_db()
    assert wrong.invalidated_by == nurse
    assert ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.CONSENT_INVALIDATED).exists()
    with pytest.raises(services.ConsentError):
        services.consent_response_invalidate(response=wrong, reason="", by=nurse)


def test_vaccination_makes_consent_not_required(session):
    child = add_child(session)
    record(session, child, "hpv", "refused")
    VaccinationRecordFactory(child=child, programme=programme("hpv"), method="intramuscular", site="left_arm_upper")
    assert statuses(session, child)["hpv"] == ConsentStatus.NOT_REQUIRED
    assert not refused_filter(session, child)
    # Flu vaccinated in an earlier academic year is not this year's.
    VaccinationRecordFactory(child=child, performed_at=timezone.now().replace(year=timezone.now().year - 2))
    assert statuses(session, child)["flu"] == ConsentStatus.NO_RESPONSE


def test_self_consent_is_its_own_respondent(session, nurse):
    child = add_child(session)
    record(session, child, "hpv", "refused")
    services.consent_response_record(
        team=session.team,
        child=child,
        session=session,
        answers=[services.ProgrammeAnswer(programme("hpv"), "given")],
        route=ConsentResponse.Route.SELF_CONSENT,
        parent=None,
        recorded_by=nurse,
    )
    assert statuses(session, child)["hpv"] == ConsentStatus.CONFLICTING


def test_triage_and_vaccination_status(session, nurse):
    child = add_child(session)
    hpv = programme("hpv")
    year = session.academic_year

    def row():
        values = child_statuses(child, [hpv], year)["hpv"]
        return values["triage"], values["vaccination"], values["ready_to_vaccinate"]

    assert row() == (TriageStatus.NOT_NEEDED, ProgrammeStatus.Vaccination.NONE_YET, False)
    record(session, child, "hpv", "given", health_yes=True)
    assert row() == (TriageStatus.NEEDED, ProgrammeStatus.Vaccination.NONE_YET, False)
    services.triage_record(
        team=session.team,
        child=child,
        programme=hpv,
        session=session,
        status=Triage.Status.KEEP_IN_TRIAGE,
        performed_by=nurse,
    )
    assert row() == (TriageStatus.KEEP_IN_TRIAGE, ProgrammeStatus.Vaccination.NONE_YET, False)
    services.triage_record(
        team=session.team,
        child=child,
        programme=hpv,
        session=session,
        status=Triage.Status.SAFE_TO_VACCINATE,
        performed_by=nurse,
    )
    assert row() == (TriageStatus.SAFE_TO_VACCINATE, ProgrammeStatus.Vaccination.NONE_YET, True)
    services.triage_record(
        team=session.team,
        child=child,
        programme=hpv,
        session=session,
        status=Triage.Status.DO_NOT_VACCINATE,
        performed_by=nurse,
    )
    assert row() == (TriageStatus.DO_NOT_VACCINATE, ProgrammeStatus.Vaccination.COULD_NOT_VACCINATE, False)
    assert ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.TRIAGE, session=session).count() == 3
    record(session, child, "hpv", "refused")
    assert row()[1] == ProgrammeStatus.Vaccination.COULD_NOT_VACCINATE
    VaccinationRecordFactory(child=child, programme=hpv, method="intramuscular", site="left_arm_upper")
    assert row()[1] == ProgrammeStatus.Vaccination.VACCINATED


def test_record_with_nurse_triage_in_one_go(session, nurse):
    child = add_child(session)
    record(
        session,
        child,
        "hpv",
        "given",
        health_yes=True,
        user=nurse,
        triage=services.TriageDecision(Triage.Status.SAFE_TO_VACCINATE, "Checked"),
    )
    assert Triage.objects.get(child=child).status == Triage.Status.SAFE_TO_VACCINATE
    assert child_statuses(child, [programme("hpv")], session.academic_year)["hpv"]["ready_to_vaccinate"]


def test_counts_and_filters_match_the_per_row_statuses(session):
    children = [add_child(session, parents=2) for _ in range(8)]
    record(session, children[0], "hpv", "given")
    record(session, children[0], "flu", "given", flu_method="injection")
    record(session, children[1], "flu", "given", flu_method="nasal")
    record(session, children[2], "hpv", "refused")
    record(session, children[2], "flu", "refused")
    mum, dad = [r.parent for r in children[3].relationships.order_by("pk")]
    record(session, children[3], "hpv", "given", parent=mum)
    record(session, children[3], "hpv", "refused", parent=dad)
    for code in ("hpv", "flu"):
        VaccinationRecordFactory(
            child=children[4], programme=programme(code), method="intramuscular", site="left_arm_upper"
        )
    # A Year 5 child: HPV is not for them, so only flu counts.
    young = add_child(session, date_of_birth=children[0].date_of_birth.replace(year=children[0].date_of_birth.year + 4))
    record(session, young, "flu", "given")
    programmes = list(session.programmes.all())
    kids = Child.objects.filter(session_memberships__session=session)
    counts = selectors.consent_status_counts(kids, programmes, session.academic_year)
    assert counts == {
        "all": 8,
        "no_response": 5,
        "given": 3,
        "given_nasal": 2,
        "given_injection": 1,
        "refused": 1,
        "conflicting": 1,
    }
    no_response = set(selectors.consent_tab_children(kids, programmes, session.academic_year, "no_response"))
    assert no_response == {children[1], children[3], *children[5:]}
    assert young not in no_response
    assert children[4] not in set(selectors.consent_tab_children(kids, programmes, session.academic_year))
    for key, value in counts.items():
        filtered = selectors.consent_tab_children(kids, programmes, session.academic_year, "" if key == "all" else key)
        assert filtered.count() == value


def test_respondent_key_separates_parents(session):
    child = add_child(session)
    other = ParentRelationshipFactory(child=child).parent
    response = record(session, child, "hpv", "given", parent=other)
    assert response.respondent_key == f"parent:{other.pk}"
