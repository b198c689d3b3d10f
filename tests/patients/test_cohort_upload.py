"""The upload page end to end: the real view, the real Celery worker over Redis, the real database."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mavis.models import AuditEvent
from patients.models import Child, CohortImport
from tests.celery_helpers import celery_worker  # noqa: F401 - fixture
from tests.factories import SchoolFactory, nhs_number_for
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
UPLOAD = reverse("patients:cohort_upload")


def upload(client, name, content):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")})


def wait_until_done(client, url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(url).content.decode()
        if "Refresh</a>" not in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"the import did not finish: {page}")


def test_upload_a_bad_file_then_the_valid_rows_only(nurse_client, nurse, team, celery_worker):  # noqa: F811
    SchoolFactory(team=team, urn="123456")
    bad = cohort_csv([child_row(1, nhs_number_for(1)), child_row(2, **{"Date of birth": "2014-13-01"}), child_row(3)])

    response = upload(nurse_client, "autumn.csv", bad)
    item = CohortImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("patients:cohort_import", args=[item.pk])
    page = wait_until_done(nurse_client, response["Location"])

    assert "There is a problem" in page
    assert "1 row has errors: nothing was imported" in page
    assert "Date of birth ‘2014-13-01’ is not a date" in page
    assert not Child.objects.exists()

    response = nurse_client.post(reverse("patients:cohort_import_valid_rows", args=[item.pk]))
    page = wait_until_done(nurse_client, response["Location"])
    assert "Completed" in page
    assert sorted(Child.objects.values_list("given_name", flat=True)) == ["Amara1", "Amara3"]
    item.refresh_from_db()
    assert (item.status, item.children_created, item.rows_skipped) == ("completed", 2, 1)
    assert AuditEvent.objects.filter(action="cohort_import.uploaded", user=nurse).exists()
    assert AuditEvent.objects.get(action="child.imported").actor == "task:patients.cohort_import_process"


def test_upload_form_errors(nurse_client):
    response = nurse_client.post(UPLOAD, {})
    assert b"Choose a CSV file" in response.content and b"There is a problem" in response.content
    response = upload(nurse_client, "cohort.xlsx", "a,b")
    assert b"The selected file must be a CSV" in response.content
    assert not CohortImport.objects.exists()


def test_progress_is_saved_outside_the_writing_transaction(team, monkeypatch):
    from django.db import connection

    from patients import cohort, services

    seen = []
    check_file = cohort.check_file

    def spy(content, *, progress=None, **kwargs):
        def watched(done, total):
            progress(done, total)
            # Another connection (the page) sees the figure only if it was committed.
            seen.append((connection.in_atomic_block, CohortImport.objects.get().processed_rows))

        return check_file(content, progress=watched, **kwargs)

    monkeypatch.setattr(cohort, "check_file", spy)
    item = CohortImport.objects.create(team=team, file_name="a.csv", content=cohort_csv([child_row(1), child_row(2)]))
    services.cohort_import_process(cohort_import_id=item.pk)
    assert seen == [(False, 2)]
    item.refresh_from_db()
    assert (item.status, item.children_created) == ("completed", 2)
    assert services.cohort_import_process(cohort_import_id=item.pk) is None  # a finished import is left alone
