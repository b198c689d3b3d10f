"""What the sessions templates show: labels, tag colours, dates in words."""

import itertools

from django.utils import timezone

from mavis.dates import clock_time, date_day_month
from mavis.jinja2 import date_long, date_short
from patients.presenters import COLOURS
from sessions.models import FAILED_DELIVERY, ActivityEvent, Booking, DeliveryStatus, Session
from sessions.selectors import BOOKED, NO_OUTCOME, NOT_BOOKED, OUTCOME_LABELS
from sessions.status import date_values, session_status

STATUS_COLOURS = {
    Session.Status.UNSCHEDULED: "grey",
    Session.Status.SCHEDULED: "blue",
    Session.Status.IN_PROGRESS: "green",
    Session.Status.COMPLETED: "white",
}
OUTCOME_COLOURS = COLOURS  # one set of tag colours for the vaccination status


def academic_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


class SessionPresenter:
    def __init__(self, session, today, children_count=None):
        self.session = session
        self.today = today
        self.children_count = children_count

    def __getattr__(self, name):
        return getattr(self.session, name)

    @property
    def status(self) -> str:
        return session_status(self.session, self.today)

    @property
    def status_label(self) -> str:
        return Session.Status(self.status).label

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def type_label(self) -> str:
        return self.session.get_kind_display() if self.session.is_community_clinic else "School session"

    @property
    def programme_names(self) -> str:
        return ", ".join(p.name for p in self.session.programmes.all()) or "None"

    @property
    def dates(self):
        return date_values(self.session)

    @property
    def dates_display(self) -> list[str]:
        return [date_long(value) for value in self.dates]

    @property
    def is_unscheduled(self) -> bool:
        return not self.dates

    @property
    def academic_year_display(self) -> str:
        return academic_year_label(self.session.academic_year)

    @property
    def invitation_date_display(self) -> str:
        return f"Send on {date_long(self.session.invitation_date)}" if self.session.invitation_date else "Not set"

    @property
    def consent_request_date_display(self) -> str:
        value = self.session.consent_request_date
        return f"Send on {date_long(value)}" if value else "Not set"

    @property
    def consent_reminder_date_display(self) -> str:
        value = self.session.consent_reminder_date
        return f"Send on {date_long(value)}" if value else "Not set"


def outcome_label(value: str) -> str:
    return OUTCOME_LABELS.get(value, OUTCOME_LABELS[NO_OUTCOME])


def delivery_label(status: str) -> str:
    return DeliveryStatus(status).label if status in DeliveryStatus.values else status


class EventPresenter:
    def __init__(self, event: ActivityEvent):
        self.event = event

    @property
    def what(self) -> str:
        return self.event.get_kind_display()

    @property
    def text(self) -> str:
        return self.event.text

    @property
    def is_note(self) -> bool:
        return self.event.kind == ActivityEvent.Kind.NOTE

    @property
    def who(self) -> str:
        return self.event.actor or ("automatic" if self.event.user_id is None else str(self.event.user))

    @property
    def local_time(self):
        return timezone.localtime(self.event.created_at)

    @property
    def is_message(self) -> bool:
        return bool(self.event.channel)

    @property
    def channel(self) -> str:
        return self.event.get_channel_display()

    @property
    def recipient(self) -> str:
        return self.event.recipient

    @property
    def delivery(self) -> str:
        return delivery_label(self.event.delivery_status)

    @property
    def failed(self) -> bool:
        return self.event.delivery_status in FAILED_DELIVERY

    @property
    def session_name(self) -> str:
        session = self.event.session
        return session.location_name if session else ""


def events_by_day(events) -> list[tuple[str, list[EventPresenter]]]:
    """Newest first, grouped by London calendar day."""
    presented = [EventPresenter(event) for event in events]
    return [
        (date_long(day), list(group)) for day, group in itertools.groupby(presented, key=lambda e: e.local_time.date())
    ]


def parent_delivery(relationship, latest_by_recipient) -> dict | None:
    """The latest message to this parent (by email or phone), for the child-in-session page."""
    parent = relationship.parent
    candidates = [latest_by_recipient.get(value) for value in (parent.email, parent.phone) if value]
    candidates = [c for c in candidates if c is not None]
    if not candidates:
        return None
    latest = max(candidates, key=lambda event: event.created_at)
    return {
        "label": delivery_label(latest.delivery_status),
        "failed": latest.delivery_status in FAILED_DELIVERY,
        "channel": latest.get_channel_display(),
        "recipient": latest.recipient,
        "what": latest.get_kind_display(),
        "when": date_short(latest.created_at),
    }


def booking_words(state: str, date=None, time=None) -> str:
    """A child's booking at a clinic in words: the Children tab, the child's record and the activity
    ("Booked for Tuesday 5 January at 10:20")."""
    if state == BOOKED:
        at = f" at {clock_time(time)}" if time else ""
        return f"Booked for {date_day_month(date)}{at}"
    return {
        NOT_BOOKED: "Not booked",
        Booking.Status.CANCELLED: "Booking cancelled",
        Booking.Status.DECLINED: "Declined a clinic appointment",
    }[state]
