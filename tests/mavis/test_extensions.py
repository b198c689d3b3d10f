"""Slots: a slot its page needs stops start-up when nothing fills it; contributors are called once a page."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from mavis import extensions
from mavis.extensions import Slot, slots_filled
from patients.extensions import parent_card_warnings
from sessions.extensions import child_in_session_sections, session_overview_panels


def test_every_slot_a_page_needs_is_filled_by_the_installed_apps():
    assert slots_filled() == []
    required = {slot.name for slot in extensions.SLOTS if slot.required_by}
    assert {parent_card_warnings.name, session_overview_panels.name, child_in_session_sections.name} <= required


def test_an_empty_slot_a_page_needs_fails_the_start_up_check():
    slot = Slot("test.needed", required_by="an_app")
    try:
        errors = slots_filled()
        assert [(e.id, e.msg) for e in errors] == [("mavis.E001", "Nothing fills the slot test.needed.")]
        assert "an_app" in errors[0].hint
        with pytest.raises(SystemCheckError, match="test.needed"):
            call_command("check")
        slot.register(lambda request, **_: None)
        assert slots_filled() == []
    finally:
        extensions.SLOTS.remove(slot)


def test_collect_calls_each_contributor_once_in_order_and_leaves_out_none():
    slot = Slot("test.data")
    calls = []
    try:
        slot.register(lambda request, **context: calls.append("b") or {"b": context["page"]}, order=20)
        slot.register(lambda request, **context: calls.append("a") or None, order=10)
        slot.register(lambda request, **context: calls.append("c") or [], order=30)
        assert slot.collect(None, page=1) == [{"b": 1}, []]
        assert calls == ["a", "b", "c"]
    finally:
        extensions.SLOTS.remove(slot)
