import datetime

import pytest

from patients.academic import academic_year_of, year_group, year_group_label
from patients.nhs_number import is_valid_nhs_number
from patients.phone import normalise_uk_mobile


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (datetime.date(2026, 8, 31), 2025),
        (datetime.date(2026, 9, 1), 2026),
        (datetime.date(2027, 1, 1), 2026),
    ],
)
def test_academic_year_boundary(day, year):
    assert academic_year_of(day) == year


@pytest.mark.parametrize(
    ("born", "group"),
    [
        (datetime.date(2015, 8, 31), 7),  # youngest of their year: born 31 August
        (datetime.date(2015, 9, 1), 6),  # born a day later, on 1 September: a year below
        (datetime.date(2021, 9, 1), 0),  # Reception
        (datetime.date(2011, 9, 1), 10),
    ],
)
def test_year_group_in_2026(born, group):
    assert year_group(born, 2026) == group


def test_year_group_labels():
    assert year_group_label(0) == "Reception"
    assert year_group_label(11) == "Year 11"


@pytest.mark.parametrize(
    ("number", "valid"),
    [("9434765919", True), ("943 476 5919", True), ("9434765918", False), ("123", False), ("abcdefghij", False)],
)
def test_nhs_number_check_digit(number, valid):
    assert is_valid_nhs_number(number) is valid


@pytest.mark.parametrize(
    ("phone", "normalised"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("0121 496 0000", None),
        ("+33 6 12 34 56 78", None),
        ("", None),
        # Digits other than 0 to 9: str.isdigit() says yes, but GOV.UK Notify cannot text them
        # and the SQL that picks textable parents (UK_MOBILE_SQL_REGEX) says no.
        ("07²²²²²²²²²", None),
        ("07٧٠٠٩٠٠١٢٣", None),
        ("07７００９００１２３", None),
        ("07700 ٩٠٠ ١٢٣", None),  # Arabic-Indic digits are not a number Notify or the SQL rule takes
        ("０７７００ ９００ １２３", None),
    ],
)
def test_uk_mobile(phone, normalised):
    assert normalise_uk_mobile(phone) == normalised


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("programme", "outcome", "performed_at", "counts"),
    [
        # Flu counts only within the academic year, in London time (BST on 31 August).
        ("flu", "vaccinated", datetime.datetime(2026, 8, 31, 22, 59, tzinfo=datetime.UTC), False),  # 23:59 BST
        ("flu", "vaccinated", datetime.datetime(2026, 8, 31, 23, 0, tzinfo=datetime.UTC), True),  # 1 Sep 00:00
        ("flu", "vaccinated", datetime.datetime(2027, 8, 31, 22, 59, tzinfo=datetime.UTC), True),
        ("flu", "vaccinated", datetime.datetime(2027, 8, 31, 23, 0, tzinfo=datetime.UTC), False),
        ("flu", "already_had", datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC), True),
        ("flu", "refused", datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC), False),
        # Other programmes count whenever the dose was given.
        ("hpv", "vaccinated", datetime.datetime(2024, 3, 1, 9, tzinfo=datetime.UTC), True),
        ("hpv", "absent", datetime.datetime(2026, 10, 1, 9, tzinfo=datetime.UTC), False),
    ],
)
def test_counts_as_vaccinated_in_2026_is_one_rule_in_sql_and_python(programme, outcome, performed_at, counts):
    from patients.models import Programme, VaccinationRecord
    from tests.factories import VaccinationRecordFactory

    details = {} if outcome == "vaccinated" else {"vaccine": "", "batch": "", "method": "", "site": ""}
    record = VaccinationRecordFactory(
        programme=Programme.objects.get(code=programme), outcome=outcome, performed_at=performed_at, **details
    )
    in_sql = VaccinationRecord.objects.counts_as_vaccinated(2026).filter(pk=record.pk).exists()
    for_programme = VaccinationRecord.objects.counts_as_vaccinated(2026, record.programme).filter(pk=record.pk).exists()
    assert (in_sql, for_programme, record.counts_as_vaccinated(2026)) == (counts, counts, counts)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("15/03/2015", datetime.date(2015, 3, 15)),
        ("15/3/2015", datetime.date(2015, 3, 15)),
        (" 15-03-2015 ", datetime.date(2015, 3, 15)),
        ("15.03.2015", datetime.date(2015, 3, 15)),
        ("15  03 2015", datetime.date(2015, 3, 15)),
        ("2015-03-15", datetime.date(2015, 3, 15)),
        ("20150315", datetime.date(2015, 3, 15)),
        ("31/02/2015", None),
        ("2015-13-01", None),
        ("03/15/2015", None),  # month first is not read as a date
        ("smith", None),
        ("", None),
        (None, None),
    ],
)
def test_one_date_parser_for_search_and_cohort_files(text, day):
    from patients.dates import parse_date

    assert parse_date(text) == day
