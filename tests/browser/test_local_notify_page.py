"""The local Notify page a tester reads: links to click, a phone-width layout, London times, a filter."""

import re

import pytest
import time_machine
from notifications_python_client.notifications import NotificationsAPIClient

from notifications import local_notify
from notifications.local_notify import templates as local_templates
from tests.browser_helpers import assert_accessible
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.browser

PERSONALISATION = {
    "child_name": "Maya Patel",
    "team_name": "Coventry SAIS",
    "location": "Oak Academy",
    "programmes": "HPV",
    "closing_date": "Monday 14 December 2026",
    "consent_link": "http://127.0.0.1:8000/consent/abc123",
    "team_email": "sais@example.nhs.uk",
    "team_phone": "0121 123 4567",
    "privacy_notice_url": "https://example.nhs.uk/privacy",
}


# 16:30 UTC in summer is 17:30 in London.
@time_machine.travel("2026-07-01 16:30:00+00:00", tick=False)
def test_local_notify_page_has_links_a_viewport_london_times_and_a_filter(page, settings):
    with local_notify.from_settings(port=free_port(), callback_url=None) as notify:
        client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=notify.url)
        template = settings.NOTIFY_TEMPLATES["consent_request.email"]
        keys = set(re.findall(r"\(\(([a-z_]+)\)\)", str(local_templates.TEXTS["consent_request.email"])))
        values = {key: PERSONALISATION.get(key, "x") for key in keys}
        client.send_email_notification("maya.parent@example.com", template, values)
        client.send_email_notification("other.parent@example.com", template, values)

        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(notify.url)
        assert page.locator("meta[name=viewport]").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        link = page.get_by_role("link", name="http://127.0.0.1:8000/consent/abc123").first
        assert link.get_attribute("href") == "http://127.0.0.1:8000/consent/abc123"
        text = page.inner_text("main")
        assert "1 July 2026 at 17:30" in text and "16:30" not in text
        assert "<br>" not in text and "&lt;" not in text
        assert_accessible(page)

        page.get_by_label("Email address or phone number").fill("maya.parent")
        page.get_by_role("button", name="Filter").click()
        text = page.inner_text("main")
        assert "maya.parent@example.com" in text and "other.parent@example.com" not in text
        assert page.locator("article").count() == 1
        assert_accessible(page)
