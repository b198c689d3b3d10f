"""Commands that must not run against a production instance."""

import pytest
from django.core.management import CommandError, call_command

from mavis.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="does not run in production"):
        call_command("seed_demo", children=0)
    assert not User.objects.filter(username__in=["nurse", "admin"]).exists()
