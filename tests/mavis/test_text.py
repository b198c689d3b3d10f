"""The one rule for characters nobody can see (mavis.text), used by every form and import."""

import pytest

from mavis.text import has_visible_text, hidden_character


@pytest.mark.parametrize(
    ("value", "hidden"),
    [
        ("Amara Okafor", None),
        ("Mehr\u200cnaz", None),  # the zero-width non-joiner between letters is how the name is spelt
        ("क्\u200dष", None),  # the joiner between letters, in Devanagari
        ("Riverside\u200d Hall", "\u200d"),  # before a space it joins nothing
        ("\u200cAmara", "\u200c"),
        ("Amara\u200c", "\u200c"),
        ("Am\u200bara", "\u200b"),  # the zero-width space is never spelling
        ("Am\u202eara", "\u202e"),
        ("line\nbreak", "\n"),
    ],
)
def test_hidden_character(value, hidden):
    assert hidden_character(value) == hidden


def test_a_note_may_have_line_breaks_and_tabs():
    assert hidden_character("first\r\n\tsecond", multiline=True) is None
    assert hidden_character("first\r\n\u2028second", multiline=True) == "\u2028"


def test_visible_text():
    assert has_visible_text("Mehr\u200cnaz")
    assert not has_visible_text("\u200b \u200d\u2060")
    assert not has_visible_text("   ")
