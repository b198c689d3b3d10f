"""Roles (mavis/roles.py): every URL of the resolver answers each role as docs/roles.md says.

The matrix is read from the document itself, so the document cannot drift from the code, and a
new URL without a row fails here.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from mavis import roles
from mavis.models import User
from patients.models import Programme, VaccinationRecord
from sessions import services as session_services
from sessions.models import ActivityEvent, Attendance
from tests.factories import UserFactory
from tests.scoping_registry import OBJECT_URLS, PUBLIC_URLS
from tests.security.test_every_url import url_for
from tests.test_team_scoping import ALL_URLS

ROW = re.compile(r"^\| `(?P<name>[^`]+)` \| .+ \| (?P<nurse>yes|no|public) \| (?P<admin>yes|no|public) \|$")


def _matrix() -> dict[str, dict[str, str]]:
    text = (settings.BASE_DIR / "docs" / "roles.md").read_text()
    return {m["name"]: {"nurse": m["nurse"], "admin": m["admin"]} for m in map(ROW.match, text.splitlines()) if m}


MATRIX = _matrix()
URL_NAMES = sorted({name for name, _, _ in ALL_URLS})


def test_the_matrix_names_only_urls_that_exist():
    assert len(MATRIX) > 30, "the table in docs/roles.md was not read"
    assert set(MATRIX) <= set(URL_NAMES), set(MATRIX) - set(URL_NAMES)
    # The rule and the document agree on what is clinical.
    assert {name for name, cells in MATRIX.items() if cells["admin"] == "no"} == {
        "sessions:vaccinate",
        "sessions:vaccinate_step",
        "consent:triage",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", [User.Role.NURSE, User.Role.ADMIN])
@pytest.mark.parametrize("name", URL_NAMES)
def test_every_url_answers_each_role_as_the_matrix_says(name, role, client, team, other_team):
    assert name in MATRIX, f"{name} has no row in docs/roles.md: add one (yes / no / public for nurse and admin)"
    rule = MATRIX[name][role]
    if rule == "public":
        assert name in PUBLIC_URLS, f"{name} is public in docs/roles.md but needs sign-in"
        return
    client.force_login(UserFactory(team=team, role=role))
    mine = url_for(name, team)
    answers = {method: getattr(client, method)(mine).status_code for method in ("get", "post")}
    assert all(status < 500 for status in answers.values()), f"{mine}: {answers}"
    if rule == "yes":
        assert 403 not in answers.values(), f"{role} refused at {mine}: {answers}"
        assert answers["get"] != 404, f"{mine}: the test built no object of the team"
        assert set(answers.values()) != {405}, f"{mine}: {answers}"
    else:
        assert set(answers.values()) <= {403, 405} and 403 in answers.values(), f"{role} allowed at {mine}: {answers}"
    if name in OBJECT_URLS:
        # Another team's object: 404 for every role, before any role check could answer 403.
        theirs = url_for(name, other_team)
        for method in ("get", "post"):
            expected = 405 if answers[method] == 405 else 404
            assert getattr(client, method)(theirs).status_code == expected, f"{method.upper()} {theirs} as {role}"


# --- The guard in the services, the 403 page, the hidden actions -----------------------------------------


@pytest.fixture
def ready_child(team):
    """A child attending today with consent given for HPV: ready for a nurse to vaccinate."""
    from tests.consent.factories import add_child, make_session, record

    session = make_session(team, dates=(0,))
    child = add_child(session)
    record(session, child, "hpv", "given")
    nurse = UserFactory(team=team)
    session_services.attendance_record(session=session, child=child, status=Attendance.Status.ATTENDING, user=nurse)
    return session, child, nurse


@pytest.mark.django_db
def test_an_admin_cannot_record_a_vaccination_by_any_path(ready_child, team, client):
    session, child, nurse = ready_child
    admin = UserFactory(team=team, role=User.Role.ADMIN)
    hpv = Programme.objects.get(code="hpv")
    for user in (admin, None):
        with pytest.raises(roles.RoleDenied, match="Only nurses can record vaccinations"):
            session_services.vaccination_record_add(
                session=session, child=child, programme=hpv, outcome=VaccinationRecord.Outcome.ABSENT, user=user
            )
    assert not VaccinationRecord.objects.filter(child=child).exists()
    assert not ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.VACCINATION).exists()

    client.force_login(admin)
    url = reverse("sessions:vaccinate", args=[session.pk, child.pk, "hpv"])
    response = client.post(url, {"outcome": "vaccinated"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do that" in page and "Only nurses can record vaccinations." in page
    assert "with the admin role" in page
    assert not VaccinationRecord.objects.filter(child=child).exists()

    # The nurse still can (the guard lets the right role through).
    record = session_services.vaccination_record_add(
        session=session, child=child, programme=hpv, outcome=VaccinationRecord.Outcome.UNWELL, user=nurse
    )
    assert record.performed_by == nurse


@pytest.mark.django_db
def test_a_triage_decision_needs_a_nurse_and_rolls_back_the_consent_it_came_with(ready_child, team):
    from consent.models import ConsentResponse, Triage
    from consent.services import TriageDecision
    from tests.consent.factories import add_child, record

    session, _, _ = ready_child
    child = add_child(session)
    admin = UserFactory(team=team, role=User.Role.ADMIN)
    with pytest.raises(roles.RoleDenied, match="Only nurses can triage"):
        record(
            session,
            child,
            "hpv",
            "given",
            health_yes=True,
            user=admin,
            triage=TriageDecision(status="safe_to_vaccinate"),
        )
    assert not ConsentResponse.objects.filter(child=child).exists()
    assert not Triage.objects.filter(child=child).exists()


@pytest.mark.django_db
def test_an_admin_sees_the_outcome_but_no_recording_action(ready_child, team, client):
    session, child, nurse = ready_child
    child_url = reverse("sessions:child", args=[session.pk, child.pk])
    record_url = reverse("sessions:record", args=[session.pk]) + "?programme=hpv"
    vaccinate_url = reverse("sessions:vaccinate", args=[session.pk, child.pk, "hpv"])

    client.force_login(nurse)
    assert vaccinate_url in client.get(child_url).content.decode()
    assert vaccinate_url in client.get(record_url).content.decode()

    client.force_login(UserFactory(team=team, role=User.Role.ADMIN))
    child_page = client.get(child_url).content.decode()
    record_page = client.get(record_url).content.decode()
    assert vaccinate_url not in child_page and "Record HPV vaccination" not in child_page
    assert vaccinate_url not in record_page and "Only nurses can record vaccinations." in record_page
    assert child.family_name.upper() in record_page  # the list itself is shown


def test_can_refuses_an_unknown_action():
    with pytest.raises(ValueError):
        roles.can(None, "vaccinate everyone")


def test_can_is_false_for_no_user_and_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    assert not roles.can(None, roles.Clinical.TRIAGE)
    assert not roles.can(AnonymousUser(), roles.Clinical.TRIAGE)
