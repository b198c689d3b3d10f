"""Every count on Send clinic invitations and Send booking reminders links to exactly those children,
beyond the first names the page lists ("And 1 more" was a number with no way to see who)."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from clinics import selectors
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session, school_session, sent_invitation
from tests.factories import SchoolFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db

CLINIC_DAY = datetime.date(2026, 12, 10)
UNREACHABLE = {"email": "", "phone": ""}


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(selectors, "CANNOT_CONTACT_LIST_LIMIT", 2)  # the page names the first 2
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def listed(client, page: str, link_text: str) -> set:
    href = re.search(rf'<a class="nhsuk-link" href="([^"]+)">{link_text}</a>', page).group(1)
    return {int(pk) for pk in re.findall(r'href="/sessions/\d+/children/(\d+)"', client.get(href).content.decode())}


def test_send_clinic_invitations_counts_link_to_every_child(nurse_client, team):
    school = SchoolFactory(team=team)
    completed = school_session(team, [datetime.date(2026, 10, 6)], school=school)
    clinic_session(team, [CLINIC_DAY])
    invited = {make_child(team, school=school, session=completed).pk for _ in range(3)}
    unreachable = {make_child(team, school=school, session=completed, parent=UNREACHABLE).pk for _ in range(3)}
    page = nurse_client.get(reverse("clinics:send_invitations", args=[completed.pk])).content.decode()
    assert "And 1 more: see all 3 children" in visible_text(page)
    assert listed(nurse_client, page, "see all 3 children") == invited
    assert listed(nurse_client, page, "3 children") == unreachable


def test_send_booking_reminders_counts_link_to_every_child(nurse_client, team):
    clinic = clinic_session(team, [CLINIC_DAY])
    groups = {"remind": set(), "unreachable": set()}
    for key, parent in (("remind", True), ("unreachable", UNREACHABLE)):
        for _ in range(3):
            child = make_child(team, session=clinic, parent=parent)
            sent_invitation(team, clinic, child)
            groups[key].add(child.pk)
    page = nurse_client.get(reverse("clinics:send_reminders", args=[clinic.pk])).content.decode()
    assert listed(nurse_client, page, "see all 3 children") == groups["remind"]
    assert listed(nurse_client, page, "3 children") == groups["unreachable"]


def test_the_lists_are_404_for_another_team_and_for_other_names(client, nurse, other_nurse, team):
    school = SchoolFactory(team=team)
    completed = school_session(team, [datetime.date(2026, 10, 6)], school=school)
    clinic = clinic_session(team, [CLINIC_DAY])
    client.force_login(other_nurse)
    for session in (completed, clinic):
        assert client.get(reverse("clinics:summary_children", args=[session.pk, "send"])).status_code == 404
    client.force_login(nurse)
    assert client.get(reverse("clinics:summary_children", args=[clinic.pk, "invited"])).status_code == 404
    upcoming = school_session(team, [CLINIC_DAY])
    assert client.get(reverse("clinics:summary_children", args=[upcoming.pk, "send"])).status_code == 404
