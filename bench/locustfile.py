"""50 nurses browsing sessions, consent lists and child records and sending reminders.

Started by bench/bench_load.py with the URLs of its own demo database in MAVIS_LOAD_URLS.
"""

import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

URLS = json.loads(os.environ.get("MAVIS_LOAD_URLS", "{}"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAMPLES: list[tuple[str, float, bool, float]] = []


@events.request.add_listener
def _keep_sample(name, response_time, exception, **_kwargs):
    SAMPLES.append((name, response_time, exception is None, time.time()))


@events.quitting.add_listener
def _write_samples(**_kwargs):
    # Every request's time, so the bench can give percentiles for browsing and sign-in apart.
    with open(os.environ["MAVIS_LOAD_SAMPLES"], "w") as samples:
        json.dump(SAMPLES, samples)


class Nurse(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        username = URLS["users"].pop() if URLS.get("users") else "nurse"
        page = self.client.get("/sign-in", name="sign in page")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/sign-in",
            {"username": username, "password": URLS["password"], "csrfmiddlewaretoken": token},
            name="sign in",
        )
        if "Sign in" in response.text and "There is a problem" in response.text:
            response.failure("could not sign in")

    def _get(self, key):
        choices = URLS.get(key) or []
        if choices:
            self.client.get(random.choice(choices), name=key)

    @task(4)
    def sessions_list(self):
        self._get("sessions_list")

    @task(4)
    def session_pages(self):
        self._get("session_pages")

    @task(4)
    def consent_lists(self):
        self._get("consent_lists")

    @task(6)
    def child_records(self):
        self._get("child_records")

    @task(2)
    def children_search(self):
        self._get("children_search")

    @task(1)
    def send_booking_reminders(self):
        url = URLS.get("send_reminders")
        if not url:
            return
        page = self.client.get(url, name="send reminders summary")
        match = CSRF.search(page.text)
        if match and "Send booking reminders" in page.text:
            self.client.post(url, {"csrfmiddlewaretoken": match.group(1)}, name="send reminders")
