"""Invite to community clinic for a child whose record is archived (moved away, deceased): out of the
team's lists and messages, so neither added to the clinic nor invited, and the page says why."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinics.models import ClinicInvitation, ClinicInvitationRequest
from sessions.models import SessionMembership
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.factories import SchoolFactory
from tests.text import visible_text

pytestmark = pytest.mark.django_db

ARCHIVED = "This child’s record is archived: they cannot be invited to a community clinic"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def test_an_archived_child_is_not_added_to_the_clinic_nor_invited(nurse_client, team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    child = make_child(team, school=SchoolFactory(team=team))
    child.archived_at, child.archive_reason = timezone.now(), "moved_out_of_area"
    child.save()
    record = reverse("patients:child", args=[child.pk])
    invite = reverse("clinics:invite_child", args=[child.pk])

    text = visible_text(nurse_client.get(record).content.decode())
    assert ARCHIVED in text
    assert "Invite to community clinic" not in text
    text = visible_text(nurse_client.get(invite).content.decode())
    assert ARCHIVED in text
    assert "Yes, invite to community clinic" not in text

    # A page opened before the record was archived, then submitted.
    response = nurse_client.post(invite, {"next": record}, follow=True)
    text = visible_text(response.content.decode())
    assert ARCHIVED in text
    assert "Added to the community clinic" not in text
    assert not SessionMembership.objects.filter(session=clinic, child=child).exists()
    assert not ClinicInvitationRequest.objects.exists()


def test_a_child_no_programme_of_the_clinic_is_for_is_told_so_not_vaccinated_or_refused(nurse_client, team):
    """A Year 2 child and an HPV-only clinic: the reason is the year group, not a vaccination or a refusal."""
    clinic_session(team, [datetime.date(2026, 12, 10)], codes=("hpv",))
    child = make_child(team, school=SchoolFactory(team=team), date_of_birth=datetime.date(2020, 3, 1))
    invite = reverse("clinics:invite_child", args=[child.pk])
    reason = "No invitation is needed: the clinic’s vaccinations (HPV) are not for children in Year 2"
    text = visible_text(nurse_client.get(invite).content.decode())
    assert reason in text
    assert "vaccinated or consent was refused" not in text
    text = visible_text(nurse_client.post(invite, follow=True).content.decode())
    assert reason in text
    assert not ClinicInvitationRequest.objects.exists()


def test_a_confirmation_page_left_open_while_the_child_is_invited_says_so_and_does_nothing_more(nurse_client, team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    child = make_child(team, session=clinic)
    invite = reverse("clinics:invite_child", args=[child.pk])
    assert "Yes, invite to community clinic" in visible_text(nurse_client.get(invite).content.decode())
    at = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)  # the sweep invites them meanwhile
    ClinicInvitation.objects.create(
        team=team,
        child=child,
        session=clinic,
        clinic_date=datetime.date(2026, 12, 10),
        kind="invitation",
        programmes=["flu", "hpv"],
        source="automatic",
        created_at=at,
        sent_at=at,
        sent_on=at.date(),
    )
    text = visible_text(nurse_client.post(invite, follow=True).content.decode())
    assert "Invited to the clinic on Monday 23 November 2026" in text
    assert "vaccinated or consent was refused" not in text
    assert not ClinicInvitationRequest.objects.exists()


@pytest.mark.parametrize(("flag", "words"), [("deceased", "“Deceased”"), ("restricted", "“Restricted record”")])
def test_a_record_marked_so_no_message_can_go_says_why_not_vaccinated_or_refused(nurse_client, team, flag, words):
    clinic_session(team, [datetime.date(2026, 12, 10)])
    child = make_child(team, school=SchoolFactory(team=team))
    setattr(child, flag, True)
    child.save()
    invite = reverse("clinics:invite_child", args=[child.pk])
    reason = f"No invitation can be sent: the child’s record is marked {words}"
    assert reason in visible_text(nurse_client.get(invite).content.decode())
    text = visible_text(nurse_client.post(invite, follow=True).content.decode())
    assert reason in text
    assert "vaccinated or consent was refused" not in text
    assert not ClinicInvitationRequest.objects.exists()
