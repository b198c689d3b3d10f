"""CSV downloads of the Children, Consent and Register lists, with the page's filters."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from mavis.downloads import safe_cell
from sessions.models import Attendance
from tests.consent.factories import add_child, make_session, record
from tests.factories import ChildFactory, SchoolFactory
from tests.sessions.factories import SessionFactory, ensure_programmes, member

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("value", ["=1+1", "+44", "-2", "@SUM(A1)", "\t=1"])
def test_cells_that_a_spreadsheet_would_run_are_made_text(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("Ava") == "Ava" and safe_cell(None) == ""


@pytest.mark.parametrize(
    "value",
    [
        "\r=1",
        " =1+1",
        "   +44",
        "\u00a0=1",
        "\n=1",
        "\uff1dHYPERLINK(evil)",
        "\uff0b1",
        "\uff0d2",
        "\uff20SUM(A1)",
        " \uff1d1",
    ],
)
def test_a_formula_behind_spaces_or_in_fullwidth_is_made_text_too(value):
    # LibreOffice and Excel skip leading spaces, and some locales read the fullwidth "＝" as "=".
    assert safe_cell(value) == "'" + value
    assert safe_cell("Ava-May") == "Ava-May" and safe_cell("O'Neil") == "O'Neil" and safe_cell(" Ava") == " Ava"


def test_children_csv_has_the_page_filters(nurse_client, team):
    oak = SchoolFactory(team=team, name="Oak Academy")
    ChildFactory(team=team, given_name="Ava", family_name="Patel", school=oak)
    ChildFactory(team=team, given_name="=HYPERLINK(evil)", family_name="Jones", school=oak)
    ChildFactory(team=team, given_name="Leo", family_name="Smith", school=SchoolFactory(team=team))
    page = nurse_client.get(reverse("patients:children"), {"school": oak.pk}).content.decode()
    assert f"school={oak.pk}&amp;format=csv" in page and "Download this list (CSV)" in page
    got = rows(nurse_client.get(reverse("patients:children"), {"school": oak.pk, "format": "csv", "page": "2"}))
    assert got[0] == ["Name", "NHS number", "Date of birth", "Year group", "School"]
    names = sorted(row[0] for row in got[1:])
    assert names == ["'=HYPERLINK(evil) Jones", "Ava Patel"]
    assert all(row[4] == "Oak Academy" for row in got[1:])


def test_consent_csv_has_the_status_filter(nurse_client, team):
    session = make_session(team, codes=("hpv",))
    waiting = add_child(session, given_name="Wait", family_name="Ing")
    given = add_child(session, given_name="Gi", family_name="Ven")
    record(session, given, "hpv", "given")
    url = reverse("consent:tab", args=[session.pk])
    assert "status=no_response&amp;format=csv" in nurse_client.get(url, {"status": "no_response"}).content.decode()
    got = rows(nurse_client.get(url, {"status": "no_response", "format": "csv"}))
    assert got[0] == ["Name", "NHS number", "Date of birth", "HPV consent"]
    assert [row[0] for row in got[1:]] == [waiting.full_name]
    assert got[1][3] == "No response"
    everyone = rows(nurse_client.get(url, {"format": "csv"}))
    assert sorted(row[0] for row in everyone[1:]) == sorted([waiting.full_name, given.full_name])


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_register_csv_lists_today_with_attendance(nurse_client, nurse, team):
    ensure_programmes()
    session = SessionFactory(team=team, dates=[datetime.date(2026, 11, 23)])
    here = member(session, given_name="Amara", family_name="Okafor")
    member(session, given_name="Ben", family_name="Adams")
    Attendance.objects.create(session=session, child=here, date=datetime.date(2026, 11, 23), status="attending")
    url = reverse("sessions:register", args=[session.pk])
    got = rows(nurse_client.get(url, {"format": "csv"}))
    assert got[0][-1] == "Attendance on 2026-11-23"
    assert {row[0]: row[-1] for row in got[1:]} == {"Amara Okafor": "Attending", "Ben Adams": "Not registered yet"}
    searched = rows(nurse_client.get(url, {"format": "csv", "q": "Okafor"}))
    assert [row[0] for row in searched[1:]] == ["Amara Okafor"]
