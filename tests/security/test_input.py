"""Odd input never gets in or breaks a page: NHS numbers, NUL bytes, absurd numbers, cohort fields."""

import pytest
from django.core.exceptions import ValidationError

from patients import cohort, services
from patients.models import Child, CohortImport
from patients.nhs_number import is_valid_nhs_number
from tests.factories import ChildFactory, nhs_number_for
from tests.patients.cohort_files import child_row, cohort_csv

pytestmark = pytest.mark.django_db

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


# NHS numbers ---------------------------------------------------------------------------------


def test_nhs_numbers_are_ascii_digits_only():
    valid = nhs_number_for(1)
    assert is_valid_nhs_number(valid)
    assert not is_valid_nhs_number(valid.translate(ARABIC_INDIC))
    assert not is_valid_nhs_number(valid[:9] + "²")


def test_a_non_ascii_nhs_number_does_not_dodge_uniqueness_or_the_cross_team_check(team, other_team):
    ChildFactory(team=other_team, nhs_number=nhs_number_for(1))
    disguised = nhs_number_for(1).translate(ARABIC_INDIC)
    result = cohort.run_import(team=team, content=cohort_csv([child_row(1, disguised)]))
    assert not result.written and "is not a valid 10-digit NHS number" in result.errors[0]["reason"]
    with pytest.raises(ValidationError):
        services.child_create(
            team=team, given_name="A", family_name="B", date_of_birth="2014-01-01", nhs_number=disguised
        )
    assert Child.objects.filter(team=team).count() == 0


def test_a_superscript_digit_ends_the_import_with_an_error_not_checking_for_ever(team):
    content = cohort_csv([child_row(1, nhs_number_for(1)[:9] + "²")])
    item = CohortImport.objects.create(team=team, file_name="cohort.csv", content=content)
    services.cohort_import_process(cohort_import_id=item.pk)
    item.refresh_from_db()
    assert item.status == CohortImport.Status.INVALID
    assert "is not a valid 10-digit NHS number" in item.errors[0]["reason"]
