"""The parallel test part shares nothing between pytest-xdist workers (scripts/test.sh)."""

import os
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection

from mavis.celery import app
from notifications import control
from tests.conftest import REDIS_URL_GIVEN


def _db(url: str) -> int:
    return int(urlsplit(url).path.strip("/") or 0)


def test_cache_pacer_and_broker_use_this_workers_redis_database(settings):
    expected = _db(settings.REDIS_URL)
    assert cache._cache.get_client(write=True).connection_pool.connection_kwargs["db"] == expected
    assert control.connection().connection_pool.connection_kwargs["db"] == expected
    assert _db(app.conf.broker_url) == expected
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        assert expected == (_db(REDIS_URL_GIVEN) + 1 + int(worker.removeprefix("gw"))) % 16
    else:
        assert settings.REDIS_URL == REDIS_URL_GIVEN


@pytest.mark.django_db
def test_each_worker_has_its_own_test_database(settings):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = connection.settings_dict["NAME"]
    assert name == settings.DATABASES["default"]["TEST"]["NAME"] or not settings.DATABASES["default"]["TEST"]["NAME"]
    if worker:
        assert name.endswith(f"_{worker}")  # pytest-django's suffix: test_mavis_gw0, test_mavis_gw1, ...
