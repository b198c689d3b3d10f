"""HTTP only: GET = selector -> presenter -> render; POST = form -> service -> message -> redirect."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mavis import downloads
from mavis.dates import clock_time
from mavis.forms import posted, valid_filters
from mavis.jinja2 import date_long
from mavis.middleware import require_team
from mavis.text import ascii_whole_number
from patients import selectors as patient_selectors
from patients.academic import current_academic_year
from patients.models import VaccinationRecord
from patients.presenters import ChildPresenter
from patients.statuses import child_statuses, recording_refused_reason, with_statuses
from sessions import selectors, services
from sessions.extensions import (
    child_in_session_actions,
    child_in_session_outcome_actions,
    child_in_session_sections,
    session_actions,
    session_overview_panels,
    session_tabs,
)
from sessions.forms import (
    AppointmentTimesForm,
    AttendanceForm,
    ChildrenFilterForm,
    MessageDateForm,
    NoteForm,
    SessionFilterForm,
    SessionProgrammesForm,
    session_dates_form_class,
)
from sessions.models import Attendance, Session
from sessions.presenters import (
    OUTCOME_COLOURS,
    SessionPresenter,
    booking_words,
    events_by_day,
    outcome_label,
    parent_delivery,
)
from sessions.selectors import NO_OUTCOME
from sessions.status import date_values, is_session_day

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _session_context(request, session, today, current_tab: str) -> dict:
    tabs = [
        {"label": tab.label, "href": reverse(tab.url_name, args=[session.pk]), "current": tab.url_name == current_tab}
        for tab in session_tabs.for_session(session, today)
    ]
    return {"session": SessionPresenter(session, today), "tabs": tabs, "today": today}


def session_list(request):
    team = require_team(request)
    today = timezone.localdate()
    years = selectors.academic_years_for_team(team)
    programmes = patient_selectors.programmes()
    form = SessionFilterForm(request.GET or None, programmes=programmes, years=years)
    filters = valid_filters(form)
    academic_year = filters.get("year") or current_academic_year(today)
    queryset = selectors.sessions_for_team(
        team,
        today=today,
        academic_year=academic_year,
        status=filters.get("status", ""),
        kind=filters.get("type", ""),
        programme=filters.get("programme", ""),
        search=filters.get("q", ""),
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    sessions = list(page.object_list)
    counts = selectors.children_counts(sessions)
    status_links = [
        {"text": label, "href": "?" + _with_status(request, value), "current": filters.get("status", "") == value}
        for value, label in [("", "Any")] + [(s.value, s.label) for s in Session.Status]
    ]
    return render(
        request,
        "sessions/list.jinja",
        {
            "form": form,
            "page": page,
            "sessions": [SessionPresenter(s, today, counts.get(s.pk, 0)) for s in sessions],
            "query_string": _query_without_page(request),
            "status_links": status_links,
            "academic_year": academic_year,
        },
    )


def _with_status(request, value) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    if value:
        query["status"] = value
    else:
        query.pop("status", None)
    return query.urlencode()


def overview(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    context = _session_context(request, session, today, "sessions:session")
    groups = selectors.session_status_groups(session)  # one pass over the children for every count
    counts = selectors.outcome_counts(session, groups)
    context["counts"] = counts
    children_url = reverse("sessions:children", args=[session.pk])
    # Each count links to the Children tab filtered to exactly those children.
    context["outcome_rows"] = [
        {
            "programme": p.name,
            "counts": [
                {
                    "label": outcome_label(k),
                    "count": v,
                    "href": f"{children_url}?{urlencode({'programme': p.code, 'outcome': k})}",
                }
                for k, v in counts["programmes"][p.code].items()
            ],
        }
        for p in session.programmes.all()
    ]
    context["actions"] = session_actions.collect(request, session=session, today=today)
    context["panels"] = session_overview_panels.collect(request, session=session, today=today, status_groups=groups)
    return render(request, "sessions/overview.jinja", context)


def children(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    programmes = list(session.programmes.all())
    form = ChildrenFilterForm(request.GET or None, programmes=programmes, clinic=session.is_community_clinic)
    filters = valid_filters(form)
    queryset = selectors.session_children_page_queryset(
        session,
        search=filters.get("q", ""),
        programme=filters.get("programme", ""),
        outcome=filters.get("outcome", ""),
        booked=filters.get("booked", ""),
        today=today,
    )
    paginator = Paginator(queryset, PAGE_SIZE)
    # Without a search or a booking filter, counted from the session's status groups (memoised).
    if not filters.get("q") and not filters.get("booked"):
        paginator.count = selectors.children_page_count(
            session, programme=filters.get("programme", ""), outcome=filters.get("outcome", "")
        )
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "child": ChildPresenter(child, today),
            # Only the programmes that apply to the child (None: not in their year group).
            "outcomes": [
                (p.name, outcome)
                for p in programmes
                if (outcome := getattr(child, f"vaccination_{p.code}")) is not None
            ],
            "booking": _booking(child),
        }
        for child in page.object_list
    ]
    context = _session_context(request, session, today, "sessions:children")
    context.update({"form": form, "page": page, "rows": rows, "query_string": _query_without_page(request)})
    context["outcome_label"] = outcome_label
    return render(request, "sessions/children.jinja", context)


def _booking(child) -> str | None:
    """The child's booking in words, on a clinic's lists (None elsewhere)."""
    state = getattr(child, "booking_state", None)
    return booking_words(state, child.booking_date, child.booking_time) if state else None


def _appointment(child, today) -> str | None:
    """A clinic day's appointment time: "10:20", "Booked, no time", or "Not booked" (None at a school)."""
    state = getattr(child, "booking_state", None)
    if state is None:
        return None
    if state == selectors.BOOKED and child.booking_date == today:
        return clock_time(child.booking_time) if child.booking_time else "Booked, no time"
    return "Not booked today"


def _session_day_or_404(session, today):
    if not is_session_day(session, today):
        raise Http404("Not a session date")


@require_http_methods(["GET", "POST"])
def register(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    _session_day_or_404(session, today)
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        child = selectors.child_in_session(session, request.POST.get("child_id"))
        if form.is_valid():
            try:
                services.attendance_record(
                    session=session, child=child, status=form.cleaned_data["status"], user=request.user, today=today
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                label = Attendance.Status(form.cleaned_data["status"]).label.lower()
                messages.success(request, f"{child.full_name} is {label} today")
        else:  # a crafted or garbled request: nothing was recorded, and the page says so
            messages.error(request, f"{child.full_name} was not registered. {form.errors['status'][0]}")
        return redirect(reverse("sessions:register", args=[session.pk]) + _next_query(request))
    form = ChildrenFilterForm(request.GET or None, programmes=session.programmes.all())
    filters = valid_filters(form)
    queryset = selectors.in_day_order(selectors.session_children(session).search(filters.get("q", "")), session, today)
    if downloads.wants_csv(request):
        everyone = list(queryset)
        attendance = selectors.attendance_today(session, [c.pk for c in everyone], today)
        labels = dict(Attendance.Status.choices)
        rows = (
            [c.full_name, c.nhs_number_display, c.date_of_birth.isoformat(), c.year_group_display]
            + [labels.get(attendance.get(c.pk, ""), "Not registered yet")]
            for c in (ChildPresenter(child, today) for child in everyone)
        )
        header = ["Name", "NHS number", "Date of birth", "Year group", f"Attendance on {today.isoformat()}"]
        return downloads.csv_response(f"register-{session.pk}-{today.isoformat()}.csv", header, rows)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page_children = list(page.object_list)
    attendance = selectors.attendance_today(session, [c.pk for c in page_children], today)
    context = _session_context(request, session, today, "sessions:register")
    context["csv_query"] = downloads.csv_query(request)
    context.update(
        {
            "form": form,
            "page": page,
            "rows": [
                {"child": ChildPresenter(c, today), "status": attendance.get(c.pk, ""), "time": _appointment(c, today)}
                for c in page_children
            ],
            "clinic": session.is_community_clinic,
            "query_string": _query_without_page(request),
            "current_query": request.GET.urlencode(),
        }
    )
    return render(request, "sessions/register.jinja", context)


def _next_query(request) -> str:
    query = request.POST.get("return_query", "")
    return "?" + query if query and re.fullmatch(r"[\w=&%+.\-]*", query) else ""


def record(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    _session_day_or_404(session, today)
    programmes = list(session.programmes.all())
    code = request.GET.get("programme") or (programmes[0].code if programmes else "")
    programme = next((p for p in programmes if p.code == code), programmes[0] if programmes else None)
    children_qs = selectors.attending_children(session, today)
    if programme is not None:
        # The safety gate, and children who had an outcome recorded here stay listed with it.
        done_here = VaccinationRecord.objects.filter(child=OuterRef("pk"), programme=programme, session_id=session.pk)
        children_qs = with_statuses(children_qs, [programme], session.academic_year)
        children_qs = children_qs.filter(
            Q(**{f"ready_to_vaccinate_{programme.code}": True}) | Q(Exists(done_here))
        ).annotate(outcome=F(f"vaccination_{programme.code}"))
    children_qs = selectors.in_day_order(children_qs.search(request.GET.get("q", "")), session, today)
    page = Paginator(children_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _session_context(request, session, today, "sessions:record")
    context.update(
        {
            "programme": programme,
            "programmes": programmes,
            "page": page,
            "rows": [
                {
                    "child": ChildPresenter(c, today),
                    "outcome": getattr(c, "outcome", NO_OUTCOME),
                    # The safety gate: a child vaccinated here is listed, with nothing more to record.
                    "ready": getattr(c, f"ready_to_vaccinate_{programme.code}", False) if programme else False,
                    "time": _appointment(c, today),
                }
                for c in page.object_list
            ],
            "query_string": _query_without_page(request),
            "search": request.GET.get("q", ""),
            "outcome_label": outcome_label,
            "clinic": session.is_community_clinic,
        }
    )
    return render(request, "sessions/record.jinja", context)


# --- Scheduling ---------------------------------------------------------------------------------------


def edit(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    invitation_frozen = session.is_community_clinic and selectors.invitation_sent(session)
    first = min((d.value for d in session.dates.all()), default=None)
    context = {
        "session": SessionPresenter(session, today),
        "invitation_frozen": invitation_frozen,
        "consent_request_frozen": not session.is_community_clinic and selectors.consent_request_sent(session),
        # An earlier clinic date added after the invitations went out: say why the date looks wrong.
        "first_date_before_invitations": first
        if invitation_frozen and session.invitation_date and first and first <= session.invitation_date
        else None,
    }
    return render(request, "sessions/edit.jinja", context)


@require_http_methods(["GET", "POST"])
def edit_programmes(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    initial = {"programmes": [p.code for p in session.programmes.all()]}
    form = SessionProgrammesForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_programmes_set(session=session, programmes=form.cleaned_data["programmes"])
        except ValidationError as error:
            form.add_error("programmes", error)
        else:
            messages.success(request, "Programmes updated")
            return redirect("sessions:edit", session.pk)
    return render(
        request, "sessions/edit_programmes.jinja", {"form": form, "session": SessionPresenter(session, today)}
    )


def _posted_dates(post) -> list[list[str]] | None:
    """The posted rows; None when the page's row count is missing or not a number (a save would
    otherwise count no rows and remove every date)."""
    rows = ascii_whole_number(post.get("rows"))
    if rows is None:
        return None
    return [[post.get(f"date_{i}_{part}", "") for part in ("day", "month", "year")] for i in range(min(rows, 100))]


def _dates_form(rows: list[list[str]]):
    form_class = session_dates_form_class(len(rows))
    return form_class(initial={f"date_{i}": row for i, row in enumerate(rows)})


@require_http_methods(["GET", "POST"])
def edit_dates(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    locked = selectors.dates_with_records(session)
    if request.method == "GET":
        rows = [[str(d.day), str(d.month), str(d.year)] for d in date_values(session)] or [["", "", ""]]
        form = _dates_form(rows)
    else:
        rows = _posted_dates(request.POST)
        if rows is None:
            return render(request, "errors/400.jinja", status=400)
        action = request.POST.get("action", "save")
        if action == "add":
            rows = rows + [["", "", ""]]
            form = _dates_form(rows)
        elif action.startswith("remove-") and ascii_whole_number(action[7:]) is not None:
            index = ascii_whole_number(action[7:])
            rows = [row for i, row in enumerate(rows) if i != index]
            form = _dates_form(rows)
        else:
            form = session_dates_form_class(len(rows))(request.POST)
            if form.is_valid():
                dates = [form.cleaned_data[f"date_{i}"] for i in range(len(rows))]
                errors = services.session_dates_errors(session=session, dates=dates)
                for index, message in errors:
                    form.add_error(None if index is None else f"date_{index}", message)
                if not errors:
                    try:
                        services.session_dates_set(session=session, dates=dates)
                    except ValidationError as error:
                        form.add_error(None, error)
                    else:
                        messages.success(request, "Session dates saved")
                        return redirect("sessions:edit", session.pk)
    return render(
        request,
        "sessions/edit_dates.jinja",
        {
            "form": form,
            "session": SessionPresenter(session, today),
            "rows": len(rows),
            "locked": [date_long(value) for value in sorted(locked)],
            "locked_rows": [i for i, row in enumerate(rows) if _row_date(row) in locked],
            # A clinic of a team that books in this service: each saved date's appointment times.
            "appointment_dates": list(session.dates.all())
            if session.is_community_clinic and team.books_in_service
            else [],
        },
    )


@require_http_methods(["GET", "POST"])
def edit_date_times(request, session_id, date_id):
    """A clinic date's appointment times and places (teams that book in this service)."""
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    if not (session.is_community_clinic and team.books_in_service):
        raise Http404
    session_date = next((d for d in session.dates.all() if d.pk == date_id), None)
    if session_date is None:
        raise Http404
    initial = {
        "start": clock_time(session_date.appointments_start),
        "end": clock_time(session_date.appointments_end),
        "slot_minutes": session_date.slot_minutes,
        "places": session_date.places_per_slot,
    }
    form = AppointmentTimesForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.session_date_times_set(
                session_date=session_date,
                start=data["start"],
                end=data["end"],
                slot_minutes=data["slot_minutes"],
                places=data["places"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Appointment times saved for {date_long(session_date.value)}")
            return redirect("sessions:edit_dates", session.pk)
    return render(
        request,
        "sessions/edit_date_times.jinja",
        {"form": form, "session": SessionPresenter(session, today), "date": session_date},
    )


def _row_date(row):
    import datetime

    try:
        return datetime.date(int(row[2]), int(row[1]), int(row[0]))
    except (TypeError, ValueError, OverflowError):  # OverflowError: a 40-digit year
        return None


MESSAGE_DATE_FIELDS = {
    "invitation-date": ("invitation_date", "When should invitations be sent?", True),
    "consent-request-date": ("consent_request_date", "When should consent requests be sent?", False),
}


@require_http_methods(["GET", "POST"])
def edit_message_date(request, session_id, which):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    if which not in MESSAGE_DATE_FIELDS:
        raise Http404
    field, heading, clinic_only = MESSAGE_DATE_FIELDS[which]
    if clinic_only != session.is_community_clinic:
        raise Http404
    form = MessageDateForm(posted(request), initial={"value": getattr(session, field)})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_message_date_set(session=session, field=field, value=form.cleaned_data["value"])
        except ValidationError as error:
            form.add_error("value", error)
        else:
            messages.success(request, "Date saved")
            return redirect("sessions:edit", session.pk)
    frozen = services.message_date_frozen_reason(session=session, field=field)
    return render(
        request,
        "sessions/edit_message_date.jinja",
        {"form": form, "session": SessionPresenter(session, today), "heading": heading, "frozen": frozen},
    )


# --- A child in a session -------------------------------------------------------------------------------


def _child_context(request, session, child, today, current: str) -> dict:
    context = _session_context(request, session, today, "")
    context["child"] = ChildPresenter(child, today)
    context["child_tabs"] = [
        {
            "label": "Child",
            "href": reverse("sessions:child", args=[session.pk, child.pk]),
            "current": current == "child",
        },
        {
            "label": "Session activity and notes",
            "href": reverse("sessions:child_activity", args=[session.pk, child.pk]),
            "current": current == "activity",
        },
    ]
    return context


def child(request, session_id, child_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    child = selectors.child_in_session(session, child_id)
    context = _child_context(request, session, child, today, "child")
    latest = selectors.latest_messages_by_recipient(child)
    context["parents"] = [
        {"relationship": r, "parent": r.parent, "delivery": parent_delivery(r, latest)}
        for r in child.relationships.all()
    ]
    outcomes = []
    records = list(child.vaccination_records.all())
    # The statuses of patients.statuses, loaded once: the outcomes here and the consent section.
    statuses = child_statuses(child, list(session.programmes.all()), session.academic_year)
    outcome_by_code = {code: row["vaccination"] for code, row in statuses.items() if row is not None}
    for programme in session.programmes.all():
        if programme.code not in outcome_by_code:
            continue  # not for the child's year group
        value = outcome_by_code[programme.code]
        outcomes.append(
            {
                "programme": programme,
                "outcome": value,
                "refused_reason": recording_refused_reason(statuses[programme.code], programme, child.full_name),
                "label": outcome_label(value),
                "colour": OUTCOME_COLOURS[value],
                "records": [r for r in records if r.programme_id == programme.pk and r.session_id == session.pk],
            }
        )
    context["outcomes"] = outcomes
    attendance = next((a for a in child.attendances.all() if a.date == today), None)
    context["attendance_today"] = attendance
    context["session_day"] = is_session_day(session, today)
    context["in_session"] = selectors.is_in_session(session, child)
    context["sections"] = child_in_session_sections.render(request, session=session, child=child, statuses=statuses)
    context["outcome_actions"] = child_in_session_outcome_actions.render(
        request, session=session, child=child, statuses=statuses
    )
    context["actions"] = child_in_session_actions.render(request, session=session, child=child, statuses=statuses)
    return render(request, "sessions/child.jinja", context)


@require_http_methods(["GET", "POST"])
def child_activity(request, session_id, child_id):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    child = selectors.child_in_session(session, child_id)
    form = NoteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.note_add(session=session, child=child, text=form.cleaned_data["text"], user=request.user)
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, "Note added")
            return redirect("sessions:child_activity", session.pk, child.pk)
    context = _child_context(request, session, child, today, "activity")
    context["form"] = form
    context["days"] = events_by_day(selectors.child_session_events(session, child))
    return render(request, "sessions/child_activity.jinja", context)
