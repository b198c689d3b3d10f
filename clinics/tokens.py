"""The personal booking link in a clinic invitation (teams that book in this service).

Like the consent link (consent.tokens, docs/decisions/0006): a signed token (own salt) naming
the child, the clinic session and the parent it was sent to. It opens while the clinic has a
date today or later and the parent is still a contact of the child; anything else is refused
without data.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "clinics.booking-link.v1"


@dataclass(frozen=True)
class BookingLink:
    child_id: int
    session_id: int
    parent_id: int


class InvalidToken(Exception):
    pass


def make_token(*, child_id: int, session_id: int, parent_id: int) -> str:
    return signing.dumps({"c": child_id, "s": session_id, "r": parent_id}, salt=SALT, compress=True)


def read_token(token: str) -> BookingLink:
    try:
        payload = signing.loads(token, salt=SALT)
        return BookingLink(int(payload["c"]), int(payload["s"]), int(payload["r"]))
    except (signing.BadSignature, AttributeError, KeyError, TypeError, ValueError) as error:
        raise InvalidToken("altered") from error


def booking_url(*, child_id: int, session_id: int, parent_id: int) -> str:
    token = make_token(child_id=child_id, session_id=session_id, parent_id=parent_id)
    return settings.MAVIS_BASE_URL + reverse("clinics:parent_booking", args=[token])
