"""Demo data for clinic invitations (see mavis.demo).

The sessions step leaves the Community clinic unscheduled (the guide starts by scheduling it)
and completes some school sessions with absent and unwell children. Invitations need a clinic
date, so this step seeds none; it prints how to try each path once the clinic is scheduled.
"""

from mavis import demo

HOW_TO = """  clinic invitations: schedule the Community clinic first (Sessions > Unscheduled > Community clinic), then:
    - Send clinic invitations: Sessions > Completed > a school > Send clinic invitations
    - Invite to community clinic: any child's record, at the bottom (sent the next day at 09:00)
    - automatic (home-schooled, unknown school): manage.py invitation_sweep --date <3 weeks before the first clinic date>
    - Send booking reminders: Sessions > Scheduled > Community clinic > Send booking reminders (after an invitation)"""


@demo.register(50, "clinics")
def seed_clinics(*, team, stdout, **_):
    stdout.write(HOW_TO)
