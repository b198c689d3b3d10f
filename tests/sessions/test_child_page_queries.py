"""The child-in-session page loads each thing once, and only the programmes for the child's year group."""

import collections

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.consent.factories import add_child, make_session, record

pytestmark = pytest.mark.django_db


def _page(nurse_client, session, child):
    url = reverse("sessions:child", args=[session.pk, child.pk])
    nurse_client.get(url)  # the first view saves the session's activity: not counted
    with CaptureQueriesContext(connection) as queries:
        response = nurse_client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_child_in_session_page_loads_each_thing_once(nurse_client, team):
    session = make_session(team, codes=("flu", "hpv"))
    child = add_child(session, parents=2)
    record(session, child, "hpv", "given")
    html, queries = _page(nurse_client, session, child)
    repeated = {sql: n for sql, n in collections.Counter(queries).items() if n > 1}
    assert repeated == {}  # was 27 queries, 14 of them repeats
    assert len(queries) <= 21, len(queries)  # 20, plus the parents' pending details changes


def test_child_in_session_page_shows_only_the_programmes_for_the_year_group(nurse_client, team):
    session = make_session(team, codes=("flu", "hpv"))
    year_2 = add_child(
        session, date_of_birth=session.academic_year and __import__("datetime").date(session.academic_year - 7, 10, 1)
    )
    html, _ = _page(nurse_client, session, year_2)
    assert "Flu" in html and "HPV" not in html
