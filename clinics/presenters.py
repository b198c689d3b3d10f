"""What the clinic templates show: sentences with counts and dates in words."""

from django.contrib import messages

from clinics.eligibility import CANNOT_BE_CONTACTED_REASON
from mavis.dates import date_long
from patients.presenters import ChildPresenter

REASON_IN_SENTENCE = CANNOT_BE_CONTACTED_REASON[0].lower() + CANNOT_BE_CONTACTED_REASON[1:]


date_words = date_long  # "Monday 1 December 2026"


def children_words(count: int) -> str:
    return f"{count:,} child" if count == 1 else f"{count:,} children"


class SummaryPresenter:
    reason = CANNOT_BE_CONTACTED_REASON

    def __init__(self, summary):
        self.summary = summary

    def __getattr__(self, name):
        return getattr(self.summary, name)

    @property
    def clinic_date_words(self) -> str:
        return date_words(self.summary.clinic_date)

    @property
    def invitations_headline(self) -> str:
        count = self.summary.count
        verb = "was" if count == 1 else "were"
        have = "has" if count == 1 else "have"
        return f"{children_words(count)} {verb} not vaccinated at this school and {have} not already been invited to a clinic"

    @property
    def reminders_headline(self) -> str:
        return (
            f"This will send booking reminders to the parents of {children_words(self.summary.count)} "
            "who have not yet been sent a reminder"
        )

    @property
    def skipped_booked_text(self) -> str:
        """A link to exactly those children."""
        count = self.summary.skipped_booked
        return f"{children_words(count)} {'was' if count == 1 else 'were'} skipped because they booked an appointment"

    @property
    def more_cannot_contact(self) -> int:
        return self.summary.cannot_contact_count - len(self.summary.cannot_contact)


def invited_message(result) -> tuple[int, str]:
    """The banner after **Send clinic invitations** (services.SendResult)."""
    if result.clinic is None:  # the clinic's dates were removed since the page was opened
        return messages.ERROR, f"No clinic invitations were sent. {NO_CLINIC}"
    return messages.SUCCESS, _invited_words(result.invited)


def _invited_words(count: int) -> str:
    if count == 0:
        return "No clinic invitations were sent: every child has already been invited or no longer needs one"
    return f"Clinic invitations sent to the parents of {children_words(count)}"


def reminded_message(result) -> tuple[int, str]:
    """The banner after **Send booking reminders** (services.SendResult)."""
    if result.clinic_date is None:  # the last clinic date is today (a page left open since yesterday)
        return messages.ERROR, (
            "No booking reminders were sent: the clinic has no date after today. "
            "Add a later clinic date to send booking reminders"
        )
    return messages.SUCCESS, _reminded_words(result.invited)


def _reminded_words(count: int) -> str:
    if count == 0:
        return "No booking reminders were sent: every child has already been sent one for the next clinic date"
    return f"Booking reminders sent to the parents of {children_words(count)}"


# A summary page left open while children were invited, vaccinated or added: the button sends nothing.
INVITATIONS_CHANGED = (
    "The children to invite have changed since you opened this page. No invitations were sent. "
    "Check the children below and send clinic invitations again"
)
REMINDERS_CHANGED = (
    "The children to remind have changed since you opened this page. No booking reminders were sent. "
    "Check the children below and send booking reminders again"
)

SKIPPED_BOOKED = "Skipped because they booked"

NO_CLINIC = "There is no community clinic with a date today or later. Schedule a clinic date first."

ARCHIVED_NOT_INVITED = "This child’s record is archived: they cannot be invited to a community clinic"


def _invitation_words(plan, send_on) -> str:
    """The invitation half of **Invite to community clinic**: the same words before and after."""
    if plan.no_later_date:
        return "No invitation is needed: there are no later clinic dates"
    if plan.cannot_be_contacted:
        return f"No invitation can be sent: {REASON_IN_SENTENCE}"
    if plan.not_messaged:
        flags = [f"“{flag}”" for flag in ChildPresenter(plan.not_messaged).flags]
        return f"No invitation can be sent: the child’s record is marked {' and '.join(flags)}"
    if plan.year_group:
        names = " and ".join(p.name for p in plan.clinic.programmes.all())
        return f"No invitation is needed: the clinic’s vaccinations ({names}) are not for children in {plan.year_group}"
    if plan.not_needed:
        return "No invitation is needed: the child is vaccinated or consent was refused"
    later = " for later clinic dates" if plan.clinic_day_today else ""
    return f"An invitation{later} will be sent on {date_words(send_on)}"


def invite_child_confirmation(plan, child) -> list[str]:
    """What the confirmation page says will happen, and when."""
    if plan.clinic_day_today:
        added = f"{child.full_name} will be added to today’s list for the community clinic straight away."
    else:
        added = f"{child.full_name} will be added to the community clinic straight away."
    invitation = _invitation_words(plan, plan.send_on)
    if plan.send_on:
        invitation += f" to their parents, unless {child.given_name} is vaccinated or consent is refused before then."
    else:
        invitation += "."
    return [added, invitation]


def invite_child_message(result, child) -> tuple[int, str]:
    """The banner once it is done."""
    plan = result.plan
    if plan.clinic is None:
        return messages.ERROR, NO_CLINIC
    if plan.archived:
        return messages.ERROR, ARCHIVED_NOT_INVITED
    if plan.invited_on:
        return messages.INFO, _invited_on_words(plan.invited_on)
    if plan.clinic_day_today:
        added = f"{child.full_name} is now on today’s list for the community clinic. "
    else:
        added = "Added to the community clinic. " if result.added else ""
    level = messages.WARNING if plan.cannot_be_contacted else messages.SUCCESS
    return level, added + _invitation_words(plan, result.scheduled_for)


def _invited_on_words(value) -> str:
    return f"Invited to the clinic on {date_words(value)}"


def child_invitation_text(state, child=None) -> str | None:
    """What replaces the button once the child is invited (or will be), or when the child's record
    is archived (selectors.child_invite_plan)."""
    if child is not None and child.archived:
        return ARCHIVED_NOT_INVITED
    if state.invited_on:
        return _invited_on_words(state.invited_on)
    if state.scheduled_for:
        return f"An invitation will be sent on {date_words(state.scheduled_for)}"
    return None


def bookings_imported_message(result) -> str:
    unchanged = f" ({result.unchanged:,} already booked as in the file)" if result.unchanged else ""
    return f"Bookings imported: {children_words(result.booked)} booked or moved{unchanged}"
