"""Scheduling: session dates, the invitation and consent-request dates, and the rules that refuse bad input."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from sessions import services
from sessions.models import ActivityEvent, Attendance, Session, SessionDate
from tests.sessions.factories import SessionFactory, clinic, member
from tests.text import visible_text

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


def post_dates(client, session, *dates, action="save"):
    data = {"rows": len(dates), "action": action}
    for i, (day, month, year) in enumerate(dates):
        data.update({f"date_{i}_day": day, f"date_{i}_month": month, f"date_{i}_year": year})
    return client.post(reverse("sessions:edit_dates", args=[session.pk]), data)


def stored(session):
    return list(SessionDate.objects.filter(session=session).order_by("value").values_list("value", flat=True))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ([("31", "2", "2027")], "Session date must be a real date"),
        ([("", "", "")], "Enter a date"),
        ([("12", "", "2027")], "Session date must include a day, month and year"),
        ([("1", "9", "2027")], "Enter a date in the 2026/27 academic year"),
        ([("31", "8", "2026")], "Enter a date in the 2026/27 academic year"),
        ([("3", "3", "2027"), ("3", "3", "2027")], "This date has already been added"),
    ],
)
def test_bad_dates_are_refused_and_nothing_changes(nurse_client, team, dates, message):
    session = SessionFactory(team=team, dates=[datetime.date(2027, 1, 10)])
    response = post_dates(nurse_client, session, *dates)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert stored(session) == [datetime.date(2027, 1, 10)]
    # What was typed is still there.
    if dates[0][2]:
        assert f'value="{dates[0][2]}"' in html


@time_machine.travel(NOW, tick=False)
def test_a_date_with_records_cannot_be_removed_or_changed(nurse_client, team):
    today = datetime.date(2026, 11, 23)
    session = SessionFactory(team=team, dates=[today, datetime.date(2027, 1, 10)])
    child = member(session)
    Attendance.objects.create(session=session, child=child, date=today, status=Attendance.Status.ATTENDING)

    removed = post_dates(nurse_client, session, ("10", "1", "2027"))
    assert "You cannot remove or change 23 November 2026" in removed.content.decode()
    changed = post_dates(nurse_client, session, ("24", "11", "2026"), ("10", "1", "2027"))
    assert "You cannot remove or change 23 November 2026" in changed.content.decode()
    assert stored(session) == [today, datetime.date(2027, 1, 10)]
    with pytest.raises(ValidationError):
        services.session_dates_set(session=session, dates=[datetime.date(2027, 1, 10)])
    # The date without records can still go.
    response = post_dates(nurse_client, session, ("23", "11", "2026"))
    assert response.status_code == 302
    assert stored(session) == [today]


@time_machine.travel(NOW, tick=False)
def test_add_and_remove_rows_keep_what_was_typed(nurse_client, team):
    session = SessionFactory(team=team)
    added = post_dates(nurse_client, session, ("5", "2", "2027"), action="add").content.decode()
    assert 'name="date_1_day"' in added and 'value="2027"' in added
    removed = post_dates(
        nurse_client, session, ("5", "2", "2027"), ("6", "2", "2027"), action="remove-0"
    ).content.decode()
    assert 'name="date_1_day"' not in removed and 'value="6"' in removed
    assert stored(session) == []


@time_machine.travel(NOW, tick=False)
def test_invitation_date_follows_the_first_date_until_set_by_hand(nurse_client, team):
    session = clinic(team)
    assert post_dates(nurse_client, session, ("20", "1", "2027"), ("3", "3", "2027")).status_code == 302
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 12, 30)
    edit = nurse_client.get(reverse("sessions:edit", args=[session.pk])).content.decode()
    assert "Send on Wednesday 30 December 2026" in edit

    post_dates(nurse_client, session, ("10", "1", "2027"), ("3", "3", "2027"))
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 12, 20)

    url = reverse("sessions:edit_message_date", args=[session.pk, "invitation-date"])
    too_late = nurse_client.post(url, {"value_day": "10", "value_month": "1", "value_year": "2027"})
    assert "Enter a date before the first session date" in too_late.content.decode()
    too_early = nurse_client.post(url, {"value_day": "9", "value_month": "10", "value_year": "2026"})
    assert "no more than 3 months before" in too_early.content.decode()
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 12, 20) and not session.invitation_date_set_by_hand

    assert nurse_client.post(url, {"value_day": "1", "value_month": "12", "value_year": "2026"}).status_code == 302
    post_dates(nurse_client, session, ("12", "1", "2027"))
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 12, 1) and session.invitation_date_set_by_hand


@time_machine.travel(NOW, tick=False)
def test_invitation_date_is_frozen_once_an_invitation_was_sent(nurse_client, team):
    session = clinic(team, dates=[datetime.date(2027, 1, 20)])
    session.invitation_date = datetime.date(2026, 12, 30)
    session.save()
    child = member(session)
    ActivityEvent.objects.create(
        team=team, child=child, session=session, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT, actor="automatic"
    )
    url = reverse("sessions:edit_message_date", args=[session.pk, "invitation-date"])
    edit = nurse_client.get(reverse("sessions:edit", args=[session.pk])).content.decode()
    assert url not in edit
    response = nurse_client.post(url, {"value_day": "1", "value_month": "12", "value_year": "2026"})
    assert "already been sent" in response.content.decode()
    # A new first date does not move it either.
    post_dates(nurse_client, session, ("10", "1", "2027"))
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 12, 30)


@time_machine.travel(NOW, tick=False)
def test_school_consent_dates_follow_the_first_date(nurse_client, team):
    session = SessionFactory(team=team)
    post_dates(nurse_client, session, ("20", "1", "2027"))
    session.refresh_from_db()
    assert session.consent_request_date == datetime.date(2026, 12, 30)
    assert session.consent_reminder_date == datetime.date(2027, 1, 13)


@time_machine.travel(NOW, tick=False)
def test_programmes_can_be_changed_and_need_one(nurse_client, team):
    session = SessionFactory(team=team)
    url = reverse("sessions:edit_programmes", args=[session.pk])
    assert "Choose at least one programme" in nurse_client.post(url, {}).content.decode()
    assert nurse_client.post(url, {"programmes": ["hpv", "flu"]}).status_code == 302
    assert sorted(session.programmes.values_list("code", flat=True)) == ["flu", "hpv"]
    assert Session.objects.get(pk=session.pk).programmes.count() == 2


@time_machine.travel(NOW, tick=False)
def test_an_earlier_clinic_date_after_invitations_is_explained(nurse_client, team):
    session = clinic(team, dates=[datetime.date(2027, 1, 20)])
    session.invitation_date = datetime.date(2026, 12, 30)
    session.save()
    child = member(session)
    ActivityEvent.objects.create(
        team=team, child=child, session=session, kind=ActivityEvent.Kind.CLINIC_INVITATION_SENT, actor="automatic"
    )
    post_dates(nurse_client, session, ("20", "1", "2027"), ("16", "12", "2026"))
    text = visible_text(nurse_client.get(reverse("sessions:edit", args=[session.pk])).content.decode())
    assert "because that clinic date was added after the invitations were sent" in text
    assert "Wednesday 16 December 2026" in text and "Wednesday 30 December 2026" in text
    assert "Send booking reminders" in text


@time_machine.travel(NOW, tick=False)
def test_a_hand_set_invitation_date_the_new_dates_leave_behind_follows_them_again(nurse_client, team):
    # Set by hand for a clinic on 12 January, then the clinic moves: the invitations must still go
    # before the first date, and no more than 3 months before it.
    session = clinic(team)
    post_dates(nurse_client, session, ("12", "1", "2027"))
    url = reverse("sessions:edit_message_date", args=[session.pk, "invitation-date"])
    assert nurse_client.post(url, {"value_day": "1", "value_month": "12", "value_year": "2026"}).status_code == 302

    assert post_dates(nurse_client, session, ("26", "11", "2026")).status_code == 302
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2026, 11, 5) and not session.invitation_date_set_by_hand
    edit = visible_text(nurse_client.get(reverse("sessions:edit", args=[session.pk])).content.decode())
    assert "Send on Thursday 5 November 2026" in edit

    assert nurse_client.post(url, {"value_day": "20", "value_month": "11", "value_year": "2026"}).status_code == 302
    assert post_dates(nurse_client, session, ("20", "4", "2027")).status_code == 302
    session.refresh_from_db()
    assert session.invitation_date == datetime.date(2027, 3, 30) and not session.invitation_date_set_by_hand


@time_machine.travel(NOW, tick=False)
def test_a_hand_set_consent_request_date_after_the_new_first_date_follows_it_again(nurse_client, team):
    session = SessionFactory(team=team)
    post_dates(nurse_client, session, ("20", "1", "2027"))
    url = reverse("sessions:edit_message_date", args=[session.pk, "consent-request-date"])
    assert nurse_client.post(url, {"value_day": "10", "value_month": "1", "value_year": "2027"}).status_code == 302
    post_dates(nurse_client, session, ("5", "1", "2027"))
    session.refresh_from_db()
    assert session.consent_request_date == datetime.date(2026, 12, 15)
    assert session.consent_request_date < datetime.date(2027, 1, 5)


@time_machine.travel(NOW, tick=False)
def test_a_clinic_date_children_are_booked_on_cannot_be_removed(nurse_client, team):
    from django.utils import timezone

    from sessions.models import Booking

    session = clinic(team, dates=[datetime.date(2027, 1, 12), datetime.date(2027, 1, 20)])
    child = member(session)
    Booking.objects.create(
        team=team,
        session=session,
        child=child,
        status=Booking.Status.BOOKED,
        date=datetime.date(2027, 1, 12),
        source=Booking.Source.IMPORT,
        updated_at=timezone.now(),
    )
    response = post_dates(nurse_client, session, ("20", "1", "2027"))
    text = visible_text(response.content.decode())
    assert "You cannot remove 12 January 2027: 1 child is booked on that date. Move their appointment first" in text
    assert stored(session) == [datetime.date(2027, 1, 12), datetime.date(2027, 1, 20)]
    # Moved (or cancelled), the date can go.
    Booking.objects.update(status=Booking.Status.CANCELLED)
    assert post_dates(nurse_client, session, ("20", "1", "2027")).status_code == 302
    assert stored(session) == [datetime.date(2027, 1, 20)]


@time_machine.travel(NOW, tick=False)
def test_a_programme_with_outcomes_recorded_in_the_session_cannot_be_removed(nurse_client, team):
    from patients.models import Programme
    from tests.factories import VaccinationRecordFactory

    session = SessionFactory(team=team, programmes=["flu", "hpv"], dates=[datetime.date(2026, 11, 20)])
    child = member(session)
    VaccinationRecordFactory(child=child, session_id=session.pk, programme=Programme.objects.get(code="flu"))
    url = reverse("sessions:edit_programmes", args=[session.pk])
    response = nurse_client.post(url, {"programmes": ["hpv"]})
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "You cannot remove Flu: vaccination outcomes were recorded for it in this session" in text
    assert sorted(session.programmes.values_list("code", flat=True)) == ["flu", "hpv"]
    assert nurse_client.post(url, {"programmes": ["flu"]}).status_code == 302  # HPV has none
    assert list(session.programmes.values_list("code", flat=True)) == ["flu"]


@time_machine.travel(NOW, tick=False)
def test_a_past_clinic_date_with_bookings_gone_by_can_be_removed(nurse_client, team):
    from django.utils import timezone

    from sessions.models import Booking

    session = clinic(team, dates=[datetime.date(2026, 11, 2), datetime.date(2027, 1, 20)])
    Booking.objects.create(
        team=team,
        session=session,
        child=member(session),
        status=Booking.Status.BOOKED,
        date=datetime.date(2026, 11, 2),
        source=Booking.Source.IMPORT,
        updated_at=timezone.now(),
    )
    assert post_dates(nurse_client, session, ("20", "1", "2027")).status_code == 302
    assert stored(session) == [datetime.date(2027, 1, 20)]
