"""What a person reads on a page: the text of the HTML, with tags gone and entities decoded."""

from html.parser import HTMLParser

MARKUP_SIGNS = ("<", "&lt;", "&gt;", "&amp;")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def assert_no_markup_in_text(text: str):
    """Tags or entities that reach the reader as text mean markup was escaped twice."""
    found = [sign for sign in MARKUP_SIGNS if sign in text]
    assert not found, f"markup shown as text ({found}): ...{text[text.find(found[0]) - 80 :][:240]}..."
