"""Outcomes per programme: the counts, the per-child labels and the register's rule always agree."""

import datetime
import zoneinfo

import pytest
from django.db.models import Q
from django.urls import reverse

from patients.models import Programme, VaccinationRecord
from sessions import selectors
from sessions.extensions import could_not_vaccinate
from tests.factories import VaccinationRecordFactory
from tests.sessions.factories import SessionFactory, member

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_counts_labels_and_register_rule_agree(team):
    session = SessionFactory(team=team, academic_year=2026, programmes=["flu", "hpv"])
    other = SessionFactory(team=team, academic_year=2026)
    flu, hpv = Programme.objects.get(code="flu"), Programme.objects.get(code="hpv")
    hpv_age = datetime.date(2013, 1, 1)  # Year 8 in 2026/27
    cases = {
        # Flu given on the first minute of the year (London), and on the last one of the year before.
        "flu_first_minute": {"programme": flu, "performed_at": datetime.datetime(2026, 9, 1, 0, 1, tzinfo=LONDON)},
        "flu_last_year": {"programme": flu, "performed_at": datetime.datetime(2026, 8, 31, 23, 59, tzinfo=LONDON)},
        "hpv_years_ago": {"programme": hpv, "performed_at": datetime.datetime(2024, 5, 1, 10, 0, tzinfo=LONDON)},
        "unwell_here": {"programme": flu, "outcome": "unwell", "vaccine": "", "batch": "", "method": "", "site": ""},
        "unwell_elsewhere": {
            "programme": flu,
            "outcome": "unwell",
            "vaccine": "",
            "batch": "",
            "method": "",
            "site": "",
        },
        "nothing": None,
    }
    children = {}
    for name, record in cases.items():
        child = member(session, date_of_birth=hpv_age, given_name=name)
        children[name] = child
        if record:
            where = other if name == "unwell_elsewhere" else session
            VaccinationRecordFactory(child=child, session_id=where.pk, **record)

    labels = {
        c.given_name: (c.outcome_flu, c.outcome_hpv)
        for c in selectors.annotate_outcomes(selectors.session_children(session), session)
    }
    assert labels == {
        "flu_first_minute": ("vaccinated", "none"),
        "flu_last_year": ("none", "none"),
        "hpv_years_ago": ("none", "vaccinated"),
        "unwell_here": ("could_not_vaccinate", "none"),
        "unwell_elsewhere": ("none", "none"),
        "nothing": ("none", "none"),
    }
    counts = selectors.outcome_counts(session)
    assert counts["total"] == 6
    for index, code in enumerate(["flu", "hpv"]):
        expected = {
            outcome: sum(1 for pair in labels.values() if pair[index] == outcome)
            for outcome in ("vaccinated", "could_not_vaccinate", "none")
        }
        assert counts["programmes"][code] == expected
        # The filters pick the same children as the labels.
        programme = Programme.objects.get(code=code)
        for outcome in expected:
            picked = selectors.session_children(session).filter(selectors.outcome_q(session, programme, outcome))
            assert picked.count() == expected[outcome]
    # The register's own rule (patients) says the same about who is vaccinated.
    register = set(
        VaccinationRecord.objects.counts_as_vaccinated(2026).values_list("child__given_name", "programme__code")
    )
    assert register == {("flu_first_minute", "flu"), ("hpv_years_ago", "hpv")}


def test_a_higher_apps_condition_counts_as_could_not_vaccinate(nurse_client, team):
    # What consent can register for a triage "do not vaccinate": the label, the filter and the count follow it,
    # and a child vaccinated anyway stays Vaccinated.
    session = SessionFactory(team=team, academic_year=2026, programmes=["flu"])
    flu = Programme.objects.get(code="flu")
    triaged = member(session, given_name="Triaged")
    vaccinated = member(session, given_name="Vaccinated")
    member(session, given_name="Nothing")
    VaccinationRecordFactory(child=vaccinated, session_id=session.pk, programme=flu)

    def do_not_vaccinate(*, session, programme):
        return Q(given_name__in=["Triaged", "Vaccinated"]) if programme == flu else None

    could_not_vaccinate.register(do_not_vaccinate)
    try:
        labels = {
            c.given_name: c.outcome_flu
            for c in selectors.annotate_outcomes(selectors.session_children(session), session)
        }
        counts = selectors.outcome_counts(session)["programmes"]["flu"]
        picked = selectors.session_children(session).filter(selectors.outcome_q(session, flu, "could_not_vaccinate"))
        page = selectors.session_children_page_queryset(session, outcome="could_not_vaccinate")
        child_page = nurse_client.get(reverse("sessions:child", args=[session.pk, triaged.pk])).content.decode()
    finally:
        could_not_vaccinate.unregister(do_not_vaccinate)
    assert labels == {"Triaged": "could_not_vaccinate", "Vaccinated": "vaccinated", "Nothing": "none"}
    assert counts == {"vaccinated": 1, "could_not_vaccinate": 1, "none": 1}
    assert [c.pk for c in picked] == [triaged.pk]
    assert [c.pk for c in page] == [triaged.pk]
    # The child's own page in the session follows the same rule.
    assert 'nhsuk-tag--red">Could not vaccinate' in child_page
    # Unregistered, the rule is back to recorded outcomes only.
    assert selectors.outcome_counts(session)["programmes"]["flu"]["could_not_vaccinate"] == 0
