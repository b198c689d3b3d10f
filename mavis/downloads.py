"""CSV downloads of the lists on screen (Children, Consent, Register), with the page's filters."""

import csv
import unicodedata
from collections.abc import Iterable

from django.http import StreamingHttpResponse

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the cell as a formula: it starts with one of FORMULA_STARTS,
    also behind spaces or line breaks (LibreOffice and Excel skip them) and in the fullwidth or
    small forms some locales read as the same sign ("＝", "＋", "﹦": NFKC folds them)."""
    folded = unicodedata.normalize("NFKC", text)
    return text.startswith(FORMULA_STARTS) or folded.lstrip().startswith(FORMULA_STARTS)


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if formula_like(text) else text


class _Echo:
    """csv.writer writes to this; each row is handed straight to the response (streamed)."""

    def write(self, value):
        return value


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # a byte order mark, so Excel reads the names as UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_query(request) -> str:
    """The page's query string without the page number, plus format=csv: the same filters."""
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return query.urlencode()
