"""What clinics adds to lower apps' pages through their slots (registered in ClinicsConfig.ready)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinics import eligibility, presenters, selectors
from sessions.presenters import booking_words
from sessions.status import session_status


def session_actions(request, *, session, today, **_):
    """**Send clinic invitations** on a Completed school session when the clinic has a date ahead;
    **Send booking reminders** on a Community clinic with a date today or later."""
    status = session_status(session, today)
    if session.is_community_clinic:
        if status not in ("scheduled", "in_progress"):
            return None
        href, label = reverse("clinics:send_reminders", args=[session.pk]), "Send booking reminders"
    else:
        if status != "completed" or selectors.current_clinic(session.team, today) is None:
            return None
        href, label = reverse("clinics:send_invitations", args=[session.pk]), "Send clinic invitations"
    return {"text": label, "href": href}


def import_bookings_action(request, *, session, today, **_):
    """**Import bookings** on a Community clinic with a date today or later."""
    if not session.is_community_clinic or session_status(session, today) not in ("scheduled", "in_progress"):
        return None
    return {"text": "Import bookings", "href": reverse("clinics:import_bookings", args=[session.pk])}


def _count_rows(session, totals, filters) -> list[dict]:
    return [
        {
            "label": label,
            "count": totals[key],
            "hidden": label.lower(),
            "href": reverse("clinics:invitation_children", args=[session.pk, key]),
        }
        for key, label in filters.items()
    ]


def overview_totals(request, *, session, today, **_):
    if not session.is_community_clinic:
        return None
    totals = selectors.clinic_totals(session, today)
    return {
        "heading": "Clinic invitations",
        "intro": "Each number lists the children behind it.",
        "rows": _count_rows(session, totals, selectors.INVITATION_FILTERS),
    }


def overview_funnel(request, *, session, today, **_):
    """Invited → booked → consent given → vaccinated, of the children invited to the clinic."""
    if not session.is_community_clinic:
        return None
    totals = selectors.clinic_totals(session, today, selectors.FUNNEL_FILTERS)
    return {
        "heading": "From invitation to vaccination",
        "intro": "Of the children invited to this clinic: how many have booked, have consent given and are vaccinated.",
        "rows": _count_rows(session, totals, selectors.FUNNEL_FILTERS),
    }


def _clinic_can_fix(request, session, child, statuses):
    """clinics.eligibility.clinic_can_fix, worked out once per page (both places on it ask)."""
    if session is None or statuses is None:
        return []
    cache = request.__dict__.setdefault("_clinic_can_fix", {})
    if (session.pk, child.pk) not in cache:
        cache[session.pk, child.pk] = eligibility.clinic_can_fix(session, child, statuses)
    return cache[session.pk, child.pk]


def _invite_child(request, child, session, reasons=()):
    today = timezone.localdate()
    state = selectors.child_invitation_state(request.team, child, today, session=session)
    context = {
        "child": child,
        "state": state,
        "text": presenters.child_invitation_text(state, child),
        "booking": booking_words(state.booking_state, state.booking_date, state.booking_time)
        if state.booking_state
        else "",
        "reason": presenters.REASON_IN_SENTENCE,
        "missed": reasons,
        "next": request.get_full_path(),
    }
    return render_to_string("clinics/contributions/invite_child.jinja", context, request)


def invite_child_action(request, *, child, session=None, statuses=None, **_):
    """**Invite to community clinic** at the bottom of the child's record and the child-in-session
    page (unless the page already offers it below the outcome)."""
    if child.team_id != getattr(request.team, "pk", None):
        return None
    if _clinic_can_fix(request, session, child, statuses):
        return None
    return _invite_child(request, child, session)


def outcome_invite_action(request, *, session, child, statuses=None, **_):
    """**Invite to community clinic** right below the outcome of a child missed at a school session
    for a reason a clinic can fix (absent, unwell, vaccination delayed at triage)."""
    if child.team_id != getattr(request.team, "pk", None):
        return None
    reasons = _clinic_can_fix(request, session, child, statuses)
    return _invite_child(request, child, session, reasons) if reasons else None
