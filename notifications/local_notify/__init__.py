"""The local GOV.UK Notify (see server.py)."""

from notifications.local_notify.server import LocalNotify, parse_api_key

__all__ = ["LocalNotify", "parse_api_key", "from_settings"]


def from_settings(**overrides) -> LocalNotify:
    """A LocalNotify that accepts the app's key and templates and calls the app back."""
    from urllib.parse import urlparse

    from django.conf import settings

    from notifications.local_notify import templates

    service_id, secret = parse_api_key(settings.NOTIFY_API_KEY)
    base = urlparse(settings.NOTIFY_BASE_URL)
    options = {
        "host": base.hostname or "127.0.0.1",
        "port": base.port or 6011,
        "service_id": service_id,
        "secret": secret,
        "templates": templates.build(settings.NOTIFY_TEMPLATES),
        "callback_url": settings.NOTIFY_CALLBACK_URL,
        "callback_token": settings.NOTIFY_CALLBACK_TOKEN,
    }
    options.update(overrides)
    return LocalNotify(**options)
