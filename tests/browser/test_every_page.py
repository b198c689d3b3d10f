"""Every page a nurse or an admin can reach from the navigation of `seed_demo`, read as a person reads it.

Each page is read at 1280 px and 375 px on its `innerText` (no tags or entities shown as
text) and for sideways scrolling at 375 px, and the first page of each kind is kept as
full-page screenshots at both widths; every "N children" link is
followed to a list of exactly N children; axe runs on the first page of each kind (the same
path with the numbers taken out: one template), which is what it judges. Multi-step forms
(recording a consent response, the parents' form) are walked step by
step, each step also seen with its errors. The Django admin's pages get the same reading but
not axe: they are Django's own.

The demo is seeded with its Community clinic on today (`seed_demo --clinic-day`), so the
clinic day's Register and Record vaccinations are part of the navigation, and a walk-in's
**Invite to community clinic** page is on every child's record. The nurse and the admin each
read every page, and the admin the Django admin's lists too. The crawl is split into tests
(per role: the navigation and the child pages in shards, then the forms, the Django admin), so
pytest-xdist spreads them over its workers; each test seeds its own demo. Problems are collected and reported together; screenshots go to the
folder each test prints.
"""

import contextlib
import datetime
import io
import re
import time
from collections import Counter, deque
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from mavis.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),
]

SEEDED = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=timezone.get_default_timezone())
DEMO_CHILDREN = 40
# Not test-results/: pytest-playwright empties it at the start of each run, and make test runs two.
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "every-page"
WIDTHS = (1280, 375)
# Tags (<strong, </a, <!--) or entities that reach the reader as text.
MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-zA-Z]+|#\d+);")
COUNT_LINK = re.compile(r"^\s*([\d,]+) (?:child|children)\b")
# Sign-out ends the crawl, downloads are not pages.
SKIP = re.compile(r"^/(sign-out|static/)|\.csv$|[?&]format=csv")
# The pages about one child: their record, the child in a session and everything under it,
# and the clinic pages about them (Invite to community clinic, Record a clinic appointment).
CHILD_PAGE = re.compile(r"^/(?:clinics/)?(?:sessions/\d+/)?children/(\d+)(?:/|$|\?)")
CHILD_SHARDS = 2
# A session's pages (its tabs, their filters, editing it, its clinic pages).
SESSION_PAGE = re.compile(r"^/(?:clinics/)?sessions/(\d+)(?:/|$|\?)")
NAVIGATION_SHARDS = 2
# The Django admin: its index, each app and each model's list (not the add, change or log-out pages).
DJANGO_ADMIN = re.compile(r"^/admin/(?:\w+/(?:\w+/)?)?$")
axe = Axe()
# What a reader sees on the page, in one call to the browser: its text, whether it scrolls sideways
# (and the deepest element that sticks out on the right, to say what to fix), the list's own count
# and its rows, the links that are counts of children, its title and every link but downloads
# (for the crawl to follow).
SEEN = """() => {
  const wide = document.documentElement.scrollWidth > innerWidth;
  const out = wide ? [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1) : [];
  const e = out[out.length - 1];
  const listed = document.querySelector('#results-count');
  return {
    text: document.body.innerText,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest: e ? `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} "${(e.innerText || '').slice(0, 40)}"` : '',
    listed: listed ? listed.innerText : null,
    rows: document.querySelectorAll('main table tbody tr').length,
    paged: !!document.querySelector('nav.nhsuk-pagination'),
    countLinks: [...document.querySelectorAll('main a[href]:not([download])')].map(a => [a.href, a.innerText]),
    links: [...document.querySelectorAll('a[href]:not([download])')].map(a => a.href),
    title: document.title,
  };
}"""


def page_type(url: str) -> str:
    """The path with its numbers taken out, and the query without search text or page number."""
    parts = urlsplit(url)
    query = sorted((k, re.sub(r"\d+", "N", v)) for k, v in parse_qsl(parts.query) if k not in ("page", "q"))
    return re.sub(r"\d+", "N", parts.path) + ("?" + urlencode(query) if query else "")


def template_of(url: str) -> str:
    """Pages that differ only in their query (filters, page number) share a template: axe once."""
    return page_type(url).split("?")[0]


def path_of(url: str, base: str) -> str:
    return url.removeprefix(base)


class Reader:
    """One signed-in browser tab that reads pages like a person and notes what is wrong."""

    def __init__(self, page, base: str, role: str, shots: Path, axe_pages: bool = True):
        self.page, self.base, self.role, self.shots = page, base, role, shots
        self.axe_pages = axe_pages
        self.problems: list[str] = []
        self.read_count = 0
        self.axed: set[str] = set()
        self.kinds: set[str] = set()
        self.seconds: Counter = Counter()  # where the time goes, printed at the end
        self.lists: dict[str, tuple[int, int, bool] | None] = {}
        self.counts_checked: set[str] = set()
        self.pending_counts: list[tuple[str, int, str]] = []
        self.width = None  # the tab's viewport width, once a page has been read

    def attempt(self, name: str, journey):
        """A journey that stops part way is one problem; the crawl goes on."""
        try:
            journey()
        except Exception as error:  # noqa: BLE001 - reported with the others
            self.problem(f"{name} stopped: {str(error).splitlines()[0]}")

    def problem(self, what: str):
        self.problems.append(f"[{self.role}] {path_of(self.page.url, self.base)}: {what}")

    def read(self, name: str | None = None, whole: bool = False, back_to_desktop: bool = True) -> dict:
        """Check the page as it stands at each width, the width it is at first, then put the width
        back to desktop (the crawl, which only follows links next, leaves it: one resize a page).
        Named by its title unless given a name. Returns what was seen at the last width."""
        kind = page_type(self.page.url)
        first = whole or kind not in self.kinds  # the first page of its kind is kept as screenshots
        self.kinds.add(kind)
        run_axe = self.axe_pages and template_of(self.page.url) not in self.axed
        if run_axe:
            self.axed.add(template_of(self.page.url))
        self.read_count += 1
        for width in sorted(WIDTHS, key=lambda width: width != self.width):
            self.resize(width)
            with self.timed("reading"):
                seen = self.page.evaluate(SEEN)
            text = seen["text"]
            for found in {m.group(0) for m in MARKUP.finditer(text)}:
                at = text.find(found)
                self.problem(f"{width}px shows markup {found!r}: …{text[max(0, at - 60) : at + 60]!r}…")
            if width < 1000 and seen["scrollWidth"] > seen["innerWidth"]:
                self.problem(
                    f"{width}px scrolls sideways: scrollWidth {seen['scrollWidth']} > innerWidth "
                    f"{seen['innerWidth']}: {seen['widest']}"
                )
            if run_axe:
                with self.timed("axe"):
                    violations = axe.run(self.page).response["violations"]
                for v in violations:
                    targets = [n["target"] for n in v["nodes"]][:3]
                    self.problem(f"{width}px axe {v['id']}: {v['help']} {targets}")
            if first:
                with self.timed("screenshot"):
                    name = name or seen["title"].split(" – ")[0] or kind
                    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
                    shot = self.shots / f"{self.role}-{self.read_count:04d}-{slug}-{width}.png"
                    self.page.screenshot(path=shot, full_page=True)
        if back_to_desktop:
            self.resize(WIDTHS[0])
        self.lists[self.page.url] = self.list_shown(seen)
        self.note_count_links(seen["countLinks"])
        return seen

    def resize(self, width: int):
        if width != self.width:
            with self.timed("viewport"):
                self.page.set_viewport_size({"width": width, "height": 900})
            self.width = width

    def list_shown(self, seen: dict) -> tuple[int, int, bool] | None:
        """The list's own count, its rows on this page, and whether it has more pages."""
        if seen["listed"] is None:
            return None
        match = COUNT_LINK.match(seen["listed"])
        listed = int(match.group(1).replace(",", "")) if match else -1
        return listed, seen["rows"], seen["paged"]

    @contextlib.contextmanager
    def timed(self, what: str):
        start = time.perf_counter()
        yield
        self.seconds[what] += time.perf_counter() - start

    def note_count_links(self, links: list):
        for href, text in links:
            match = COUNT_LINK.match(text)
            if match and href not in self.counts_checked:
                self.counts_checked.add(href)
                self.pending_counts.append((href, int(match.group(1).replace(",", "")), self.page.url))

    def check_counts(self):
        """A count that is a link leads to a list of exactly that many children (a list the crawl
        has read already is not loaded again)."""
        while self.pending_counts:
            href, expected, source = self.pending_counts.pop()
            if href not in self.lists:
                self.page.goto(href)
                self.lists[href] = self.list_shown(self.page.evaluate(SEEN))
            where = (
                f"[{self.role}] {path_of(source, self.base)}: '{expected} children' leads to {path_of(href, self.base)}"
            )
            if self.lists[href] is None:
                self.problems.append(f"{where} with no count")
                continue
            listed, rows, paged = self.lists[href]
            if listed != expected or (not paged and rows != expected):
                self.problems.append(f"{where} listing {listed} ({rows} rows on the page)")

    def links(self, hrefs: list[str] | None = None) -> list[str]:
        """The page's links the crawl follows (from what a read has seen, or asked for)."""
        if hrefs is None:
            hrefs = self.page.eval_on_selector_all(
                "a[href]", "els => els.filter(e => !e.hasAttribute('download')).map(e => e.href)"
            )
        out = []
        for href in hrefs:
            href = href.split("#")[0]
            if href.startswith(self.base) and not SKIP.search(path_of(href, self.base)):
                out.append(href)
        return out

    def crawl(self, start: str, scope) -> int:
        """Every page reachable from `start`: scope(path) says "read" (check it and follow its
        links), "pass" (only follow its links) or None (leave it). Returns the pages read."""
        queue, queued, read = deque([start]), {start}, 0
        while queue:
            url = queue.popleft()
            what = scope(path_of(url, self.base))
            if what is None:
                continue
            with self.timed("goto"):
                response = self.page.goto(url)
            if response.status >= 400:
                self.problem(f"status {response.status} from a link in the navigation")
                continue
            # A redirect (the home page to Sessions) lands on a page the scope may leave.
            if self.page.url != url and scope(path_of(self.page.url, self.base)) is None:
                continue
            seen = None
            if what == "read":
                read += 1
                seen = self.read(back_to_desktop=False)
            with self.timed("links"):
                hrefs = self.links(seen and seen["links"])
            for href in hrefs:
                if href not in queued:
                    queued.add(href)
                    queue.append(href)
        return read


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


def walk_form(reader: Reader, name: str, until: re.Pattern, steps: int = 14, tick_every_box: bool = False):
    """Walk a multi-step form: read each step empty, with its errors, then answered."""
    page = reader.page
    for step in range(steps):
        if until.search(page.url):
            reader.read(f"{name} end", whole=True)
            return
        reader.read(f"{name} step {step}", whole=True)
        form = page.locator("main form[method=post]").last
        if tick_every_box:
            for box in form.locator("input[type=checkbox]").all():
                box.check()
        form.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_load_state()
        if page.locator(".nhsuk-error-summary").count():
            reader.read(f"{name} step {step} errors", whole=True)
            answer(page.locator("main form[method=post]").last)
            page.locator("main form[method=post]").last.locator("button[type=submit]").first.click()
            page.wait_for_load_state()
    reader.problem(f"{name}: not finished after {steps} steps")


def sign_in(page, base: str, username: str):
    page.context.clear_cookies()
    page.goto(base + "/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def demo(browser, live_server, request):
    """A fresh seed_demo at the demo's date, a desktop tab, and the test's screenshot folder."""
    shots = SHOTS / re.sub(r"[^a-z0-9]+", "-", request.node.name.removeprefix("test_").lower()).strip("-")
    shots.mkdir(parents=True, exist_ok=True)
    for old in [*shots.glob("*.png"), *shots.glob("*.jpeg")]:
        old.unlink()
    print(f"\nScreenshots at {WIDTHS} px: {shots}")
    with time_machine.travel(SEEDED, tick=True):
        call_command("seed_demo", children=DEMO_CHILDREN, clinic_day=True, stdout=io.StringIO())
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        yield context.new_page(), live_server.url, shots
        context.close()


def navigation(shard: int):
    """Every page but the child pages (their own tests) and the Django admin (its own); the
    pages of one session in one shard, the rest in the first."""

    def scope(path: str):
        if CHILD_PAGE.match(path) or path.startswith("/admin/"):
            return None
        match = SESSION_PAGE.match(path)
        if match:
            return "read" if int(match.group(1)) % NAVIGATION_SHARDS == shard else None
        if shard == 0:
            return "read"
        # The way to the sessions: the home page (it opens Children) and the Sessions list.
        return "pass" if urlsplit(path).path.rstrip("/") in ("", "/children", "/sessions") else None

    return scope


def child_pages(shard: int):
    def scope(path: str):
        match = CHILD_PAGE.match(path)
        if match:
            return "read" if int(match.group(1)) % CHILD_SHARDS == shard else None
        # Every child is on the Children list; their record links to their sessions.
        return "pass" if urlsplit(path).path == "/children/" else None

    return scope


def django_admin(path: str):
    return "read" if DJANGO_ADMIN.match(path) else None


def report(reader: Reader, read: int, at_least: int):
    spent = ", ".join(f"{k} {v:.0f} s" for k, v in reader.seconds.most_common())
    print(f"Read {read} pages as {reader.role}; axe on {len(reader.axed)} kinds of page. Time: {spent}")
    print("\n".join(reader.problems))
    assert read >= at_least, f"the crawl read {read} pages: it did not find the app"
    assert not reader.problems, "\n".join(reader.problems)


ROLES = ("nurse", "admin")


@pytest.mark.parametrize("shard", range(NAVIGATION_SHARDS))
@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_reads_right(demo, role, shard):
    page, base, shots = demo
    reader = Reader(page, base, role, shots)
    sign_in(page, base, role)
    read = reader.crawl(base + "/", navigation(shard))
    reader.check_counts()
    report(reader, read, at_least=40)


@pytest.mark.parametrize("shard", range(CHILD_SHARDS))
@pytest.mark.parametrize("role", ROLES)
def test_every_child_page_reads_right(demo, role, shard):
    page, base, shots = demo
    reader = Reader(page, base, role, shots)
    sign_in(page, base, role)
    read = reader.crawl(base + "/children/", child_pages(shard))
    report(reader, read, at_least=DEMO_CHILDREN // CHILD_SHARDS)


def test_the_django_admin_reads_right(demo):
    page, base, shots = demo
    reader = Reader(page, base, "admin", shots, axe_pages=False)  # Django's own pages
    sign_in(page, base, "admin")  # a superuser in the demo
    read = reader.crawl(base + "/admin/", django_admin)  # no link in the app's header: typed in
    report(reader, read, at_least=10)


def test_the_forms_read_right_step_by_step(demo, local_notify, browser):
    page, base, shots = demo
    with time_machine.travel(SEEDED, tick=True):
        # Signed out: the sign-in page, empty and with its errors.
        visitor = Reader(page, base, "signed-out", shots)
        page.goto(base + "/sign-in")
        visitor.read("Sign in")
        page.get_by_role("button", name="Sign in").click()
        visitor.read("Sign in errors")

        nurse = Reader(page, base, "nurse", shots)
        sign_in(page, base, "nurse")
        # Send consent request, then the local Notify page and the parents' form from its link.
        nurse.attempt("Send consent request", lambda: send_consent_request(page, base))
        call_command("dispatch_messages", stdout=io.StringIO())
        page.goto(local_notify.url)
        nurse.read("Local Notify")
        # The parent opens the link in their own browser: not signed in.
        link = page.locator("a[href*='/consent/']").first
        found = re.search(r"https?://\S+/consent/\S+", page.inner_text("body"))
        if not link.count():
            nurse.problem("the consent link on the local Notify page is not a link")
        href = link.get_attribute("href") if link.count() else (found.group(0) if found else None)
        parent_context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        parent = Reader(parent_context.new_page(), base, "parent", shots)
        if href:
            # The message links to the app's configured address; the parent's browser goes to this server.
            parent.page.goto(base + urlsplit(href).path)
            parent.attempt("Parents' form", lambda: walk_form(parent, "Parents' form", until=re.compile(r"/done$")))
        else:
            nurse.problem("no consent link on the local Notify page: the parents' form was not read")
        parent_context.close()

        # Record a new consent response, every step, for a child with no response (sending a request leaves them there).
        next(no_response_lists(page, base))
        page.locator("main table tbody a").first.click()
        nurse.attempt(
            "Record a new consent response",
            lambda: (
                page.get_by_role("button", name="Record a new consent response").click(),
                walk_form(nurse, "Record consent", until=re.compile(r"/consent(\?|$)|/children/\d+$")),
            ),
        )
        # The clinic day: register everyone as attending, then record a vaccination, every step.
        nurse.attempt("Record vaccinations", lambda: record_a_vaccination(nurse))
    problems = visitor.problems + nurse.problems + parent.problems
    print(f"Read {visitor.read_count + nurse.read_count + parent.read_count} form pages.")
    print("\n".join(problems))
    assert not problems, "\n".join(problems)
    assert parent.read_count >= 4, "the parents' form was not walked"


def record_a_vaccination(nurse: Reader):
    page = nurse.page
    page.goto(nurse.base + "/sessions")
    page.get_by_role("link", name="Community clinic").first.click()
    tabs = page.get_by_role("navigation", name="Session")
    tabs.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_url(re.compile(r"/register$"))
    waiting = page.locator("main table tbody tr").filter(has_text="Not registered yet")
    for _ in range(waiting.count()):  # each click reloads the page with one row fewer waiting
        waiting.first.get_by_role("button", name=re.compile("^Attending")).click()
        page.wait_for_load_state()
    if waiting.count():
        raise AssertionError(f"{waiting.count()} children still not registered after pressing Attending")
    nurse.read("Register, everyone attending")
    tabs.get_by_role("link", name="Record vaccinations", exact=True).click()
    page.wait_for_url(re.compile(r"/record$"))
    nurse.read("Record vaccinations")
    page.get_by_role("link", name=re.compile("^Record outcome for ")).first.click()
    # Every pre-screening check is true (an empty answer says one is not): the whole way to a
    # vaccination given.
    walk_form(nurse, "Record a vaccination", until=re.compile(r"/record(\?|$)"), tick_every_box=True)


def send_consent_request(page, base: str):
    """The first child on a No response list a request can be sent to (a parent can be contacted
    and the session's online form is still open)."""
    for _ in no_response_lists(page, base):
        for href in page.eval_on_selector_all("main table tbody a", "els => els.map(e => e.href)"):
            page.goto(href)
            button = page.get_by_role("button", name="Send consent request")
            if button.count():
                button.click()
                return
    raise AssertionError("no child in the demo can be sent a consent request")


def no_response_lists(page, base: str):
    """Each session's Consent tab filtered to No response that has a child on it (scheduled
    sessions first), left open on the page."""
    for sessions in ("/sessions?status=scheduled", "/sessions"):
        page.goto(base + sessions)
        for href in page.eval_on_selector_all("main table a", "els => els.map(e => e.href)"):
            page.goto(href + "/consent?status=no_response")
            if page.locator("main table tbody a").count():
                yield page.url
                page.goto(base + sessions)
    raise AssertionError("no child with no consent response in the demo")
