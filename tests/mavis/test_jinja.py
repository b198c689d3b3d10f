"""The Jinja environment's own filters."""

import pytest
from jinja2.filters import do_indent
from markupsafe import Markup

from mavis.jinja2 import indent

TEXTS = [
    "",
    "one line",
    "<td>\n  a\n\n  <b>b</b>\n</td>\n",
    "first\r\nsecond\rthird\n\n",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("as_markup", [True, False])
@pytest.mark.parametrize("width", [2, 6, "\t"])
@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("blank", [True, False])
def test_indent_gives_what_jinjas_gives(text, as_markup, width, first, blank):
    value = Markup(text) if as_markup else text
    expected = do_indent(value, width, first, blank)
    got = indent(value, width, first, blank)
    assert got == expected
    assert isinstance(got, Markup) == isinstance(expected, Markup)


def test_indent_leaves_text_escaped_once():
    """Text that is not Markup is escaped when the template writes it, not by indent."""
    assert indent(Markup("<p>\n&amp;</p>"), 2) == Markup("<p>\n  &amp;</p>")
    assert indent("<p>\n&</p>", 2) == "<p>\n  &</p>"
