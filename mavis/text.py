"""Text people type or import: characters nobody can see are refused, by one rule for every form
and import.

Control (bell, escape...), format (right-to-left override, zero-width space, soft hyphen),
line/paragraph separators, private-use and unassigned characters: invisible or misleading on a
page, a label or a text message (a batch number shown backwards, a name that looks empty). A note
may hold line breaks and tabs. The zero-width non-joiner and joiner are spelling between two
letters (Persian, Indic scripts), so they stay there and nowhere else.
"""

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})
LINE_BREAKS_AND_TABS = "\r\n\t"
JOINERS = "\u200c\u200d"


def hidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of `value` nobody can see, or None."""
    allowed = LINE_BREAKS_AND_TABS if multiline else ""
    for i, c in enumerate(value):
        if c in allowed or unicodedata.category(c) not in REFUSED_CATEGORIES:
            continue
        if c in JOINERS and 0 < i < len(value) - 1 and _spells(value[i - 1]) and _spells(value[i + 1]):
            continue
        return c
    return None


def _spells(c: str) -> bool:
    """A letter or a mark on one (an Indic virama, say): what a joiner may stand between."""
    return c.isalpha() or unicodedata.category(c).startswith("M")


def has_visible_text(value: str) -> bool:
    return any(not c.isspace() and unicodedata.category(c) not in REFUSED_CATEGORIES for c in value)


def hidden_character_message(label: str, character: str) -> str:
    return f"{label} contains a control or invisible character (U+{ord(character):04X})"


def ascii_whole_number(text) -> int | None:
    """A whole number written in the digits 0 to 9, or None. ("²" and "٣" are digits to
    str.isdigit(), but int() refuses the first and nobody typed the second on purpose.)"""
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None
