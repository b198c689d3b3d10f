"""The personal link to the parents' online consent form.

A signed token (django.core.signing, own salt) naming the child, the session, the
programmes and the parent it was sent to (each parent gets their own link; links sent before
that carry no parent, see docs/decisions/0006-per-parent-consent-links.md). It is valid while
the session's consent window is open: until the day before the session's last date (London
calendar dates). Anything else is refused without data.
"""

import datetime
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from sessions.status import date_values

SALT = "consent.parent-form.v1"


@dataclass(frozen=True)
class ConsentLink:
    child_id: int
    session_id: int
    programme_ids: tuple[int, ...]
    parent_id: int | None = None


class InvalidToken(Exception):
    """Altered, unknown, or for a closed consent window. `team` is set when known (for its phone)."""

    def __init__(self, reason: str, team=None):
        super().__init__(reason)
        self.team = team


def make_token(*, child, session, programmes, parent) -> str:
    payload = {"c": child.pk, "s": session.pk, "p": sorted(p.pk for p in programmes), "r": parent.pk}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str) -> ConsentLink:
    try:
        payload = signing.loads(token, salt=SALT)
        parent_id = payload.get("r")
        return ConsentLink(
            int(payload["c"]),
            int(payload["s"]),
            tuple(int(p) for p in payload["p"]),
            None if parent_id is None else int(parent_id),
        )
    except (signing.BadSignature, AttributeError, KeyError, TypeError, ValueError) as error:
        raise InvalidToken("altered") from error


def consent_window_closes(session) -> datetime.date | None:
    """The last day the online form is open: the day before the session's last date."""
    values = date_values(session)
    return values[-1] - datetime.timedelta(days=1) if values else None


def window_open(session, today: datetime.date | None = None) -> bool:
    closes = consent_window_closes(session)
    return closes is not None and (today or timezone.localdate()) <= closes
