"""Fuzz every form with hypothesis: never a 500, a clear error, and nothing written on an error.

Each form page is fetched like a browser would, its fields read from the HTML, and then
posted with generated values: the real choices, empty values, odd text, huge text.
"""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent.tokens import make_token
from sessions.models import Session
from tests.consent.factories import add_child, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
OUR_APPS = ("mavis", "patients", "vaccination_sessions", "notifications", "consent", "clinics")


class FormFields(HTMLParser):
    """The fields of the page's POST forms: name -> the values the page offers (or None for free text)."""

    def __init__(self):
        super().__init__()
        self.in_post_form = False
        self.fields: dict[str, list | None] = {}
        self.hidden: dict[str, str] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        if not self.in_post_form or not attrs.get("name") and tag != "option":
            return
        name = attrs.get("name")
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind == "hidden":
                self.hidden[name] = attrs.get("value", "")
            elif kind in ("radio", "checkbox"):
                self.fields.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.fields[name] = None
        elif tag == "textarea":
            self.fields[name] = None
        elif tag == "select":
            self._select = name
            self.fields[name] = []
        elif tag == "option" and self._select:
            self.fields[self._select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False
        if tag == "select":
            self._select = None


def read_form(client, url) -> FormFields:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    parser = FormFields()
    parser.feed(response.content.decode())
    assert parser.fields or parser.hidden, f"no POST form on {url}"
    return parser


ODD_TEXT = st.one_of(
    st.just(""),
    st.just(" "),
    st.text(max_size=30),
    st.text(alphabet="0123456789/-. ", max_size=12),
    st.just("x" * 5000),
    st.just("<script>alert(1)</script>"),
    st.just("'; DROP TABLE patients_child; --"),
    st.just("31"),
    st.just("2"),
    st.just("2027"),
    st.just("\x00"),
)


def values_for(form: FormFields):
    """A strategy for a POST body: each field a real choice, nothing, or odd text."""
    strategies = {}
    for name, choices in form.fields.items():
        options = [st.just(value) for value in (choices or [])]
        strategies[name] = st.one_of(*options, ODD_TEXT, st.none())
    return st.fixed_dictionaries(strategies)


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model._meta.label != "mavis.AuditEvent"
    }


def post_and_check(client, url, form: FormFields, body: dict) -> bool:
    """Posts one body; returns whether the page answered with an error (so tests know they saw some)."""
    data = {**form.hidden, **{name: value for name, value in body.items() if value is not None}}
    data = {name: value.replace("\x00", "") if isinstance(value, str) else value for name, value in data.items()}
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code < 500, f"{url} answered {response.status_code} to {data!r}"
    if b"There is a problem" in response.content:
        # Re-shown with an error: it must name the field, and nothing may have been written.
        assert b"nhsuk-error-summary" in response.content
        assert snapshot() == before, f"{url} wrote rows although it showed an error for {data!r}"
        return True
    return False


def fuzz_form(client, url):
    """Posts generated bodies to the form at `url`; some must be refused, so the checks really ran."""
    form = read_form(client, url)
    errors = []

    @FUZZ
    @given(body=values_for(form))
    def fuzz(body):
        errors.append(post_and_check(client, url, form, body))

    fuzz()
    assert any(errors), f"no generated input was refused by {url}: the nothing-written check never ran"


@pytest.fixture
def world(team, nurse):
    today = timezone.localdate()
    clinic = make_session(team, kind=Session.Kind.COMMUNITY_CLINIC, dates=(7, 14))
    child = add_child(clinic)
    return {"clinic": clinic, "child": child, "today": today}


def nurse_form_urls(world):
    clinic, child = world["clinic"], world["child"]
    return [
        reverse("sessions:edit_dates", args=[clinic.pk]),
        reverse("sessions:edit_programmes", args=[clinic.pk]),
        reverse("sessions:child_activity", args=[clinic.pk, child.pk]),
        reverse("consent:record_start", args=[clinic.pk, child.pk]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_nurse_forms_never_fail_or_half_write(client, nurse, world, index):
    client.force_login(nurse)
    url = nurse_form_urls(world)[index]
    fuzz_form(client, url)


def test_sign_in_form(client, nurse):
    url = reverse("mavis:sign_in")
    fuzz_form(client, url)


def test_parents_consent_form_first_step(client, world):
    clinic, child = world["clinic"], world["child"]
    parent = child.relationships.get().parent
    token = make_token(child=child, session=clinic, programmes=list(clinic.programmes.all()), parent=parent)
    url = reverse("consent:parent_form", args=[token])
    response = client.get(url)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        url = response["Location"]
    fuzz_form(client, url)


def expected_status(query: dict) -> int:
    """A NUL byte in any parameter is refused with a 400 (mavis.middleware); anything else shows the page."""
    return 400 if any("\x00" in value for value in query.values()) else 200


@given(
    query=st.dictionaries(st.sampled_from(["q", "page", "school_status", "date_of_birth_day", "archived"]), ODD_TEXT)
)
@FUZZ
def test_children_search_never_fails(nurse_client, query):
    response = nurse_client.get(reverse("patients:children"), query)
    assert response.status_code == expected_status(query)


@given(query=st.dictionaries(st.sampled_from(["status", "type", "programme", "year", "q", "page"]), ODD_TEXT))
@FUZZ
def test_sessions_list_filters_never_fail(nurse_client, query):
    response = nurse_client.get(reverse("sessions:list"), query)
    assert response.status_code == expected_status(query)


@given(token=st.text(max_size=200))
@FUZZ
def test_random_consent_tokens_show_no_data(client, world, token):
    token = token.replace("/", "").replace("\x00", "") or "x"
    response = client.get(f"/consent/{token}")
    assert response.status_code in (200, 400, 404)
    assert world["child"].family_name.encode() not in response.content


def test_fuzz_world_is_what_we_think(world):
    # Guards the fixtures above: the clinic is scheduled and the child is on its list.
    assert world["clinic"].dates.filter(value__gt=world["today"]).exists()
    assert world["clinic"].memberships.filter(child=world["child"]).exists()
