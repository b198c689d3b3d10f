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


# NUL bytes, absurd numbers, query strings -----------------------------------------------------


@pytest.fixture
def session(team):
    from tests.consent.factories import add_child, make_session

    session = make_session(team, codes=("flu",))
    add_child(session, given_name="Ann", family_name="Smith & Sons")
    return session


def test_a_nul_byte_in_any_parameter_is_a_400(nurse_client, session):
    from django.urls import reverse

    for url in (
        reverse("consent:tab", args=[session.pk]),
        reverse("sessions:record", args=[session.pk]),
        reverse("patients:children"),
    ):
        response = nurse_client.get(url, {"q": "Smi\x00th"})
        assert response.status_code == 400, url
        assert "There is a problem with the request" in response.content.decode()
        assert nurse_client.get(url, {"page\x00": "1"}).status_code == 400
    # And in a form: refused before any write.
    post = nurse_client.post(reverse("sessions:edit_dates", args=[session.pk]), {"date_0_day": "1\x00"})
    assert post.status_code == 400


def test_absurd_numbers_give_a_page_or_a_clear_error(nurse_client, session):
    from django.urls import reverse

    huge = "9" * 40
    response = nurse_client.get(reverse("consent:tab", args=[session.pk]), {"page": huge})
    assert response.status_code == 200 and "SMITH &amp; SONS" in response.content.decode()
    assert nurse_client.get(reverse("patients:children"), {"page": huge}).status_code == 200
    assert nurse_client.get(f"/sessions/{huge}").status_code == 404
    dates = nurse_client.post(
        reverse("sessions:edit_dates", args=[session.pk]),
        {"rows": "1", "date_0_day": "1", "date_0_month": "1", "date_0_year": huge},
    )
    assert dates.status_code == 200 and "There is a problem" in dates.content.decode()


def test_consent_tab_filter_links_encode_the_search(nurse_client, session):
    from django.urls import reverse

    html = nurse_client.get(reverse("consent:tab", args=[session.pk]), {"q": "x&status=refused#top"}).content.decode()
    assert "status=no_response&amp;q=x%26status%3Drefused%23top" in html
    assert 'href="?q=x%26status%3Drefused%23top"' in html
    assert "q=x&amp;status=refused" not in html


def test_a_nul_byte_in_an_uploaded_csv_is_a_form_error(nurse_client, team):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    content = cohort_csv([child_row(1), child_row(2)]).replace("Amara2", "Ama\x00ra2")
    upload = SimpleUploadedFile("cohort.csv", content.encode(), content_type="text/csv")
    response = nurse_client.post(reverse("patients:cohort_upload"), {"file": upload})
    assert response.status_code == 200
    assert "Line 3 contains a NUL character" in response.content.decode()
    assert not CohortImport.objects.exists()
    # The command line path says the same.
    with pytest.raises(cohort.FileError, match="Line 3 contains a NUL character"):
        cohort.check_file(content)


# Cohort fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"First name": "A" * 101}, "The child’s first name must be 100 characters or fewer"),
        ({"Preferred first name": "B" * 101}, "The child’s preferred first name must be 100 characters or fewer"),
        ({"Address line 1": "1" * 201}, "Address line 1 must be 200 characters or fewer"),
        ({"Town": "T" * 101}, "Town must be 100 characters or fewer"),
        ({"Parent 1 name": "P" * 201}, "Parent 1’s name must be 200 characters or fewer"),
        ({"Parent 1 relationship": "R" * 101}, "Parent 1’s relationship must be 100 characters or fewer"),
        ({"Last name": "Oka\r\nfor"}, "The child’s last name contains a control or invisible character (U+000D)"),
        ({"First name": "Am\u202eara"}, "The child’s first name contains a control or invisible character (U+202E)"),
        ({"First name": "Am\u200bara"}, "The child’s first name contains a control or invisible character (U+200B)"),
        ({"Parent 1 name": "Grace\u2028O"}, "Parent 1’s name contains a control or invisible character (U+2028)"),
    ],
)
def test_cohort_import_refuses_overlong_and_invisible_text_with_the_line(team, overrides, reason):
    content = cohort_csv([child_row(1), child_row(2, **overrides)])
    result = cohort.run_import(team=team, content=content)
    assert not result.written
    assert result.errors == [{"line": 3, "reason": reason}]
    assert not Child.objects.exists()


def test_names_in_any_script_are_still_welcome(team):
    result = cohort.run_import(
        team=team, content=cohort_csv([child_row(1, **{"First name": "Zoë-Siân", "Last name": "Ó Briain"})])
    )
    assert result.written and Child.objects.get().given_name == "Zoë-Siân"


def test_a_cohort_file_with_two_columns_for_one_field_is_refused(team):
    """ "School" (the school's name) and "School URN" both name the school column: which one is
    meant is not the import's guess to make."""
    rows = [child_row(1, **{"School": "Hill Primary"})]
    content = cohort_csv(rows, headers=["School", *cohort.HEADERS])
    with pytest.raises(cohort.FileError, match=r"more than one column for School urn \(School, School URN\)"):
        cohort.run_import(team=team, content=content)
    assert not Child.objects.exists()


def test_a_file_with_old_mac_line_endings_reads_like_any_other(team):
    """Excel's "CSV (Macintosh)" ends lines with CR alone: it was "The file is not a valid CSV
    file (new-line character seen in unquoted field - do you need to open the file in
    universal-newline mode?)"."""
    content = cohort_csv([child_row(1), child_row(2, **{"Date of birth": "yesterday"})]).replace("\r\n", "\r")
    assert "\n" not in content
    result = cohort.run_import(team=team, content=content)
    assert result.errors == [
        {"line": 3, "reason": "Date of birth ‘yesterday’ is not a date (use YYYY-MM-DD or DD/MM/YYYY)"}
    ]
    result = cohort.run_import(team=team, content=cohort_csv([child_row(1), child_row(2)]).replace("\r\n", "\r"))
    assert result.written and Child.objects.count() == 2


# Characters nobody can see, typed into the staff forms -----------------------------------------


@pytest.fixture
def vaccine(team):
    from patients.models import Programme, Vaccine

    return Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )


HIDDEN_IN_FORMS = [
    # (url name, kwargs builder, data, field label as the error says it)
    (
        "setup:batch_add",
        "vaccine",
        {"number": "AB\u202e12", "expiry_day": "1", "expiry_month": "1", "expiry_year": "2099"},
        "Batch number",
        "U+202E",
    ),
    (
        "setup:vaccine_add",
        None,
        {"programme": "hpv", "brand": "Gardasil\u200b", "method": "injection"},
        "Brand",
        "U+200B",
    ),
    ("setup:venue_add", None, {"name": "Riverside\u200d Hall"}, "Name", "U+200D"),
    ("setup:venue_add", None, {"name": "Riverside", "address": "1 High St\x07"}, "Address", "U+0007"),
]


@pytest.mark.parametrize(("name", "needs", "data", "label", "code"), HIDDEN_IN_FORMS)
def test_a_character_nobody_can_see_is_refused_in_the_setup_forms(
    nurse_client, vaccine, name, needs, data, label, code
):
    """A batch number shown backwards (right-to-left override) or a brand with a zero-width space
    was saved: the cohort import has refused them all along. (A brand of nothing but invisible
    characters is no brand: "Enter the brand".)"""
    from django.urls import reverse

    from patients.models import Batch, Vaccine
    from sessions.models import Venue

    before = (Batch.objects.count(), Vaccine.objects.count(), Venue.objects.count())
    url = reverse(name, args=[vaccine.pk] if needs else [])
    response = nurse_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"{label} contains a control or invisible character ({code})" in html
    assert (Batch.objects.count(), Vaccine.objects.count(), Venue.objects.count()) == before


def test_a_character_nobody_can_see_is_refused_in_the_consent_and_note_forms(nurse_client, session):
    from django.urls import reverse

    from sessions.models import ActivityEvent

    child = session.memberships.get().child
    record = reverse("consent:record_start", args=[session.pk, child.pk])
    nurse_client.post(record, {"who": "new"})
    parent = reverse("consent:record_step", args=[session.pk, child.pk, "parent"])
    html = nurse_client.post(
        parent, {"full_name": "Gran\u202e Smith", "relationship": "mum", "phone": "07700900222"}
    ).content.decode()
    assert "Full name contains a control or invisible character (U+202E)" in html
    activity = reverse("sessions:child_activity", args=[session.pk, child.pk])
    html = nurse_client.post(activity, {"text": "Spoke to mum\u2066 today"}).content.decode()
    assert "Note contains a control or invisible character (U+2066)" in html
    assert not ActivityEvent.objects.filter(kind="note").exists()
    # Lines and tabs in a note are fine.
    assert nurse_client.post(activity, {"text": "Spoke to mum.\r\nCall back\tMonday"}).status_code == 302


def test_a_garbled_row_count_in_the_session_dates_form_is_a_400_not_a_500_or_a_wipe(nurse_client, session):
    """str.isdigit() says yes to "²", int() says no: the hidden row count and the Remove button's
    value were a 500; and a row count that is not a number counted as no rows, so Save removed
    every date although the dates were posted."""
    from django.urls import reverse

    from sessions.models import SessionDate

    url = reverse("sessions:edit_dates", args=[session.pk])
    before = list(SessionDate.objects.filter(session=session).values_list("value", flat=True))
    day = before[0]
    row = {"date_0_day": str(day.day), "date_0_month": str(day.month), "date_0_year": str(day.year)}
    for data in ({"rows": "²", **row}, {"rows": "١", "action": "remove-٠", **row}, {"rows": "x", **row}, row):
        response = nurse_client.post(url, data)
        assert response.status_code == 400, data
        assert "There is a problem with the request" in response.content.decode()
    assert nurse_client.post(url, {"rows": "1", "action": "remove-²", **row}).status_code == 302  # saved as posted
    assert list(SessionDate.objects.filter(session=session).values_list("value", flat=True)) == before


def test_a_huge_cell_is_quoted_shortened_in_the_cohort_errors(team):
    content = cohort_csv([child_row(1, "9" * 100_000, **{"Gender": "g" * 100_000})])
    result = cohort.run_import(team=team, content=content)
    [error] = result.errors
    assert error["reason"].startswith("NHS number ‘" + "9" * 40 + "…’ is not a valid 10-digit NHS number")
    assert "Gender ‘" + "g" * 40 + "…’ must be" in error["reason"]
    assert len(error["reason"]) < 500


# A double click on a form's button ---------------------------------------------------------------


def test_a_double_click_on_add_note_adds_one_note(nurse_client, session):
    from django.urls import reverse

    from sessions.models import ActivityEvent

    child = session.memberships.get().child
    url = reverse("sessions:child_activity", args=[session.pk, child.pk])
    for _ in range(2):
        assert nurse_client.post(url, {"text": "Mum will bring him at 10"}).status_code == 302
    assert ActivityEvent.objects.filter(kind="note", child=child).count() == 1
    nurse_client.post(url, {"text": "Mum rang again"})  # a different note is a new note
    assert ActivityEvent.objects.filter(kind="note", child=child).count() == 2


def test_a_double_click_on_a_triage_decision_records_it_once(nurse_client, team):
    from django.urls import reverse

    from consent.models import Triage
    from sessions.models import ActivityEvent
    from tests.consent.factories import add_child, make_session, record

    session = make_session(team, codes=("hpv",))
    child = add_child(session)
    record(session, child, "hpv", "given", health_yes=True)
    url = reverse("consent:triage", args=[session.pk, child.pk, "hpv"])
    for _ in range(2):
        assert nurse_client.post(url, {"status": "safe_to_vaccinate", "notes": "Mild"}).status_code == 302
    assert Triage.objects.filter(child=child).count() == 1
    assert ActivityEvent.objects.filter(kind="triage", child=child).count() == 1
    nurse_client.post(url, {"status": "do_not_vaccinate", "notes": "Changed my mind"})  # a new decision
    assert Triage.objects.filter(child=child).count() == 2
