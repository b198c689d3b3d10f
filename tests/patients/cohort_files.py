"""Cohort CSV files for tests."""

import csv
import io

from patients.cohort import HEADERS


def cohort_csv(rows: list[dict], headers=HEADERS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def child_row(n: int, nhs_number: str = "", **overrides) -> dict:
    row = {
        "NHS number": nhs_number,
        "First name": f"Amara{n}",
        "Last name": "Okafor",
        "Date of birth": "2014-05-01",
        "Gender": "female",
        "Address line 1": f"{n} High Street",
        "Town": "Coventry",
        "Postcode": "CV1 2AB",
        "School URN": "home-schooled",
        "Parent 1 name": f"Grace Okafor{n}",
        "Parent 1 relationship": "Mum",
        "Parent 1 email": f"grace{n}@example.com",
        "Parent 1 phone": "07700 900123",
    }
    row.update(overrides)
    return row
