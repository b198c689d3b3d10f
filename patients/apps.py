from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Register: children, parents and schools"

    def ready(self):
        from patients import demo  # noqa: F401 - registers the register's demo step
