import datetime

import pytest
from django.urls import reverse

from clinics.services import team_sweep
from tests.clinics.factories import child as make_child
from tests.clinics.factories import clinic_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_invitations_read_only_with_filters(client, team):
    clinic = clinic_session(team, [datetime.date(2026, 12, 10)])
    invited = make_child(team, session=clinic)
    team_sweep(team=team, today=datetime.date(2026, 11, 23))
    admin = UserFactory(team=team, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:clinics_clinicinvitation_changelist") + "?kind__exact=invitation")
    assert listing.status_code == 200
    assert invited.full_name in listing.content.decode()
    assert client.get(reverse("admin:clinics_clinicinvitation_add")).status_code == 403
    assert client.get(reverse("admin:clinics_clinicsweeprun_changelist")).status_code == 200
    assert client.get(reverse("admin:clinics_clinicinvitationrequest_changelist")).status_code == 200
