import pytest
from django.core.exceptions import ValidationError

from mavis import audit
from mavis.models import AuditEvent
from patients import services
from patients.models import Child
from tests.factories import ChildFactory, SchoolFactory, nhs_number_for

pytestmark = pytest.mark.django_db


def test_child_create_is_audited_and_announced(team, nurse, changed_children):
    school = SchoolFactory(team=team)
    with audit.acting_as(nurse):
        child = services.child_create(
            team=team,
            given_name="Ava",
            family_name="Patel",
            date_of_birth="2015-09-01",
            nhs_number=" 943 476 5919 ",
            school=school,
        )
    assert child.nhs_number == "9434765919"
    assert child.school_status == Child.SchoolStatus.SCHOOL
    assert AuditEvent.objects.get(action="child.created").user == nurse
    assert changed_children == [(team, [child.pk])]


def test_child_create_rejects_a_bad_nhs_number_and_another_teams_school(team, other_team):
    with pytest.raises(ValidationError, match="Enter a valid 10-digit NHS number"):
        services.child_create(
            team=team,
            given_name="A",
            family_name="B",
            date_of_birth="2015-01-01",
            nhs_number="1234567890",
            school_status="unknown",
        )
    with pytest.raises(ValidationError, match="Choose one of your team"):
        services.child_create(
            team=team,
            given_name="A",
            family_name="B",
            date_of_birth="2015-01-01",
            school=SchoolFactory(team=other_team),
        )
    assert not Child.objects.exists()


def test_child_update_announces_school_changes_only(team, changed_children):
    child = ChildFactory(team=team)
    services.child_update(child=child, given_name="Renamed")
    assert changed_children == []
    services.child_update(child=child, school_status=Child.SchoolStatus.HOME_SCHOOLED)
    child.refresh_from_db()
    assert (child.school_status, child.school_id) == ("home_schooled", None)
    assert changed_children == [(team, [child.pk])]
    assert list(AuditEvent.objects.filter(object_id=str(child.pk)).values_list("action", flat=True)) == [
        "child.updated",
        "child.updated",
    ]


def test_child_update_without_changes_writes_nothing(team):
    child = ChildFactory(team=team, given_name="Same")
    services.child_update(child=child, given_name="Same")
    assert not AuditEvent.objects.exists()


def test_archive_needs_a_reason_and_stops_messages(team):
    child = ChildFactory(team=team, nhs_number=nhs_number_for(5))
    with pytest.raises(ValidationError):
        services.child_archive(child=child, reason="")
    with pytest.raises(ValidationError):
        services.child_archive(child=child, reason=Child.ArchiveReason.OTHER, details=" ")
    services.child_archive(child=child, reason=Child.ArchiveReason.MOVED_OUT_OF_AREA)
    assert not Child.objects.not_blocked().filter(pk=child.pk).exists()
    services.child_unarchive(child=child)
    assert Child.objects.not_blocked().filter(pk=child.pk).exists()


def test_parent_create_normalises_and_links(team):
    child = ChildFactory(team=team)
    parent = services.parent_create(
        child=child,
        relationship="mum",
        full_name="Grace",
        email=" Grace@Example.com ",
        phone="+44 (0)7700 900123".replace("(0)", ""),
    )
    assert (parent.email, parent.phone) == ("grace@example.com", "07700900123")
    assert child.relationships.get().parent == parent
    sibling = ChildFactory(team=team)
    services.parent_link(child=sibling, parent=parent, relationship="mum")
    assert parent.children.count() == 2


def test_a_parent_cannot_be_linked_across_teams(team, other_team):
    parent = services.parent_create(child=ChildFactory(team=team), relationship="dad", full_name="Sam")
    with pytest.raises(ValidationError):
        services.parent_link(child=ChildFactory(team=other_team), parent=parent, relationship="dad")
