"""What each kind of message fills in, built in one place per kind.

`REQUIRED` lists the keys every template of a kind may use; `family_messages_enqueue`
checks them before anything is queued, so a sender that forgets one fails in its own tests
(Notify would otherwise reject the message with a 400, long after the nurse clicked).
The builders below are the easy way to get them right.
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

REQUIRED: dict[str, tuple[str, ...]] = {
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


def team_details(team) -> dict:
    return {"team_name": team.name, "team_email": team.email, "team_phone": team.phone}


def _date_in_words(d) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def clinic_invitation(*, child, team, vaccinations: list[str], clinic_dates: list) -> dict:
    """A clinic invitation or booking reminder (same keys)."""
    return {
        "child_name": child.full_name,
        "child_short_name": getattr(child, "preferred_given_name", "") or child.given_name,
        "vaccinations": ", ".join(vaccinations),
        "next_clinic_date": _date_in_words(clinic_dates[0]) if clinic_dates else "",
        "clinic_dates": ", ".join(_date_in_words(d) for d in clinic_dates),
        "booking_link": team.booking_link,
        "privacy_notice_url": team.privacy_notice_url,
        **team_details(team),
    }


clinic_booking_reminder = clinic_invitation


def consent_request(*, child, team, consent_link: str, programmes: list[str], location: str, closing_date: str) -> dict:
    return {
        "child_name": child.full_name,
        "consent_link": consent_link,
        "programmes": ", ".join(programmes),
        "location": location,
        "closing_date": closing_date,
        **team_details(team),
    }


def consent_confirmation(
    *, child, team, parent_name: str, programmes_given: list[str], programmes_refused: list[str], location: str
) -> dict:
    return {
        "child_name": child.full_name,
        "parent_name": parent_name,
        "programmes_given": ", ".join(programmes_given),
        "programmes_refused": ", ".join(programmes_refused),
        "location": location,
        **team_details(team),
    }


def test_message(*, team) -> dict:
    return {"team_name": team.name}
