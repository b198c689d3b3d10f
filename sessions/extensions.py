"""Places on session pages that higher apps fill (see mavis.extensions and docs/decisions).

consent registers the **Consent** tab and the consent parts of the child-in-session page;
clinics registers **Send clinic invitations** / **Send booking reminders** and the clinic's
invitation totals; notifications needs none (its events are in the activity store).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from mavis.extensions import Slot


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str  # reversed with the session's id: reverse(url_name, args=[session.pk])
    order: int
    visible: Callable | None = None  # visible(session, today) -> bool; None = always


class TabRegistry:
    def __init__(self):
        self._tabs: dict[str, Tab] = {}

    def register(self, tab: Tab) -> Tab:
        self._tabs[tab.label] = tab
        return tab

    def for_session(self, session, today) -> list[Tab]:
        tabs = sorted(self._tabs.values(), key=lambda t: t.order)
        return [t for t in tabs if t.visible is None or t.visible(session, today)]


# Tabs of a session page: Overview 10, Children 20, Consent 30 (consent), Register 40, Record vaccinations 50.
session_tabs = TabRegistry()
# Overview: panels below the sessions app's own (request, session=..., today=...).
session_overview_panels = Slot("session.overview.panels")
# Overview: action links/buttons allowed now (request, session=..., today=...).
session_actions = Slot("session.actions")
# Child-in-session page: buttons (request, session=..., child=...).
child_in_session_actions = Slot("child_in_session.actions")
# Child-in-session page: sections such as consent and triage per programme (request, session=..., child=...).
child_in_session_sections = Slot("child_in_session.sections")


class QueryFilterRegistry:
    """Filters a higher app applies to a queryset of children (kept in SQL)."""

    def __init__(self):
        self._filters: list[Callable] = []

    def register(self, query_filter: Callable) -> Callable:
        if query_filter not in self._filters:
            self._filters.append(query_filter)
        return query_filter

    def apply(self, children, **context):
        for query_filter in self._filters:
            children = query_filter(children, **context)
        return children


# Record vaccinations: keeps only children with consent given and safe to vaccinate for the
# programme: filter(children_queryset, session=..., programme=...) -> queryset (consent registers it).
ready_to_vaccinate = QueryFilterRegistry()


class ChildConditionRegistry:
    """Conditions on Child a higher app adds to a rule of this app (kept in SQL)."""

    def __init__(self):
        self._conditions: list[Callable] = []

    def register(self, condition: Callable) -> Callable:
        if condition not in self._conditions:
            self._conditions.append(condition)
        return condition

    def unregister(self, condition: Callable) -> None:
        self._conditions.remove(condition)

    def any_of(self, **context) -> Q | None:
        """The registered conditions ORed together, or None when there are none (or all return None)."""
        query = None
        for condition in self._conditions:
            part = condition(**context)
            if part is not None:
                query = part if query is None else query | part
        return query


# Children tab **Could not vaccinate**: beyond an outcome recorded here that was not a dose, e.g. a
# triage "do not vaccinate": condition(session=..., programme=...) -> Q on Child or None (consent may
# register it). A child vaccinated for the programme still counts as **Vaccinated**.
could_not_vaccinate = ChildConditionRegistry()
