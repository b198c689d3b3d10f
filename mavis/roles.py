"""Who may do what: the one home of the role rules (the matrix of every page is docs/roles.md).

domain.md: a **nurse** does everything clinical, including triage; an **admin** (administrative
staff) does everything else: sessions, invitations, consent requests and consent recording
without triage, and sees the clinical records. So the rule is a short list of clinical actions
only nurses take. Views call `require` after the team lookups (another team's object stays a
404), the services call it again so no path (a form, a task, a shell) skips it, and templates
ask `can` to hide what the user cannot do.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied


class Clinical(StrEnum):
    """The clinical actions; the value is what the 403 page says the user cannot do."""

    RECORD_VACCINATION = "record vaccinations"
    TRIAGE = "triage"


class RoleDenied(PermissionDenied):
    """A signed-in user whose role does not allow the action: its message is shown on the 403 page."""


def can(user, action: Clinical | str) -> bool:
    action = Clinical(action)  # a misspelt action fails loudly instead of hiding a button
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_nurse)


def require(user, action: Clinical | str) -> None:
    if not can(user, action):
        raise RoleDenied(f"Only nurses can {Clinical(action)}.")
