"""Readiness checks. Apps above the platform register their own (e.g. Notify paused)."""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

# name -> callable returning None when healthy, else a short reason
_checks: dict[str, Callable[[], str | None]] = {}


def register_check(name: str, check: Callable[[], str | None]) -> None:
    _checks[name] = check


def database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def redis() -> str | None:
    cache.set("readiness-probe", "ok", 10)
    return None if cache.get("readiness-probe") == "ok" else "cannot read back"


register_check("database", database)
register_check("redis", redis)


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in _checks.items():
        try:
            results[name] = check() or "ok"
        except Exception as error:  # a readiness probe reports, it does not raise
            results[name] = f"error: {type(error).__name__}"
    return results
