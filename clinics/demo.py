"""Demo data for clinic invitations (see mavis.demo); filled in below."""

from mavis import demo


@demo.register(50, "clinics")
def seed_clinics(*, team, stdout, **_):
    pass
