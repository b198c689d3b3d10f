"""Record vaccinations, one question per page (issue 12, point 2): identity, pre-screening,
the outcome, batch (the nurse's default preselected), method and site as the vaccine and the
consent allow, the clinic venue, or the reason; Check and confirm saves once."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import Batch, Programme, ProgrammeStatus, VaccinationRecord, Vaccine
from sessions.models import ActivityEvent, Attendance, DefaultBatch, Venue
from tests.factories import ParentRelationshipFactory
from tests.sessions.factories import SessionFactory, clinic, member

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 23)


def consent(session, child, code, flu_method=""):
    """Through the consent service, so the stored status (and what it allows) is the real one."""
    from consent import services

    services.consent_response_record(
        team=session.team,
        child=child,
        session=session,
        answers=[services.ProgrammeAnswer(Programme.objects.get(code=code), "given", flu_method=flu_method)],
        route="phone",
        parent=ParentRelationshipFactory(child=child).parent,
        send_confirmation=False,
    )


def stock(team):
    fluenz = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Fluenz", method="nasal"
    )
    flu_jab = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="flu"), brand="Flucelvax", method="injection"
    )
    gardasil = Vaccine.objects.create(
        team=team, programme=Programme.objects.get(code="hpv"), brand="Gardasil 9", method="injection"
    )
    expiry = datetime.date(2027, 6, 30)
    return {
        "FL1": Batch.objects.create(team=team, vaccine=fluenz, number="FL1", expiry=expiry),
        "FL2": Batch.objects.create(team=team, vaccine=fluenz, number="FL2", expiry=expiry),
        "FJ1": Batch.objects.create(team=team, vaccine=flu_jab, number="FJ1", expiry=expiry),
        "GD1": Batch.objects.create(team=team, vaccine=gardasil, number="GD1", expiry=expiry),
    }


def setup(team, *, codes=("flu", "hpv"), flu_method="nasal", session=None, **child):
    session = session or SessionFactory(team=team, dates=[TODAY], programmes=list(codes))
    child.setdefault("date_of_birth", datetime.date(2014, 3, 1))  # Year 8: flu and HPV
    pupil = member(session, **child)
    for code in codes:
        consent(session, pupil, code, flu_method if code == "flu" else "")
    Attendance.objects.create(session=session, child=pupil, date=TODAY, status="attending")
    return session, pupil


EVERY_CHECK = ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction", "not_pregnant"]


class Walk:
    def __init__(self, client, session, child, code):
        self.client, self.session, self.child, self.code = client, session, child, code

    def url(self, step):
        return reverse("sessions:vaccinate_step", args=[self.session.pk, self.child.pk, self.code, step])

    def start(self):
        response = self.client.get(reverse("sessions:vaccinate", args=[self.session.pk, self.child.pk, self.code]))
        assert response.status_code == 302
        return response["Location"]

    def answer(self, step, data, expect_next=None):
        response = self.client.post(self.url(step), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        if expect_next:
            assert response["Location"] == self.url(expect_next)
        return response

    def page(self, step):
        return self.client.get(self.url(step)).content.decode()

    def to_the_batch(self):
        """Identity confirmed, every pre-screening check true, "Yes" to the vaccine: the batch is next."""
        self.start()
        self.answer("identity", {"confirmed": "yes"})
        self.answer("pre-screening", {"checks": EVERY_CHECK})
        self.answer("outcome", {"outcome": "yes"}, "batch")


@time_machine.travel(NOW, tick=False)
def test_nasal_flu_from_the_default_batch(nurse_client, team, nurse):
    session, child = setup(team)
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "flu")
    assert walk.start() == walk.url("identity")
    assert "Has the child confirmed their identity?" in walk.page("identity")
    walk.answer("identity", {"confirmed": "yes"}, "pre-screening")
    screening = walk.page("pre-screening")
    assert "They are feeling well" in screening and "They are not pregnant" not in screening  # flu: never asked
    checks = ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction"]
    walk.answer("pre-screening", {"checks": checks}, "outcome")
    walk.answer("outcome", {"outcome": "yes"}, "batch")

    # Nasal-only consent: the injected flu vaccine is not offered; the nurse's default is preselected.
    DefaultBatch.objects.create(user=nurse, date=TODAY, vaccine=batches["FL2"].vaccine, batch=batches["FL2"])
    page = walk.page("batch")
    assert "Fluenz, batch FL2" in page and "Flucelvax" not in page and "Gardasil" not in page
    assert f'value="{batches["FL2"].pk}" checked' in page
    walk.answer("batch", {"batch": batches["FL2"].pk}, "check")  # nasal: method and site follow

    check = walk.page("check")
    for text in ("The child", "Fluenz", "FL2", "Nasal spray", "Nose", "They are feeling well"):
        assert text in check, text
    assert VaccinationRecord.objects.count() == 0
    response = nurse_client.post(walk.url("check"), {"notes": "Given in the library"})
    assert response.status_code == 302
    record = VaccinationRecord.objects.get()
    assert (record.outcome, record.vaccine_batch, record.method, record.site) == (
        "vaccinated",
        batches["FL2"],
        "nasal",
        "nose",
    )
    assert (record.vaccine, record.batch, record.notes) == ("Fluenz", "FL2", "Given in the library")
    assert record.pre_screening == dict.fromkeys(checks, True) and record.identity_confirmed_by == ""
    status = ProgrammeStatus.objects.get(child=child, programme__code="flu", academic_year=2026)
    assert status.vaccination == "vaccinated"
    assert ActivityEvent.objects.filter(kind="vaccination", child=child, user=nurse).count() == 1
    # Done: the answers are gone, and the gate now refuses the programme.
    assert not any(k.startswith("record-vaccination") for k in nurse_client.session.keys())  # noqa: SIM118 - a SessionBase
    again = nurse_client.get(reverse("sessions:vaccinate", args=[session.pk, child.pk, "flu"]), follow=True)
    assert "already vaccinated against Flu" in again.content.decode()


@time_machine.travel(NOW, tick=False)
def test_hpv_injection_with_site_and_someone_else_confirming(nurse_client, team):
    session, child = setup(team, gender="female")
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    missing = nurse_client.post(walk.url("identity"), {"confirmed": "no"}).content.decode()
    assert "Enter who confirmed their identity" in missing
    walk.answer("identity", {"confirmed": "no", "confirmed_by": "Mum, Ada Lovelace"}, "pre-screening")
    assert "They are not pregnant" in walk.page("pre-screening")
    walk.answer("pre-screening", {"checks": ["feeling_well", "no_allergies", "no_medication", "not_pregnant"]})
    refused = nurse_client.post(walk.url("outcome"), {"outcome": "yes"}).content.decode()
    assert "Not every pre-screening check is true" in refused
    walk.answer(
        "pre-screening",
        {"checks": ["feeling_well", "no_allergies", "no_medication", "not_pregnant", "no_previous_reaction"]},
    )
    walk.answer("outcome", {"outcome": "yes"}, "batch")
    assert "Fluenz" not in walk.page("batch")
    other = nurse_client.post(walk.url("batch"), {"batch": batches["FL1"].pk}).content.decode()
    assert "Choose a batch from the list" in other
    walk.answer("batch", {"batch": batches["GD1"].pk, "make_default": ["yes"]}, "site")
    assert DefaultBatch.objects.get().batch == batches["GD1"]
    site = walk.page("site")
    assert "Intramuscular" in site and "Left thigh" in site and "Nose" not in site and "Nasal spray" not in site
    bad = nurse_client.post(walk.url("site"), {"method": "nasal", "site": "nose"}).content.decode()
    assert "Choose a method this vaccine can be given by" in bad and "Choose a site this vaccine can be given in" in bad
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "check")
    assert "Mum, Ada Lovelace" in walk.page("check")
    nurse_client.post(walk.url("check"), {"notes": ""})
    record = VaccinationRecord.objects.get()
    assert (record.method, record.site, record.identity_confirmed_by) == (
        "intramuscular",
        "left_arm_upper",
        "Mum, Ada Lovelace",
    )


@time_machine.travel(NOW, tick=False)
def test_a_refusal_on_the_day(nurse_client, team):
    session, child = setup(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer("pre-screening", {"checks": []})
    walk.answer("outcome", {"outcome": "no"}, "reason")
    assert "Choose why they did not get the vaccine" in nurse_client.post(walk.url("reason"), {}).content.decode()
    walk.answer("reason", {"reason": "refused"}, "check")
    assert "They refused it" in walk.page("check")
    nurse_client.post(walk.url("check"), {"notes": "Did not want it today"})
    record = VaccinationRecord.objects.get()
    assert record.outcome == "refused" and record.vaccine == "" and record.vaccine_batch is None
    assert ProgrammeStatus.objects.get(child=child, programme__code="hpv").vaccination == "could_not_vaccinate"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("flu_method", "offered", "not_offered"),
    [("nasal", "FL1", "FJ1"), ("injection", "FJ1", "FL1"), ("nasal_or_injection", "FL1", None)],
)
def test_the_consent_limits_the_flu_vaccine(nurse_client, team, flu_method, offered, not_offered):
    session, child = setup(team, codes=("flu",), flu_method=flu_method)
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "flu")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer("pre-screening", {"checks": ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction"]})
    walk.answer("outcome", {"outcome": "yes"})
    page = walk.page("batch")
    assert f"batch {offered}" in page
    if not_offered:
        assert f"batch {not_offered}" not in page
    else:
        assert "batch FJ1" in page  # nasal spray, or injection if unsuitable: either
    if flu_method == "injection":
        walk.answer("batch", {"batch": batches["FJ1"].pk}, "site")


@time_machine.travel(NOW, tick=False)
def test_stale_answers_get_a_clear_error_and_are_kept(nurse_client, team):
    session, child = setup(team)
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    # Jumping ahead lands on the first unanswered question.
    assert nurse_client.get(walk.url("check"))["Location"] == walk.url("identity")
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer(
        "pre-screening",
        {"checks": ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction", "not_pregnant"]},
    )
    walk.answer("outcome", {"outcome": "yes"})
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "subcutaneous", "site": "right_thigh"})
    Batch.objects.filter(pk=batches["GD1"].pk).update(archived_at=NOW)  # archived in another tab
    html = nurse_client.post(walk.url("check"), {"notes": "Keep me"}).content.decode()
    assert "Batch GD1 is archived: choose another batch" in html and "Keep me" in html
    assert not VaccinationRecord.objects.exists()
    assert "Right thigh" in walk.page("check")


@time_machine.travel(NOW, tick=False)
def test_the_community_clinic_asks_for_the_venue(nurse_client, team):
    session, child = setup(team, codes=("hpv",), session=clinic(team, dates=[TODAY], programmes=["hpv"]))
    batches = stock(team)
    Venue.objects.create(team=team, name="Riverside Health Centre")
    Venue.objects.create(team=team, name="Old Library", archived_at=NOW)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.to_the_batch()
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "venue")
    page = walk.page("venue")
    assert "Riverside Health Centre" in page and "Old Library" not in page
    venue = Venue.objects.get(name="Riverside Health Centre")
    walk.answer("venue", {"venue": venue.pk}, "check")
    nurse_client.post(walk.url("check"), {})
    assert VaccinationRecord.objects.get().location_name == "Riverside Health Centre"


def not_vaccinated(walk, reason):
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer("pre-screening", {"checks": []})
    walk.answer("outcome", {"outcome": "no"})
    walk.answer("reason", {"reason": reason}, "check")
    return walk.client.post(walk.url("check"), {})


@time_machine.travel(NOW, tick=False)
def test_a_child_absent_goes_to_their_page_with_the_clinic_offer(nurse_client, team):
    from tests.clinics.factories import clinic_session

    clinic_session(team, [datetime.date(2026, 12, 10)])
    session, child = setup(team, codes=("hpv",))
    response = not_vaccinated(Walk(nurse_client, session, child, "hpv"), "absent")
    # Not the Record vaccinations list: the child's page, where the nurse sees the offer.
    assert response["Location"] == reverse("sessions:child", args=[session.pk, child.pk])
    page = nurse_client.get(response["Location"]).content.decode()
    assert "Invite to community clinic" in page
    assert f"Vaccination outcome recorded for {child.full_name}" in page


@time_machine.travel(NOW, tick=False)
def test_a_vaccinated_child_goes_back_to_the_record_list(nurse_client, team):
    session, child = setup(team, codes=("hpv",))
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.to_the_batch()
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "check")
    response = nurse_client.post(walk.url("check"), {})
    assert response["Location"] == reverse("sessions:record", args=[session.pk]) + "?programme=hpv"


@time_machine.travel(NOW, tick=False)
def test_a_venue_archived_in_another_tab_is_refused_and_the_answers_kept(nurse_client, team):
    session, child = setup(team, codes=("hpv",), session=clinic(team, dates=[TODAY], programmes=["hpv"]))
    batches = stock(team)
    venue = Venue.objects.create(team=team, name="Riverside Health Centre")
    walk = Walk(nurse_client, session, child, "hpv")
    walk.to_the_batch()
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"})
    walk.answer("venue", {"venue": venue.pk}, "check")
    Venue.objects.filter(pk=venue.pk).update(archived_at=NOW)  # archived by an admin meanwhile
    html = nurse_client.post(walk.url("check"), {"notes": "Keep me"}).content.decode()
    assert "Riverside Health Centre is archived: choose another venue" in html and "Keep me" in html
    assert not VaccinationRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_confirm_twice_with_the_same_answers_records_once_and_tells_the_parents_once(nurse_client, team):
    """A double click (or a second tab) sends Confirm again before the first request cleared
    the answers: the second finds the same answers in the session."""
    from notifications.models import Message

    session, child = setup(team, codes=("hpv",))
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer("pre-screening", {"checks": []})
    walk.answer("outcome", {"outcome": "no"})
    walk.answer("reason", {"reason": "absent"}, "check")
    key = f"record-vaccination:{session.pk}:{child.pk}:hpv"
    answers = nurse_client.session[key]
    nurse_client.post(walk.url("check"), {})
    stale = nurse_client.session
    stale[key] = answers  # what the second request read, before the first one finished
    stale.save()
    response = nurse_client.post(walk.url("check"), {}, follow=True)
    assert VaccinationRecord.objects.filter(child=child).count() == 1
    sent = Message.objects.filter(child=child, kind="vaccination_not_given").values_list("channel", flat=True)
    assert sorted(sent) == ["email", "sms"]  # one a channel, once
    assert "already submitted" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_parents_without_contact_details_get_nothing_and_the_record_is_whole(nurse_client, team):
    from notifications.models import Message
    from patients.models import Parent

    session, child = setup(team, codes=("hpv",))
    Parent.objects.filter(relationships__child=child).update(email="", phone="")
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.to_the_batch()
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "check")
    assert nurse_client.post(walk.url("check"), {}).status_code == 302
    record = VaccinationRecord.objects.get(child=child)
    assert (record.outcome, record.batch) == ("vaccinated", "GD1")
    assert ProgrammeStatus.objects.get(child=child, programme__code="hpv").vaccination == "vaccinated"
    assert not Message.objects.filter(child=child, kind="vaccination_confirmation").exists()
    assert ActivityEvent.objects.filter(kind="vaccination", child=child).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_check_changed_to_not_true_after_yes_asks_the_outcome_again(nurse_client, team):
    session, child = setup(team, codes=("hpv",))
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    all_true = ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction", "not_pregnant"]
    walk.answer("pre-screening", {"checks": all_true})
    walk.answer("outcome", {"outcome": "yes"})
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "check")
    # Change on Check and confirm: they are not feeling well after all.
    walk.answer("pre-screening", {"checks": all_true[1:]}, "outcome")
    assert nurse_client.post(walk.url("check"), {})["Location"] == walk.url("outcome")
    assert not VaccinationRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_write_path_refuses_a_dose_after_a_check_not_true(team, nurse):
    from django.core.exceptions import ValidationError

    from sessions import services

    session, child = setup(team, codes=("hpv",))
    batch = stock(team)["GD1"]
    with pytest.raises(ValidationError, match="Not every pre-screening check is true"):
        services.vaccination_record_add(
            session=session,
            child=child,
            programme=Programme.objects.get(code="hpv"),
            outcome="vaccinated",
            user=nurse,
            vaccine_batch=batch,
            method="intramuscular",
            site="left_arm_upper",
            pre_screening={"feeling_well": False, "no_allergies": True},
            today=TODAY,
        )
    assert not VaccinationRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_confirm_still_records_when_redis_is_down(nurse_client, team, monkeypatch):
    import redis
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    session, child = setup(team, codes=("hpv",))
    monkeypatch.setattr(cache, "add", down)
    response = not_vaccinated(Walk(nurse_client, session, child, "hpv"), "absent")
    assert response.status_code == 302
    assert VaccinationRecord.objects.get(child=child).outcome == "absent"


@time_machine.travel(NOW, tick=False)
def test_answers_changed_in_another_tab_are_shown_again_before_anything_is_recorded(nurse_client, team):
    """Tab one shows Check and confirm for a dose; in tab two the nurse goes back and answers No.
    Confirm in tab one must not record what its page did not show."""
    import re

    session, child = setup(team, codes=("flu",))
    batches = stock(team)
    walk = Walk(nurse_client, session, child, "flu")
    walk.start()
    walk.answer("identity", {"confirmed": "yes"})
    walk.answer("pre-screening", {"checks": ["feeling_well", "no_allergies", "no_medication", "no_previous_reaction"]})
    walk.answer("outcome", {"outcome": "yes"})
    walk.answer("batch", {"batch": batches["FL1"].pk}, "check")
    tab_one = walk.page("check")
    seen = re.search(r'name="answers"[^>]*value="([^"]+)"', tab_one) or re.search(
        r'value="([^"]+)"[^>]*name="answers"', tab_one
    )
    assert seen, "the Check and confirm page says which answers it shows"

    walk.answer("outcome", {"outcome": "no"})  # tab two
    walk.answer("reason", {"reason": "refused"}, "check")

    response = nurse_client.post(walk.url("check"), {"answers": seen.group(1), "notes": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "The answers were changed in another tab or window: check them, then confirm" in text
    assert "They refused it" in text
    assert not VaccinationRecord.objects.exists()

    fresh = re.search(r'name="answers"[^>]*value="([^"]+)"', text) or re.search(
        r'value="([^"]+)"[^>]*name="answers"', text
    )
    assert nurse_client.post(walk.url("check"), {"answers": fresh.group(1), "notes": ""}).status_code == 302
    assert VaccinationRecord.objects.get().outcome == "refused"


@time_machine.travel(NOW, tick=False)
def test_a_clinic_with_no_venue_in_use_says_so_instead_of_an_empty_question(nurse_client, team):
    from tests.text import visible_text

    session, child = setup(team, codes=("hpv",), session=clinic(team, dates=[TODAY], programmes=["hpv"]))
    batches = stock(team)
    Venue.objects.create(team=team, name="Old Library", archived_at=NOW)
    walk = Walk(nurse_client, session, child, "hpv")
    walk.to_the_batch()
    walk.answer("batch", {"batch": batches["GD1"].pk})
    walk.answer("site", {"method": "intramuscular", "site": "left_arm_upper"}, "venue")
    page = walk.page("venue")
    assert "There is no venue for the Community clinic in your list" in page
    assert reverse("setup:venues") in page and "Continue" not in visible_text(page)
