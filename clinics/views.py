"""HTTP only: GET = selector -> presenter -> render; POST = service -> message -> redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinics import booking_import, presenters, selectors, services
from clinics.forms import BookingForm
from mavis.dates import clock_time, date_day_month
from mavis.forms import posted
from mavis.middleware import require_team
from mavis.redirects import safe_next
from patients.cohort import FileError
from patients.forms import CohortUploadForm
from patients.selectors import child_for_team
from sessions import selectors as sessions_selectors
from sessions.presenters import booking_words
from sessions.services import AppointmentFull, BookingChange

PAGE_SIZE = 50


def _school_session(team, session_id, today):
    session = selectors.session_for_team(team, session_id)
    if session.is_community_clinic or not selectors.is_completed(session, today):
        raise Http404
    return session


def invitation_children(request, session_id, key):
    """The children behind one of the clinic Overview's invitation totals."""
    team = require_team(request)
    clinic = selectors.session_for_team(team, session_id)
    if not clinic.is_community_clinic or key not in selectors.LIST_LABELS:
        raise Http404
    children = selectors.invitation_children(clinic, key, timezone.localdate())
    page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinics/invitation_children.jinja",
        {
            "session": clinic,
            "label": selectors.LIST_LABELS[key],
            "page": page,
            "back": reverse("sessions:session", args=[clinic.pk]),
            "back_text": clinic.location_name,
        },
    )


@require_http_methods(["GET", "POST"])
def send_invitations(request, session_id):
    """**Send clinic invitations** from a completed school session."""
    team = require_team(request)
    today = timezone.localdate()
    session = _school_session(team, session_id, today)
    back = reverse("sessions:session", args=[session.pk])
    changed = None
    if request.method == "POST":
        result = services.clinic_invitations_send_from_school(
            school_session=session, user=request.user, today=today, seen=request.POST.get("seen")
        )
        if not result.changed:
            messages.add_message(request, *presenters.invited_message(result))
            return redirect(back)
        changed = presenters.INVITATIONS_CHANGED
    summary = selectors.school_invitations_summary(team, session, today)
    return render(
        request,
        "clinics/send_invitations.jinja",
        {"session": session, "summary": presenters.SummaryPresenter(summary), "back": back, "changed": changed},
    )


@require_http_methods(["GET", "POST"])
def send_reminders(request, session_id):
    """**Send booking reminders** for a scheduled Community clinic."""
    team = require_team(request)
    today = timezone.localdate()
    clinic = selectors.session_for_team(team, session_id)
    if not clinic.is_community_clinic or selectors.next_clinic_date(clinic, today) is None:
        raise Http404
    back = reverse("sessions:session", args=[clinic.pk])
    changed = None
    if request.method == "POST":
        result = services.booking_reminders_send(
            clinic=clinic, user=request.user, today=today, seen=request.POST.get("seen")
        )
        if not result.changed:
            messages.add_message(request, *presenters.reminded_message(result))
            return redirect(back)
        changed = presenters.REMINDERS_CHANGED
    summary = selectors.reminders_summary(clinic, today)
    return render(
        request,
        "clinics/send_reminders.jinja",
        {"session": clinic, "summary": presenters.SummaryPresenter(summary), "back": back, "changed": changed},
    )


def summary_children(request, session_id, which):
    """Every child behind a count on Send clinic invitations or Send booking reminders (the page
    names the first 100)."""
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    if which not in selectors.SUMMARY_LISTS:
        raise Http404
    if session.is_community_clinic:
        back, back_text = reverse("clinics:send_reminders", args=[session.pk]), "Send booking reminders"
    else:
        session = _school_session(team, session_id, today)
        back, back_text = reverse("clinics:send_invitations", args=[session.pk]), "Send clinic invitations"
    eligibility = selectors.summary_list(team, session, today, which)
    if eligibility is None:
        raise Http404
    children = eligibility.child_ids_queryset().order_by("family_name", "given_name", "pk")
    page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinics/invitation_children.jinja",
        {
            "session": session,
            "label": selectors.SUMMARY_LISTS[which],
            "page": page,
            "back": back,
            "back_text": back_text,
        },
    )


def reminders_skipped(request, session_id):
    """The children behind **Send booking reminders**' "skipped because they booked"."""
    team = require_team(request)
    today = timezone.localdate()
    clinic = selectors.session_for_team(team, session_id)
    clinic_date = selectors.reminder_clinic_date(clinic, today) if clinic.is_community_clinic else None
    if clinic_date is None:
        raise Http404
    skipped = selectors.reminders_skipped_booked(clinic, today, clinic_date).child_ids_queryset()
    page = Paginator(skipped.order_by("family_name", "given_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinics/invitation_children.jinja",
        {
            "session": clinic,
            "label": presenters.SKIPPED_BOOKED,
            "page": page,
            "back": reverse("clinics:send_reminders", args=[clinic.pk]),
            "back_text": "Send booking reminders",
        },
    )


@require_http_methods(["GET", "POST"])
def import_bookings(request, session_id):
    """**Import bookings**: the team's booking system's export, all rows or none."""
    team = require_team(request)
    clinic = selectors.session_for_team(team, session_id)
    if not clinic.is_community_clinic:
        raise Http404
    form = CohortUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.bookings_import(clinic=clinic, content=form.cleaned_data["content"], user=request.user)
        except FileError as error:
            form.add_error("file", f"The selected file cannot be read. {error}")
        else:
            if result.written:
                messages.success(request, presenters.bookings_imported_message(result))
                return redirect(reverse("sessions:children", args=[clinic.pk]) + "?booked=booked")
    return render(
        request,
        "clinics/import_bookings.jinja",
        {
            "session": clinic,
            "form": form,
            "result": result,
            "headers": booking_import.HEADERS,
            "back": reverse("sessions:session", args=[clinic.pk]),
        },
    )


def _free_times_words(clinic, date) -> str:
    """The clinic date's free appointment times, for a nurse booking on the phone: what to offer."""
    times = sessions_selectors.free_times(clinic, date, timezone.localdate(), timezone.localtime().time())
    if not times:
        return f"There are no free times on {date_day_month(date)}: choose another date"
    return f"Free times on {date_day_month(date)}: {', '.join(clock_time(time) for time, _ in times)}"


@require_http_methods(["GET", "POST"])
def booking(request, child_id):
    """A nurse records the child's clinic appointment: booked by phone (date and time), moved,
    cancelled, or declined."""
    team = require_team(request)
    child = child_for_team(team, child_id)
    today = timezone.localdate()
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), _child_url(child))
    state = selectors.child_invitation_state(team, child, today)
    if state.clinic is None:
        return render(request, "clinics/booking.jinja", {"child": child, "clinic": None, "next": back})
    dates = [d.value for d in state.clinic.dates.all() if d.value >= today]
    initial = {}
    if state.booking_state and state.booking_state != sessions_selectors.NOT_BOOKED:
        initial = {
            "status": state.booking_state,
            "date": state.booking_date.isoformat() if state.booking_date else "",
            "time": clock_time(state.booking_time),
        }
    form = BookingForm(posted(request), dates=dates, initial=initial)
    if request.method == "POST" and form.is_valid():
        change = BookingChange(
            child.pk, form.cleaned_data["status"], form.cleaned_data["date"], form.cleaned_data["time"]
        )
        try:
            services.clinic_booking_record(clinic=state.clinic, child=child, change=change, user=request.user)
        except AppointmentFull:
            form.add_error("time", f"{clock_time(change.time)} is full. {_free_times_words(state.clinic, change.date)}")
        except ValidationError as error:
            if team.books_in_service and getattr(error, "code", None) != "archived":
                form.add_error("time", f"{error.messages[0]}. {_free_times_words(state.clinic, change.date)}")
            else:
                form.add_error(None, error)
        else:
            messages.success(request, f"{child.full_name}: {booking_words(change.status, change.date, change.time)}")
            return redirect(back)
    return render(
        request, "clinics/booking.jinja", {"child": child, "clinic": state.clinic, "form": form, "next": back}
    )


@require_http_methods(["GET", "POST"])
def invite_child(request, child_id):
    """**Invite to community clinic**: GET asks to confirm, saying what will happen and when;
    POST adds the child to the clinic now and invites them the next day."""
    team = require_team(request)
    child = child_for_team(team, child_id)
    today = timezone.localdate()
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), _child_url(child))
    if request.method == "POST":
        result = services.clinic_invitation_request(child=child, user=request.user, today=today)
        level, text = presenters.invite_child_message(result, child)
        messages.add_message(request, level, text)
        return redirect(back)
    state = selectors.child_invitation_state(team, child, today)
    already = presenters.child_invitation_text(state, child)  # invited, waiting or archived: nothing to confirm
    plan = selectors.child_invite_plan(team, child, today) if state.clinic and not already else None
    context = {
        "child": child,
        "clinic": state.clinic,
        "dates": [d.value for d in state.clinic.dates.all() if d.value >= today] if state.clinic else [],
        "already": already,
        "no_clinic": presenters.NO_CLINIC,
        "lines": presenters.invite_child_confirmation(plan, child) if plan else [],
        "next": back,
    }
    return render(request, "clinics/invite_child.jinja", context)


@require_POST
def cancel_invitation(request, child_id):
    """**Cancel invitation**: the invitation asked for with Invite to community clinic, before it goes."""
    team = require_team(request)
    child = child_for_team(team, child_id)
    if services.clinic_invitation_request_cancel(child=child, user=request.user, today=timezone.localdate()):
        messages.success(request, f"Invitation cancelled for {child.full_name}")
    else:
        messages.info(request, f"There was no invitation waiting to be sent for {child.full_name}")
    return redirect(safe_next(request, request.POST.get("next"), _child_url(child)))


def _child_url(child) -> str:
    return reverse("patients:child", args=[child.pk])
