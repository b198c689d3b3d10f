"""Extension points: places on a lower app's page that a higher app fills.

Imports flow one way (mavis <- patients <- sessions <- notifications <- consent <- clinics).
When a page must show a higher app's data, the lower app declares a Slot and the higher
app registers a contributor in its AppConfig.ready(). A contributor takes the request and
the page's context and returns HTML (or None to show nothing).
"""

from collections.abc import Callable

from markupsafe import Markup


class Slot:
    def __init__(self, name: str):
        self.name = name
        self._contributors: list[tuple[int, Callable]] = []

    def register(self, contributor: Callable, *, order: int = 100) -> Callable:
        if contributor not in [c for _, c in self._contributors]:
            self._contributors.append((order, contributor))
            self._contributors.sort(key=lambda pair: pair[0])
        return contributor

    def render(self, request, **context) -> Markup:
        parts = [contributor(request, **context) for _, contributor in self._contributors]
        return Markup("\n").join(Markup(part) for part in parts if part)  # noqa: S704 - contributors render escaped templates

    def __repr__(self):
        return f"<Slot {self.name}: {len(self._contributors)} contributors>"
