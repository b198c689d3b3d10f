"""Every page a nurse or an admin can reach from the navigation of `seed_demo`, read as a person reads it.

At 1280 px and 375 px each page is checked on its `inner_text` (no tags or entities shown as
text), for sideways scrolling at 375 px, with axe, and every "N children" link is followed to
a list of exactly N children. Multi-step forms (recording a consent response, the parents'
form) are walked step by step, each step also seen with its errors. Pages of one type (the
same path with the numbers taken out) are sampled: the tabs of three sessions, one of the rest.
Problems are collected and reported together; screenshots go to the folder printed first.
"""

import datetime
import io
import re
from collections import Counter, deque
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from mavis.management.commands.seed_demo import DEMO_PASSWORD
from notifications import local_notify
from tests.notifications.conftest import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1500),
]

SEEDED = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=timezone.get_default_timezone())
# Not test-results/: pytest-playwright empties it at the start of each run, and make test runs two.
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "every-page"
WIDTHS = (1280, 375)
# Tags (<strong, </a, <!--) or entities that reach the reader as text.
MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+);")
COUNT_LINK = re.compile(r"^\s*([\d,]+) (?:child|children)\b")
# The Django admin is Django's own look, sign-out ends the crawl, downloads are not pages.
SKIP = re.compile(r"^/(admin/|sign-out|static/)|\.csv$|[?&]format=csv")
SAMPLES = 1
SESSION_SAMPLES = 3  # a school session and the clinic, in different states
axe = Axe()


def page_type(url: str) -> str:
    """The path with its numbers taken out, and the query without search text or page number."""
    parts = urlsplit(url)
    query = sorted((k, re.sub(r"\d+", "N", v)) for k, v in parse_qsl(parts.query) if k not in ("page", "q"))
    return re.sub(r"\d+", "N", parts.path) + ("?" + urlencode(query) if query else "")


def samples_for(kind: str) -> int:
    # Each tab of a few sessions (school and clinic); one of everything else.
    return SESSION_SAMPLES if re.fullmatch(r"/sessions/N(/(children|register|record|consent))?", kind) else SAMPLES


class Reader:
    """One signed-in browser tab that reads pages like a person and notes what is wrong."""

    def __init__(self, page, base: str, role: str):
        self.page, self.base, self.role = page, base, role
        self.problems: list[str] = []
        self.seen: Counter = Counter()
        self.shots = 0
        self.counts_checked: set[str] = set()
        self.pending_counts: list[tuple[str, int, str]] = []

    def attempt(self, name: str, journey):
        """A journey that stops part way is one problem; the crawl goes on."""
        try:
            journey()
        except Exception as error:  # noqa: BLE001 - reported with the others
            self.problem(f"{name} stopped: {str(error).splitlines()[0]}")

    def problem(self, what: str):
        self.problems.append(f"[{self.role}] {self.page.url.removeprefix(self.base)}: {what}")

    def read(self, name: str):
        """Check the page as it stands at each width, then put the width back to desktop."""
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.wait_for_timeout(50)
            text = self.page.inner_text("body")
            for found in {m.group(0) for m in MARKUP.finditer(text)}:
                at = text.find(found)
                self.problem(f"{width}px shows markup {found!r}: …{text[max(0, at - 60) : at + 60]!r}…")
            if width < 1000:
                scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                if scroll > inner:
                    self.problem(f"{width}px scrolls sideways: scrollWidth {scroll} > innerWidth {inner}")
            violations = axe.run(self.page).response["violations"]
            for v in violations:
                targets = [n["target"] for n in v["nodes"]][:3]
                self.problem(f"{width}px axe {v['id']}: {v['help']} {targets}")
            self.shots += 1
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80]
            self.page.screenshot(path=SHOTS / f"{self.role}-{self.shots:03d}-{slug}-{width}.png", full_page=True)
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        self.note_count_links()

    def note_count_links(self):
        links = self.page.eval_on_selector_all(
            "main a[href]", "els => els.map(e => [e.href, e.innerText, e.getAttribute('download')])"
        )
        for href, text, download in links:
            match = COUNT_LINK.match(text)
            if match and download is None and href not in self.counts_checked:
                self.counts_checked.add(href)
                self.pending_counts.append((href, int(match.group(1).replace(",", "")), self.page.url))

    def check_counts(self):
        """A count that is a link leads to a list of exactly that many children."""
        while self.pending_counts:
            href, expected, source = self.pending_counts.pop()
            self.page.goto(href)
            shown = self.page.locator("#results-count")
            if not shown.count():
                self.problems.append(f"[{self.role}] {source}: '{expected} children' leads to {href} with no count")
                continue
            listed = int(COUNT_LINK.match(shown.inner_text()).group(1).replace(",", ""))
            rows = self.page.locator("main table tbody tr").count()
            paged = self.page.locator("nav.nhsuk-pagination").count()
            if listed != expected or (not paged and rows != expected):
                self.problems.append(
                    f"[{self.role}] {source.removeprefix(self.base)}: '{expected} children' leads to "
                    f"{href.removeprefix(self.base)} listing {listed} ({rows} rows on the page)"
                )

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "a[href]", "els => els.filter(e => !e.hasAttribute('download')).map(e => e.href)"
        )
        out = []
        for href in hrefs:
            href = href.split("#")[0]
            if href.startswith(self.base) and not SKIP.search(href.removeprefix(self.base)):
                out.append(href)
        return out

    def crawl(self, start: str, skip_types: frozenset = frozenset()):
        queue, queued = deque([start]), {start}
        while queue:
            url = queue.popleft()
            kind = page_type(url)
            if kind in skip_types or self.seen[kind] >= samples_for(kind):
                continue
            response = self.page.goto(url)
            if response.status >= 400:
                self.problem(f"status {response.status} from a link in the navigation")
                continue
            self.seen[kind] += 1
            self.read(self.page.title().split(" – ")[0] or kind)
            for href in self.links():
                if href not in queued:
                    queued.add(href)
                    queue.append(href)

    def walk_form(self, name: str, until: re.Pattern, steps: int = 14):
        """Walk a multi-step form: read each step empty, with its errors, then answered."""
        for step in range(steps):
            if until.search(self.page.url):
                self.read(f"{name} end")
                return
            self.read(f"{name} step {step}")
            form = self.page.locator("main form[method=post]").last
            submit = form.locator("button[type=submit], input[type=submit]").first
            submit.click()
            self.page.wait_for_load_state()
            if self.page.locator(".nhsuk-error-summary").count():
                self.read(f"{name} step {step} errors")
                answer(self.page.locator("main form[method=post]").last)
                self.page.locator("main form[method=post]").last.locator("button[type=submit]").first.click()
                self.page.wait_for_load_state()
        self.problem(f"{name}: not finished after {steps} steps")


def answer(form):
    """The first choice of every question, and something in every visible box left empty."""
    for radio in form.locator("input[type=radio]").all():
        name = radio.get_attribute("name")
        if radio.is_visible() and not form.locator(f"input[name='{name}']:checked").count():
            radio.check()
    for box in form.locator("input[type=checkbox]").all():
        if box.is_visible() and not form.locator("input[type=checkbox]:checked").count():
            box.check()
    for field in form.locator(
        "input[type=text], input[type=email], input[type=tel], input:not([type]), textarea"
    ).all():
        if field.is_visible() and not field.input_value():
            field_id = field.get_attribute("id") or ""
            value = {"day": "1", "month": "6", "year": "2015"}.get(field_id.rsplit("_", 1)[-1], "Test answer")
            if field.get_attribute("type") == "email":
                value = "parent@example.com"
            if field.get_attribute("type") == "tel":
                value = "07700 900123"
            field.fill(value)
    for select in form.locator("select").all():
        if select.is_visible():
            options = [o for o in select.locator("option").all() if o.get_attribute("value")]
            if options:
                select.select_option(options[0].get_attribute("value"))


@pytest.fixture
def notify(settings, live_server):
    server = local_notify.from_settings(port=free_port(), callback_url=None, seed=7)
    server.start()
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_RATE_PER_SECOND = 0
    yield server
    server.stop()


def sign_in(page, base: str, username: str):
    page.context.clear_cookies()
    page.goto(base + "/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_every_page_reads_right_at_desktop_and_phone_width(browser, live_server, notify):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    print(f"\nScreenshots of every page at {WIDTHS} px: {SHOTS}")
    with time_machine.travel(SEEDED, tick=True):
        call_command("seed_demo", children=120, stdout=io.StringIO())
        base = live_server.url
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        page = context.new_page()
        problems = []

        # Signed out: the sign-in page, empty and with its errors.
        visitor = Reader(page, base, "signed-out")
        page.goto(base + "/sign-in")
        visitor.read("Sign in")
        page.get_by_role("button", name="Sign in").click()
        visitor.read("Sign in errors")
        problems += visitor.problems

        nurse = Reader(page, base, "nurse")
        sign_in(page, base, "nurse")
        nurse.crawl(base + "/")
        nurse.check_counts()

        # Record a new consent response, every step, for a child with no response at a scheduled school.
        page.goto(base + "/sessions?status=scheduled")
        for href in page.eval_on_selector_all("main table a", "els => els.map(e => e.href)"):
            no_response = href + "/consent?status=no_response"
            page.goto(no_response)
            if page.locator("main table tbody a").count() >= 2:
                break
        page.locator("main table tbody a").first.click()
        nurse.attempt(
            "Record a new consent response",
            lambda: (
                page.get_by_role("button", name="Record a new consent response").click(),
                nurse.walk_form("Record consent", until=re.compile(r"/consent(\?|$)|/children/\d+$")),
            ),
        )

        # Send consent request, then the local Notify page and the parents' form from its link.
        page.goto(no_response)  # the child just recorded has left this list
        page.locator("main table tbody a").first.click()
        nurse.attempt("Send consent request", lambda: page.get_by_role("button", name="Send consent request").click())
        call_command("dispatch_messages", stdout=io.StringIO())
        page.goto(notify.url)
        nurse.read("Local Notify")
        # The parent opens the link in their own browser: not signed in.
        link = page.locator("a[href*='/consent/']").first
        found = re.search(r"https?://\S+/consent/\S+", page.inner_text("body"))
        if not link.count():
            nurse.problem("the consent link on the local Notify page is not a link")
        href = link.get_attribute("href") if link.count() else (found.group(0) if found else None)
        parent_context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        parent = Reader(parent_context.new_page(), base, "parent")
        if href:
            # The message links to the app's configured address; the parent's browser goes to this server.
            parent.page.goto(base + urlsplit(href).path)
            parent.attempt("Parents' form", lambda: parent.walk_form("Parents' form", until=re.compile(r"/done$")))
        else:
            nurse.problem("no consent link on the local Notify page: the parents' form was not read")
        parent_context.close()
        problems += parent.problems
        problems += nurse.problems

        # The admin: the same navigation; pages the nurse already read are not read again.
        admin = Reader(page, base, "admin")
        sign_in(page, base, "admin")
        top = {page_type(base + p) for p in ("/", "/sessions", "/children/")}
        admin.crawl(base + "/", skip_types=frozenset(set(nurse.seen) - top))
        admin.check_counts()
        problems += admin.problems
        context.close()

    print(f"Read {sum(nurse.seen.values())} pages as nurse, {sum(admin.seen.values())} as admin.")
    print("\n".join(problems))
    assert len(nurse.seen) >= 30, sorted(nurse.seen)  # the crawl found the app, not just a sign-in page
    assert not problems, "\n".join(problems)
