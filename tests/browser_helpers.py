"""Helpers for browser tests: sign in like a person, check accessibility with axe."""

from axe_playwright_python.sync_playwright import Axe

PASSWORD = "correct-horse-battery"
_axe = Axe()


def sign_in(page, live_server, user, password=PASSWORD):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def assert_accessible(page):
    results = _axe.run(page)
    violations = results.response["violations"]
    assert not violations, results.generate_report()
