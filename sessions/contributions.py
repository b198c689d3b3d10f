"""What the sessions app adds to the register's pages (patients.extensions slots)."""

from django.template.loader import render_to_string
from django.utils import timezone

from sessions import selectors
from sessions.presenters import SessionPresenter, events_by_day


def child_sessions_section(request, *, child, **_):
    today = timezone.localdate()
    sessions = [SessionPresenter(s, today) for s in selectors.child_sessions(child)]
    return render_to_string("sessions/sections/child_sessions.jinja", {"sessions": sessions, "child": child}, request)


def child_activity_log_section(request, *, child, **_):
    days = events_by_day(selectors.child_events(child))
    return render_to_string("sessions/sections/activity_log.jinja", {"days": days, "child": child}, request)
