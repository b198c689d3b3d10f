"""Each parent's own consent link: answers count for that parent, typed details wait for a nurse."""

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from consent import tokens
from consent.models import ConsentResponse, ParentDetailsChange
from notifications.models import Message
from patients.models import Parent, ParentRelationship
from tests.consent.factories import add_child, make_session

pytestmark = pytest.mark.django_db

HEALTH_NO = {"allergies": "no", "conditions": "no", "reaction": "no", "support": "no"}


@pytest.fixture
def session(team):
    return make_session(team, codes=("hpv",))


def answer(client, link_path, details):
    """Walks the parents' form at `link_path` with `details` typed as "About you"; consent given."""
    client.post(link_path, {"confirm": "yes"})
    client.post(f"{link_path}/parent", details)
    client.post(f"{link_path}/consent", {"programme_hpv": "given"})
    client.post(f"{link_path}/health", HEALTH_NO)
    done = client.post(f"{link_path}/check")
    assert done.status_code == 302 and done["Location"].endswith("/done"), done


def typed(parent, **changes):
    details = {
        "full_name": parent.full_name,
        "relationship": "mum",
        "email": parent.email,
        "phone": parent.phone,
        "phone_receive_updates": "yes" if parent.phone_receive_updates else "no",
    }
    return {**details, **changes}


def sent_links(nurse_client, session, child) -> dict[int, str]:
    nurse_client.post(reverse("consent:request_send", args=[session.pk, child.pk]))
    links = {}
    for message in Message.objects.filter(child=child, kind="consent_request"):
        links.setdefault(message.parent_id, set()).add(urlsplit(message.personalisation["consent_link"]).path)
    # One link per parent, the same in their email and their text.
    assert all(len(paths) == 1 for paths in links.values())
    return {parent_id: paths.pop() for parent_id, paths in links.items()}


def mum_and_dad(session):
    child = add_child(session, parents=2)
    mum, dad = (r.parent for r in child.relationships.select_related("parent").order_by("pk"))
    ParentRelationship.objects.filter(child=child, parent=mum).update(type="mum")
    ParentRelationship.objects.filter(child=child, parent=dad).update(type="dad")
    return child, mum, dad


def test_each_parent_gets_their_own_link_and_cannot_overwrite_the_other(client, nurse_client, session):
    child, mum, dad = mum_and_dad(session)
    dad_before = Parent.objects.values().get(pk=dad.pk)
    links = sent_links(nurse_client, session, child)
    assert set(links) == {mum.pk, dad.pk} and links[mum.pk] != links[dad.pk]

    # Mum types dad's email and her own new number on her link (the attack in the issue).
    answer(client, links[mum.pk], typed(mum, email=dad.email, phone="07700 900 999"))

    response = ConsentResponse.objects.get(child=child)
    assert response.parent_id == mum.pk and response.respondent_name == mum.full_name
    assert Parent.objects.values().get(pk=dad.pk) == dad_before
    mum.refresh_from_db()
    assert mum.phone != "07700900999"  # nothing stored changed
    change = ParentDetailsChange.objects.get(child=child)
    assert change.parent_id == mum.pk and change.kind == "details" and change.phone == "07700900999"
    # The confirmation goes to mum's stored contacts only.
    confirmations = Message.objects.filter(kind="consent_confirmation_given")
    assert set(confirmations.values_list("parent_id", flat=True)) == {mum.pk}
    assert dad.email not in set(confirmations.values_list("recipient", flat=True))


def test_a_nurse_accepts_or_dismisses_the_typed_details(client, nurse_client, session):
    child, mum, _ = mum_and_dad(session)
    links = sent_links(nurse_client, session, child)
    answer(client, links[mum.pk], typed(mum, phone="07700 900 999", phone_receive_updates="yes"))
    change = ParentDetailsChange.objects.get(child=child)
    child_url = reverse("sessions:child", args=[session.pk, child.pk])
    page = nurse_client.get(child_url).content.decode()
    assert "New contact details" in page and "07700900999" in page

    url = reverse("consent:details_change", args=[session.pk, child.pk, change.pk, "accept"])
    assert nurse_client.get(url).status_code == 405
    assert nurse_client.post(url)["Location"] == child_url
    mum.refresh_from_db()
    assert mum.phone == "07700900999" and mum.phone_receive_updates
    change.refresh_from_db()
    assert change.accepted is True and change.resolved_at is not None
    assert "New contact details" not in nurse_client.get(child_url).content.decode()
    # Twice is refused with a message, not a 500.
    assert nurse_client.post(url).status_code == 302

    answer(client, links[mum.pk], typed(mum, full_name=mum.full_name, email="mum.new@example.com"))
    change = ParentDetailsChange.objects.get(child=child, resolved_at__isnull=True)
    nurse_client.post(reverse("consent:details_change", args=[session.pk, child.pk, change.pk, "dismiss"]))
    mum.refresh_from_db()
    assert mum.email != "mum.new@example.com"
    assert ParentDetailsChange.objects.get(pk=change.pk).accepted is False
    bad = reverse("consent:details_change", args=[session.pk, child.pk, change.pk, "delete"])
    assert nurse_client.post(bad).status_code == 404


def test_a_forwarded_link_is_new_information_never_a_merge(client, nurse_client, session):
    child, mum, dad = mum_and_dad(session)
    links = sent_links(nurse_client, session, child)
    # Someone else (a grandparent) answers on dad's link, typing mum's email.
    stranger = {
        "full_name": "Gran Example",
        "relationship": "other",
        "other_relationship": "Grandparent",
        "parental_responsibility": "yes",
        "email": "gran@example.com",
        "phone": "",
    }
    answer(client, links[dad.pk], stranger)
    assert ConsentResponse.objects.get(child=child).parent_id == dad.pk
    change = ParentDetailsChange.objects.get(child=child)
    assert change.kind == "other_respondent" and change.parent_id == dad.pk
    assert not Parent.objects.filter(email="gran@example.com").exists()

    nurse_client.post(reverse("consent:details_change", args=[session.pk, child.pk, change.pk, "accept"]))
    gran = Parent.objects.get(email="gran@example.com")
    assert ParentRelationship.objects.get(child=child, parent=gran).label == "Grandparent"
    dad.refresh_from_db()
    assert dad.full_name != "Gran Example"


def test_a_link_sent_before_links_named_a_parent_still_works_without_touching_anyone(client, session):
    child, mum, dad = mum_and_dad(session)
    before = list(Parent.objects.order_by("pk").values())
    old = signing.dumps(
        {"c": child.pk, "s": session.pk, "p": [p.pk for p in session.programmes.all()]},
        salt=tokens.SALT,
        compress=True,
    )
    answer(client, reverse("consent:parent_form", args=[old]), typed(mum))  # even with mum's own email
    response = ConsentResponse.objects.get(child=child)
    assert response.parent_id not in (mum.pk, dad.pk)
    assert list(Parent.objects.filter(pk__in=[mum.pk, dad.pk]).order_by("pk").values()) == before
    change = ParentDetailsChange.objects.get(child=child)
    assert change.kind == "unlinked" and change.parent_id == response.parent_id
    # Not a contact of the child until a nurse accepts, so it gets no messages.
    assert not ParentRelationship.objects.filter(parent_id=response.parent_id).exists()
    assert not Message.objects.filter(kind__startswith="consent_confirmation").exists()


def test_a_link_for_a_parent_no_longer_linked_to_the_child_does_not_open(client, session):
    child, mum, _ = mum_and_dad(session)
    token = tokens.make_token(child=child, session=session, programmes=session.programmes.all(), parent=mum)
    ParentRelationship.objects.filter(child=child, parent=mum).delete()
    assert client.get(reverse("consent:parent_form", args=[token])).status_code == 404


def test_a_consent_request_is_written_set_based_with_each_parents_link_and_channels(nurse, session):
    """Consent requests are a bulk kind: written by the set-based path (no message or event instances),
    one email and one text per parent as the one channel rule allows, each with that parent's link."""
    from django.db.models.signals import pre_init

    from consent.services import consent_request_send
    from patients.models import Programme
    from sessions.models import ActivityEvent

    child, mum, dad = mum_and_dad(session)
    Parent.objects.filter(pk=dad.pk).update(contact_method="voice")  # email only: no texts
    built = []

    def count(sender, **_):
        built.append(sender.__name__)

    for model in (Message, ActivityEvent):
        pre_init.connect(count, sender=model, weak=False)
    try:
        consent_request_send(
            team=session.team,
            session=session,
            child=child,
            programmes=Programme.objects.filter(code="hpv"),
            sent_by=nurse,
        )
    finally:
        for model in (Message, ActivityEvent):
            pre_init.disconnect(count, sender=model)
    assert built == []
    messages = Message.objects.filter(child=child, kind="consent_request")
    assert sorted(messages.values_list("parent_id", "channel")) == sorted(
        [(mum.pk, "email"), (mum.pk, "sms"), (dad.pk, "email")]
    )
    for message in messages:
        token = urlsplit(message.personalisation["consent_link"]).path.rstrip("/").split("/")[-1]
        assert tokens.read_token(token).parent_id == message.parent_id
        assert message.sent_by_id == nurse.pk
    events = ActivityEvent.objects.filter(child=child, kind=ActivityEvent.Kind.CONSENT_REQUEST_SENT)
    assert set(events.values_list("message_id", "actor")) == {(m.pk, nurse.display_name) for m in messages}
