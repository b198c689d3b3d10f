"""Extension points: places on a lower app's page that a higher app fills.

Imports flow one way (mavis <- patients <- sessions <- notifications <- consent <- clinics).
When a page must show a higher app's data, the lower app declares a Slot and the higher app
registers a contributor in its AppConfig.ready(). A contributor is called once per page with
the request and the page's context, never once per item, and returns either
- data for the whole page, which the page's template renders (`Slot.collect`): counts panels,
  action links, warnings by parent; or
- the HTML of a whole section the higher app owns, forms and all (`Slot.render`).
None shows nothing. A slot the page cannot do without names the app that must fill it
(`required_by`); the system check below stops start-up when nothing is registered there.
"""

from collections.abc import Callable

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from markupsafe import Markup

SLOTS: list["Slot"] = []
HOOKS: list["Hook"] = []


class Slot:
    def __init__(self, name: str, *, required_by: str = ""):
        self.name = name
        self.required_by = required_by
        self._contributors: list[tuple[int, Callable]] = []
        SLOTS.append(self)

    def register(self, contributor: Callable, *, order: int = 100) -> Callable:
        if contributor not in [c for _, c in self._contributors]:
            self._contributors.append((order, contributor))
            self._contributors.sort(key=lambda pair: pair[0])
        return contributor

    def collect(self, request, **context) -> list:
        """What each contributor returns for the whole page, in order (None left out)."""
        parts = [contributor(request, **context) for _, contributor in self._contributors]
        return [part for part in parts if part is not None]

    def render(self, request, **context) -> Markup:
        return Markup("\n").join(Markup(part) for part in self.collect(request, **context) if part)  # noqa: S704 - contributors render escaped templates

    def __repr__(self):
        return f"<Slot {self.name}: {len(self._contributors)} contributors>"


class Hook:
    """A moment in a lower app's write that a higher app acts on, inside the same transaction.

    sessions records a vaccination; consent, above it, messages the parents in that transaction
    (the outbox row commits or rolls back with the record). A required hook that nothing
    listens to fails the system check at start-up, and raises if it is reached anyway, so a
    missing listener can never mean parents silently hear nothing.
    """

    def __init__(self, name: str, *, required_by: str = ""):
        self.name = name
        self.required_by = required_by
        self._listeners: list[Callable] = []
        HOOKS.append(self)

    def register(self, listener: Callable) -> Callable:
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def send(self, **context) -> None:
        if self.required_by and not self._listeners:
            raise ImproperlyConfigured(f"Nothing listens to the required hook {self.name}")
        for listener in self._listeners:
            listener(**context)

    def __repr__(self):
        return f"<Hook {self.name}: {len(self._listeners)} listeners>"


@checks.register()
def slots_filled(app_configs=None, **kwargs) -> list[checks.Error]:
    """mavis.E001: a slot or hook its page or write needs has nothing registered (its app is
    missing from INSTALLED_APPS or stopped registering in ready())."""
    empty = [(slot, slot._contributors) for slot in SLOTS] + [(hook, hook._listeners) for hook in HOOKS]
    return [
        checks.Error(
            f"Nothing fills the {type(point).__name__.lower()} {point.name}.",
            hint=f"Add {point.required_by} to INSTALLED_APPS, or register in its AppConfig.ready().",
            id="mavis.E001",
        )
        for point, registered in empty
        if point.required_by and not registered
    ]
