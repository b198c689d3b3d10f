"""Staff pages: the session's Consent tab, Send consent request, Record a new consent response,
withdraw / invalidate a response, and triage."""

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from consent import forms, presenters, selectors, services
from consent.models import ConsentResponse, ParentDetailsChange, Triage
from mavis import downloads, roles
from mavis.dates import date_short
from mavis.middleware import require_team
from mavis.scoping import get_for_team
from patients.models import Child
from patients.presenters import ChildPresenter
from sessions import selectors as session_selectors
from sessions.extensions import session_tabs
from sessions.presenters import SessionPresenter

PAGE_SIZE = 50


def _session_context(session, today, current_tab: str) -> dict:
    tabs = [
        {"label": tab.label, "href": reverse(tab.url_name, args=[session.pk]), "current": tab.url_name == current_tab}
        for tab in session_tabs.for_session(session, today)
    ]
    return {"session": SessionPresenter(session, today), "tabs": tabs, "today": today}


def _tab_csv(session, listed, programmes, status_filter):
    """The Consent tab's list with its filter, every page, one column per programme."""

    def rows():
        for child in listed.iterator(chunk_size=500):
            shown = ChildPresenter(child)
            yield [shown.full_name, shown.nhs_number_display, child.date_of_birth.isoformat()] + [
                presenters.status_tag(status)["text"]
                if (status := getattr(child, f"consent_{p.code}"))
                else "Not eligible"
                for p in programmes
            ]

    header = ["Name", "NHS number", "Date of birth"] + [f"{p.name} consent" for p in programmes]
    suffix = f"-{status_filter}" if status_filter else ""
    return downloads.csv_response(f"consent-{session.pk}{suffix}.csv", header, rows())


def _tab_key(session):
    return f"consent_tab:{session.pk}"


def tab(request, session_id):
    team = require_team(request)
    today = timezone.localdate()
    session = session_selectors.session_for_team(team, session_id)
    programmes = list(session.programmes.all())
    year = session.academic_year
    status_filter = request.GET.get("status", "")
    if status_filter not in selectors.FILTERS:
        status_filter = ""
    search = request.GET.get("q", "").strip()[:100]

    children = session_selectors.session_children(session)
    if search:
        children = children.search(search)
    listed = selectors.consent_tab_children(children, programmes, year, status_filter)
    if downloads.wants_csv(request):
        return _tab_csv(session, listed, programmes, status_filter)
    # Without a search the page counts the session's children: the Overview's groups (memoised) serve.
    groups = None if search else session_selectors.session_status_groups(session)
    counts = selectors.consent_status_counts(children, programmes, year, groups=groups)
    paginator = Paginator(listed, PAGE_SIZE)
    paginator.count = counts[status_filter or "all"]  # already counted, by the same filters
    page = paginator.get_page(request.GET.get("page"))

    rows = []
    for child in page.object_list:
        statuses = [
            {"programme": p, "tag": presenters.status_tag(status)}
            for p in programmes
            if (status := getattr(child, f"consent_{p.code}")) is not None
        ]
        rows.append({"child": child, "statuses": statuses})

    query = request.GET.copy()
    query.pop("page", None)
    # Kept so that recording a response brings the nurse back to the list they were working through.
    kept = {"status": status_filter, "q": search, "page": page.number if page.number > 1 else ""}
    request.session[_tab_key(session)] = urlencode({k: v for k, v in kept.items() if v})
    has_flu = any(p.is_flu for p in programmes)
    filters = [
        {
            "key": key,
            "label": label,
            "sub": sub,
            "count": counts[key],
            "href": "?" + urlencode({"status": key, **({"q": search} if search else {})}),
            "current": key == status_filter,
        }
        for key, label, sub in presenters.TAB_FILTERS
        if not sub or has_flu
    ]
    context = _session_context(session, today, "consent:tab")
    context.update(
        {
            "rows": rows,
            "page": page,
            "csv_query": downloads.csv_query(request),
            "filters": filters,
            "all_count": counts["all"],
            "all_href": "?" + (urlencode({"q": search}) if search else ""),
            "status_filter": status_filter,
            "status_label": next((f["label"] for f in filters if f["current"]), ""),
            "search": search,
            "query_string": query.urlencode(),
        }
    )
    return render(request, "consent/tab.jinja", context)


def _child(session, child_id) -> Child:
    """A child of the session's team who is in the session (404 otherwise)."""
    child = get_for_team(Child.objects.select_related("school"), session.team, pk=child_id)
    if not session_selectors.is_in_session(session, child):
        raise Http404
    return child


def _no_response_programmes(session, child):
    consent = selectors.child_consent(session.team, child, _eligible(session, child), session.academic_year)
    return [c.programme for c in consent if c.status == selectors.ConsentStatus.NO_RESPONSE]


def _eligible(session, child):
    return selectors.eligible_programmes(child, list(session.programmes.all()), session.academic_year)


@require_POST
def request_send(request, session_id, child_id):
    team = require_team(request)
    session = session_selectors.session_for_team(team, session_id)
    child = _child(session, child_id)
    back = reverse("sessions:child", args=[session.pk, child.pk])
    programmes = _no_response_programmes(session, child)
    if not programmes:
        messages.error(request, "A consent request was not sent: there is already a response for every programme.")
        return redirect(back)
    try:
        consent_request = services.consent_request_send(
            team=team, session=session, child=child, programmes=programmes, sent_by=request.user
        )
    except services.ConsentError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, f"Consent request sent on {date_short(consent_request.sent_at)} for {child.full_name}")
    return redirect(back)


# --- Record a new consent response ------------------------------------------------------------------

RECORD_STEPS = ["who", "parent", "route", "agree", "health", "triage", "reason", "check"]


def _record_key(session, child):
    return f"consent_record:{session.pk}:{child.pk}"


def _record_steps(state, user) -> list[str]:
    steps = ["who"]
    if state.get("who", {}).get("who") != "child":
        steps += ["parent", "route"]
    steps.append("agree")
    answers = state.get("agree", {}).get("answers", {}).values()
    if any(a["response"] == "given" for a in answers):
        steps.append("health")
        if roles.can(user, roles.Clinical.TRIAGE) and any(
            a["answer"] == "yes" for a in state.get("health", {}).get("answers", [])
        ):
            steps.append("triage")
    if any(a["response"] == "refused" for a in answers):
        steps.append("reason")
    return [*steps, "check"]


def _record_url(session, child, step):
    if step == "who":
        return reverse("consent:record_start", args=[session.pk, child.pk])
    return reverse("consent:record_step", args=[session.pk, child.pk, step])


def _record_form(step, data, initial, *, session, child, programmes):
    if step == "who":
        return forms.WhoForm(data, initial=initial, relationships=list(child.relationships.select_related("parent")))
    if step == "parent":
        return forms.ParentDetailsForm(data, initial=initial)
    if step == "route":
        return forms.RouteForm(data, initial=initial)
    if step == "agree":
        return forms.AgreeForm(data, initial=initial, programmes=programmes, allow_no_response=True)
    if step == "health":
        return forms.HealthForm(data, initial=initial)
    if step == "triage":
        return forms.TriageForm(data, initial=initial)
    return forms.RefusalForm(data, initial=initial)


def record(request, session_id, child_id, step="who"):
    team = require_team(request)
    today = timezone.localdate()
    session = session_selectors.session_for_team(team, session_id)
    child = _child(session, child_id)
    if step not in RECORD_STEPS:
        raise Http404
    programmes = _eligible(session, child)
    key = _record_key(session, child)
    if step == "who" and request.method == "GET" and request.GET.get("restart") == "1":
        request.session.pop(key, None)
    state = request.session.get(key, {})
    if _answers_are_stale(state, programmes):
        # The session's programmes (or the child's eligibility) changed since the answers were
        # given: ask again rather than record some programmes and not others.
        state.pop("agree")
        request.session[key] = state
        messages.warning(request, "The programmes to ask about have changed. Answer again for each programme.")
    steps = _record_steps(state, request.user)
    if step != "who" and "who" not in state:
        return redirect(_record_url(session, child, "who"))
    if step not in steps:
        return redirect(_record_url(session, child, "check"))
    if step == "check":
        missing = [s for s in steps[:-1] if s not in state]
        if missing:
            return redirect(_record_url(session, child, missing[0]))
        if request.method == "POST":
            return _record_confirm(request, session, child, programmes, state)
        state["checking"] = True
        # One Confirm per set of answers (see _record_confirm): set before the page is shown, so
        # a second tab or a double click sends the same nonce.
        state.setdefault("nonce", secrets.token_hex(8))
        request.session[key] = state
        return render(
            request,
            "consent/record/check.jinja",
            _record_context(session, child, today, state, steps, step, None, programmes),
        )

    initial = state.get(step, {}).get("data")
    if step == "parent" and initial is None:
        initial = _parent_initial(child, state)
    data = request.POST if request.method == "POST" else None
    form = _record_form(step, data, initial, session=session, child=child, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        entry = {"data": {k: (v if isinstance(v, str) else str(v)) for k, v in form.cleaned_data.items()}}
        if step == "who":
            entry["who"] = form.cleaned_data["who"]
            if state.get("who", {}).get("who") != entry["who"]:
                state.pop("parent", None)  # a different person: their details, not the last one's
        if step in ("agree", "health"):
            entry["answers"] = form.answers()
        state[step] = entry
        request.session[key] = state
        steps = _record_steps(state, request.user)
        if state.get("checking"):
            return redirect(_record_url(session, child, "check"))
        return redirect(_record_url(session, child, steps[steps.index(step) + 1]))
    return render(
        request,
        f"consent/record/{step}.jinja",
        _record_context(session, child, today, state, steps, step, form, programmes),
    )


def _answers_are_stale(state, programmes) -> bool:
    answers = state.get("agree", {}).get("answers")
    return answers is not None and set(answers) != {p.code for p in programmes}


def _parent_initial(child, state):
    who = state.get("who", {}).get("who", "")
    if not who.startswith("parent:"):
        return {}
    relationship = child.relationships.select_related("parent").filter(parent_id=int(who.split(":")[1])).first()
    if relationship is None:
        return {}
    parent = relationship.parent
    return {
        "full_name": parent.full_name,
        "relationship": relationship.type,
        "other_relationship": relationship.other_name,
        "parental_responsibility": "yes" if relationship.parental_responsibility else "no",
        "email": parent.email,
        "phone": parent.phone,
        "phone_receive_updates": "yes" if parent.phone_receive_updates else "no",
    }


def _record_context(session, child, today, state, steps, step, form, programmes):
    index = steps.index(step)
    back = (
        reverse("sessions:child", args=[session.pk, child.pk])
        if index == 0
        else _record_url(session, child, steps[index - 1])
    )
    context = {
        "session": session,
        "child": ChildPresenter(child, today),
        "form": form,
        "step": step,
        "back_url": back,
        "action": _record_url(session, child, step),
        "programmes": programmes,
    }
    if step == "check":
        context["summary"] = _record_summary(session, child, state, steps, programmes)
    return context


def _record_summary(session, child, state, steps, programmes):
    urls = {s: _record_url(session, child, s) for s in RECORD_STEPS}
    rows = []

    def row(key, value, step, hidden):
        rows.append(
            {
                "key": {"text": key},
                "value": {"text": value},
                "actions": {"items": [{"href": urls[step], "text": "Change", "visuallyHiddenText": hidden}]},
            }
        )

    who = state["who"]["who"]
    if who == "child":
        row("Response from", f"{child.full_name} (Gillick competent)", "who", "who")
    else:
        p = state["parent"]["data"]
        row("Response from", p["full_name"], "who", "who")
        row(
            "Relationship",
            presenters.relationship_label(p["relationship"], p.get("other_relationship", "")),
            "parent",
            "relationship",
        )
        row("Email address", p.get("email") or "Not provided", "parent", "email address")
        row("Phone number", p.get("phone") or "Not provided", "parent", "phone number")
        row(
            "Get updates by text message",
            "Yes" if p.get("phone_receive_updates") == "yes" else "No",
            "parent",
            "text message updates",
        )
        row(
            "Method",
            dict(forms.RouteForm.base_fields["route"].choices)[state["route"]["data"]["route"]],
            "route",
            "how the response was given",
        )
    answers = state["agree"]["answers"]
    for programme in programmes:
        row(
            programme.name,
            presenters.answer_label(programme, answers[programme.code]),
            "agree",
            f"{programme.name} response",
        )
    if "health" in steps:
        for item in state["health"]["answers"]:
            row(item["question"], ("Yes: " + item["details"]) if item["answer"] == "yes" else "No", "health", "answer")
    if "triage" in steps:
        triage = state["triage"]["data"]
        row(
            "Is it safe to vaccinate?",
            presenters.triage_label(triage["status"]) + (f". {triage['notes']}" if triage.get("notes") else ""),
            "triage",
            "triage decision",
        )
    if "reason" in steps:
        reason = state["reason"]["data"]
        row(
            "Reason for refusal",
            presenters.refusal_reason_label(reason["reason"]) + (f": {reason['notes']}" if reason.get("notes") else ""),
            "reason",
            "reason for refusal",
        )
    return rows


def _record_confirm(request, session, child, programmes, state):
    team = session.team
    steps = _record_steps(state, request.user)
    who = state["who"]["who"]
    answers = state["agree"]["answers"]
    reason = state.get("reason", {}).get("data", {}) if "reason" in steps else {}
    health = state["health"]["answers"] if "health" in steps else []
    triage = None
    if "triage" in steps:
        triage = services.TriageDecision(
            status=state["triage"]["data"]["status"], notes=state["triage"]["data"].get("notes", "")
        )
    nonce = state.setdefault("nonce", secrets.token_hex(8))
    request.session[_record_key(session, child)] = state
    with transaction.atomic():
        if not services.consent_submission_claim(key=f"{_record_key(session, child)}:{nonce}"):
            request.session.pop(_record_key(session, child), None)
            messages.info(request, f"This consent response for {child.full_name} was already recorded")
            return redirect(reverse("consent:tab", args=[session.pk]))
        parent, label = None, ""
        if who != "child":
            p = state["parent"]["data"]
            existing = None
            if who.startswith("parent:"):
                relationship = child.relationships.select_related("parent").filter(parent_id=int(who[7:])).first()
                if relationship is None:
                    raise Http404
                existing = relationship.parent
            parent, relationship = services.parent_contact_save(
                team=team,
                child=child,
                parent=existing,
                details=services.ParentDetails(
                    full_name=p["full_name"],
                    relationship=p["relationship"],
                    other_relationship=p.get("other_relationship", ""),
                    email=p.get("email", ""),
                    phone=p.get("phone", ""),
                    phone_receive_updates=p.get("phone_receive_updates") == "yes",
                ),
            )
            label = relationship.label
        route = state["route"]["data"]["route"] if who != "child" else ConsentResponse.Route.SELF_CONSENT
        services.consent_response_record(
            team=team,
            child=child,
            session=session,
            answers=[
                services.ProgrammeAnswer(
                    programme=p,
                    response=answers[p.code]["response"],
                    flu_method=answers[p.code]["flu_method"],
                    refusal_reason=reason.get("reason", "") if answers[p.code]["response"] == "refused" else "",
                    refusal_notes=reason.get("notes", "") if answers[p.code]["response"] == "refused" else "",
                )
                for p in programmes
            ],
            route=route,
            parent=parent,
            relationship_label=label,
            health_answers=health,
            recorded_by=request.user,
            triage=triage,
        )
    request.session.pop(_record_key(session, child), None)
    messages.success(request, f"Consent recorded for {child.full_name}")
    kept = request.session.get(_tab_key(session), "")
    return redirect(reverse("consent:tab", args=[session.pk]) + (f"?{kept}" if kept else ""))


# --- Withdraw, invalidate, triage -------------------------------------------------------------------


def _response(session, child, response_id) -> ConsentResponse:
    response = get_for_team(ConsentResponse.objects.select_related("programme"), session.team, pk=response_id)
    if response.child_id != child.pk:
        raise Http404
    return response


def _response_action(request, session_id, child_id, response_id, action):
    team = require_team(request)
    session = session_selectors.session_for_team(team, session_id)
    child = _child(session, child_id)
    response = _response(session, child, response_id)
    back = reverse("sessions:child", args=[session.pk, child.pk])
    form = forms.ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service = services.consent_response_withdraw if action == "withdraw" else services.consent_response_invalidate
        try:
            service(response=response, reason=form.cleaned_data["reason"], by=request.user, session=session)
        except services.ConsentError as error:
            messages.error(request, str(error))
            return redirect(back)
        done = "withdrawn" if action == "withdraw" else "invalidated"
        messages.success(request, f"Response from {response.respondent_name} {done}")
        return redirect(back)
    return render(
        request,
        "consent/response_action.jinja",
        {
            "session": session,
            "child": child,
            "response": response,
            "summary": presenters.response_summary(response),
            "form": form,
            "action": action,
            "back_url": back,
        },
    )


def withdraw(request, session_id, child_id, response_id):
    return _response_action(request, session_id, child_id, response_id, "withdraw")


def invalidate(request, session_id, child_id, response_id):
    return _response_action(request, session_id, child_id, response_id, "invalidate")


@require_POST
def details_change(request, session_id, child_id, change_id, action):
    """Accept or dismiss details a parent typed on the online form."""
    if action not in ("accept", "dismiss"):
        raise Http404
    team = require_team(request)
    session = session_selectors.session_for_team(team, session_id)
    child = _child(session, child_id)
    change = get_for_team(ParentDetailsChange.objects.select_related("parent"), team, pk=change_id)
    if change.child_id != child.pk:
        raise Http404
    back = reverse("sessions:child", args=[session.pk, child.pk])
    try:
        services.parent_details_change_resolve(change=change, accept=action == "accept", by=request.user)
    except services.ConsentError as error:
        messages.error(request, str(error))
        return redirect(back)
    done = "saved" if action == "accept" else "dismissed"
    messages.success(request, f"Details from {change.full_name} {done}")
    return redirect(back)


def triage(request, session_id, child_id, programme_code):
    team = require_team(request)
    session = session_selectors.session_for_team(team, session_id)
    child = _child(session, child_id)
    programme = next((p for p in _eligible(session, child) if p.code == programme_code), None)
    if programme is None:
        raise Http404
    roles.require(request.user, roles.Clinical.TRIAGE)
    back = reverse("sessions:child", args=[session.pk, child.pk])
    form = forms.TriageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.triage_record(
            team=team,
            child=child,
            programme=programme,
            session=session,
            status=form.cleaned_data["status"],
            notes=form.cleaned_data["notes"],
            performed_by=request.user,
        )
        messages.success(request, f"Triage decision recorded for {child.full_name}")
        return redirect(back)
    return render(
        request,
        "consent/triage.jinja",
        {
            "session": session,
            "child": child,
            "programme": programme,
            "form": form,
            "back_url": back,
            "statuses": Triage.Status,
        },
    )
