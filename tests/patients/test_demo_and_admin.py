import io

import pytest
from django.db.models import Count
from django.urls import reverse

from mavis.models import AuditEvent
from patients.demo import seed_register
from patients.models import Child, Parent, VaccinationRecord
from patients.nhs_number import is_valid_nhs_number
from tests.factories import ChildFactory, UserFactory, VaccinationRecordFactory

pytestmark = pytest.mark.django_db


def test_demo_register_is_realistic_and_idempotent(team, changed_children):
    # The demo is seeded by ODS code; pin it so the figures do not depend on how many teams
    # earlier tests created (about 1 in 20 codes gives no "cannot be contacted" family).
    team.ods_code = "T0000"
    team.save()
    seed_register(team=team, stdout=io.StringIO(), children=400)
    children = Child.objects.for_team(team)
    before = (children.count(), Parent.objects.count(), VaccinationRecord.objects.count())
    seed_register(team=team, stdout=io.StringIO(), children=400)
    assert (children.count(), Parent.objects.count(), VaccinationRecord.objects.count()) == before
    assert before[0] == 400

    statuses = set(children.values_list("school_status", flat=True))
    assert statuses == {"school", "home_schooled", "unknown"}
    assert team.schools.count() == 10
    assert all(is_valid_nhs_number(n) for n in children.exclude(nhs_number=None).values_list("nhs_number", flat=True))
    assert children.cannot_be_contacted().exists()
    assert children.filter(deceased=True).exists() and children.filter(restricted=True).exists()
    assert children.filter(archived_at__isnull=False).exists()
    emails = Parent.objects.exclude(email="").values_list("email", flat=True)
    assert all(e.endswith("@example.com") for e in emails)
    phones = Parent.objects.filter(phone__startswith="07").values_list("phone", flat=True)
    assert all(p.startswith("07700900") for p in phones)
    assert VaccinationRecord.objects.filter(programme__code="hpv").exists()
    assert len(changed_children) == 1 and len(changed_children[0][1]) == 400


def test_siblings_share_parents_in_the_demo(team):
    seed_register(team=team, stdout=io.StringIO(), children=300)
    assert Parent.objects.annotate(n=Count("children")).filter(n__gt=1).exists()


@pytest.fixture
def admin_client(client, team):
    admin = UserFactory(team=team, username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model", ["programme", "school", "child", "parent", "parentrelationship", "vaccinationrecord", "cohortimport"]
)
def test_admin_lists_every_register_model(admin_client, team, model):
    ChildFactory(team=team)
    response = admin_client.get(reverse(f"admin:patients_{model}_changelist"), {"q": "a"})
    assert response.status_code == 200


def test_admin_edit_of_a_child_is_audited_and_announced(admin_client, team, changed_children):
    child = ChildFactory(team=team, school_status="school")
    url = reverse("admin:patients_child_change", args=[child.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("parents",)}
    data.update(
        {
            "school_status": "home_schooled",
            "school": "",
            "date_of_birth": "2014-05-01",
            "relationships-TOTAL_FORMS": 0,
            "relationships-INITIAL_FORMS": 0,
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    child.refresh_from_db()
    assert child.school_status == "home_schooled"
    event = AuditEvent.objects.get(action="admin.changed")
    assert event.object_id == str(child.pk) and "school_status" in event.details["fields"]
    assert changed_children == [(team, [child.pk])]


def test_vaccination_records_are_read_only_in_the_admin(admin_client, team):
    record = VaccinationRecordFactory(child=ChildFactory(team=team))
    url = reverse("admin:patients_vaccinationrecord_change", args=[record.pk])
    assert admin_client.post(url, {"notes": "changed"}).status_code == 403
    record.refresh_from_db()
    assert record.notes == ""
    assert admin_client.get(reverse("admin:patients_vaccinationrecord_add")).status_code == 403


def test_admin_saves_a_child_through_the_services(admin_client, team, changed_children):
    # The NHS number is normalised as in the app (it used to be saved as typed, or refused).
    child = ChildFactory(team=team, school_status="home_schooled", school=None, nhs_number=None)
    url = reverse("admin:patients_child_change", args=[child.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("parents",)}
    data.update(
        {
            "nhs_number": "943 476 5919",
            "date_of_birth": child.date_of_birth.isoformat(),
            "relationships-TOTAL_FORMS": 0,
            "relationships-INITIAL_FORMS": 0,
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    child.refresh_from_db()
    assert child.nhs_number == "9434765919"
    assert AuditEvent.objects.filter(action="child.updated", object_id=str(child.pk)).exists()


def test_consent_triage_and_sessions_are_read_only_in_the_admin(admin_client, team):
    for model in ("consent_consentresponse", "consent_triage", "vaccination_sessions_session"):
        assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


def _child_change_data(admin_client, child):
    url = reverse("admin:patients_child_change", args=[child.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("parents",)}
    data.update(
        {
            "date_of_birth": child.date_of_birth.isoformat(),
            "relationships-TOTAL_FORMS": 0,
            "relationships-INITIAL_FORMS": 0,
        }
    )
    return url, data


def test_admin_choosing_another_teams_school_is_a_form_error_not_a_500(admin_client, team, other_team):
    from tests.factories import SchoolFactory

    child = ChildFactory(team=team, school_status="home_schooled", school=None)
    theirs = SchoolFactory(team=other_team)
    url, data = _child_change_data(admin_client, child)
    data.update({"school_status": "school", "school": theirs.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Choose one of your team&#x27;s schools" in response.content.decode()
    child.refresh_from_db()
    assert child.school_id is None and child.school_status == "home_schooled"


def test_admin_cannot_link_a_child_to_another_teams_parent(admin_client, team, other_team):
    """Team B's parent on team A's child: team A's nurses would see B's parent's contacts, and
    A's messages would go to them."""
    from patients.models import ParentRelationship
    from tests.factories import ParentFactory

    child = ChildFactory(team=team, school_status="home_schooled", school=None)
    theirs = ParentFactory(team=other_team)
    url, data = _child_change_data(admin_client, child)
    data.update(
        {
            "relationships-TOTAL_FORMS": 1,
            "relationships-0-parent": theirs.pk,
            "relationships-0-type": "mum",
            "relationships-0-child": child.pk,
            "relationships-0-parental_responsibility": "on",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "This parent is in another team: choose a parent from the child’s team" in response.content.decode()
    response = admin_client.post(
        reverse("admin:patients_parentrelationship_add"),
        {"child": child.pk, "parent": theirs.pk, "type": "mum", "parental_responsibility": "on"},
    )
    assert response.status_code == 200
    assert "This parent is in another team: choose a parent from the child’s team" in response.content.decode()
    assert not ParentRelationship.objects.filter(parent=theirs).exists()
