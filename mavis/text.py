"""Text people type or import: characters nobody can see are refused, by one rule for every form
and import.

Control (bell, escape...), format (right-to-left override, zero-width space, joiners, soft
hyphen), line/paragraph separators, private-use and unassigned characters: invisible or
misleading on a page, a label or a text message (a batch number shown backwards, a name that
looks empty). A note may hold line breaks and tabs.
"""

import unicodedata

REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cn"}
LINE_BREAKS_AND_TABS = "\r\n\t"


def hidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of `value` nobody can see, or None."""
    allowed = LINE_BREAKS_AND_TABS if multiline else ""
    return next((c for c in value if c not in allowed and unicodedata.category(c) in REFUSED_CATEGORIES), None)


def hidden_character_message(label: str, character: str) -> str:
    return f"{label} contains a control or invisible character (U+{ord(character):04X})"
