"""The safety gate of Record vaccinations (issue 12, point 3): a programme the child is already
vaccinated for, whose consent is refused, conflicting or missing, or whose triage is not safe
offers no recording action, and a direct POST is refused with a clear message, writing nothing."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.models import Programme, VaccinationRecord
from sessions import services
from sessions.models import ActivityEvent, Attendance
from tests.factories import UserFactory, VaccinationRecordFactory
from tests.sessions.factories import SessionFactory, member, ready_to_vaccinate

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)
GIVEN = {
    "outcome": "vaccinated",
    "vaccine": "Gardasil 9",
    "batch": "B1",
    "method": "intramuscular",
    "site": "left_arm_upper",
}


def _status(child, code, **inputs):
    ready_to_vaccinate(child, code, **inputs)


def _attending(session, child):
    Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")


CASES = [
    # (programme, status inputs or a record, the message)
    ("hpv", "vaccinated_last_year", "is already vaccinated against HPV"),
    ("flu", "vaccinated_this_year", "is already vaccinated against Flu (this year)"),
    ("hpv", {"responses": "refused"}, "Consent for HPV was refused"),
    ("hpv", {"responses": "conflicting"}, "Consent for HPV is conflicting"),
    ("hpv", {"responses": "no_response"}, "There is no consent for HPV"),
    ("hpv", {"responses": "given", "triage": "needed"}, "Triage for HPV is not safe to vaccinate (needs triage)"),
    ("hpv", {"responses": "given", "triage": "delay_vaccination"}, "(delay vaccination)"),
    ("hpv", {"responses": "given", "triage": "do_not_vaccinate"}, "(do not vaccinate)"),
]


def _setup(team, code, case):
    session = SessionFactory(team=team, dates=[TODAY], programmes=["flu", "hpv"])
    child = member(session, date_of_birth=datetime.date(2014, 3, 1))  # Year 8: flu and HPV
    _attending(session, child)
    if case == "vaccinated_last_year":
        _status(child, code, responses="given")
        VaccinationRecordFactory(
            child=child,
            programme=Programme.objects.get(code="hpv"),
            performed_at=datetime.datetime(2025, 10, 1, 10, tzinfo=datetime.UTC),
            vaccine="Gardasil 9",
            method="intramuscular",
            site="left_arm_upper",
        )
    elif case == "vaccinated_this_year":
        _status(child, code, responses="given_nasal")
        VaccinationRecordFactory(child=child, performed_at=NOW - datetime.timedelta(days=10))
    else:
        _status(child, code, **case)
    return session, child


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("code", "case", "message"), CASES, ids=[c[2][:40] for c in CASES])
def test_each_refused_case_offers_nothing_and_refuses_a_post(nurse_client, team, code, case, message):
    session, child = _setup(team, code, case)
    records_before = VaccinationRecord.objects.count()
    events_before = ActivityEvent.objects.filter(kind=ActivityEvent.Kind.VACCINATION).count()
    name = {"hpv": "HPV", "flu": "Flu"}[code]

    page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert f"Record {name} vaccination" not in page
    assert message in page
    listed = nurse_client.get(reverse("sessions:record", args=[session.pk]) + f"?programme={code}").content.decode()
    assert child.family_name.upper() not in listed

    url = reverse("sessions:vaccinate", args=[session.pk, child.pk, code])
    posts = [(url, GIVEN)] + [
        (reverse("sessions:vaccinate_step", args=[session.pk, child.pk, code, step]), data)
        for step, data in [("check", {"notes": ""}), ("outcome", {"outcome": "no"}), ("reason", {"reason": "refused"})]
    ]
    for target, data in posts:
        response = nurse_client.post(target, data, follow=True)
        assert message in response.content.decode(), target
        assert response.redirect_chain[-1][0] == reverse("sessions:child", args=[session.pk, child.pk])
    shown = nurse_client.get(url, follow=True).content.decode()
    assert message in shown and "Has the child confirmed their identity?" not in shown
    assert VaccinationRecord.objects.count() == records_before
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.VACCINATION).count() == events_before


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("code", "case", "message"), CASES[2:4], ids=["refused", "conflicting"])
def test_the_service_refuses_too(team, code, case, message):
    """The one write path holds the gate itself, whatever page calls it."""
    session, child = _setup(team, code, case)
    with pytest.raises(ValidationError, match=message):
        services.vaccination_record_add(
            session=session,
            child=child,
            programme=Programme.objects.get(code=code),
            user=UserFactory(team=team),
            today=TODAY,
            **GIVEN,
        )
    assert not VaccinationRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_ready_child_is_offered_recording(nurse_client, team):
    session, child = _setup(team, "hpv", {"responses": "given", "triage": "safe_to_vaccinate"})
    page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert "Record HPV vaccination" in page
    shown = nurse_client.get(reverse("sessions:vaccinate", args=[session.pk, child.pk, "hpv"]), follow=True)
    assert "Has the child confirmed their identity?" in shown.content.decode()
