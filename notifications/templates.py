"""Which GOV.UK Notify template each kind of message uses, per channel.

Defaults come from settings (NOTIFY_TEMPLATES); a team may override any of them in
`Team.notify_template_overrides` with keys like "clinic_invitation.email".
"""

import uuid

from django.conf import settings


def template_id(team, kind: str, channel: str) -> uuid.UUID:
    key = f"{kind}.{channel}"
    value = (team.notify_template_overrides or {}).get(key) or settings.NOTIFY_TEMPLATES[key]
    return uuid.UUID(str(value))
