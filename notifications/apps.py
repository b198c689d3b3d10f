from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications (GOV.UK Notify)"

    def ready(self):
        from mavis.health import register_check
        from notifications import control, extensions, templates  # noqa: F401 - templates registers a check
        from patients.extensions import parent_card_warnings

        register_check("notify", control.readiness_check)
        parent_card_warnings.register(extensions.parent_card_warnings)
