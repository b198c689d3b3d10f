"""Shared helpers for benchmarks: a database of their own, and one results table.

Every benchmark calls `report(...)` for each figure; `make bench` prints them all as one
table at the end (bench/table.py). Benchmarks are never part of the test run.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".data" / "bench-results.jsonl"


def setup_django(database_name: str):
    """Point Django at a fresh database `database_name` (dropped first) and migrate it.

    BENCH_DATABASE_SUFFIX (e.g. "_wt16") keeps parallel checkouts' bench databases apart."""
    database_name += os.environ.get("BENCH_DATABASE_SUFFIX", "")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mavis.settings")
    os.environ.setdefault("MAVIS_ENVIRONMENT", "test")
    import django
    from django.conf import settings

    django.setup()
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database_name}"')
    connections["default"].close()
    settings.DATABASES["default"]["NAME"] = database_name
    connections["default"].settings_dict["NAME"] = database_name
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def report(bench: str, metric: str, value, unit: str = "", target: str = "", ok: bool | None = None):
    """Print one figure and keep it for the summary table."""
    verdict = "" if ok is None else ("met" if ok else "MISSED")
    print(f"{bench:28} {metric:48} {value!s:>12} {unit:8} {target:20} {verdict}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as results:
        row = {"bench": bench, "metric": metric, "value": value, "unit": unit, "target": target, "ok": ok}
        results.write(json.dumps(row, default=str) + "\n")


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
