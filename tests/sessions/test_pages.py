import datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import VaccinationRecord
from tests.factories import VaccinationRecordFactory
from tests.sessions.factories import SessionFactory, clinic, member

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(TODAY, tick=False)
def test_list_shows_each_session_with_its_facts(nurse_client, team):
    school = SessionFactory(team=team, dates=[datetime.date(2026, 12, 1)])
    community = clinic(team)
    member(school)
    member(school)
    member(community)
    response = nurse_client.get(reverse("sessions:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Community clinic</a>" in html
    assert school.school.name in html
    assert "No sessions scheduled" in html
    assert "1 December 2026" in html
    # Scheduled (soonest first) before the unscheduled clinic.
    assert html.index(school.school.name) < html.index(">Community clinic</a>")


@time_machine.travel(TODAY, tick=False)
def test_list_filters_by_status(nurse_client, team):
    scheduled = SessionFactory(team=team, dates=[datetime.date(2026, 12, 1)])
    completed = SessionFactory(team=team, dates=[datetime.date(2026, 10, 1)])
    clinic(team)

    def link(session):
        return f">{session.location_name}</a>"

    html = nurse_client.get(reverse("sessions:list") + "?status=unscheduled").content.decode()
    assert ">Community clinic</a>" in html and link(scheduled) not in html
    html = nurse_client.get(reverse("sessions:list") + "?status=completed").content.decode()
    assert link(completed) in html and link(scheduled) not in html and ">Community clinic</a>" not in html
    html = nurse_client.get(reverse("sessions:list") + "?status=scheduled").content.decode()
    assert link(scheduled) in html and link(completed) not in html


@time_machine.travel(TODAY, tick=False)
def test_overview_children_and_child_pages(nurse_client, team):
    session = SessionFactory(team=team, dates=[datetime.date(2026, 10, 1)])
    vaccinated = member(session, given_name="Vera")
    member(session, given_name="Nobody")
    VaccinationRecordFactory(child=vaccinated, session_id=session.pk)
    overview = nurse_client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert "Edit session" in overview and "Completed" in overview
    children = nurse_client.get(reverse("sessions:children", args=[session.pk])).content.decode()
    assert "Flu: Vaccinated" in children and "Flu: No outcome yet" in children
    filtered = nurse_client.get(
        reverse("sessions:children", args=[session.pk]) + "?outcome=vaccinated"
    ).content.decode()
    assert "Vera" in filtered and "Nobody" not in filtered
    page = nurse_client.get(reverse("sessions:child", args=[session.pk, vaccinated.pk]))
    assert page.status_code == 200
    assert "Vaccinated" in page.content.decode()
    assert VaccinationRecord.objects.count() == 1
