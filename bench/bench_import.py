"""Cohort import of 20,000 rows through the upload's own service (target: under 60 s).

Prints rows, seconds and rows/s for a first import, then for importing the same file again
(which must change nothing). Runs in a database of its own (bench_import).
"""

import csv
import datetime
import io
import random

from common import Timer, report, setup_django

ROWS = 20_000
BENCH = "bench_import"


def make_csv(rows: int, urns: list[str]) -> str:
    from patients.cohort import HEADERS
    from patients.demo import free_nhs_numbers

    numbers = free_nhs_numbers()

    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    start = datetime.date(2010, 9, 1)
    for n in range(rows):
        roll = rng.random()
        school = "home-schooled" if roll < 0.03 else "unknown" if roll < 0.06 else rng.choice(urns)
        family = f"Family{n // 2}"  # pairs of siblings sharing parents
        writer.writerow(
            [
                next(numbers) if rng.random() < 0.95 else "",
                f"Child{n}",
                family,
                "",
                (start + datetime.timedelta(days=rng.randint(0, 4000))).isoformat(),
                rng.choice(["female", "male"]),
                f"{n} High Street",
                "",
                "Coventry",
                "CV1 2AB",
                school,
                f"Mum {family}",
                "Mum",
                f"mum.{family.lower()}@example.com",
                f"07700 900{n // 2 % 1000:03d}",
                f"Dad {family}",
                "Dad",
                "",
                f"+44 7700 901{n // 2 % 1000:03d}",
            ]
        )
    return out.getvalue()


def main():
    setup_django(BENCH)
    from mavis.models import Team
    from patients import services
    from patients.models import Child, CohortImport, Parent, School

    team = Team.objects.create(
        name="Bench team",
        ods_code="BENCH",
        email="b@example.nhs.uk",
        phone="0",
        privacy_notice_url="https://x.nhs.uk",
        booking_link="https://x.nhs.uk",
    )
    urns = [f"{200000 + i}" for i in range(10)]
    School.objects.bulk_create([School(team=team, urn=u, name=f"School {u}") for u in urns])
    content = make_csv(ROWS, urns)

    def run(label):
        item = CohortImport.objects.create(team=team, file_name="bench.csv", content=content)
        with Timer() as timer:
            services.cohort_import_process(cohort_import_id=item.pk)
        item.refresh_from_db()
        assert item.status == "completed", item.errors[:5]
        report(BENCH, f"{label}: rows", item.total_rows)
        report(BENCH, f"{label}: seconds", round(timer.seconds, 2), "s", "< 60 s", timer.seconds < 60)
        report(BENCH, f"{label}: rows per second", round(item.total_rows / timer.seconds), "rows/s")
        return item

    first = run("first import")
    counts = (Child.objects.count(), Parent.objects.count())
    report(BENCH, "children / parents created", f"{first.children_created}/{first.parents_created}")
    again = run("same file again")
    unchanged = (Child.objects.count(), Parent.objects.count()) == counts and again.children_updated == 0
    report(BENCH, "same file again changes nothing", unchanged, "", "True", unchanged)


if __name__ == "__main__":
    main()
