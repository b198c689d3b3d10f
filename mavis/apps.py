from django.apps import AppConfig


class MavisConfig(AppConfig):
    name = "mavis"
    verbose_name = "Platform: teams, users and audit"
