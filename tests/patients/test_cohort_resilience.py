"""An upload while the broker is down: no 500, nothing lost, and the import starts by itself."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from mavis.celery import app as celery_app
from notifications import dispatch
from patients import services
from patients.models import Child, CohortImport
from tests.notifications import processes
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def point_celery_at(url):
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_an_upload_during_a_redis_outage_waits_and_then_imports_by_itself(nurse_client):
    redis = processes.RedisServer().start()
    original_broker = celery_app.conf.broker_url
    point_celery_at(redis.url)
    worker = None
    try:
        redis.stop()
        upload = SimpleUploadedFile("cohort.csv", cohort_csv([child_row(1), child_row(2)]).encode())
        response = nurse_client.post(reverse("patients:cohort_upload"), {"file": upload})
        assert response.status_code == 302
        page = nurse_client.get(response["Location"]).content.decode()
        assert "It will start by itself when the service recovers" in page
        item = CohortImport.objects.get()
        assert item.status == "pending"

        redis.start()
        worker = processes.celery_worker(concurrency=1, REDIS_URL=redis.url)
        CohortImport.objects.update(created_at=item.created_at - datetime.timedelta(minutes=2))
        assert "resume-cohort-imports" in {k for k, v in settings.CELERY_BEAT_SCHEDULE.items()}
        celery_app.send_task(settings.CELERY_BEAT_SCHEDULE["resume-cohort-imports"]["task"])  # what beat does
        done = dispatch.wait_for(lambda: CohortImport.objects.get().status == "completed", 30, 0.2)
        assert done, (CohortImport.objects.get().status, worker.output()[-3000:])
        assert Child.objects.count() == 2
    finally:
        if worker:
            worker.stop()
        point_celery_at(original_broker)
        redis.stop()


def test_an_import_runs_once_even_with_two_tasks(team):
    item = CohortImport.objects.create(team=team, file_name="cohort.csv", content=cohort_csv([child_row(1)]))
    # Another worker holds this import's run.
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services.IMPORT_LOCK, item.pk])
        assert services.cohort_import_process(cohort_import_id=item.pk) is None
        assert CohortImport.objects.get().status == "pending"
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [services.IMPORT_LOCK, item.pk])
        other.close()
    assert services.cohort_import_process(cohort_import_id=item.pk).status == "completed"
    assert services.cohort_import_process(cohort_import_id=item.pk) is None  # finished: left alone
    assert connection.is_usable()
