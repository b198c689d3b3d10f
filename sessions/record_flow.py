"""Record vaccinations, one question per page (NHS design system), then Check and confirm.

The answers live in the Django session under one key per session, child and programme, so a
nurse can go back, change an answer or open another child's flow in a second tab without losing
anything. Every page reads the safety gate first; Confirm writes through the one write path,
sessions.services.vaccination_record_add, which checks everything again in its transaction
(an answer gone stale since, such as a batch archived meanwhile, is shown as an error on the
Check and confirm page, and the answers are kept)."""

import hashlib
import json
import logging
import uuid

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from redis.exceptions import RedisError

from mavis import roles
from mavis.forms import posted
from mavis.middleware import require_team
from patients.models import Batch, ProgrammeStatus, VaccinationRecord
from patients.presenters import ChildPresenter
from patients.statuses import child_statuses, consented_methods, recording_refused_reason
from sessions import selectors, services
from sessions.forms import (
    NO,
    NOT_VACCINATED_REASONS,
    PRE_SCREENING,
    YES,
    BatchChoiceForm,
    ConfirmForm,
    IdentityForm,
    InjectionSiteForm,
    OutcomeForm,
    PreScreeningForm,
    ReasonForm,
    VenueChoiceForm,
    pre_screening_questions,
)
from sessions.models import DefaultBatch, Venue
from sessions.status import is_session_day

logger = logging.getLogger(__name__)

STEP_TITLES = {
    "identity": "Identity",
    "pre-screening": "Pre-screening checks",
    "outcome": "Did they get the vaccine?",
    "batch": "Which batch did you use?",
    "site": "How was the injection given?",
    "venue": "Which venue are you at?",
    "reason": "Why did they not get it?",
    "check": "Check and confirm",
}


class Flow:
    """One child's answers for one programme in one session, and what they lead to."""

    def __init__(self, request, session, child, programme, today):
        self.request, self.session, self.child, self.programme, self.today = request, session, child, programme, today
        self.key = f"record-vaccination:{session.pk}:{child.pk}:{programme.code}"
        self.answers = dict(request.session.get(self.key, {}))
        status = child_statuses(child, [programme], session.academic_year)[programme.code]
        self.refused = recording_refused_reason(status, programme, child.full_name)
        row = ProgrammeStatus.objects.filter(
            child=child, programme=programme, academic_year=session.academic_year
        ).first()
        self.methods = (
            consented_methods(
                programme, consent=status["consent"], injection_accepted=bool(row and row.injection_accepted)
            )
            if status
            else []
        )
        self.questions = pre_screening_questions(programme, child)

    # --- what the answers point at (None when gone or never theirs) ---
    def batches(self):
        return list(
            Batch.objects.for_team(self.session.team)
            .usable(self.today)
            .filter(vaccine__programme=self.programme, vaccine__method__in=self.methods)
            .select_related("vaccine")
        )

    @property
    def batch(self):
        pk = self.answers.get("batch")
        if not pk:
            return None
        return Batch.objects.for_team(self.session.team).select_related("vaccine").filter(pk=pk).first()

    def venues(self):
        return list(Venue.objects.for_team(self.session.team).filter(archived_at__isnull=True))

    @property
    def venue(self):
        pk = self.answers.get("venue")
        return Venue.objects.for_team(self.session.team).filter(pk=pk).first() if pk else None

    @property
    def nasal(self) -> bool:
        batch = self.batch
        return batch is not None and batch.vaccine.record_methods == [VaccinationRecord.Method.NASAL]

    @property
    def screening_passed(self) -> bool:
        return set(self.questions) <= set(self.answers.get("checks", []))

    # --- the pages ---
    def steps(self) -> list[str]:
        steps = ["identity", "pre-screening", "outcome"]
        if self.answers.get("outcome") == YES:
            steps.append("batch")
            if self.batch is not None and not self.nasal:
                steps.append("site")
            if self.session.is_community_clinic:
                steps.append("venue")
        elif self.answers.get("outcome") == NO:
            steps.append("reason")
        return steps + ["check"]

    def answered(self, step) -> bool:
        a = self.answers
        return {
            "identity": "confirmed" in a,
            "pre-screening": "checks" in a,
            "outcome": "outcome" in a,
            "batch": self.batch is not None,
            "site": bool(a.get("method") and a.get("site")),
            "venue": self.venue is not None,
            "reason": "reason" in a,
        }.get(step, False)

    def next_step(self) -> str:
        return next((s for s in self.steps() if not self.answered(s)), "check")

    def url(self, step):
        return reverse("sessions:vaccinate_step", args=[self.session.pk, self.child.pk, self.programme.code, step])

    def save(self, **answers):
        self.answers.setdefault("attempt", uuid.uuid4().hex)  # one Confirm per set of answers (see _claim)
        self.answers.update(answers)
        self.request.session[self.key] = self.answers

    def clear(self):
        self.request.session.pop(self.key, None)

    def fingerprint(self) -> str:
        """The answers Check and confirm shows (not the notes typed on it): a Confirm from a page
        showing other answers (changed since in another tab) records nothing."""
        shown = {k: v for k, v in self.answers.items() if k != "notes"}
        return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _flow(request, session_id, child_id, programme_code):
    team = require_team(request)
    today = timezone.localdate()
    session = selectors.session_for_team(team, session_id)
    if not is_session_day(session, today):
        raise Http404("Not a session date")
    child = selectors.child_in_session(session, child_id)
    programme = next((p for p in session.programmes.all() if p.code == programme_code), None)
    if programme is None:
        raise Http404
    roles.require(request.user, roles.Clinical.RECORD_VACCINATION)
    return Flow(request, session, child, programme, today)


def _refused(flow):
    messages.error(flow.request, flow.refused)
    return redirect("sessions:child", flow.session.pk, flow.child.pk)


def start(request, session_id, child_id, programme_code):
    """Record <programme> vaccination: a fresh set of answers, then the first question."""
    flow = _flow(request, session_id, child_id, programme_code)
    if flow.refused:
        return _refused(flow)
    if request.method == "GET" and not request.GET.get("resume"):
        flow.clear()
        flow.answers = {}
    return redirect(flow.url(flow.next_step()))


def _form(flow, step, data):
    a = flow.answers
    if step == "identity":
        initial = {"confirmed": a.get("confirmed"), "confirmed_by": a.get("confirmed_by", "")}
        return IdentityForm(data, initial=initial)
    if step == "pre-screening":
        return PreScreeningForm(data, questions=flow.questions, initial={"checks": a.get("checks", [])})
    if step == "outcome":
        return OutcomeForm(data, screening_passed=flow.screening_passed, initial={"outcome": a.get("outcome")})
    if step == "batch":
        batches = flow.batches()
        chosen = flow.batch
        if chosen is None:
            # The nurse's default for today, when it is still in the list.
            defaults = DefaultBatch.objects.filter(user=flow.request.user, date=flow.today).values_list(
                "batch_id", flat=True
            )
            chosen = next((b for b in batches if b.pk in set(defaults)), None)
        return BatchChoiceForm(data, batches=batches, initial={"batch": str(chosen.pk) if chosen else None})
    if step == "site":
        batch = flow.batch
        return InjectionSiteForm(
            data, vaccine=batch.vaccine, initial={"method": a.get("method"), "site": a.get("site")}
        )
    if step == "venue":
        return VenueChoiceForm(data, venues=flow.venues(), initial={"venue": a.get("venue")})
    if step == "reason":
        return ReasonForm(data, initial={"reason": a.get("reason")})
    return ConfirmForm(data, initial={"notes": a.get("notes", ""), "answers": flow.fingerprint()})


def _save_step(flow, step, data):
    if step == "identity":
        flow.save(confirmed=data["confirmed"], confirmed_by=data["confirmed_by"].strip())
    elif step == "pre-screening":
        flow.save(checks=list(data["checks"]))
        if not flow.screening_passed and flow.answers.get("outcome") == YES:
            flow.answers.pop("outcome")  # "Yes" no longer stands: ask again
            flow.save()
    elif step == "outcome":
        flow.save(outcome=data["outcome"])
    elif step == "batch":
        batch = Batch.objects.select_related("vaccine").get(pk=data["batch"])
        answers = {"batch": batch.pk}
        if batch.vaccine.record_methods == [VaccinationRecord.Method.NASAL]:
            answers.update(method=VaccinationRecord.Method.NASAL, site=VaccinationRecord.Site.NOSE)
        elif flow.answers.get("method") not in batch.vaccine.record_methods:
            answers.update(method="", site="")
        flow.save(**answers)
        if data["make_default"]:
            services.default_batch_set(user=flow.request.user, date=flow.today, vaccine_batch=batch)
    elif step == "site":
        flow.save(method=data["method"], site=data["site"])
    elif step == "venue":
        flow.save(venue=int(data["venue"]))
    elif step == "reason":
        flow.save(reason=data["reason"])


ANSWERS_CHANGED = "The answers were changed in another tab or window: check them, then confirm"


def _claim_key(flow) -> str:
    return f"{flow.key}:{flow.answers.get('attempt')}"


def _claim(flow) -> bool:
    """The first Confirm of these answers. A double click or a second tab sends them again
    before the first request cleared them from the session (the status lock does not stop a
    second not-vaccinated outcome, nor a second message to the parents)."""
    try:
        return cache.add(_claim_key(flow), 1, 60 * 60)
    except RedisError:
        logger.warning("Record vaccinations: Redis unavailable, Confirm not guarded against a repeat", exc_info=True)
        return True  # a nurse in a clinic must still be able to record


def _confirm(flow, form):
    a = flow.answers
    given = a.get("outcome") == YES
    try:
        record = services.vaccination_record_add(
            session=flow.session,
            child=flow.child,
            programme=flow.programme,
            outcome=VaccinationRecord.Outcome.VACCINATED if given else a.get("reason", ""),
            user=flow.request.user,
            vaccine_batch=flow.batch if given else None,
            method=a.get("method", "") if given else "",
            site=a.get("site", "") if given else "",
            venue=flow.venue if given else None,
            notes=form.cleaned_data["notes"],
            identity_confirmed_by=a.get("confirmed_by", ""),
            pre_screening={key: key in a.get("checks", []) for key in flow.questions},
            today=flow.today,
        )
    except ValidationError as error:
        cache.delete(_claim_key(flow))  # not recorded: the nurse may confirm again once it is put right
        flow.save(notes=form.cleaned_data["notes"])
        for message in error.messages:
            form.add_error(None, message)
        return None
    flow.clear()
    return record


@require_http_methods(["GET", "POST"])
def step(request, session_id, child_id, programme_code, step):
    flow = _flow(request, session_id, child_id, programme_code)
    if step not in STEP_TITLES:
        raise Http404
    if flow.refused:
        return _refused(flow)
    steps = flow.steps()
    # A page the answers do not lead to (or a later page before an earlier answer): the next question.
    needed = flow.next_step()
    if step not in steps or steps.index(step) > steps.index(needed):
        return redirect(flow.url(needed))
    form = _form(flow, step, posted(request))
    if request.method == "POST" and form.is_valid():
        if step == "check":
            shown = form.cleaned_data["answers"]
            if shown and shown != flow.fingerprint():
                data = request.POST.copy()
                data["answers"] = flow.fingerprint()  # the page shows the answers as they are now
                form = _form(flow, step, data)
                form.is_valid()
                form.add_error(None, ANSWERS_CHANGED)
            elif not _claim(flow):
                flow.clear()
                messages.info(request, f"This outcome for {flow.child.full_name} was already submitted")
                return redirect("sessions:child", flow.session.pk, flow.child.pk)
            elif record := _confirm(flow, form):
                messages.success(request, f"Vaccination outcome recorded for {flow.child.full_name}")
                if not record.administered:
                    # The child's page shows what can follow (the clinic's Invite to community clinic).
                    return redirect("sessions:child", flow.session.pk, flow.child.pk)
                return redirect(reverse("sessions:record", args=[flow.session.pk]) + f"?programme={programme_code}")
        else:
            _save_step(flow, step, form.cleaned_data)
            return redirect(flow.url(flow.next_step()))
    index = steps.index(step)
    context = {
        "session": flow.session,
        "child": ChildPresenter(flow.child, flow.today),
        "programme": flow.programme,
        "step": step,
        "title": STEP_TITLES[step],
        "form": form,
        "back_href": flow.url(steps[index - 1])
        if index
        else reverse("sessions:child", args=[flow.session.pk, flow.child.pk]),
        "rows": _summary(flow) if step == "check" else [],
        "no_batches": step == "batch" and not form.fields["batch"].choices,
        "no_venues": step == "venue" and not form.fields["venue"].choices,
    }
    return render(request, "sessions/record_step.jinja", context)


def _summary(flow):
    """The Check and confirm rows: (question, answer, step to change it)."""
    a = flow.answers
    rows = [
        ("Child", flow.child.full_name, None),
        ("Identity confirmed by", a.get("confirmed_by") or "The child", "identity"),
        (
            "Pre-screening checks",
            [PRE_SCREENING[k] if k in a.get("checks", []) else f"Not true: {PRE_SCREENING[k]}" for k in flow.questions],
            "pre-screening",
        ),
        ("Did they get the vaccine?", "Yes" if a.get("outcome") == YES else "No", "outcome"),
    ]
    if a.get("outcome") == YES:
        batch = flow.batch
        rows.append(("Vaccine", batch.vaccine.brand if batch else "", "batch"))
        rows.append(("Batch", batch.number if batch else "", "batch"))
        rows.append(("Method", VaccinationRecord.Method(a["method"]).label if a.get("method") else "", "site"))
        rows.append(("Site", VaccinationRecord.Site(a["site"]).label if a.get("site") else "", "site"))
        if flow.session.is_community_clinic:
            venue = flow.venue
            rows.append(("Venue", venue.name if venue else "", "venue"))
    else:
        reasons = dict(NOT_VACCINATED_REASONS)
        rows.append(("Why did they not get it?", reasons.get(a.get("reason"), ""), "reason"))
    # Nasal spray: method and site follow from the batch, so they change with it.
    return [
        {"key": key, "value": value, "href": flow.url("batch" if s == "site" and flow.nasal else s) if s else None}
        for key, value, s in rows
    ]
