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


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("page", "query", "message"),
    [
        ("sessions:children", {"q": "Vera", "outcome": "garbage"}, "Choose an outcome from the list"),
        ("sessions:children", {"q": "Vera", "programme": "nope"}, "Choose a programme from the list"),
        ("sessions:children", {"q": "Vera" + "x" * 200}, "Search must be 100 characters or fewer"),
        ("sessions:register", {"q": "Vera" + "x" * 200}, "Search must be 100 characters or fewer"),
    ],
)
def test_a_filter_that_is_not_valid_is_said_and_the_others_still_apply(nurse_client, team, page, query, message):
    """A tampered or overlong filter used to drop every filter and list the whole session, with
    no error shown while the form kept the values typed: the count looked filtered and was not."""
    from tests.text import visible_text

    session = SessionFactory(team=team, dates=[datetime.date(2026, 11, 23)])
    member(session, given_name="Vera", family_name="Adams")
    member(session, given_name="Nobody", family_name="Baker")
    response = nurse_client.get(reverse(page, args=[session.pk]), query)
    text = visible_text(response.content.decode())
    assert response.status_code == 200
    assert f"There is a problem {message}" in text
    assert "Select a valid choice" not in text and "Ensure this value" not in text
    if len(query["q"]) <= 100:  # the search is valid: it still applies beside the error
        assert "1 child" in text and "Vera" in text and "Nobody" not in text


@time_machine.travel(TODAY, tick=False)
def test_the_sessions_list_says_which_filter_is_not_valid(nurse_client, team):
    SessionFactory(team=team, dates=[datetime.date(2026, 12, 1)])
    text = nurse_client.get(reverse("sessions:list"), {"type": "garbage", "year": "99999"}).content.decode()
    assert "Choose a type from the list" in text and "Choose an academic year from the list" in text
