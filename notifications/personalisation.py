"""What each kind of message fills in, built in one place per kind.

`REQUIRED` lists the keys every template of a kind may use; `family_messages_enqueue`
checks them before anything is queued, so a sender that forgets one fails in its own tests
(Notify would otherwise reject the message with a 400, long after the nurse clicked).
Each sender builds its own (clinics.services, consent.services): there is one builder per kind.
"""

from notifications.models import Message

_TEAM = ("team_name", "team_email", "team_phone")

# An invitation and a booking reminder carry the same details.
_CLINIC = (
    "child_name",
    "child_short_name",
    "vaccinations",
    "next_clinic_date",
    "clinic_dates",
    "booking_link",
    *_TEAM,
    "privacy_notice_url",
)

# A booked appointment (clinics.services builds both).
_APPOINTMENT = (
    "child_name",
    "child_short_name",
    "appointment_date",
    "appointment_time",
    "venue",
    "manage_link",
    *_TEAM,
)

REQUIRED: dict[str, tuple[str, ...]] = {
    Message.Kind.CLINIC_BOOKING_CONFIRMATION: _APPOINTMENT,
    Message.Kind.CLINIC_APPOINTMENT_REMINDER: _APPOINTMENT,
    Message.Kind.CLINIC_APPOINTMENT_CANCELLED: _APPOINTMENT,
    Message.Kind.CLINIC_INVITATION: _CLINIC,
    Message.Kind.CLINIC_BOOKING_REMINDER: _CLINIC,
    Message.Kind.CONSENT_REQUEST: (
        "child_name",
        "consent_link",
        "programmes",
        "location",
        "closing_date",
        *_TEAM,
    ),
    Message.Kind.CONSENT_CONFIRMATION_GIVEN: (
        "child_name",
        "parent_name",
        "programmes_given",
        "programmes_refused",
        "location",
        *_TEAM,
    ),
    Message.Kind.CONSENT_CONFIRMATION_REFUSED: (
        "child_name",
        "parent_name",
        "programmes_given",
        "programmes_refused",
        "location",
        *_TEAM,
    ),
    Message.Kind.CONSENT_CONFIRMATION_TRIAGE: (
        "child_name",
        "parent_name",
        "programmes_given",
        "programmes_refused",
        "location",
        *_TEAM,
    ),
    Message.Kind.TEST: ("team_name",),
    # After a vaccination outcome is recorded (consent.outcome_messages builds both).
    Message.Kind.VACCINATION_CONFIRMATION: (
        "child_name",
        "child_short_name",
        "vaccine",
        "vaccination_date",
        "site",
        "location",
        "what_to_expect",
        *_TEAM,
    ),
    Message.Kind.VACCINATION_NOT_GIVEN: (
        "child_name",
        "child_short_name",
        "programme",
        "vaccination_date",
        "location",
        "reason",
        "next_steps",
        *_TEAM,
    ),
}


class PersonalisationError(ValueError):
    pass


def validate(kind: str, personalisation: dict) -> None:
    """Raise PersonalisationError naming every missing (or None) key for this kind."""
    if not isinstance(personalisation, dict):
        raise PersonalisationError(f"Personalisation for {kind} must be a dict, not {type(personalisation).__name__}")
    missing = [key for key in REQUIRED[Message.Kind(kind)] if personalisation.get(key) is None]
    if missing:
        raise PersonalisationError(f"Personalisation for {kind} is missing: {', '.join(missing)}")


def test_message(*, team) -> dict:
    return {"team_name": team.name}
