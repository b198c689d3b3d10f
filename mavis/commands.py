"""What every management command checks the same way: the team named by --team, and numbers
given on the command line (a clear CommandError, never a traceback or a silent run)."""

import argparse

from django.core.management.base import CommandError

from mavis.models import Team
from mavis.text import ascii_whole_number


def team_by_ods_code(code: str | None) -> Team:
    """The team with this ODS code (any case). An empty --team (a shell variable that was not
    set) is an error, not "every team"."""
    code = (code or "").strip()
    if not code:
        raise CommandError("--team needs a team's ODS code")
    team = Team.objects.filter(ods_code=code).first()
    if team is None:
        matches = list(Team.objects.filter(ods_code__iexact=code)[:2])
        if len(matches) != 1:
            raise CommandError(f"No team with ODS code {code}")
        team = matches[0]
    return team


def whole_number(low: int, high: int, error: str = ""):
    """An argparse type: a whole number from low to high, in ASCII digits. A bad value is a
    CommandError naming the option ("argument --limit: must be a whole number from 1 to 100,000")."""

    def parse(text: str) -> int:
        text = text.strip()
        value = ascii_whole_number(text.removeprefix("-"))
        if value is not None and text.startswith("-"):
            value = -value
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(error or f"must be a whole number from {low:,} to {high:,}")
        return value

    return parse
