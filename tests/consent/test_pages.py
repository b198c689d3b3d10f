"""The Consent tab, Send consent request, and the child-in-session consent parts."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRequest
from notifications.models import Message
from sessions.models import ActivityEvent, SessionDate
from tests.consent.factories import add_child, make_session, record
from tests.factories import ParentFactory, ParentRelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(team):
    return make_session(team, codes=("flu", "hpv"))


def test_consent_tab_filters_counts_and_links(nurse_client, session):
    waiting = add_child(session, family_name="Waiting")
    given = add_child(session, family_name="Given")
    refused = add_child(session, family_name="Refused")
    record(session, given, "hpv", "given")
    record(session, given, "flu", "given", flu_method="injection")
    record(session, refused, "hpv", "refused")
    record(session, refused, "flu", "refused")
    url = reverse("consent:tab", args=[session.pk])

    page = nurse_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Consent – Community clinic – Manage vaccinations in schools" in html
    for label in (
        "No response",
        "Consent given",
        "Consent refused",
        "Conflicting consent",
        "Nasal spray",
        "Injected vaccine",
    ):
        assert label in html
    assert reverse("sessions:child", args=[session.pk, waiting.pk]) in html

    no_response = nurse_client.get(url, {"status": "no_response"}).content.decode()
    assert "WAITING" in no_response and "GIVEN" not in no_response and "REFUSED" not in no_response
    assert "No response</strong></a>\n            (1)" in no_response

    injected = nurse_client.get(url, {"status": "given_injection"}).content.decode()
    assert "GIVEN" in injected and "WAITING" not in injected
    assert "Consent given for injected vaccine" in injected

    searched = nurse_client.get(url, {"q": "Refused"}).content.decode()
    assert "REFUSED" in searched and "WAITING" not in searched


def test_consent_tab_runs_a_fixed_number_of_queries(nurse_client, session):
    url = reverse("consent:tab", args=[session.pk])
    for _ in range(3):
        record(session, add_child(session), "hpv", "given")
    nurse_client.get(url)
    with CaptureQueriesContext(connection) as few:
        nurse_client.get(url, {"status": "given"})
    for _ in range(12):
        record(session, add_child(session, parents=2), "flu", "refused")
    with CaptureQueriesContext(connection) as recounted:
        nurse_client.get(url, {"status": "given"})
    with CaptureQueriesContext(connection) as many:
        nurse_client.get(url, {"status": "given"})
    assert len(few) == len(many)
    # After writes the memoised counts (mavis.memo) are counted again: one query more, whatever the size.
    assert len(recounted) == len(many) + 1


def test_overview_panel_shows_counts(nurse_client, session):
    add_child(session)
    html = nurse_client.get(reverse("sessions:session", args=[session.pk])).content.decode()
    assert "Consent" in html and "?status=no_response" in html


def test_send_consent_request_emails_and_texts_each_contactable_parent(nurse_client, nurse, session):
    child = add_child(session, parents=2)
    child_url = reverse("sessions:child", args=[session.pk, child.pk])
    page = nurse_client.get(child_url).content.decode()
    assert "Send consent request" in page and "Record a new consent response" in page

    response = nurse_client.post(reverse("consent:request_send", args=[session.pk, child.pk]))
    assert response.status_code == 302
    request = ConsentRequest.objects.get(child=child)
    assert request.sent_by == nurse and set(request.programmes.values_list("code", flat=True)) == {"flu", "hpv"}
    messages = Message.objects.filter(child=child, kind="consent_request")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "email", "sms", "sms"]
    link = messages.first().personalisation["consent_link"]
    assert "/consent/" in link
    assert ActivityEvent.objects.filter(child=child, session=session, kind="consent_request_sent").count() == 4

    # A double click sends nothing more.
    nurse_client.post(reverse("consent:request_send", args=[session.pk, child.pk]))
    assert ConsentRequest.objects.filter(child=child).count() == 1
    assert Message.objects.filter(child=child).count() == 4

    page = nurse_client.get(child_url).content.decode()
    today = timezone.localdate()
    assert f"A request was sent on {today.day} {today:%B %Y}." in page

    # The link opens the form.
    form = nurse_client.get(urlsplit(link).path)
    assert form.status_code == 200 and child.full_name in form.content.decode()


def test_no_contactable_parent_is_a_clear_error_and_records_nothing(nurse_client, session):
    child = add_child(session, parents=0)
    ParentRelationshipFactory(child=child, parent=ParentFactory(team=session.team, email="", phone="01214960000"))
    page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert "Send consent request" not in page
    assert "No parent or guardian can be contacted" in page
    response = nurse_client.post(reverse("consent:request_send", args=[session.pk, child.pk]), follow=True)
    assert "There is no parent or guardian we can contact" in response.content.decode()
    assert not ConsentRequest.objects.exists() and not Message.objects.exists()


def test_no_request_button_once_consent_given_or_session_over(nurse_client, session):
    child = add_child(session)
    record(session, child, "hpv", "given")
    record(session, child, "flu", "given")
    url = reverse("sessions:child", args=[session.pk, child.pk])
    assert "Send consent request" not in nurse_client.get(url).content.decode()
    other = add_child(session)
    SessionDate.objects.filter(session=session).update(value=timezone.localdate() - datetime.timedelta(days=3))
    assert (
        "Send consent request"
        not in nurse_client.get(reverse("sessions:child", args=[session.pk, other.pk])).content.decode()
    )


def test_no_request_once_the_online_form_has_closed(nurse_client, session):
    # On the session's last day the form is closed (it closes the day before): a request sent
    # then would give the parent a link that says it has expired.
    child = add_child(session)
    SessionDate.objects.filter(session=session).update(value=timezone.localdate())
    url = reverse("sessions:child", args=[session.pk, child.pk])
    page = nurse_client.get(url).content.decode()
    assert "Record a new consent response" in page and "Send consent request" not in page
    response = nurse_client.post(reverse("consent:request_send", args=[session.pk, child.pk]), follow=True)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert (
        f"the online consent form for this session closed on {yesterday.day} {yesterday:%B %Y}"
        in response.content.decode()
    )
    assert not ConsentRequest.objects.exists() and not Message.objects.exists()


def test_withdraw_and_invalidate_pages(nurse_client, session):
    child = add_child(session)
    response = record(session, child, "hpv", "given")
    url = reverse("consent:withdraw", args=[session.pk, child.pk, response.pk])
    child_page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert f'<a href="{url}">Withdraw consent' in child_page
    assert nurse_client.get(url).status_code == 200
    error = nurse_client.post(url, {"reason": ""})
    assert "Enter a reason" in error.content.decode()
    nurse_client.post(url, {"reason": "Parent phoned to withdraw"})
    response.refresh_from_db()
    assert response.withdrawn_reason == "Parent phoned to withdraw"
    other = record(session, child, "flu", "refused")
    nurse_client.post(reverse("consent:invalidate", args=[session.pk, child.pk, other.pk]), {"reason": "Wrong child"})
    other.refresh_from_db()
    assert other.invalidated_at is not None
    page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert "Parent phoned to withdraw" in page and "Wrong child" in page


def test_triage_page_is_for_nurses(client, nurse_client, session, team):
    child = add_child(session)
    record(session, child, "hpv", "given", health_yes=True)
    url = reverse("consent:triage", args=[session.pk, child.pk, "hpv"])
    page = nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    assert "Needs triage" in page and url in page
    assert "Choose if it is safe to vaccinate" in nurse_client.post(url, {}).content.decode()
    nurse_client.post(url, {"status": "safe_to_vaccinate", "notes": "Spoke to mum"})
    assert (
        "Safe to vaccinate" in nurse_client.get(reverse("sessions:child", args=[session.pk, child.pk])).content.decode()
    )
    admin = UserFactory(team=team, role="admin")
    client.force_login(admin)
    assert client.get(url).status_code == 403
