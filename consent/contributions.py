"""What consent adds to the session pages (sessions.extensions slots)."""

from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from consent import presenters, selectors, tokens
from mavis import roles
from patients.models import Child
from sessions import selectors as session_selectors


def overview_panel(request, *, session, today, status_groups, **_):
    children = session_selectors.session_children(session)
    programmes = list(session.programmes.all())
    counts = selectors.consent_status_counts(children, programmes, session.academic_year, groups=status_groups)
    has_flu = any(p.is_flu for p in programmes)
    tab = reverse("consent:tab", args=[session.pk])
    rows = [
        {
            "label": label,
            "count": counts[key],
            "hidden": f"with {label.lower()}",
            "href": f"{tab}?{urlencode({'status': key})}",
        }
        for key, label, sub in presenters.TAB_FILTERS
        if not sub or has_flu
    ]
    return {"heading": "Consent", "rows": rows}


def _page(request, session, child, today, statuses=None) -> dict:
    """What the consent section and actions of one child-in-session page show, loaded once per
    request (both contributors read it)."""
    cache = request.__dict__.setdefault("_consent_child_page", {})
    key = (session.pk, child.pk)
    if key not in cache:
        programmes = selectors.eligible_programmes(child, list(session.programmes.all()), session.academic_year)
        consent = selectors.child_consent(session.team, child, programmes, session.academic_year, statuses)
        cache[key] = {"consent": consent, "can_request": _can_request(session, child, consent, today)}
    return cache[key]


def _can_request(session, child, consent, today) -> tuple[bool, bool]:
    """(show Send consent request, say the family cannot be contacted)."""
    no_response = any(c.status == selectors.ConsentStatus.NO_RESPONSE for c in consent)
    # A request's link works only while the online form is open (until the day before the last date).
    if not (no_response and tokens.window_open(session, today)):
        return False, False
    row = (
        Child.objects.filter(pk=child.pk)
        .not_blocked()
        .with_contactable_parent()
        .values_list("has_contactable_parent", flat=True)
        .first()
    )
    if row is None:  # blocked: no messages at all
        return False, False
    return row, not row


def child_section(request, *, session, child, statuses=None, **_):
    today = timezone.localdate()
    page = _page(request, session, child, today, statuses)
    consent = page["consent"]
    _, cannot_contact = page["can_request"]
    items = []
    for c in consent:
        for r in c.responses:
            r.summary = presenters.response_summary(r)
            r.health_yes = [h for h in r.health_answers if h.get("answer") == "yes"]
        items.append(
            {
                "programme": c.programme,
                "tag": presenters.status_tag(c.status),
                "triage_status": c.triage_status,
                "triage_label": ""
                if c.triage_status == selectors.TriageStatus.NOT_NEEDED
                else presenters.TRIAGE_LABELS[c.triage_status],
                "can_triage": roles.can(request.user, roles.Clinical.TRIAGE)
                and c.triage_status != selectors.TriageStatus.NOT_NEEDED
                and c.status in selectors.GIVEN_STATUSES,
                "responses": c.responses,
                "triages": c.triages,
            }
        )
    return render_to_string(
        "consent/sections/child_consent.jinja",
        {
            "session": session,
            "child": child,
            "consent": items,
            "request_sent": selectors.latest_consent_request(child, session),
            "details_changes": selectors.pending_details_changes(session.team, child),
            "cannot_contact": cannot_contact,
        },
        request,
    )


def child_actions(request, *, session, child, statuses=None, **_):
    today = timezone.localdate()
    can_request, _ = _page(request, session, child, today, statuses)["can_request"]
    return render_to_string(
        "consent/sections/child_actions.jinja",
        {"session": session, "child": child, "can_request": can_request},
        request,
    )


def tab_href(session) -> str:
    return reverse("consent:tab", args=[session.pk])
