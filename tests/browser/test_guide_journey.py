"""The whole guide, in order, on a fresh seed_demo database, as a nurse would walk it.

../shared/seeds/community-clinics.md: scheduling the Community clinic, the four ways of
inviting parents to book, checking what was sent, and getting consent (online and by phone).
Each step clicks the labels the guide names, is checked with axe, and leaves a screenshot in
the folder printed at the start. The clock moves with time-machine and the app's own
`invitation_sweep --date`; messages go to the local Notify over a socket through the app's
own `dispatch_messages` command.
"""

import datetime
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from clinics.models import ClinicInvitation
from consent.models import ConsentResponse
from mavis.management.commands.seed_demo import DEMO_PASSWORD
from notifications.models import Message
from patients.models import Child
from sessions.models import Session
from tests.browser_helpers import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LONDON = timezone.get_default_timezone()
SEEDED = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
FIRST_CLINIC = datetime.date(2026, 12, 16)
SECOND_CLINIC = datetime.date(2027, 1, 13)
INVITATIONS_GO = FIRST_CLINIC - datetime.timedelta(weeks=3)  # "3 weeks before the first clinic"
# Not test-results/: pytest-playwright empties it at the start of each run, and make test runs two.
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "guide-journey"


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)


class Nurse:
    """The nurse's browser: every page is checked with axe and photographed."""

    def __init__(self, page, live_server):
        self.page, self.url, self.step = page, live_server.url, 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, name: str):
        self.step += 1
        assert_accessible(self.page)
        self.page.screenshot(path=SHOTS / f"{self.step:02d}-{name}.png", full_page=True)

    def sign_in(self):
        # The session ends after 30 idle minutes, so each new day starts at the sign-in page.
        self.page.context.clear_cookies()
        self.page.goto(self.url)
        self.page.get_by_label("Username").fill("nurse")
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Children", level=1)).to_be_visible()

    def sessions(self, status: str):
        self.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sessions").click()
        self.page.get_by_role("link", name=status, exact=True).click()
        self.page.wait_for_url(f"**status={status.lower().replace(' ', '_')}**")
        self.check(f"sessions-{status.lower()}")

    def community_clinic(self):
        self.page.get_by_role("link", name="Community clinic", exact=True).click()
        expect(self.page.get_by_role("heading", name="Community clinic", level=1)).to_be_visible()

    def fill_date(self, label: str, value: datetime.date):
        group = self.page.get_by_role("group", name=label)
        group.get_by_label("Day").fill(str(value.day))
        group.get_by_label("Month").fill(str(value.month))
        group.get_by_label("Year").fill(str(value.year))

    def consent_no_response(self):
        self.page.get_by_role("link", name="Consent", exact=True).click()
        self.page.get_by_role("link", name="No response", exact=True).click()
        self.check("consent-no-response")


def list_name(child) -> str:
    return f"{child.family_name.upper()}, {child.given_name}"


def dispatch():
    call_command("dispatch_messages", stdout=io.StringIO())


def test_the_whole_guide(page, browser, live_server, local_notify_with_receipts):
    notify = local_notify_with_receipts
    print(f"\nScreenshots of every step: {SHOTS}")
    with time_machine.travel(SEEDED, tick=True):
        call_command("seed_demo", children=400, stdout=io.StringIO())
    nurse = Nurse(page, live_server)
    # The demo team (a second, small team books in the service: not the guide's).
    clinic = Session.objects.get(kind=Session.Kind.COMMUNITY_CLINIC, team__ods_code="RYG")
    assert not clinic.dates.exists()

    # --- Scheduling sessions in community clinics --------------------------------------------
    with time_machine.travel(SEEDED, tick=True):
        nurse.sign_in()
        nurse.sessions("Unscheduled")  # 1. Go to Sessions. 2. Filter for Unscheduled sessions.
        nurse.community_clinic()  # 3. Go to the Community clinic link.
        nurse.check("clinic-unscheduled")
        page.get_by_role("button", name="Schedule sessions").click()  # 4. Click on Schedule sessions.
        expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
        nurse.check("edit-session")
        # 5. Follow the process as you would for school sessions.
        page.get_by_role("link", name="Add session dates").click()
        expect(page.get_by_role("heading", name="When will sessions be held?")).to_be_visible()
        nurse.fill_date("Session date 1", FIRST_CLINIC)
        page.get_by_role("button", name="Add another date").click()
        nurse.fill_date("Session date 2", datetime.date(2027, 1, 20))
        nurse.check("dates")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Send on Wednesday 25 November 2026")).to_be_visible()
        nurse.check("dates-saved")
        page.get_by_role("button", name="Continue").click()

        # To add or amend dates: Scheduled -> Community clinic -> Edit session.
        nurse.sessions("Scheduled")
        nurse.community_clinic()
        page.get_by_role("button", name="Edit session").click()
        expect(page.get_by_role("heading", name="Edit session")).to_be_visible()
        page.get_by_role("link", name="Change session dates").click()
        expect(page.get_by_role("heading", name="When will sessions be held?")).to_be_visible()
        nurse.fill_date("Session date 2", SECOND_CLINIC)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Wednesday 13 January 2027")).to_be_visible()
        nurse.check("dates-amended")
    assert sorted(clinic.dates.values_list("value", flat=True)) == [FIRST_CLINIC, SECOND_CLINIC]

    # --- Inviting parents: home-schooled or unknown school, 3 weeks before the first clinic ----
    with time_machine.travel(at(INVITATIONS_GO, 9), tick=True):
        out = io.StringIO()
        call_command("invitation_sweep", "--date", INVITATIONS_GO.isoformat(), stdout=out)
        automatic = ClinicInvitation.objects.filter(session=clinic, source="automatic")
        assert automatic.exists(), out.getvalue()
        assert not automatic.exclude(child__school_status__in=["home_schooled", "unknown"]).exists()
        dispatch()
        assert not Message.objects.filter(kind="clinic_invitation", status="pending").exists()

    with time_machine.travel(at(INVITATIONS_GO, 11), tick=True):
        # --- A child who belongs to a school but did not get vaccinated there ------------------
        nurse.sign_in()
        nurse.sessions("Completed")  # 1. Go to Sessions 2. Filter for Completed sessions
        completed = (
            Session.objects.completed(INVITATIONS_GO)
            .schools()
            .filter(team=clinic.team)
            .order_by("school__name")
            .first()
        )
        page.get_by_role("link", name=completed.school.name, exact=True).click()  # 3. the school session
        page.get_by_role("link", name="Send clinic invitations").click()  # 4. the link: a summary
        summary = page.get_by_text(re.compile(r"\d+ child(ren)? (was|were) not vaccinated at this school"))
        expect(summary).to_be_visible()
        nurse.check("send-clinic-invitations-summary")
        promised = int(re.match(r"\d+", summary.inner_text()).group())
        page.get_by_role("button", name="Send clinic invitations").click()  # 5. the button
        expect(page.get_by_text(re.compile("Clinic invitations sent"))).to_be_visible()
        nurse.check("clinic-invitations-sent")
        from_school = ClinicInvitation.objects.filter(session=clinic, source="school_session")
        assert from_school.count() == promised  # the count shown is the number invited

        # --- Inviting an individual child: the button at the bottom of the child's record ------
        one = (
            Child.objects.can_be_messaged()
            .filter(
                team=clinic.team, school_status="school", vaccination_records__isnull=True, date_of_birth__year=2013
            )
            .exclude(clinic_invitations__isnull=False)
            .order_by("family_name")
            .first()
        )
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Children").click()
        page.get_by_label("Search").fill(one.nhs_number)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=list_name(one)).click()
        page.get_by_role("button", name="Invite to community clinic").click()
        page.get_by_role("button", name="Yes, invite to community clinic").click()  # the confirmation
        expect(
            page.get_by_text(re.compile("An invitation will be sent on Thursday 26 November 2026")).first
        ).to_be_visible()
        nurse.check("invited-to-community-clinic")

    with time_machine.travel(at(INVITATIONS_GO + datetime.timedelta(days=1), 9), tick=True):
        call_command("invitation_sweep", stdout=io.StringIO())  # the next-day job, at the send time
        assert ClinicInvitation.objects.filter(child=one, session=clinic, source="child_record").count() == 1
        dispatch()

    # --- Sending booking reminders for the next clinic, after the first has passed -------------
    after_first = FIRST_CLINIC + datetime.timedelta(days=1)
    with time_machine.travel(at(after_first), tick=True):
        nurse.sign_in()
        nurse.sessions("Scheduled")  # 1. Go to Sessions 2. Filter for Scheduled sessions
        nurse.community_clinic()  # 3. Go to the Community clinics link
        page.get_by_role("link", name="Send booking reminders").click()  # 4. a summary
        expect(page.get_by_text(re.compile("This will send booking reminders to the parents of"))).to_be_visible()
        nurse.check("booking-reminders-summary")
        page.get_by_role("button", name="Send booking reminders").click()  # 5. the button
        expect(page.get_by_text(re.compile("Booking reminders sent"))).to_be_visible()
        nurse.check("booking-reminders-sent")
        dispatch()

        # To check whether an invitation email has been sent: Consent -> No response -> child ->
        # Session activity and notes.
        reminded = {
            list_name(invitation.child): invitation.child
            for invitation in ClinicInvitation.objects.filter(session=clinic, kind="booking_reminder")
        }
        nurse.consent_no_response()
        listed = page.get_by_role("table").get_by_role("link").all_inner_texts()
        name = next(name for name in listed if name in reminded)  # a reminded child with no response yet
        checked = reminded[name]
        page.get_by_role("link", name=name).click()
        page.get_by_role("link", name="Session activity and notes").click()
        expect(page.get_by_text("Booking reminder sent").first).to_be_visible()
        expect(page.get_by_text("Clinic invitation sent").first).to_be_visible()
        nurse.check("session-activity-and-notes")

        # --- Getting consent to vaccinate: Send consent request ---------------------------------
        nurse.sessions("Scheduled")
        nurse.community_clinic()  # 1. In the Community clinic page, the Consent tab, No response
        nurse.consent_no_response()
        page.get_by_role("link", name=list_name(checked)).click()  # 2. the child's record
        page.get_by_role("button", name="Send consent request").click()  # 3. Send consent request
        expect(page.get_by_text("A request was sent on")).to_be_visible()
        nurse.check("consent-request-sent")
        dispatch()
        request = Message.objects.filter(child=checked, kind="consent_request", channel="email").first()
        emailed = notify.by_reference()[str(request.pk)]
        assert len(emailed) == 1  # it reached the local Notify, once
        link = request.personalisation["consent_link"]

        # The parent opens the link in their own browser and gives consent.
        parent = browser.new_context(locale="en-GB").new_page()
        parent.goto(live_server.url + urlsplit(link).path)
        assert_accessible(parent)
        parent.get_by_label("Yes").check()
        parent.get_by_role("button", name="Continue").click()
        parent.get_by_label("Full name").fill("Sam Parent")
        parent.get_by_label("Mum").check()
        parent.get_by_label("Email address").fill("sam.parent@example.com")
        parent.get_by_role("group", name="Get updates by text message").get_by_label("No").check()
        parent.get_by_role("button", name="Continue").click()
        assert_accessible(parent)
        expect(
            parent.get_by_role("heading", name="Do you agree to your child having the vaccinations?")
        ).to_be_visible()
        # Yes to every programme the child is being asked about (flu: nasal spray, injection if unsuitable).
        for answer in parent.get_by_label(re.compile(r"Yes, I agree|nasal spray, or the injected")).all():
            answer.check()
        parent.get_by_role("button", name="Continue").click()
        for question in ("allergies", "medical conditions", "severe reaction", "extra support"):
            parent.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
        parent.get_by_role("button", name="Continue").click()
        assert_accessible(parent)
        parent.get_by_role("button", name="Confirm").click()
        expect(parent.get_by_role("heading", name="Your answers have been sent")).to_be_visible()
        parent.screenshot(path=SHOTS / "parent-consent-sent.png", full_page=True)
        parent.context.close()

        nurse.sessions("Scheduled")
        nurse.community_clinic()
        page.get_by_role("link", name="Consent", exact=True).click()
        page.get_by_role("link", name="Consent given", exact=True).click()
        expect(page.get_by_role("link", name=list_name(checked))).to_be_visible()
        nurse.check("consent-given")

        # --- Getting consent over the phone: Record a new consent response ---------------------
        nurse.sessions("Scheduled")
        nurse.community_clinic()
        nurse.consent_no_response()
        phoned = page.get_by_role("table").get_by_role("link").first
        phoned_name = phoned.inner_text()
        phoned.click()
        page.get_by_role("button", name="Record a new consent response").click()
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # parent details as they are
        page.get_by_label("By phone").check()
        page.get_by_role("button", name="Continue").click()
        for answer in page.get_by_label(re.compile(r"Yes, they agree|nasal spray, or the injected")).all():
            answer.check()
        nurse.check("phone-do-they-agree")
        page.get_by_role("button", name="Continue").click()
        for question in ("allergies", "medical conditions", "severe reaction", "extra support"):
            page.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
        nurse.check("phone-check-and-confirm")
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_text(re.compile("Consent recorded for"))).to_be_visible()
        nurse.check("phone-consent-recorded")
    assert ConsentResponse.objects.filter(route="phone", response="given").exists(), phoned_name
