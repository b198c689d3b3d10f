"""The parents' online consent form: no login, reached only through the personal link.

Answers are kept server-side in the (anonymous) Django session, per link, until submitted.
Every step validates on the server and re-shows what was typed on an error.
"""

import hashlib
import secrets

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from consent import forms, presenters, services, tokens
from consent.models import ConsentResponse
from patients.models import Child, Parent
from sessions.models import Session

STEPS = ["start", "parent", "consent", "health", "reason", "check"]


class _Link:
    """What a valid token gives: the child, session and programmes (all of one team)."""

    def __init__(self, token, child, session, programmes, parent):
        self.token = token
        self.child = child
        self.parent = parent  # None for a link sent before links named their parent
        self.session = session
        self.team = session.team
        self.programmes = programmes
        self.key = "consent_form:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def _load(token) -> _Link:
    link = tokens.read_token(token)
    session = Session.objects.select_related("team", "school").filter(pk=link.session_id).first()
    if session is None:
        raise tokens.InvalidToken("unknown")
    child = (
        Child.objects.not_blocked()
        .filter(pk=link.child_id, team_id=session.team_id, session_memberships__session=session)
        .first()
    )
    if child is None:
        raise tokens.InvalidToken("unknown", team=session.team)
    if not tokens.window_open(session, timezone.localdate()):
        raise tokens.InvalidToken("expired", team=session.team)
    programmes = list(session.programmes.filter(pk__in=link.programme_ids).order_by("name"))
    if not programmes:
        raise tokens.InvalidToken("unknown", team=session.team)
    parent = None
    if link.parent_id is not None:
        # The parent must still be one of the child's contacts.
        parent = Parent.objects.filter(pk=link.parent_id, relationships__child=child).first()
        if parent is None:
            raise tokens.InvalidToken("unknown", team=session.team)
    return _Link(token, child, session, programmes, parent)


def _invalid(request, error: tokens.InvalidToken):
    status = 410 if str(error) == "expired" else 404
    return render(
        request, "consent/parent/invalid_link.jinja", {"team": error.team, "expired": status == 410}, status=status
    )


def _state(request, link) -> dict:
    return request.session.setdefault(link.key, {})


def _save(request, link, state):
    request.session[link.key] = state
    request.session.modified = True


def _answers(state) -> dict:
    return state.get("consent", {}).get("answers", {})


def _steps(state) -> list[str]:
    answers = _answers(state).values()
    steps = ["start", "parent", "consent"]
    if any(a["response"] == "given" for a in answers):
        steps.append("health")
    if any(a["response"] == "refused" for a in answers):
        steps.append("reason")
    return [*steps, "check"]


def _url(link, step):
    if step == "start":
        return reverse("consent:parent_form", args=[link.token])
    return reverse("consent:parent_form_step", args=[link.token, step])


def _next(link, state, step):
    # From a change link on the check page, go back there (it sends on to any step now missing).
    if state.get("checking"):
        return redirect(_url(link, "check"))
    steps = _steps(state)
    return redirect(_url(link, steps[steps.index(step) + 1]))


def _back(link, state, step):
    steps = _steps(state)
    if step == "check" or step not in steps:
        return _url(link, steps[-2]) if step == "check" else _url(link, "start")
    index = steps.index(step)
    return _url(link, steps[index - 1]) if index > 0 else None


@login_not_required
@never_cache
def parent_form(request, token, step="start"):
    try:
        link = _load(token)
    except tokens.InvalidToken as error:
        return _invalid(request, error)
    if step not in STEPS:
        raise Http404
    state = _state(request, link)
    if "consent" in state and not {p.code for p in link.programmes} <= set(_answers(state)):
        # A vaccination was added back to the session since the parent answered: ask again.
        del state["consent"]
        _save(request, link, state)
    if step != "start" and not state.get("start"):
        return redirect(_url(link, "start"))
    if step in ("health", "reason") and step not in _steps(state):
        return redirect(_url(link, "check"))
    if step == "check":
        missing = [s for s in _steps(state)[:-1] if s not in state]
        if missing:
            return redirect(_url(link, missing[0]))
        if request.method == "POST":
            return _submit(request, link, state)
        return _render(request, link, state, step, None)

    form = _form(
        link, step, request.POST if request.method == "POST" else None, initial=state.get(step, {}).get("data")
    )
    if request.method == "POST" and form.is_valid():
        if step == "start" and form.cleaned_data["confirm"] == "no":
            return render(request, "consent/parent/not_your_child.jinja", {"team": link.team})
        entry = {"data": {k: (v if isinstance(v, str) else str(v)) for k, v in form.cleaned_data.items()}}
        if step in ("consent", "health"):
            entry["answers"] = form.answers()
        state[step] = entry
        _save(request, link, state)
        return _next(link, state, step)
    return _render(request, link, state, step, form)


def _form(link, step, data, initial):
    if step == "start":
        return forms.ConfirmChildForm(data, initial=initial)
    if step == "parent":
        return forms.ParentDetailsForm(data, initial=initial, email_required=True)
    if step == "consent":
        return forms.AgreeForm(data, initial=initial, programmes=link.programmes)
    if step == "health":
        return forms.HealthForm(data, initial=initial)
    return forms.RefusalForm(data, initial=initial)


def _render(request, link, state, step, form):
    context = {
        "link": link,
        "child": link.child,
        "team": link.team,
        "session": link.session,
        "programmes": link.programmes,
        "form": form,
        "step": step,
        "back_url": _back(link, state, step),
        "action": _url(link, step),
    }
    if step == "check":
        state["checking"] = True
        state.setdefault("nonce", secrets.token_hex(8))
        _save(request, link, state)
        context["summary"] = _summary(link, state)
    return render(request, f"consent/parent/{step}.jinja", context)


def _summary(link, state) -> dict:
    parent = state["parent"]["data"]
    answers = _answers(state)
    return {
        "parent": parent,
        "relationship": presenters.relationship_label(parent["relationship"], parent.get("other_relationship", "")),
        "answers": [(p, presenters.answer_label(p, answers[p.code])) for p in link.programmes],
        "health": presenters.health_rows(state.get("health", {}).get("answers", []))
        if "health" in _steps(state)
        else [],
        "reason": presenters.refusal_reason_label(state["reason"]["data"]["reason"])
        if "reason" in _steps(state)
        else "",
        "reason_notes": state.get("reason", {}).get("data", {}).get("notes", "") if "reason" in _steps(state) else "",
        "urls": {step: _url(link, step) for step in STEPS},
    }


def _submit(request, link, state):
    # A double click (or two tabs) submits once: the first request claims this set of answers.
    nonce = state.setdefault("nonce", secrets.token_hex(8))
    _save(request, link, state)
    parent_data = state["parent"]["data"]
    details = services.ParentDetails(
        full_name=parent_data["full_name"],
        relationship=parent_data["relationship"],
        other_relationship=parent_data.get("other_relationship", ""),
        email=parent_data.get("email", ""),
        phone=parent_data.get("phone", ""),
        phone_receive_updates=parent_data.get("phone_receive_updates") == "yes",
    )
    answers = _answers(state)
    reason = state.get("reason", {}).get("data", {})
    health = state.get("health", {}).get("answers", []) if "health" in _steps(state) else []
    done = {
        "review": any(a["answer"] == "yes" for a in health),
        # The confirmation goes to the stored parent's contacts: name them only to that parent.
        "email": link.parent.email if link.parent and link.parent.email == details.email.strip().lower() else "",
        # What was agreed, so the done page can say it back to the parent.
        "answers": [[p.name, presenters.answer_label(p, answers[p.code])] for p in link.programmes],
    }
    with transaction.atomic():
        if not services.consent_submission_claim(key=f"{link.key}:{nonce}"):
            # Claimed already: by another tab, or by the first of a double click, which loaded the
            # session with this one; this request may save it last, so it says done as well.
            return _done(request, link, done)
        # Answers count for the link's parent; typed details never replace a stored parent.
        parent, relationship_label = services.online_respondent_resolve(
            team=link.team, child=link.child, linked_parent=link.parent, details=details
        )
        services.consent_response_record(
            team=link.team,
            child=link.child,
            session=link.session,
            answers=[
                services.ProgrammeAnswer(
                    programme=p,
                    response=answers[p.code]["response"],
                    flu_method=answers[p.code]["flu_method"],
                    refusal_reason=reason.get("reason", "") if answers[p.code]["response"] == "refused" else "",
                    refusal_notes=reason.get("notes", "") if answers[p.code]["response"] == "refused" else "",
                )
                for p in link.programmes
            ],
            route=ConsentResponse.Route.ONLINE,
            parent=parent,
            relationship_label=relationship_label,
            health_answers=health,
            # Only a linked parent's stored contacts get a confirmation.
            send_confirmation=link.parent is not None,
        )
    return _done(request, link, done)


def _done(request, link, done):
    request.session.pop(link.key, None)
    request.session[link.key + ":done"] = done
    return redirect(reverse("consent:parent_form_done", args=[link.token]))


@login_not_required
@never_cache
def parent_form_done(request, token):
    try:
        link = _load(token)
    except tokens.InvalidToken as error:
        return _invalid(request, error)
    done = request.session.get(link.key + ":done")
    if not done:
        return redirect(_url(link, "start"))
    context = {"child": link.child, "team": link.team, "session": link.session, "answers": [], **done}
    return render(request, "consent/parent/done.jinja", context)
