from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is Django's own app label.
    label = "vaccination_sessions"
    verbose_name = "Vaccination sessions"
