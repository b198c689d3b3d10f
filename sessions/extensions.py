"""Places on session pages that higher apps fill (see mavis.extensions and docs/decisions).

consent registers the **Consent** tab and the consent parts of the child-in-session page;
clinics registers **Send clinic invitations** / **Send booking reminders** and the clinic's
invitation totals; notifications needs none (its events are in the activity store).
"""

from collections.abc import Callable
from dataclasses import dataclass

from mavis.extensions import Hook, Slot


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
# Overview: counts panels below the sessions app's own (request, session=..., today=...,
# status_groups=...; `status_groups` is sessions.selectors.session_status_groups, loaded once by
# the page). Each contributor returns {"heading", "intro" (optional), "rows": [{"label",
# "count", "hidden", "href"}]}: a count of children linking to exactly them, `hidden` completing
# the link's text for screen readers (components/count_link.jinja). The consent counts are part of every Overview.
session_overview_panels = Slot("session.overview.panels", required_by="consent")
# Overview: links allowed now (request, session=..., today=...): {"text", "href"}.
session_actions = Slot("session.actions")
# Child-in-session page: buttons (request, session=..., child=..., statuses=...); `statuses` is
# patients.statuses.child_statuses for the session's programmes, loaded once by the page.
child_in_session_actions = Slot("child_in_session.actions")
# Child-in-session page: right below the outcome, e.g. **Invite to community clinic** for a child
# missed at school for a reason a clinic can fix (same arguments).
child_in_session_outcome_actions = Slot("child_in_session.outcome_actions")
# Child-in-session page: sections such as consent and triage per programme (same arguments).
child_in_session_sections = Slot("child_in_session.sections", required_by="consent")
# Inside vaccination_record_add's transaction, after the record and its activity (record=...,
# session=..., user=...): consent queues the parents' confirmation or "not vaccinated" message.
vaccination_recorded = Hook("vaccination.recorded", required_by="consent")
