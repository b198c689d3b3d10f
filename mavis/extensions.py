"""Extension points: places on a lower app's page that a higher app fills.

Imports flow one way (mavis <- patients <- sessions <- notifications <- consent <- clinics).
When a page must show a higher app's data, the lower app declares a Slot and the higher
app registers a contributor in its AppConfig.ready(). A contributor takes the request and
the page's context and returns HTML (or None to show nothing).
"""

from collections.abc import Callable

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
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


class Hook:
    """A moment in a lower app's write that a higher app acts on, inside the same transaction.

    sessions records a vaccination; consent, above it, messages the parents in that transaction
    (the outbox row commits or rolls back with the record). A required hook that nothing
    listens to fails the system check at start-up, and raises if it is reached anyway, so a
    missing listener can never mean parents silently hear nothing.
    """

    instances: list["Hook"] = []

    def __init__(self, name: str, *, required: bool = False):
        self.name = name
        self.required = required
        self._listeners: list[Callable] = []
        Hook.instances.append(self)

    def register(self, listener: Callable) -> Callable:
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def send(self, **context) -> None:
        if self.required and not self._listeners:
            raise ImproperlyConfigured(f"Nothing listens to the required hook {self.name}")
        for listener in self._listeners:
            listener(**context)

    def __repr__(self):
        return f"<Hook {self.name}: {len(self._listeners)} listeners>"


@checks.register()
def check_required_hooks(app_configs=None, **kwargs):
    return [
        checks.Error(f"Nothing listens to the required hook {hook.name}.", id="mavis.E001")
        for hook in Hook.instances
        if hook.required and not hook._listeners
    ]
