"""On the day: register, record outcomes, notes and the activity pages; fixed query counts."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Batch, Programme, VaccinationRecord, Vaccine
from sessions.models import ActivityEvent, Attendance
from tests.factories import ParentRelationshipFactory, VaccinationRecordFactory
from tests.sessions.factories import SessionFactory, member

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)


def consent_given(session, *children, health_yes=False):
    """Record vaccinations lists only children ready to vaccinate (patients.statuses)."""
    from consent import services

    for child in children:
        services.consent_response_record(
            team=session.team,
            child=child,
            session=session,
            answers=[services.ProgrammeAnswer(p, "given", flu_method="nasal") for p in session.programmes.all()],
            route="phone",
            parent=ParentRelationshipFactory(child=child).parent,
            health_answers=[{"question": "Allergies?", "answer": "yes" if health_yes else "no", "details": ""}],
            send_confirmation=False,
        )


@time_machine.travel(NOW, tick=False)
def test_register_then_record_a_vaccination(nurse_client, team, nurse):
    session = SessionFactory(team=team, dates=[TODAY])
    here = member(session, given_name="Hereby")
    away = member(session, given_name="Awayson")
    consent_given(session, here, away)
    register = reverse("sessions:register", args=[session.pk])
    assert nurse_client.post(register, {"child_id": here.pk, "status": "attending"}).status_code == 302
    assert nurse_client.post(register, {"child_id": away.pk, "status": "absent"}).status_code == 302
    assert Attendance.objects.get(child=here).status == "attending"
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.ATTENDANCE).count() == 2

    nurse_client.get(register)  # shows (and clears) the success messages
    record = nurse_client.get(reverse("sessions:record", args=[session.pk])).content.decode()
    assert "Hereby" in record and "Awayson" not in record

    # The flow itself is tested in test_record_flow.py; here: who, where and the activity.
    fluenz = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Fluenz", method="nasal"
    )
    batch = Batch.objects.create(team=team, vaccine=fluenz, number="AB12", expiry=datetime.date(2027, 6, 1))
    checks = ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction"]

    def walk(child, answers):
        nurse_client.get(reverse("sessions:vaccinate", args=[session.pk, child.pk, "flu"]))
        for step, data in answers:
            url = reverse("sessions:vaccinate_step", args=[session.pk, child.pk, "flu", step])
            response = nurse_client.post(url, data)
        return response

    given = [("identity", {"confirmed": "yes"}), ("pre-screening", {"checks": checks})]
    given += [("outcome", {"outcome": "yes"}), ("batch", {"batch": batch.pk}), ("check", {})]
    assert walk(here, given).status_code == 302
    saved = VaccinationRecord.objects.get()
    assert saved.session_id == session.pk and saved.performed_by == nurse and saved.outcome == "vaccinated"
    assert ActivityEvent.objects.get(kind=ActivityEvent.Kind.VACCINATION).user == nurse

    # Absent: nothing can be recorded; once attending, "not well enough" is.
    unwell = [("identity", {"confirmed": "yes"}), ("pre-screening", {"checks": []})]
    unwell += [("outcome", {"outcome": "no"}), ("reason", {"reason": "unwell"}), ("check", {})]
    assert "Register the child as attending" in walk(away, unwell).content.decode()
    nurse_client.post(register, {"child_id": away.pk, "status": "attending"})
    walk(away, unwell)
    children = nurse_client.get(reverse("sessions:children", args=[session.pk])).content.decode()
    assert "Flu: Vaccinated" in children and "Flu: Could not vaccinate" in children


@time_machine.travel(NOW, tick=False)
def test_record_vaccinations_lists_only_children_ready_to_vaccinate(nurse_client, team):
    session = SessionFactory(team=team, dates=[TODAY])
    kept = member(session, given_name="Keptina")
    dropped = member(session, given_name="Droppedo")  # a yes health answer, not triaged yet
    nothing = member(session, given_name="Nonesuch")  # no consent
    consent_given(session, kept)
    consent_given(session, dropped, health_yes=True)
    for child in (kept, dropped, nothing):
        Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")
    html = nurse_client.get(reverse("sessions:record", args=[session.pk])).content.decode()
    assert "Keptina" in html and "Droppedo" not in html and "Nonesuch" not in html


@time_machine.travel(NOW, tick=False)
def test_register_and_record_only_on_session_days(nurse_client, team):
    session = SessionFactory(team=team, dates=[datetime.date(2026, 12, 1)])
    child = member(session)
    overview = nurse_client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert "Register" not in overview and "Record vaccinations" not in overview
    assert (
        nurse_client.post(
            reverse("sessions:register", args=[session.pk]), {"child_id": child.pk, "status": "absent"}
        ).status_code
        == 404
    )
    assert Attendance.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_notes_and_session_activity(nurse_client, team, nurse):
    session = SessionFactory(team=team, dates=[TODAY])
    child = member(session)
    ActivityEvent.objects.create(
        team=team,
        child=child,
        session=session,
        kind="added_to_session",
        actor="automatic",
        created_at=NOW - datetime.timedelta(days=3),
    )
    url = reverse("sessions:child_activity", args=[session.pk, child.pk])
    too_long = nurse_client.post(url, {"text": "x" * 1001}).content.decode()
    assert "Note must be 1,000 characters or fewer" in too_long and "x" * 1001 in too_long
    assert "Enter a note" in nurse_client.post(url, {"text": ""}).content.decode()
    assert not ActivityEvent.objects.filter(kind="note").exists()
    assert nurse_client.post(url, {"text": "Parent phoned: will bring her in"}).status_code == 302
    note = ActivityEvent.objects.get(kind="note")
    assert note.user == nurse and note.session == session
    html = nurse_client.get(url).content.decode()
    assert html.index("Parent phoned") < html.index("Added to the session")
    assert "Monday 23 November 2026" in html and "Friday 20 November 2026" in html and "automatic" in html

    record = nurse_client.get(reverse("patients:child", args=[child.pk])).content.decode()
    assert "Activity log" in record and "Parent phoned" in record
    assert reverse("sessions:child", args=[session.pk, child.pk]) in record


@time_machine.travel(NOW, tick=False)
def test_child_page_shows_latest_delivery_and_warns_on_failure(nurse_client, team):
    session = SessionFactory(team=team)
    child = member(session)
    relationship = ParentRelationshipFactory(child=child)
    email = relationship.parent.email
    for minutes, status in [(10, "delivered"), (5, "permanent-failure")]:
        ActivityEvent.objects.create(
            team=team,
            child=child,
            session=session,
            kind="clinic_invitation_sent",
            actor="automatic",
            channel="email",
            recipient=email,
            delivery_status=status,
            created_at=NOW - datetime.timedelta(minutes=minutes),
        )
    html = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert "Message not delivered" in html and "Permanent failure" in html


@time_machine.travel(NOW, tick=False)
def test_session_pages_run_a_fixed_number_of_queries(nurse_client, team):
    session = SessionFactory(team=team, dates=[TODAY], programmes=["flu", "hpv"])
    urls = [reverse(name, args=[session.pk]) for name in ("sessions:session", "sessions:children", "sessions:register")]
    urls.append(reverse("sessions:list"))

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert nurse_client.get(url).status_code == 200
            result.append(len(queries))
        return result

    member(session)
    nurse_client.get(urls[-1])  # saves the session's activity (once a minute): not in the count
    small = counts()
    for _ in range(30):
        child = member(session)
        VaccinationRecordFactory(child=child, session_id=session.pk)
    assert counts() == small


@time_machine.travel(NOW, tick=False)
def test_a_child_vaccinated_today_cannot_then_be_marked_absent(nurse_client, team, nurse):
    from sessions import services
    from tests.text import visible_text

    session = SessionFactory(team=team, dates=[TODAY])
    here = member(session, given_name="Hereby")
    consent_given(session, here)
    register = reverse("sessions:register", args=[session.pk])
    nurse_client.post(register, {"child_id": here.pk, "status": "attending"})
    fluenz = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Fluenz", method="nasal"
    )
    batch = Batch.objects.create(team=team, vaccine=fluenz, number="AB12", expiry=datetime.date(2027, 6, 1))
    services.vaccination_record_add(
        session=session,
        child=here,
        programme=fluenz.programme,
        outcome="vaccinated",
        user=nurse,
        vaccine_batch=batch,
        method="nasal",
        site="nose",
    )
    nurse_client.get(register)  # shows (and clears) the earlier messages
    response = nurse_client.post(register, {"child_id": here.pk, "status": "absent"}, follow=True)
    text = visible_text(response.content.decode())
    assert f"You cannot mark {here.full_name} as absent: they were vaccinated today" in text
    assert Attendance.objects.get(child=here).status == "attending"
    assert ActivityEvent.objects.filter(kind=ActivityEvent.Kind.ATTENDANCE).count() == 1


@time_machine.travel(NOW, tick=False)
def test_two_nurses_recording_a_not_given_outcome_at_once_write_it_once(team, nurse):
    """Two nurses in the room both record that the child refused: the second is told, nothing is
    written twice and the parents get one message."""
    import pytest as _pytest
    from django.core.exceptions import ValidationError

    from notifications.models import Message
    from sessions import services
    from tests.factories import UserFactory

    session = SessionFactory(team=team, dates=[TODAY])
    child = member(session, given_name="Hereby")
    consent_given(session, child)
    Attendance.objects.create(session=session, child=child, date=TODAY, status="attending")
    flu = Programme.objects.get(code="flu")
    services.vaccination_record_add(session=session, child=child, programme=flu, outcome="refused", user=nurse)
    other = UserFactory(team=team)
    with _pytest.raises(ValidationError) as refused:
        services.vaccination_record_add(session=session, child=child, programme=flu, outcome="unwell", user=other)
    assert refused.value.messages == [
        f"{services._actor(nurse)} recorded an outcome for {child.full_name} at 10:00 (Flu: Refused vaccine): "
        "check it before recording another"
    ]
    assert VaccinationRecord.objects.filter(child=child).count() == 1
    assert Message.objects.filter(child=child, kind="vaccination_not_given").count() <= 2  # one a channel
    # A dose after a refusal (the child changed their mind) is not a repeat.
    batch = Batch.objects.create(
        team=team,
        vaccine=Vaccine.objects.create(team=team, programme=flu, brand="Fluenz", method="nasal"),
        number="AB12",
        expiry=datetime.date(2027, 6, 1),
    )
    services.vaccination_record_add(
        session=session,
        child=child,
        programme=flu,
        outcome="vaccinated",
        user=other,
        vaccine_batch=batch,
        method="nasal",
        site="nose",
    )
    assert VaccinationRecord.objects.filter(child=child).count() == 2


@time_machine.travel(NOW, tick=False)
def test_a_register_request_with_no_status_it_knows_records_nothing_and_says_so(nurse_client, team):
    from tests.text import visible_text

    session = SessionFactory(team=team, dates=[TODAY])
    child = member(session, given_name="Hereby", family_name="Jones")
    register = reverse("sessions:register", args=[session.pk])
    response = nurse_client.post(register, {"child_id": child.pk, "status": "vaccinated"}, follow=True)
    text = visible_text(response.content.decode())
    assert "Hereby Jones was not registered. Choose attending or absent" in text
    assert not Attendance.objects.filter(child=child).exists()
