"""What the clinic templates show: sentences with counts and dates in words."""

from django.contrib import messages

from clinics.eligibility import CANNOT_BE_CONTACTED_REASON
from mavis.dates import date_long

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
    def more_cannot_contact(self) -> int:
        return self.summary.cannot_contact_count - len(self.summary.cannot_contact)


def invited_message(count: int) -> str:
    if count == 0:
        return "No clinic invitations were sent: every child has already been invited or no longer needs one"
    return f"Clinic invitations sent to the parents of {children_words(count)}"


def reminded_message(count: int) -> str:
    if count == 0:
        return "No booking reminders were sent: every child has already been sent one for the next clinic date"
    return f"Booking reminders sent to the parents of {children_words(count)}"


def invite_child_message(result, today=None) -> tuple[int, str]:
    if result.clinic is None:
        return messages.ERROR, "There is no community clinic with a date today or later. Schedule a clinic date first."
    added = "Added to the community clinic. " if result.added else ""
    if today is not None and today in {d.value for d in result.clinic.dates.all()}:
        # A walk-in on a clinic day: what matters now is that the child is on today's list.
        added = "The child is on today’s list for the community clinic. "
        if result.scheduled_for:
            return (
                messages.SUCCESS,
                f"{added}An invitation for later clinic dates will be sent on {date_words(result.scheduled_for)}",
            )
    if result.cannot_be_contacted:
        return messages.WARNING, f"{added}No invitation can be sent: {REASON_IN_SENTENCE}"
    if result.not_needed:
        return messages.SUCCESS, f"{added}No invitation is needed: the child is vaccinated or consent was refused"
    return messages.SUCCESS, f"{added}An invitation will be sent on {date_words(result.scheduled_for)}"


def child_invitation_text(state) -> str | None:
    """What replaces the button once the child is invited (or will be)."""
    if state.invited_on:
        return f"Invited to the clinic on {date_words(state.invited_on)}"
    if state.scheduled_for:
        return f"An invitation will be sent on {date_words(state.scheduled_for)}"
    return None
