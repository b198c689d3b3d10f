"""Fuzz the cohort import with hypothesis: any file gives clear, per-line errors or a clean
import, never an exception, and a file with a bad row changes nothing."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.cohort import HEADERS, FileError, run_import
from patients.models import Child, Parent, ParentRelationship
from tests.factories import SchoolFactory
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CELL = st.one_of(
    st.just(""),
    st.text(max_size=20),
    st.sampled_from(["home-schooled", "unknown", "123456", "999999", "Mum", "Dad", "Other", "female", "x"]),
    st.sampled_from(["2014-05-01", "01/05/2014", "31/02/2015", "2040-01-01", "yesterday", "1.5.2014"]),
    st.sampled_from(["9434765919", "9434765918", "12345", "07700 900123", "+44 7700 900123", "not-an-email"]),
)
ROW = st.fixed_dictionaries({}, optional=dict.fromkeys(HEADERS, CELL))


def counts():
    return Child.objects.count(), Parent.objects.count(), ParentRelationship.objects.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(rows=st.lists(st.one_of(ROW, st.builds(lambda n: child_row(n), st.integers(1, 50))), min_size=1, max_size=6))
def test_any_file_gives_line_errors_or_imports_cleanly(team, rows):
    if not team.schools.exists():
        SchoolFactory(team=team, urn="123456")
    before = counts()
    content = cohort_csv([{**child_row(0), **row} for row in rows])
    try:
        with transaction.atomic():
            result = run_import(team=team, content=content)
    except FileError as error:
        assert str(error)  # a file-level error says what is wrong
        assert counts() == before
        return
    if result.errors:
        assert counts() == before  # a file with bad rows changes nothing
        lines = {error["line"] for error in result.errors}
        # Line numbers point into the file (a quoted cell may hold a newline, so count physical lines).
        assert lines <= set(range(2, content.count("\n") + 2))
        assert all(error["reason"] for error in result.errors)
    else:
        assert result.written
        assert Child.objects.count() >= before[0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(junk=st.binary(max_size=300))
def test_any_bytes_are_refused_or_read(team, junk):
    before = counts()
    try:
        with transaction.atomic():
            result = run_import(team=team, content=junk.decode("utf-8", errors="replace"))
    except FileError as error:
        assert str(error)
    else:
        assert result.errors or result.total_rows == 0 or result.written
    if not Child.objects.count() > before[0]:
        assert counts() == before


def test_the_reimport_of_a_good_file_changes_nothing(team):
    content = cohort_csv([child_row(1), child_row(2)])
    with transaction.atomic():
        first = run_import(team=team, content=content)
    after_first = counts()
    with transaction.atomic():
        second = run_import(team=team, content=content)
    assert first.children_created == 2
    assert second.children_created == 0 and second.parents_created == 0
    assert counts() == after_first
