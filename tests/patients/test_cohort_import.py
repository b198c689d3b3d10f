import pytest
from django.core.management import CommandError, call_command

from mavis.models import AuditEvent
from patients import cohort
from patients.models import Child, Parent, ParentRelationship
from tests.factories import ChildFactory, ParentRelationshipFactory, SchoolFactory, nhs_number_for
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(team):
    return SchoolFactory(team=team, urn="123456", name="Whitley Abbey Primary School")


def write(tmp_path, rows, name="cohort.csv"):
    path = tmp_path / name
    path.write_text(cohort_csv(rows), encoding="utf-8")
    return path


def counts():
    return Child.objects.count(), Parent.objects.count(), ParentRelationship.objects.count()


def test_command_imports_children_parents_and_school_statuses(tmp_path, team, school, changed_children):
    rows = [
        child_row(1, nhs_number_for(1), **{"School URN": "123456"}),
        child_row(
            2,
            nhs_number_for(2),
            **{
                "School URN": "Home-schooled",
                "Parent 2 name": "Tunde Okafor",
                "Parent 2 relationship": "Father",
                "Parent 2 phone": "+44 7700 900456",
            },
        ),
        child_row(3, "", **{"School URN": "unknown", "Parent 1 relationship": "Aunt", "Parent 1 phone": ""}),
    ]
    call_command("import_cohort", write(tmp_path, rows), team=team.ods_code)

    by_name = {c.given_name: c for c in Child.objects.filter(team=team)}
    assert by_name["Amara1"].school == school
    assert by_name["Amara2"].school_status == Child.SchoolStatus.HOME_SCHOOLED
    assert by_name["Amara3"].school_status == Child.SchoolStatus.UNKNOWN and by_name["Amara3"].nhs_number is None
    dad = Parent.objects.get(full_name="Tunde Okafor")
    assert dad.phone == "07700900456"  # normalised
    assert dad.phone_receive_updates  # a UK mobile can take texts
    assert not Parent.objects.get(full_name="Grace Okafor3").phone_receive_updates  # no phone
    assert dad.relationships.get().type == ParentRelationship.Type.DAD
    aunt = by_name["Amara3"].relationships.get()
    assert (aunt.type, aunt.label) == (ParentRelationship.Type.OTHER, "Aunt")
    assert changed_children == [(team, sorted(c.pk for c in by_name.values()))]
    event = AuditEvent.objects.get(action="child.imported")
    assert event.actor == "command:import_cohort" and event.details["count"] == 3


def test_importing_the_same_file_twice_changes_nothing(tmp_path, team, school, changed_children):
    rows = [child_row(n, nhs_number_for(n) if n % 2 else "", **{"School URN": "123456"}) for n in range(1, 7)]
    path = write(tmp_path, rows)
    call_command("import_cohort", path, team=team.ods_code)
    before = counts()
    snapshot = list(Child.objects.order_by("pk").values())
    changed_children.clear()

    call_command("import_cohort", path, team=team.ods_code)

    assert counts() == before == (6, 6, 6)
    assert list(Child.objects.order_by("pk").values()) == snapshot
    assert changed_children == []


def test_a_file_with_bad_rows_changes_nothing_and_reports_every_bad_row(tmp_path, team, school, capsys):
    rows = [
        child_row(1, nhs_number_for(1)),
        child_row(2, "1234567890"),  # line 3: bad check digit
        child_row(3, **{"Date of birth": "31/02/2014"}),  # line 4
        child_row(4, **{"School URN": "999001"}),  # line 5: not the team's school
        child_row(5, **{"Parent 1 email": "not-an-email", "First name": ""}),  # line 6: two reasons
        child_row(6, nhs_number_for(1)),  # line 7: same child as line 2
    ]
    with pytest.raises(CommandError, match="5 of 6 rows have errors: nothing was imported"):
        call_command("import_cohort", write(tmp_path, rows), team=team.ods_code)
    assert counts() == (0, 0, 0)
    err = capsys.readouterr().err
    assert "line 3: NHS number ‘1234567890’ is not a valid 10-digit NHS number" in err
    assert "line 4: Date of birth ‘31/02/2014’ is not a date" in err
    assert "line 5: School URN 999001 is not one of your team’s schools" in err
    assert "line 6: Enter the child’s first name; Parent 1’s email ‘not-an-email’ is not a valid email address" in err
    assert "line 7: The same child as on line 2" in err


def test_valid_rows_only_when_chosen(tmp_path, team, school):
    rows = [child_row(1), child_row(2, **{"Date of birth": "tomorrow"}), child_row(3)]
    call_command("import_cohort", write(tmp_path, rows), team=team.ods_code, valid_rows_only=True)
    assert sorted(Child.objects.values_list("given_name", flat=True)) == ["Amara1", "Amara3"]


def test_dry_run_writes_nothing(tmp_path, team, school):
    call_command("import_cohort", write(tmp_path, [child_row(1)]), team=team.ods_code, dry_run=True)
    assert counts() == (0, 0, 0)


def test_missing_columns_are_reported(tmp_path, team):
    path = tmp_path / "bad.csv"
    path.write_text("First name,Surname\nAmara,Okafor\n")
    with pytest.raises(CommandError, match="missing the columns: Date of birth, School urn"):
        call_command("import_cohort", path, team=team.ods_code)


def test_matches_by_nhs_number_then_by_name_and_date_of_birth(team, school, changed_children):
    known = ChildFactory(
        team=team, nhs_number=None, given_name="Amara1", family_name="Okafor", date_of_birth="2014-05-01", school=school
    )
    by_nhs = ChildFactory(
        team=team,
        nhs_number=nhs_number_for(2),
        given_name="Old",
        family_name="Name",
        school_status=Child.SchoolStatus.UNKNOWN,
    )
    content = cohort_csv(
        [
            child_row(1, nhs_number_for(1), **{"School URN": "123456"}),  # matches `known` by name, gets its NHS number
            child_row(2, nhs_number_for(2), **{"School URN": "123456"}),  # renamed, and now at a school
        ]
    )
    result = cohort.run_import(team=team, content=content)

    assert (result.children_created, result.children_updated) == (0, 2)
    known.refresh_from_db()
    by_nhs.refresh_from_db()
    assert known.nhs_number == nhs_number_for(1)
    assert (by_nhs.given_name, by_nhs.school) == ("Amara2", school)
    # Only the child whose school changed is announced.
    assert changed_children == [(team, [by_nhs.pk])]


def test_parents_match_by_email_or_phone_within_the_child(team):
    child = ChildFactory(team=team, nhs_number=nhs_number_for(1), school_status=Child.SchoolStatus.HOME_SCHOOLED)
    ParentRelationshipFactory(child=child, parent__email="grace1@example.com", parent__phone="")
    content = cohort_csv(
        [
            child_row(
                1,
                nhs_number_for(1),
                **{"Parent 1 email": "GRACE1@example.com", "Parent 2 name": "Tunde", "Parent 2 phone": "07700900999"},
            )
        ]
    )
    result = cohort.run_import(team=team, content=content)

    assert result.parents_created == 1  # Tunde; Grace was matched by email
    grace = child.parents.get(email="grace1@example.com")
    assert grace.phone == "07700900123"  # the missing phone is filled in


def test_siblings_in_one_file_share_their_parents(team):
    same_parent = {"Parent 1 name": "Grace Okafor", "Parent 1 email": "grace@example.com"}
    result = cohort.run_import(
        team=team, content=cohort_csv([child_row(1, **same_parent), child_row(2, **same_parent)])
    )
    assert (result.children_created, result.parents_created) == (2, 1)
    assert Parent.objects.get().children.count() == 2


def test_nhs_number_of_another_teams_child_is_an_error(team, other_team):
    ChildFactory(team=other_team, nhs_number=nhs_number_for(1))
    result = cohort.run_import(team=team, content=cohort_csv([child_row(1, nhs_number_for(1))]))
    assert result.errors == [
        {
            "line": 2,
            "reason": f"NHS number {nhs_number_for(1)[:3]} {nhs_number_for(1)[3:6]} "
            f"{nhs_number_for(1)[6:]} belongs to a child registered with another team",
        }
    ]
    assert not result.written


def test_progress_is_reported_while_checking(team):
    calls = []
    rows = [child_row(n, **{"Parent 1 name": "", "Parent 1 email": "", "Parent 1 phone": ""}) for n in range(2100)]
    result = cohort.run_import(team=team, content=cohort_csv(rows), progress=lambda done, total: calls.append(done))
    assert calls == [1000, 2000, 2100]
    assert result.children_created == 2100


def test_parents_without_contact_details_are_never_merged(team):
    no_contact = {"Parent 1 name": "Jane Smith", "Parent 1 email": "", "Parent 1 phone": ""}
    result = cohort.run_import(team=team, content=cohort_csv([child_row(1, **no_contact), child_row(2, **no_contact)]))
    assert result.parents_created == 2
    assert Child.objects.cannot_be_contacted().count() == 2
