"""Demo data: a mix of consent states in the clinic and the schools (see mavis.demo)."""

from consent import selectors, services
from consent.models import ConsentResponse, FluMethod
from mavis import demo
from patients.academic import current_academic_year
from patients.models import ParentRelationship
from sessions.models import Session

HEALTH_YES = [
    {"question": "Does your child have any severe allergies?", "answer": "yes", "details": "Egg allergy (anaphylaxis)"}
]


@demo.register(40, "consent")
def seed_consent(*, team, stdout, **_):
    if ConsentResponse.objects.for_team(team).exists():
        stdout.write("  consent: already there")
        return
    from sessions.selectors import session_children

    year = current_academic_year()
    sessions = list(Session.objects.for_team(team).filter(academic_year=year).prefetch_related("programmes"))
    made = 0
    for session in sessions:
        programmes = list(session.programmes.all())
        children = list(session_children(session).order_by("pk")[:40])
        relationships = {}
        for r in ParentRelationship.objects.filter(child__in=children).select_related("parent").order_by("pk"):
            relationships.setdefault(r.child_id, []).append(r)
        for index, child in enumerate(children):
            parents = relationships.get(child.pk, [])
            mine = selectors.eligible_programmes(child, programmes, year)
            if not parents or not mine or index % 5 == 4:
                continue  # every fifth child: no response
            kind = index % 5

            def record(parent, response, health=(), *, child=child, session=session, mine=mine, parents=parents):
                relationship = next(r for r in parents if r.parent_id == parent.pk)
                services.consent_response_record(
                    team=team,
                    child=child,
                    session=session,
                    answers=[
                        services.ProgrammeAnswer(
                            p,
                            response,
                            flu_method=FluMethod.NASAL_OR_INJECTION if p.is_flu and response == "given" else "",
                            refusal_reason="personal_choice" if response == "refused" else "",
                        )
                        for p in mine
                    ],
                    route=ConsentResponse.Route.ONLINE,
                    parent=parent,
                    relationship_label=relationship.label,
                    health_answers=list(health),
                    send_confirmation=False,
                )

            first = parents[0].parent
            if kind in (0, 1):
                record(first, "given")
            elif kind == 2:
                record(first, "refused")
            elif kind == 3 and len(parents) > 1:
                record(first, "given")
                record(parents[1].parent, "refused")  # conflicting
            else:
                record(first, "given", HEALTH_YES)  # needs triage
            made += 1
    stdout.write(f"  consent: responses for {made} children in {len(sessions)} sessions")
