"""Thin Celery tasks over the register's services."""

from celery import shared_task

from mavis import audit
from patients import services


@shared_task(name="patients.cohort_import_process")
def cohort_import_process(cohort_import_id: int) -> None:
    with audit.acting_as("task:patients.cohort_import_process"):
        services.cohort_import_process(cohort_import_id=cohort_import_id)


@shared_task(name="patients.cohort_imports_resume")
def cohort_imports_resume() -> int:
    with audit.acting_as("task:patients.cohort_imports_resume"):
        return services.cohort_imports_resume()
