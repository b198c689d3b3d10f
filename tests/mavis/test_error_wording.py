"""Error messages in the NHS pattern: say what is missing or wrong, never "This field is required."."""

import pytest
from django import forms
from django.urls import reverse

from mavis.fields import DateField
from tests.text import visible_text

pytestmark = pytest.mark.django_db


def test_sign_in_with_empty_fields_says_what_to_enter(client):
    text = visible_text(client.post(reverse("mavis:sign_in"), {"username": "", "password": ""}).content.decode())
    assert "This field is required" not in text
    assert "Enter your username" in text and "Enter your password" in text


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["31", "2", "2027"], "Date of birth must be a real date"),
        (["1", "13", "2027"], "Date of birth must be a real date"),
        (["12", "", "2027"], "Date of birth must include a day, month and year"),
        (["", "", ""], "Enter a date"),
    ],
)
def test_a_wrong_date_says_what_is_wrong(parts, message):
    field = DateField(label="Date of birth")
    with pytest.raises(forms.ValidationError) as error:
        field.clean(parts)
    assert error.value.messages == [message]


def test_a_choice_not_on_the_page_is_refused_in_words(nurse_client, team, other_team):
    """Another team's id as the team, a programme that does not exist: not Django's "Select a
    valid choice. 693 is not one of the available choices."."""
    from tests.consent.factories import make_session

    text = visible_text(nurse_client.post(reverse("mavis:choose_team"), {"team": other_team.pk}).content.decode())
    assert "Choose one of your teams" in text and "Select a valid choice" not in text
    session = make_session(team, codes=("hpv",))
    url = reverse("sessions:edit_programmes", args=[session.pk])
    text = visible_text(nurse_client.post(url, {"programmes": ["hpv", "nope"]}).content.decode())
    assert "Choose programmes from the list" in text and "Select a valid choice" not in text
    assert list(session.programmes.values_list("code", flat=True)) == ["hpv"]
