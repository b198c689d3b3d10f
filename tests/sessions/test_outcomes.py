"""Outcomes per programme: the counts, the per-child labels and the register's rule always agree."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from patients.models import Programme, VaccinationRecord
from sessions import selectors
from tests.factories import ParentRelationshipFactory, VaccinationRecordFactory
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
        c.given_name: (c.vaccination_flu, c.vaccination_hpv)
        for c in selectors.with_outcomes(selectors.session_children(session), session)
    }
    # The vaccination status is per child, programme and academic year (domain.md): an outcome
    # recorded in another session of the year counts here too (it used to be per session).
    assert labels == {
        "flu_first_minute": ("vaccinated", "none_yet"),
        "flu_last_year": ("none_yet", "none_yet"),
        "hpv_years_ago": ("none_yet", "vaccinated"),
        "unwell_here": ("could_not_vaccinate", "none_yet"),
        "unwell_elsewhere": ("could_not_vaccinate", "none_yet"),
        "nothing": ("none_yet", "none_yet"),
    }
    counts = selectors.outcome_counts(session)
    assert counts["total"] == 6
    for index, code in enumerate(["flu", "hpv"]):
        expected = {
            outcome: sum(1 for pair in labels.values() if pair[index] == outcome)
            for outcome in ("vaccinated", "could_not_vaccinate", "none_yet")
        }
        assert counts["programmes"][code] == expected
        # The filters pick the same children as the labels.
        for outcome in expected:
            picked = selectors.session_children_page_queryset(session, programme=code, outcome=outcome)
            assert picked.count() == expected[outcome]
    # The register's own rule (patients) says the same about who is vaccinated.
    register = set(
        VaccinationRecord.objects.counts_as_vaccinated(2026).values_list("child__given_name", "programme__code")
    )
    assert register == {("flu_first_minute", "flu"), ("hpv_years_ago", "hpv")}


def test_a_do_not_vaccinate_triage_counts_as_could_not_vaccinate(nurse_client, nurse, team):
    # The Children tab, its filter, the Overview count and the child's page read one status: a
    # triage "do not vaccinate" is Could not vaccinate, and a child vaccinated anyway stays Vaccinated.
    from consent import services as consent_services
    from tests.consent.factories import record

    session = SessionFactory(team=team, programmes=["flu"])
    flu = Programme.objects.get(code="flu")
    triaged = member(session, given_name="Triaged")
    vaccinated = member(session, given_name="Vaccinated")
    member(session, given_name="Nothing")
    for child in (triaged, vaccinated):
        ParentRelationshipFactory(child=child)
        record(session, child, "flu", "given", health_yes=True)
        consent_services.triage_record(
            team=team, child=child, programme=flu, session=session, status="do_not_vaccinate", performed_by=nurse
        )
    VaccinationRecordFactory(child=vaccinated, session_id=session.pk, programme=flu)

    labels = {
        c.given_name: c.vaccination_flu for c in selectors.with_outcomes(selectors.session_children(session), session)
    }
    counts = selectors.outcome_counts(session)["programmes"]["flu"]
    page = selectors.session_children_page_queryset(session, outcome="could_not_vaccinate")
    child_page = nurse_client.get(reverse("sessions:child", args=[session.pk, triaged.pk])).content.decode()
    assert labels == {"Triaged": "could_not_vaccinate", "Vaccinated": "vaccinated", "Nothing": "none_yet"}
    assert counts == {"vaccinated": 1, "could_not_vaccinate": 1, "none_yet": 1}
    assert [c.pk for c in page] == [triaged.pk]
    assert 'nhsuk-tag--red">Could not vaccinate' in child_page


def test_each_overview_outcome_count_links_to_exactly_those_children(nurse_client, team):
    import re

    from tests.text import visible_text

    session = SessionFactory(team=team, academic_year=2026, programmes=["flu", "hpv"])
    flu = Programme.objects.get(code="flu")
    hpv_age = datetime.date(2013, 1, 1)  # Year 8 in 2026/27: both programmes apply
    vaccinated = member(session, date_of_birth=hpv_age, given_name="Given")
    VaccinationRecordFactory(child=vaccinated, session_id=session.pk, programme=flu)
    unwell = member(session, date_of_birth=hpv_age, given_name="Unwell")
    VaccinationRecordFactory(
        child=unwell, session_id=session.pk, programme=flu, outcome="unwell", vaccine="", batch="", method="", site=""
    )
    member(session, date_of_birth=hpv_age, given_name="Nothing")
    overview = nurse_client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    links = re.findall(r'href="([^"]*/children\?programme=(\w+)&amp;outcome=(\w+))">([\d,]+) child', overview)
    assert len(links) == 6  # 3 outcomes for each of 2 programmes
    expected = {
        ("flu", "vaccinated"): {"Given"},
        ("flu", "could_not_vaccinate"): {"Unwell"},
        ("flu", "none_yet"): {"Nothing"},
        ("hpv", "vaccinated"): set(),
        ("hpv", "could_not_vaccinate"): set(),
        ("hpv", "none_yet"): {"Given", "Unwell", "Nothing"},
    }
    for href, code, outcome, shown in links:
        listed = visible_text(nurse_client.get(href.replace("&amp;", "&")).content.decode())
        names = {name for name in ("Given", "Unwell", "Nothing") if f", {name}" in listed}
        assert names == expected[code, outcome] and int(shown) == len(names), (code, outcome)
    assert "1 child (Flu: vaccinated)" in visible_text(overview)
    # The Children row is a link too: to the Children tab, which lists every one of them.
    (href,) = re.findall(
        r'href="([^"]*/children)">3 children<span class="nhsuk-u-visually-hidden"> in this session', overview
    )
    listed = visible_text(nurse_client.get(href).content.decode())
    assert {name for name in ("Given", "Unwell", "Nothing") if f", {name}" in listed} == {"Given", "Unwell", "Nothing"}
    assert "3 children" in listed
