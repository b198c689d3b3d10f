"""A real Celery worker, in a thread of the test process, against the real Redis broker.

Use it in tests that commit (django_db(transaction=True)): import the fixture into the module.
"""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection


def _close_connection(**kwargs):
    # The worker thread's connection would outlive the test and block the database's teardown.
    connection.close()


@pytest.fixture
def celery_worker():
    from mavis.celery import app

    app.loader.import_default_modules()
    task_postrun.connect(_close_connection, weak=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_connection)
