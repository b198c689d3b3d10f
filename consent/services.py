"""Every write about consent: responses, withdrawals, invalidations, requests and triage.

Each service is atomic, audited, and adds the child's activity event for the session.
Messages to parents go through notifications.services inside the same transaction (the outbox
commits or rolls back with the consent record): consent requests, a bulk kind, through the
set-based family_messages_enqueue_sql; one-off confirmations through family_messages_enqueue.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from consent import tokens
from consent.models import (
    ConsentFormSubmission,
    ConsentRequest,
    ConsentResponse,
    FluMethod,
    ParentDetailsChange,
    Triage,
)
from consent.statuses import consent_status_refresh, counting_responses
from mavis import audit, roles
from mavis.dates import date_long, date_short
from mavis.repeats import just_written
from notifications.services import FamilyMessage, family_messages_enqueue, family_messages_enqueue_sql
from patients.models import Child, Parent, ParentRelationship, VaccinationRecord
from patients.phone import normalise_phone
from sessions.models import ActivityEvent


class ConsentError(Exception):
    """A write that cannot be done, with a message for the user."""


@dataclass
class ProgrammeAnswer:
    programme: object
    response: str  # ConsentResponse.Response
    flu_method: str = ""
    refusal_reason: str = ""
    refusal_notes: str = ""


@dataclass
class TriageDecision:
    status: str
    notes: str = ""
    flu_method: str = ""


@dataclass
class ParentDetails:
    full_name: str
    relationship: str  # ParentRelationship.Type
    other_relationship: str = ""
    email: str = ""
    phone: str = ""
    phone_receive_updates: bool = False
    extra: dict = field(default_factory=dict)


def _actor_name(user) -> str:
    if user is not None:
        return user.display_name
    actor = audit.current_actor()
    return actor.user.display_name if actor.user else "automatic"


def _event(*, team, child, session, kind, user, text, details=None, actor=None):
    return ActivityEvent.objects.create(
        team=team,
        child=child,
        session=session,
        kind=kind,
        user=user,
        actor=actor or _actor_name(user),
        text=text[:1000],
        details=details or {},
    )


def parent_contact_save(*, team, child, details: ParentDetails, parent=None) -> tuple[Parent, ParentRelationship]:
    """Add a new parental contact to the child, or update an existing parent's details."""
    with transaction.atomic():
        if parent is None:
            parent = Parent(team=team)
        elif parent.team_id != team.pk:
            raise ConsentError("That parent is not in your team.")
        parent.full_name = details.full_name.strip()
        parent.email = details.email.strip().lower()
        parent.phone = normalise_phone(details.phone)
        parent.phone_receive_updates = bool(details.phone_receive_updates and parent.phone)
        parent.save()
        relationship, _ = ParentRelationship.objects.update_or_create(
            child=child,
            parent=parent,
            defaults={
                "type": details.relationship,
                "other_name": details.other_relationship if details.relationship == "other" else "",
                "parental_responsibility": True,
            },
        )
        audit.record("consent.parent_contact_saved", parent, team=team, child_id=child.pk)
    return parent, relationship


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _details_differ(parent: Parent, relationship: ParentRelationship | None, details: ParentDetails) -> bool:
    # A field left blank on the form is not a change: only what the parent typed counts.
    email = details.email.strip().lower()
    phone = normalise_phone(details.phone)
    return (
        not _same_name(parent.full_name, details.full_name)
        or (email and email != parent.email.lower())
        or (phone and phone != normalise_phone(parent.phone))
        or (phone and details.phone_receive_updates != parent.phone_receive_updates)
        or relationship is None
        or relationship.type != details.relationship
        or (details.relationship == "other" and relationship.other_name != details.other_relationship)
    )


def _details_change(*, team, child, parent, kind, details: ParentDetails) -> ParentDetailsChange:
    phone = normalise_phone(details.phone)
    change = ParentDetailsChange.objects.create(
        team=team,
        child=child,
        parent=parent,
        kind=kind,
        full_name=details.full_name.strip(),
        relationship=details.relationship,
        other_relationship=details.other_relationship if details.relationship == "other" else "",
        email=details.email.strip().lower(),
        phone=phone,
        phone_receive_updates=bool(details.phone_receive_updates and phone),
    )
    audit.record("consent.parent_details_change_recorded", change, team=team, kind=kind)
    return change


def online_respondent_resolve(*, team, child, linked_parent, details: ParentDetails) -> tuple[Parent, str]:
    """Who an online answer is recorded for, and the relationship label to show.

    The link's parent, always: details that differ from the stored ones (or that look like
    someone else's, a forwarded link) are kept as a ParentDetailsChange for a nurse. A link that
    names no parent (sent before links did) records for a new parent record that is not a
    contact of the child until a nurse accepts it; never one found by the typed email.
    """
    if linked_parent is None:
        parent = Parent.objects.create(
            team=team,
            full_name=details.full_name.strip(),
            email=details.email.strip().lower(),
            phone=normalise_phone(details.phone),
            phone_receive_updates=bool(details.phone_receive_updates and details.phone),
        )
        _details_change(team=team, child=child, parent=parent, kind=ParentDetailsChange.Kind.UNLINKED, details=details)
        label = ParentRelationship(type=details.relationship, other_name=details.other_relationship).label
        return parent, label
    relationship = ParentRelationship.objects.filter(child=child, parent=linked_parent).first()
    if _details_differ(linked_parent, relationship, details):
        email = details.email.strip().lower()
        same_person = _same_name(linked_parent.full_name, details.full_name) or (
            email and email == linked_parent.email.lower()
        )
        kind = ParentDetailsChange.Kind.DETAILS if same_person else ParentDetailsChange.Kind.OTHER_RESPONDENT
        _details_change(team=team, child=child, parent=linked_parent, kind=kind, details=details)
    return linked_parent, relationship.label if relationship else ""


def parent_details_change_resolve(*, change: ParentDetailsChange, accept: bool, by) -> ParentDetailsChange:
    """A nurse accepts (applies) or dismisses details a parent typed on the online form."""
    with transaction.atomic():
        change = ParentDetailsChange.objects.select_for_update().get(pk=change.pk)
        if change.resolved_at:
            raise ConsentError("These details have already been dealt with.")
        if accept:
            details = ParentDetails(
                full_name=change.full_name,
                relationship=change.relationship,
                other_relationship=change.other_relationship,
                email=change.email or (change.parent.email if change.kind == change.Kind.DETAILS else ""),
                phone=change.phone or (change.parent.phone if change.kind == change.Kind.DETAILS else ""),
                phone_receive_updates=change.phone_receive_updates
                if change.phone or change.kind != change.Kind.DETAILS
                else change.parent.phone_receive_updates,
            )
            # Someone else on a forwarded link becomes a new contact; the others update their record.
            target = None if change.kind == change.Kind.OTHER_RESPONDENT else change.parent
            parent_contact_save(team=change.team, child=change.child, details=details, parent=target)
        change.resolved_at = timezone.now()
        change.resolved_by = by
        change.accepted = accept
        change.save(update_fields=["resolved_at", "resolved_by", "accepted"])
        audit.record("consent.parent_details_change_resolved", change, team=change.team, accepted=accept)
    return change


def _describe(answer: ProgrammeAnswer) -> str:
    name = answer.programme.name
    if answer.response == ConsentResponse.Response.GIVEN:
        method = f" ({FluMethod(answer.flu_method).label.lower()})" if answer.flu_method else ""
        return f"Consent given for {name}{method}"
    if answer.response == ConsentResponse.Response.REFUSED:
        return f"Consent refused for {name}"
    return f"No response for {name}"


def consent_submission_claim(*, key: str) -> bool:
    """Claims one set of answers inside the caller's transaction, before they are recorded:
    False when another request already recorded them (a double click, or a second tab, that
    sends the same answers again). A second request waits here until the first commits or rolls
    back, and a rolled-back attempt leaves nothing claimed."""
    try:
        with transaction.atomic():
            ConsentFormSubmission.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def consent_response_record(
    *,
    team,
    child: Child,
    session,
    answers: list[ProgrammeAnswer],
    route: str,
    parent: Parent | None = None,
    relationship_label: str = "",
    respondent_name: str = "",
    health_answers: list | tuple = (),
    notes: str = "",
    recorded_by=None,
    triage: TriageDecision | None = None,
    send_confirmation: bool = True,
) -> list[ConsentResponse]:
    """Record one response per programme from one respondent (a parent, or the child when
    `parent` is None: Gillick competent self-consent), in one transaction."""
    if child.team_id != team.pk or session.team_id != team.pk:
        raise ConsentError("Not in your team.")
    if not answers:
        raise ConsentError("Choose at least one programme.")
    needs_triage = any(a.get("answer") == "yes" for a in health_answers)
    respondent = ConsentResponse.Respondent.PARENT if parent else ConsentResponse.Respondent.CHILD
    name = parent.full_name if parent else (respondent_name or child.full_name)
    with transaction.atomic():
        # One writer per child at a time keeps "latest per respondent" well ordered.
        Child.objects.select_for_update().filter(pk=child.pk).first()
        responses = []
        for answer in answers:
            given = answer.response == ConsentResponse.Response.GIVEN
            refused = answer.response == ConsentResponse.Response.REFUSED
            response = ConsentResponse.objects.create(
                team=team,
                child=child,
                programme=answer.programme,
                academic_year=session.academic_year,
                session=session,
                respondent=respondent,
                parent=parent,
                respondent_key=ConsentResponse.key_for(parent),
                respondent_name=name,
                respondent_relationship=relationship_label if parent else "Child (Gillick competent)",
                response=answer.response,
                route=route,
                flu_method=answer.flu_method if given and answer.programme.is_flu else "",
                refusal_reason=answer.refusal_reason if refused else "",
                refusal_notes=answer.refusal_notes if refused else "",
                notes=notes,
                health_answers=list(health_answers) if given else [],
                needs_triage=needs_triage and given,
                recorded_by=recorded_by,
            )
            responses.append(response)
            consent_status_refresh(child_id=child.pk, programme=answer.programme, academic_year=session.academic_year)
            via = ConsentResponse.Route(route).label.lower()
            _event(
                team=team,
                child=child,
                session=session,
                kind=ActivityEvent.Kind.CONSENT_RECORDED,
                user=recorded_by,
                actor=_actor_name(recorded_by) if recorded_by else name,
                text=f"{_describe(answer)} by {name}"
                + (f" ({relationship_label})" if parent and relationship_label else "")
                + f" ({via})",
                details={"consent_response_id": response.pk, "programme": answer.programme.code},
            )
            audit.record("consent.response_recorded", response, team=team, response=answer.response, route=route)
            if triage and given and needs_triage:
                triage_record(
                    team=team,
                    child=child,
                    programme=answer.programme,
                    session=session,
                    status=triage.status,
                    notes=triage.notes,
                    flu_method=triage.flu_method,
                    performed_by=recorded_by,
                )
        if send_confirmation and parent is not None:
            _send_confirmation(
                team=team,
                child=child,
                session=session,
                parent=parent,
                answers=answers,
                needs_triage=needs_triage and triage is None,
                sent_by=recorded_by,
            )
    return responses


def _send_confirmation(*, team, child, session, parent, answers, needs_triage, sent_by):
    given = [a.programme.name for a in answers if a.response == ConsentResponse.Response.GIVEN]
    refused = [a.programme.name for a in answers if a.response == ConsentResponse.Response.REFUSED]
    if not given and not refused:
        return
    if given and needs_triage:
        kind = "consent_confirmation_triage"
    elif given:
        kind = "consent_confirmation_given"
    else:
        kind = "consent_confirmation_refused"
    personalisation = {
        "child_name": child.full_name,
        "parent_name": parent.full_name,
        "programmes_given": ", ".join(given),
        "programmes_refused": ", ".join(refused),
        "location": session.location_name,
        "team_name": team.name,
        "team_phone": team.phone,
        "team_email": team.email,
    }
    family_messages_enqueue(
        team=team,
        kind=kind,
        items=[FamilyMessage(child, personalisation, session=session, parents=[parent], sms_needs_opt_in=True)],
        sent_by=sent_by,
    )


# --- The parents' message after a vaccination outcome (sessions' vaccination_recorded hook) -----------

Outcome = VaccinationRecord.Outcome

WHAT_TO_EXPECT = {
    "nasal": "Your child may have a runny or blocked nose, a headache, feel tired or not want to eat "
    "much for a day or two.",
    "injection": "The place where the injection was given may be sore, red or swollen for a day or two. "
    "Your child may also have a headache, feel sick or have a mild fever.",
}

# Why the child was not vaccinated, in the parents' words, and what happens next.
NOT_GIVEN = {
    Outcome.ABSENT: (
        "they were not at the session",
        "We will offer {name} another appointment, for example at one of our community clinics. "
        "You can book a community clinic appointment now: {booking_link}",
    ),
    Outcome.UNWELL: (
        "they were not well enough to have it",
        "We will offer {name} another appointment when they are better, for example at one of our "
        "community clinics. You can book a community clinic appointment now: {booking_link}",
    ),
    Outcome.REFUSED: (
        "they did not want to have it on the day",
        "Your consent still stands. If you would like {name} to have the vaccination another time, "
        "contact us and we will arrange it.",
    ),
    Outcome.CONTRAINDICATIONS: (
        "the nurse decided it should not be given that day",
        "A nurse will contact you to talk about whether and when {name} can have the vaccination.",
    ),
}


def vaccination_outcome_message_enqueue(*, record, session, user=None, **_) -> list:
    """Tell the parents what happened: a confirmation after a dose, or why there was none and
    what happens next. Called inside the transaction that writes the record.

    It goes to the parents whose consent counts and gives consent for the programme (a child
    who consented alone, as Gillick competent, is not reported to their parents), by email and,
    where they chose it, by text; never to a blocked family (deceased, restricted, ...). The
    record's key makes it once per record, parent and channel.
    """
    child = record.child
    if record.outcome == Outcome.VACCINATED:
        kind = "vaccination_confirmation"
    elif record.outcome in NOT_GIVEN:
        kind = "vaccination_not_given"
    else:
        return []  # already had it: the parents told us
    if not Child.objects.filter(pk=child.pk).not_blocked().exists():
        return []
    responses = ConsentResponse.objects.filter(
        child=child, programme=record.programme, academic_year=session.academic_year
    ).select_related("parent")
    parents = [
        r.parent for r in counting_responses(responses) if r.response == ConsentResponse.Response.GIVEN and r.parent
    ]
    if not parents:
        return []
    team = session.team
    personalisation = {
        "child_name": child.full_name,
        "child_short_name": child.short_name,
        "vaccination_date": date_long(timezone.localdate(record.performed_at)),
        "location": record.location_name or session.location_name,
        "team_name": team.name,
        "team_phone": team.phone,
        "team_email": team.email,
    }
    if kind == "vaccination_confirmation":
        nasal = record.method == VaccinationRecord.Method.NASAL
        personalisation |= {
            "vaccine": f"{record.programme.name} ({record.vaccine})" if record.vaccine else record.programme.name,
            "site": "nasal spray" if nasal else f"injection in the {record.get_site_display().lower()}",
            "what_to_expect": WHAT_TO_EXPECT["nasal" if nasal else "injection"],
        }
    else:
        reason, next_steps = NOT_GIVEN[record.outcome]
        personalisation |= {
            "programme": record.programme.name,
            "reason": reason,
            "next_steps": next_steps.format(name=child.short_name, booking_link=team.booking_link),
        }
    return family_messages_enqueue(
        team=team,
        kind=kind,
        items=[
            FamilyMessage(
                child,
                personalisation,
                session=session,
                parents=parents,
                sms_needs_opt_in=True,
                key=f"vaccination_record:{record.pk}",
            )
        ],
        sent_by=user,
    )


def _refresh(response: ConsentResponse) -> None:
    consent_status_refresh(
        child_id=response.child_id, programme=response.programme, academic_year=response.academic_year
    )


def consent_response_withdraw(*, response: ConsentResponse, reason: str, by, session=None) -> ConsentResponse:
    """The respondent takes back their consent; kept, with who and why."""
    if not reason.strip():
        raise ConsentError("Enter why consent was withdrawn.")
    with transaction.atomic():
        response = ConsentResponse.objects.select_for_update().get(pk=response.pk)
        if response.withdrawn_at or response.invalidated_at:
            raise ConsentError("This response has already been withdrawn or invalidated.")
        response.withdrawn_at = timezone.now()
        response.withdrawn_by = by
        response.withdrawn_reason = reason.strip()
        response.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        _refresh(response)
        _event(
            team=response.team,
            child=response.child,
            session=session or response.session,
            kind=ActivityEvent.Kind.CONSENT_WITHDRAWN,
            user=by,
            text=f"Consent for {response.programme.name} from {response.respondent_name} withdrawn: {reason.strip()}",
            details={"consent_response_id": response.pk},
        )
        audit.record("consent.response_withdrawn", response, reason=reason.strip())
    return response


def consent_response_invalidate(*, response: ConsentResponse, reason: str, by, session=None) -> ConsentResponse:
    """The response was recorded in error; kept, with who and why, but never counts."""
    if not reason.strip():
        raise ConsentError("Enter why the response is invalid.")
    with transaction.atomic():
        response = ConsentResponse.objects.select_for_update().get(pk=response.pk)
        if response.invalidated_at:
            raise ConsentError("This response has already been invalidated.")
        response.invalidated_at = timezone.now()
        response.invalidated_by = by
        response.invalidated_reason = reason.strip()
        response.save(update_fields=["invalidated_at", "invalidated_by", "invalidated_reason"])
        _refresh(response)
        _event(
            team=response.team,
            child=response.child,
            session=session or response.session,
            kind=ActivityEvent.Kind.CONSENT_INVALIDATED,
            user=by,
            text=f"Response for {response.programme.name} from {response.respondent_name} invalidated: {reason.strip()}",
            details={"consent_response_id": response.pk},
        )
        audit.record("consent.response_invalidated", response, reason=reason.strip())
    return response


def triage_record(
    *, team, child, programme, session, status: str, notes: str = "", flu_method: str = "", performed_by=None
) -> Triage:
    roles.require(performed_by, roles.Clinical.TRIAGE)
    with transaction.atomic():
        Child.objects.select_for_update().filter(pk=child.pk).first()  # a double click's second request waits here
        decision = {
            "child": child,
            "programme": programme,
            "academic_year": session.academic_year,
            "session": session,
            "status": status,
            "flu_method": flu_method if programme.is_flu else "",
            "notes": notes,
            "performed_by": performed_by,
        }
        repeat = just_written(Triage.objects.filter(**decision))
        if repeat is not None:
            return repeat
        triage = Triage.objects.create(team=team, **decision)
        consent_status_refresh(child_id=child.pk, programme=programme, academic_year=session.academic_year)
        _event(
            team=team,
            child=child,
            session=session,
            kind=ActivityEvent.Kind.TRIAGE,
            user=performed_by,
            text=f"Triaged for {programme.name}: {Triage.Status(status).label}" + (f". {notes}" if notes else ""),
            details={"triage_id": triage.pk, "programme": programme.code},
        )
        audit.record("consent.triage_recorded", triage, team=team, status=status)
    return triage


def consent_link(*, child, session, programmes, parent) -> str:
    token = tokens.make_token(child=child, session=session, programmes=programmes, parent=parent)
    return settings.MAVIS_BASE_URL + reverse("consent:parent_form", args=[token])


def consent_request_send(*, team, session, child, programmes, sent_by=None) -> ConsentRequest:
    """Email (and text) each contactable parent a personal link to the online consent form."""
    if child.team_id != team.pk or session.team_id != team.pk:
        raise ConsentError("Not in your team.")
    programmes = list(programmes)
    if not tokens.window_open(session):
        # The link would open on "This link has expired": the parent must be phoned instead.
        raise ConsentError(window_closed_message(session))
    with transaction.atomic():
        locked = Child.objects.select_for_update().get(pk=child.pk)
        recent = just_written(ConsentRequest.objects.filter(child=locked, session=session), at="sent_at")
        if recent:
            return recent
        if not Child.objects.filter(pk=child.pk).can_be_messaged().exists():
            raise ConsentError(
                "There is no parent or guardian we can contact for this child. "
                "Add an email address or a UK mobile number to their record first."
            )
        request = ConsentRequest.objects.create(
            team=team, child=child, session=session, sent_by=sent_by, sent_at=timezone.now()
        )
        request.programmes.set(programmes)
        common = {
            "child_name": child.full_name,
            "programmes": ", ".join(p.name for p in programmes),
            "location": session.location_name,
            "closing_date": _closing_text(session),
            "team_name": team.name,
            "team_phone": team.phone,
            "team_email": team.email,
        }
        # Each parent gets a link of their own: their answers are recorded for them. Written set-based,
        # as every bulk kind is (the links are signed here; the rows, recipients and events in SQL).
        parents = [r.parent for r in ParentRelationship.objects.filter(child=child).select_related("parent")]
        links = [consent_link(child=child, session=session, programmes=programmes, parent=p) for p in parents]
        _, messages = family_messages_enqueue_sql(
            team=team,
            kind="consent_request",
            session=session,
            ctes="""family_messages_source AS (
                SELECT %s::bigint AS child_id, %s::bigint AS sent_by_id, parent_id,
                       %s::jsonb || jsonb_build_object('consent_link', link) AS personalisation
                FROM unnest(%s::bigint[], %s::text[]) AS links (parent_id, link)
            )""",
            params=[child.pk, getattr(sent_by, "pk", None), json.dumps(common), [p.pk for p in parents], links],
            result="SELECT 1 WHERE false",
            keys=[*common, "consent_link"],
            sent_by_names={sent_by.pk: sent_by.display_name} if sent_by else None,
            per_parent=True,
        )
        if not messages:
            raise ConsentError("There is no parent or guardian we can contact for this child.")
        audit.record("consent.request_sent", request, team=team, messages=messages)
    return request


def window_closed_message(session) -> str:
    closes = tokens.consent_window_closes(session)
    if closes is None:
        return "A consent request was not sent: the session has no dates yet."
    return (
        f"A consent request was not sent: the online consent form for this session closed on {date_short(closes)}. "
        "Record a new consent response when you speak to the parent instead."
    )


def _closing_text(session) -> str:
    closes = tokens.consent_window_closes(session)
    return date_short(closes)
