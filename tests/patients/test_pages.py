import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Child, Programme
from tests.factories import (
    ChildFactory,
    ParentRelationshipFactory,
    SchoolFactory,
    VaccinationRecordFactory,
    nhs_number_for,
)
from tests.text import visible_text

pytestmark = pytest.mark.django_db
CHILDREN = reverse("patients:children")


def names(response):
    """The given names in the Children table, in order."""
    return re.findall(r'<a (?:class="nhsuk-link" )?href="/children/\d+">[^<,]+, ([^<]+)</a>', response.content.decode())


@pytest.fixture
def register(team):
    school = SchoolFactory(team=team, name="Earlsdon Primary School")
    return {
        "ava": ChildFactory(
            team=team,
            given_name="Ava",
            family_name="Patel",
            nhs_number="9434765919",
            date_of_birth=datetime.date(2015, 3, 15),
            school=school,
        ),
        "leo": ChildFactory(
            team=team,
            given_name="Leo",
            family_name="Smith",
            date_of_birth=datetime.date(2012, 1, 2),
            school_status=Child.SchoolStatus.HOME_SCHOOLED,
        ),
        "mia": ChildFactory(
            team=team,
            given_name="Mia",
            family_name="Patel",
            date_of_birth=datetime.date(2019, 10, 1),
            school_status=Child.SchoolStatus.UNKNOWN,
        ),
        "school": school,
    }


@time_machine.travel(datetime.datetime(2026, 11, 23, 12, tzinfo=datetime.UTC))
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "patel"}, ["Ava", "Mia"]),
        ({"q": "ava patel"}, ["Ava"]),
        ({"q": "943 476 5919"}, ["Ava"]),
        ({"q": "15/03/2015"}, ["Ava"]),
        ({"q": "2012-01-02"}, ["Leo"]),
        ({"school_status": "home_schooled"}, ["Leo"]),
        ({"school_status": "unknown"}, ["Mia"]),
        ({"year_group": "2"}, ["Mia"]),  # born October 2019: Year 2 in 2026/27
        ({"year_group": "7"}, ["Ava"]),  # born March 2015: Year 7
        ({"year_group": "6"}, []),
        ({"q": "patel", "school_status": "unknown"}, ["Mia"]),
        ({}, ["Ava", "Mia", "Leo"]),
    ],
)
def test_children_search_and_filters(nurse_client, register, query, expected):
    response = nurse_client.get(CHILDREN, query)
    assert response.status_code == 200
    assert names(response) == expected


def test_children_filter_by_school(nurse_client, register):
    response = nurse_client.get(CHILDREN, {"school": register["school"].pk})
    assert names(response) == ["Ava"]
    assert b"Earlsdon Primary School" in response.content


def test_another_teams_children_never_appear(nurse_client, register, other_team):
    ChildFactory(team=other_team, given_name="Ava", family_name="Patel")
    assert names(nurse_client.get(CHILDREN, {"q": "Ava"})) == ["Ava"]
    assert len(names(nurse_client.get(CHILDREN))) == 3


def test_archived_children_only_when_asked(nurse_client, register):
    leo = register["leo"]
    leo.archived_at, leo.archive_reason = timezone.now(), "other"
    leo.save()
    assert "Leo" not in names(nurse_client.get(CHILDREN))
    assert "Leo" in names(nurse_client.get(CHILDREN, {"archived": "on"}))


def test_pagination_keeps_the_filters(nurse_client, team):
    ChildFactory.create_batch(55, team=team, school_status=Child.SchoolStatus.UNKNOWN)
    first = nurse_client.get(CHILDREN, {"school_status": "unknown"})
    assert len(names(first)) == 50
    assert b"school_status=unknown&amp;page=2" in first.content
    second = nurse_client.get(CHILDREN, {"school_status": "unknown", "page": 2})
    assert len(names(second)) == 5


def count_queries(client, url, params=None):
    client.get(url, params or {})  # the session's activity is saved at most once a minute: not in the count
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params or {}).status_code == 200
    return len(context)


def test_children_page_runs_a_fixed_number_of_queries(nurse_client, team):
    ChildFactory.create_batch(3, team=team)
    few = count_queries(nurse_client, CHILDREN)
    ChildFactory.create_batch(40, team=team)
    assert count_queries(nurse_client, CHILDREN) == few


def test_child_record_shows_details_parents_and_programmes(nurse_client, team):
    child = ChildFactory(team=team, given_name="Ava", family_name="Patel", date_of_birth=datetime.date(2012, 10, 1))
    ParentRelationshipFactory(child=child, parent__full_name="Grace Patel", parent__email="grace@example.com")
    hpv = Programme.objects.get(code="hpv")
    VaccinationRecordFactory(
        child=child,
        programme=hpv,
        vaccine="Gardasil 9",
        method="intramuscular",
        site="left_arm_upper",
        performed_at=timezone.now() - datetime.timedelta(days=400),
    )
    response = nurse_client.get(reverse("patients:child", args=[child.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Ava Patel – Manage vaccinations in schools</title>" in html
    assert "Grace Patel (Mum)" in html and "grace@example.com" in html
    # The responsive table: each cell says its column ("Programme HPV Status Vaccinated ...").
    rows = [visible_text("<tr " + row) for row in html.split("<tr ")[1:]]
    statuses = dict(m.groups() for row in rows if (m := re.match(r"Programme (\S+) Status (.+?) Details", row)))
    # HPV once is HPV for good; flu last year does not count this year.
    assert statuses["HPV"] == "Vaccinated"
    assert statuses["Flu"] == "No outcome yet"
    assert statuses["MenACWY"] == "No outcome yet"  # Year 9 in 2026/27
    assert "Cannot be contacted" not in html


def test_child_record_warns_when_no_parent_can_be_contacted(nurse_client, team):
    child = ChildFactory(team=team)
    ParentRelationshipFactory(child=child, parent__email="", parent__phone="0121 496 0000")
    assert b"Cannot be contacted" in nurse_client.get(reverse("patients:child", args=[child.pk])).content


def test_child_record_runs_a_fixed_number_of_queries(nurse_client, team):
    one = ChildFactory(team=team)
    ParentRelationshipFactory(child=one)
    many = ChildFactory(team=team, nhs_number=nhs_number_for(77))
    for _ in range(4):
        ParentRelationshipFactory(child=many)
        VaccinationRecordFactory(child=many)
    assert count_queries(nurse_client, reverse("patients:child", args=[one.pk])) == count_queries(
        nurse_client, reverse("patients:child", args=[many.pk])
    )


def test_back_link_sits_in_one_back_landmark(nurse_client, team):
    # The layout wraps every page's back link in a nav (axe "region"); pages must not wrap it again.
    child = ChildFactory(team=team)
    html = nurse_client.get(reverse("patients:child", args=[child.pk])).content.decode()
    assert html.count('<nav aria-label="Back">') == 1
    back = html.split('<nav aria-label="Back">', 1)[1].split("</nav>", 1)[0]
    assert f'href="{CHILDREN}"' in back and "nhsuk-back-link" in back
    assert '<nav aria-label="Back">' not in nurse_client.get(CHILDREN).content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "Smith" + "x" * 200}, "Search must be 100 characters or fewer"),
        ({"school": "99999999999999999999"}, "Choose a school from the list"),
        ({"year_group": "99"}, "Choose a year group from the list"),
        ({"school_status": "garbage"}, "Choose a school status from the list"),
    ],
)
def test_children_filters_out_of_range_say_so_in_words(nurse_client, team, query, message):
    """Was Django's "Ensure this value has at most 100 characters (it has 205)." and "Select a
    valid choice. 99 is not one of the available choices."."""
    from tests.text import visible_text

    text = visible_text(nurse_client.get(reverse("patients:children"), query).content.decode())
    assert "There is a problem" in text and message in text
    assert "Select a valid choice" not in text and "Ensure this value" not in text
