"""Reads of the register for views. Every selector takes the team."""

import datetime

from django.db.models import Prefetch, QuerySet

from patients.models import Child, ParentRelationship, Programme, School, VaccinationRecord


def children_for_team(
    team,
    *,
    search: str = "",
    school_status: str = "",
    school_id=None,
    date_of_birth: datetime.date | None = None,
    include_archived: bool = False,
) -> QuerySet:
    children = Child.objects.for_team(team).select_related("school")
    if not include_archived:
        children = children.active()
    if search:
        children = children.search(search)
    if school_status:
        children = children.filter(school_status=school_status)
    if school_id:
        children = children.filter(school_id=school_id)
    if date_of_birth:
        children = children.filter(date_of_birth=date_of_birth)
    return children.order_by("family_name", "given_name", "pk")


def child_for_team(team, child_id) -> Child:
    from mavis.scoping import get_for_team

    queryset = Child.objects.select_related("school", "team").prefetch_related(
        Prefetch(
            "relationships", queryset=ParentRelationship.objects.select_related("parent").order_by("parent__full_name")
        ),
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
