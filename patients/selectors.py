"""Reads of the register for views. Every selector takes the team."""

import datetime

from django.db.models import Prefetch, QuerySet

from mavis.scoping import get_for_team
from patients.academic import current_academic_year, dates_of_birth_for_year_groups
from patients.dates import parse_date
from patients.models import Child, CohortImport, Programme, School, VaccinationRecord
from patients.statuses import relationships_with_channels


def children_for_team(
    team,
    *,
    search: str = "",
    school_status: str = "",
    school_id=None,
    year_group: int | None = None,
    date_of_birth: datetime.date | None = None,
    include_archived: bool = False,
    today: datetime.date | None = None,
) -> QuerySet:
    """The Children list: search by name, NHS number or date of birth, and filters."""
    children = Child.objects.for_team(team).select_related("school")
    if not include_archived:
        children = children.active()
    searched_date = parse_date(search)
    if searched_date:
        children = children.filter(date_of_birth=searched_date)
    elif search:
        children = children.search(search)
    if school_status:
        children = children.filter(school_status=school_status)
    if school_id:
        children = children.filter(school_id=school_id)
    if year_group is not None:
        ((start, end),) = dates_of_birth_for_year_groups([year_group], current_academic_year(today))
        children = children.filter(date_of_birth__gte=start, date_of_birth__lte=end)
    if date_of_birth:
        children = children.filter(date_of_birth=date_of_birth)
    return children.order_by("family_name", "given_name", "pk")


def child_for_team(team, child_id) -> Child:
    queryset = Child.objects.select_related("school", "team").prefetch_related(
        Prefetch("relationships", queryset=relationships_with_channels()),
        Prefetch(
            "vaccination_records",
            queryset=VaccinationRecord.objects.select_related("programme", "performed_by").order_by("-performed_at"),
        ),
    )
    return get_for_team(queryset, team, pk=child_id)


def schools_for_team(team) -> QuerySet:
    return School.objects.for_team(team).order_by("name")


def programmes() -> list[Programme]:
    return list(Programme.objects.order_by("name"))


def cohort_import_for_team(team, import_id) -> CohortImport:
    return get_for_team(CohortImport.objects.select_related("uploaded_by"), team, pk=import_id)


def recent_cohort_imports(team, limit: int = 10) -> list[CohortImport]:
    return list(
        CohortImport.objects.for_team(team)
        .select_related("uploaded_by")
        .defer("content", "errors")
        .order_by("-created_at")[:limit]
    )
