"""Booking a clinic appointment (teams that book in this service): no login, reached only through
the parent's personal link in the clinic invitation. Plain forms, no JavaScript needed.

The link shows the child's appointment (if any) with change and cancel; choosing a date lists its
free times; booking never overbooks (clinics.services.clinic_appointment_book). After booking,
a parent who has not yet answered for every vaccination the child needs continues straight
into the online consent form.
"""

import datetime
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinics import services, tokens
from clinics.forms import AppointmentTimeForm
from consent import tokens as consent_tokens
from mavis.dates import clock_time, date_day_month
from patients.models import Child, Parent, ProgrammeStatus
from patients.statuses import child_statuses
from sessions import selectors as session_selectors
from sessions.models import Booking, Session, SessionDate
from sessions.presenters import booking_words
from sessions.services import AppointmentFull


class _LinkRefused(Exception):
    """The link does not open: `team` is set when the token was ours (for its phone number)."""

    def __init__(self, team=None):
        super().__init__("refused")
        self.team = team


def _parent_page(view):
    """A link that does not open shows the parents' "This link does not work" page (404), never
    the staff's Page not found with its way to sign in."""

    @functools.wraps(view)
    def page(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except _LinkRefused as refused:
            return render(request, "clinics/parent/invalid_link.jinja", {"team": refused.team}, status=404)

    return page


class _Link:
    def __init__(self, token, child, clinic, parent):
        self.token, self.child, self.clinic, self.parent, self.team = token, child, clinic, parent, clinic.team


def _load(token) -> _Link:
    """The link's child, clinic and parent, or 404: altered, for a clinic with no date ahead, a
    team that no longer books here, or a parent who is no longer the child's contact."""
    try:
        link = tokens.read_token(token)
    except tokens.InvalidToken:
        raise _LinkRefused from None
    today = timezone.localdate()
    clinic = (
        Session.objects.select_related("team")
        .community_clinics()
        .scheduled(today)
        .filter(pk=link.session_id, team__books_in_service=True)
        .first()
    )
    child = Child.objects.not_blocked().filter(pk=link.child_id, team_id=getattr(clinic, "team_id", None)).first()
    parent = Parent.objects.filter(pk=link.parent_id, relationships__child=child).first() if child else None
    if parent is None:
        # Signed by us, so the clinic's team (if it still exists) can be named for its phone.
        refused = Session.objects.select_related("team").filter(pk=link.session_id).first()
        raise _LinkRefused(refused.team if refused else None)
    return _Link(token, child, clinic, parent)


def _booking(link):
    """The child's appointment at the clinic if it still counts (today or later), else None."""
    return session_selectors.bookings_ahead(link.clinic, timezone.localdate()).filter(child=link.child).first()


def _consent_url(link) -> str | None:
    """The online consent form for the programmes the child needs and no one has answered for."""
    statuses = child_statuses(link.child, link.clinic.programmes.all(), link.clinic.academic_year)
    missing = [
        p
        for p in link.clinic.programmes.all()
        if statuses.get(p.code) and statuses[p.code]["consent"] == ProgrammeStatus.Consent.NO_RESPONSE
    ]
    if not missing or not consent_tokens.window_open(link.clinic):
        return None
    token = consent_tokens.make_token(child=link.child, session=link.clinic, programmes=missing, parent=link.parent)
    return reverse("consent:parent_form", args=[token])


def _context(link, **extra):
    return {"child": link.child, "team": link.team, "token": link.token, **extra}


def _now():
    return timezone.localtime().time()


@login_not_required
@never_cache
@_parent_page
def booking(request, token):
    """The link's landing page: the appointment booked, or the dates with free times."""
    link = _load(token)
    current = _booking(link)
    dates = session_selectors.free_appointments(link.clinic, timezone.localdate(), _now())
    return render(
        request,
        "clinics/parent/booking.jinja",
        _context(
            link,
            booked=booking_words("booked", current.date, current.time) if current else None,
            venue=services.clinic_venue_words(link.team),
            dates=[(day.value, sum(free for _, free in times)) for day, times in dates],
            consent_url=_consent_url(link) if current else None,
        ),
    )


def _date_or_404(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _free_times(link, day) -> list[tuple]:
    return session_selectors.free_times(link.clinic, day, timezone.localdate(), _now())


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@_parent_page
def choose_time(request, token, date):
    """The free times of one clinic date. A time taken by someone else meanwhile is refused with
    the next free times offered, never booked beyond its places."""
    link = _load(token)
    day = _date_or_404(date)
    clinic_day = SessionDate.objects.filter(session=link.clinic, value=day).first()
    if clinic_day is None or day < timezone.localdate() or not clinic_day.slot_times():
        # A page open since that date, or a date the clinic no longer has: back to its dates, saying why.
        if day < timezone.localdate():
            messages.info(request, f"{date_day_month(day)} has passed. Choose another date")
        else:
            messages.info(request, f"There are no appointments to book on {date_day_month(day)}. Choose another date")
        return redirect("clinics:parent_booking", token)
    error = None
    if request.method == "POST":
        # Any of the day's times still ahead is accepted here: whether it is still free is the
        # service's to say. A time already begun (a page left open since the morning) is refused.
        ahead = session_selectors.times_ahead(clinic_day, timezone.localdate(), _now())
        posted = AppointmentTimeForm(request.POST, times=[(t, 0) for t in ahead])
        if posted.is_valid():
            chosen = posted.cleaned_data["time"]
            try:
                services.clinic_appointment_book(
                    clinic=link.clinic, child=link.child, date=day, time=chosen, parent=link.parent
                )
            except ValidationError:
                # The nurse changed the date's times while the parent chose: the page shows the new ones.
                error = "That time is no longer free. Choose another time"
            except AppointmentFull:
                times = _free_times(link, day)
                later = [clock_time(t) for t, _ in times if t > chosen][:3] or [clock_time(t) for t, _ in times][:3]
                error = f"{clock_time(chosen)} is now full. Choose another time"
                if later:
                    error += f": the next free times are {', '.join(later)}"
            else:
                return redirect("clinics:parent_booking_done", token)
        else:
            error = " ".join(posted.errors["time"])
    times = _free_times(link, day)
    form = AppointmentTimeForm({"time": ""} if error else None, times=times)
    if error:
        form.errors["time"] = form.error_class([error])
    return render(
        request,
        "clinics/parent/choose_time.jinja",
        _context(link, form=form, day=day, day_words=date_day_month(day), no_times=not times),
        status=409 if error and "is now full" in error else 200,
    )


@login_not_required
@never_cache
@_parent_page
def booking_done(request, token):
    link = _load(token)
    current = _booking(link)
    if current is None:
        return redirect("clinics:parent_booking", token)
    return render(
        request,
        "clinics/parent/done.jinja",
        _context(
            link,
            booked=booking_words("booked", current.date, current.time),
            venue=services.clinic_venue_words(link.team),
            consent_url=_consent_url(link),
        ),
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@_parent_page
def cancel(request, token):
    """Cancels the appointment the link's page shows: one today or later. Pressed again, it says
    cancelled again; with none (a past appointment, one a nurse recorded as declined, none at all:
    a page open for days) nothing is written or sent, and the link's page says how things stand.
    Opened in a browser (a GET: the cancelled page's address pasted or reopened), it shows that page."""
    link = _load(token)
    if request.method == "GET":
        return redirect("clinics:parent_booking", token)
    if _booking(link) is not None:
        services.clinic_appointment_cancel(clinic=link.clinic, child=link.child, parent=link.parent)
    elif not Booking.objects.filter(session=link.clinic, child=link.child, status=Booking.Status.CANCELLED).exists():
        return redirect("clinics:parent_booking", token)
    return render(request, "clinics/parent/cancelled.jinja", _context(link))
