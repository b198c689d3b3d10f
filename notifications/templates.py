"""Which GOV.UK Notify template each kind of message uses, per channel.

Defaults come from settings (NOTIFY_TEMPLATES); a team's Notify service may override any of
them (`NotifyService.template_overrides`), and a team any of those
(`Team.notify_template_overrides`), with keys like "clinic_invitation.email".
"""

import uuid

from django.conf import settings
from django.core import checks

from notifications.models import Message

KEYS = [f"{kind}.{channel}" for kind in Message.Kind.values for channel in Message.Channel.values]


def _override(team, key: str):
    """The team's own override, else its Notify service's, else None."""
    service = team.notify_service if team.notify_service_id else None
    return (team.notify_template_overrides or {}).get(key) or (
        (service.template_overrides or {}).get(key) if service else None
    )


def template_id(team, kind: str, channel: str) -> uuid.UUID:
    key = f"{kind}.{channel}"
    override = _override(team, key)
    if override:
        try:
            return uuid.UUID(str(override))
        except ValueError:
            raise ValueError(f"Team {team.ods_code}: the Notify template override for {key} is not a UUID") from None
    return uuid.UUID(str(settings.NOTIFY_TEMPLATES[key]))


def override_errors(overrides) -> list[str]:
    """Problems with a team's overrides, in words (for the admin and the system check)."""
    if not isinstance(overrides, dict):
        return ['Template overrides must be an object like {"clinic_invitation.email": "<uuid>"}.']
    errors = []
    for key, value in overrides.items():
        if key not in KEYS:
            errors.append(f"{key!r} is not a message kind and channel (one of {', '.join(KEYS)}).")
            continue
        try:
            uuid.UUID(str(value))
        except ValueError:
            errors.append(f"The template id for {key} is not a UUID.")
    return errors


def effective(team) -> list[tuple[str, uuid.UUID, bool]]:
    """(kind.channel, template id, overridden by the team) for every kind and channel."""
    return [(key, template_id(team, *key.split(".")), bool(_override(team, key))) for key in KEYS]


@checks.register()
def check_templates(app_configs=None, **kwargs):
    errors = []
    for key in KEYS:
        value = settings.NOTIFY_TEMPLATES.get(key)
        if not value:
            errors.append(checks.Error(f"NOTIFY_TEMPLATES has no template id for {key}.", id="notifications.E001"))
            continue
        try:
            uuid.UUID(str(value))
        except ValueError:
            errors.append(checks.Error(f"NOTIFY_TEMPLATES[{key!r}] is not a UUID.", id="notifications.E002"))
    return errors
