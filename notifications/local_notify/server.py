"""A local stand-in for GOV.UK Notify: the /v2 API the official client uses, on loopback.

Standard library only (plus PyJWT through the client library's decoder), so it runs as
`manage.py local_notify` or inside a test:

    with LocalNotify(port=0, callback_url=..., callback_token=...) as notify:
        notify.url  # -> "http://127.0.0.1:<port>"

It checks the JWT the way Notify does, validates requests like Notify (400 ValidationError /
BadRequestError), keeps the notifications in memory, posts delivery receipts to the app's
callback URL from background threads, injects faults on request (429, 500, timeouts after
accepting, permanent failures) and shows a page of what a parent would have received.
"""

import collections
import datetime
import json
import logging
import queue
import random
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError

from notifications.local_notify import templates as local_templates

logger = logging.getLogger("local_notify")

EMAIL_RE = re.compile(r"^[^\s@]+@([^\s@.,]+\.)+[a-z]{2,}$", re.IGNORECASE)
# Addresses and numbers that Notify's own test guidance uses for a failed delivery.
PERMANENT_FAILURE_EMAIL = re.compile(r"^permanent-failure@", re.IGNORECASE)
TEMPORARY_FAILURE_EMAIL = re.compile(r"^temporary-failure@", re.IGNORECASE)
# UK mobiles 07700 900000 to 07700 900099 (Ofcom's drama range) fail permanently.
PERMANENT_FAILURE_PHONE = re.compile(r"^0770090000\d$|^077009000[1-9]\d$")
FAULTS = ("rate_limit", "server_error", "timeout", "permanent_failure")


def normalise_uk_mobile(value: str) -> str | None:
    number = re.sub(r"[\s\-().]", "", value or "")
    for prefix in ("+44", "0044"):
        if number.startswith(prefix):
            number = "0" + number[len(prefix) :]
    if number.startswith("44") and len(number) == 12:
        number = "0" + number[2:]
    return number if re.fullmatch(r"07\d{9}", number) else None


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class NotifyError(Exception):
    def __init__(self, status: int, error: str, message: str):
        self.status, self.error, self.message = status, error, message

    def body(self) -> dict:
        return {"status_code": self.status, "errors": [{"error": self.error, "message": self.message}]}


class LocalNotify:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 6011,
        service_id: str,
        secret: str,
        templates: dict | None = None,
        callback_url: str | None = None,
        callback_token: str | None = None,
        callback_threads: int = 4,
        timeout_seconds: float = 2.0,
        latency: float = 0.0,
        seed: int | None = None,
    ):
        self.host, self.port = host, port
        self.service_id, self.secret = service_id, secret
        self.templates = templates or local_templates.build()
        self.callback_url, self.callback_token = callback_url, callback_token
        self.callback_threads = callback_threads
        self.timeout_seconds = timeout_seconds  # how long a "timeout" fault holds the request
        self.latency = latency  # added to every accepted send, to mimic a remote API
        self.faults = dict.fromkeys(FAULTS, 0.0)
        self.forbidden = False  # every request answers 403 (a revoked key)
        self.daily_limit = False  # every send answers the daily-limit 429
        # Notify's own limits, enforced when set (benchmarks): sends per second (a sliding
        # window, then the rate-limit 429) and sends per day (then the daily-limit 429).
        self.rate_limit_per_second = 0
        self.daily_cap = 0
        self._window: collections.deque = collections.deque()
        self.accepted = 0
        self.callbacks_enabled = True
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.notifications: dict[str, dict] = {}
        self._order: list[str] = []
        self.requests = 0
        self.faults_injected = dict.fromkeys(FAULTS, 0)
        self.callbacks_sent = 0
        self.callbacks_failed = 0
        self._callbacks: queue.Queue = queue.Queue()
        self._server = None
        self._threads: list[threading.Thread] = []

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> "LocalNotify":
        notify = self

        class Handler(_Handler):
            app = notify

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self.port = self._server.server_address[1]
        serve = threading.Thread(target=self._server.serve_forever, name="local-notify", daemon=True)
        serve.start()
        self._threads = [serve]
        for n in range(self.callback_threads):
            worker = threading.Thread(target=self._callback_worker, name=f"local-notify-callbacks-{n}", daemon=True)
            worker.start()
            self._threads.append(worker)
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        for _ in range(self.callback_threads):
            self._callbacks.put(None)

    def serve_forever(self):
        if self._server is None:
            self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- control (tests) -----------------------------------------------------------------
    def configure(self, **options):
        with self._lock:
            for name in FAULTS:
                if name in options:
                    self.faults[name] = float(options[name])
            for name in ("forbidden", "daily_limit", "callbacks_enabled"):
                if name in options:
                    setattr(self, name, bool(options[name]))
            for name in ("latency", "timeout_seconds"):
                if name in options:
                    setattr(self, name, float(options[name]))
            for name in ("rate_limit_per_second", "daily_cap"):
                if name in options:
                    setattr(self, name, int(options[name]))
            if "callback_url" in options:
                self.callback_url = options["callback_url"]
            if options.get("reset"):
                self.notifications.clear()
                self._order.clear()
                self.requests = 0
                self.accepted = 0
                self._window.clear()
                self.faults_injected = dict.fromkeys(FAULTS, 0)

    def by_reference(self) -> dict[str, list[dict]]:
        with self._lock:
            result: dict[str, list[dict]] = {}
            for notification in self.notifications.values():
                result.setdefault(notification["reference"], []).append(notification)
            return result

    def stats(self) -> dict:
        with self._lock:
            references: dict[str, int] = {}
            for notification in self.notifications.values():
                references[notification["reference"]] = references.get(notification["reference"], 0) + 1
            return {
                "requests": self.requests,
                "refused": self.requests - self.accepted,  # the rate limit or the daily cap
                "notifications": len(self.notifications),
                "references": len(references),
                "duplicated_references": sorted(ref for ref, count in references.items() if count > 1),
                "faults_injected": dict(self.faults_injected),
                "callbacks_sent": self.callbacks_sent,
                "callbacks_failed": self.callbacks_failed,
                "callbacks_queued": self._callbacks.qsize(),
                "received_at": [self.notifications[i]["received_at"] for i in self._order],
            }

    # --- the API -------------------------------------------------------------------------
    def authenticate(self, header: str | None):
        if not header or not header.startswith("Bearer "):
            raise NotifyError(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header[len("Bearer ") :].strip()
        try:
            issuer = get_token_issuer(token)
        except TokenError as error:
            raise NotifyError(403, "AuthError", error.message) from error
        if issuer != self.service_id:
            raise NotifyError(403, "AuthError", "Invalid token: service not found")
        try:
            decode_jwt_token(token, self.secret)
        except TokenError as error:
            raise NotifyError(403, "AuthError", error.message) from error
        if self.forbidden:
            raise NotifyError(403, "AuthError", "Invalid token: API key revoked")

    def send(self, channel: str, payload: dict) -> tuple[dict, str | None]:
        """Validate and store; returns the response body and the fault to act out after storing."""
        received_at = time.time()
        with self._lock:
            self.requests += 1
            roll = self._random.random()
            daily_limit = self.daily_limit or bool(self.daily_cap and self.accepted >= self.daily_cap)
            faults = dict(self.faults)
            over_rate = False
            if self.rate_limit_per_second and not daily_limit:
                while self._window and received_at - self._window[0] >= 1.0:
                    self._window.popleft()
                over_rate = len(self._window) >= self.rate_limit_per_second
                if not over_rate:
                    self._window.append(received_at)
            if not daily_limit and not over_rate:
                self.accepted += 1
        if daily_limit:
            raise NotifyError(429, "TooManyRequestsError", "Exceeded send limits (250000) for today")
        if over_rate:
            raise NotifyError(
                429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
            )
        threshold = 0.0
        fault = None
        for name in ("rate_limit", "server_error", "timeout"):
            threshold += faults[name]
            if roll < threshold:
                fault = name
                break
        if fault:
            with self._lock:
                self.faults_injected[fault] += 1
        if fault == "rate_limit":
            raise NotifyError(
                429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
            )
        if fault == "server_error":
            raise NotifyError(500, "Exception", "Internal server error")

        notification = self._validate(channel, payload)
        notification["received_at"] = received_at
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.notifications[notification["id"]] = notification
            self._order.append(notification["id"])
        if self.callbacks_enabled and self.callback_url:
            outcome = self._delivery_outcome(notification, faults["permanent_failure"])
            self._callbacks.put((notification["id"], outcome))
        template = self.templates[notification["template_id"]]
        content = {"body": notification["body"]}
        if channel == "email":
            content.update(subject=notification["subject"], from_email="sais.team@notifications.service.gov.uk")
        else:
            content.update(from_number="NHS")
        response = {
            "id": notification["id"],
            "reference": notification["reference"],
            "content": content,
            "uri": f"{self.url}/v2/notifications/{notification['id']}",
            "template": {
                "id": notification["template_id"],
                "version": 1,
                "uri": f"{self.url}/v2/template/{notification['template_id']}",
            },
            "scheduled_for": None,
            "template_name": template["name"],
        }
        return response, ("timeout" if fault == "timeout" else None)

    def _validate(self, channel: str, payload: dict) -> dict:
        errors = []
        template_id = str(payload.get("template_id", ""))
        try:
            template_id = str(uuid.UUID(template_id))
        except ValueError:
            raise NotifyError(400, "ValidationError", "template_id is not a valid UUID") from None
        template = self.templates.get(template_id)
        if template is None:
            raise NotifyError(400, "BadRequestError", "Template not found")
        if template["type"] != channel:
            raise NotifyError(
                400, "BadRequestError", f"{channel} template is not suitable for {template['type']} notification"
            )
        if channel == "email":
            recipient = str(payload.get("email_address") or "")
            if not recipient:
                errors.append("email_address is a required property")
            elif not EMAIL_RE.match(recipient):
                errors.append("email_address Not a valid email address")
        else:
            raw = str(payload.get("phone_number") or "")
            recipient = normalise_uk_mobile(raw) or raw
            if not raw:
                errors.append("phone_number is a required property")
            elif not normalise_uk_mobile(raw):
                errors.append("phone_number Not a UK mobile number")
        reference = payload.get("reference") or ""
        if len(reference) > 1000:
            errors.append("reference is too long (maximum 1000 characters)")
        personalisation = payload.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            errors.append("personalisation is not of type object")
            personalisation = {}
        if errors:
            raise NotifyError(400, "ValidationError", "; ".join(errors))
        missing = [name for name in template["placeholders"] if name not in personalisation]
        if missing:
            raise NotifyError(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        return {
            "id": str(uuid.uuid4()),
            "reference": reference,
            "type": channel,
            "email_address": recipient if channel == "email" else None,
            "phone_number": recipient if channel == "sms" else None,
            "template_id": template_id,
            "personalisation": personalisation,
            "subject": local_templates.render(template["subject"], personalisation),
            "body": local_templates.render(template["body"], personalisation),
            "status": "created",
            "created_at": _now_iso(),
            "sent_at": None,
            "completed_at": None,
        }

    def _delivery_outcome(self, notification: dict, permanent_failure_rate: float) -> str:
        recipient = notification["email_address"] or notification["phone_number"]
        if notification["type"] == "email" and PERMANENT_FAILURE_EMAIL.match(recipient):
            return "permanent-failure"
        if notification["type"] == "email" and TEMPORARY_FAILURE_EMAIL.match(recipient):
            return "temporary-failure"
        if notification["type"] == "sms" and PERMANENT_FAILURE_PHONE.match(recipient):
            return "permanent-failure"
        with self._lock:
            roll = self._random.random()
        return "permanent-failure" if roll < permanent_failure_rate else "delivered"

    def public(self, notification: dict) -> dict:
        return {
            "id": notification["id"],
            "reference": notification["reference"] or None,
            "email_address": notification["email_address"],
            "phone_number": notification["phone_number"],
            "type": notification["type"],
            "status": notification["status"],
            "template": {"id": notification["template_id"], "version": 1, "uri": ""},
            "body": notification["body"],
            "subject": notification["subject"] or None,
            "created_at": notification["created_at"],
            "sent_at": notification["sent_at"],
            "completed_at": notification["completed_at"],
            "created_by_name": None,
        }

    def get(self, notification_id: str) -> dict:
        try:
            notification_id = str(uuid.UUID(notification_id))
        except ValueError:
            raise NotifyError(400, "ValidationError", "notification_id is not a valid UUID") from None
        with self._lock:
            notification = self.notifications.get(notification_id)
            if notification is None:
                raise NotifyError(404, "NoResultFound", "No result found")
            return self.public(notification)

    def search(self, params: dict) -> dict:
        reference = params.get("reference")
        status = params.get("status")
        template_type = params.get("template_type")
        with self._lock:
            found = [
                self.public(n)
                for i in reversed(self._order)
                if (n := self.notifications[i])
                and (reference is None or n["reference"] == reference)
                and (status is None or n["status"] == status)
                and (template_type is None or n["type"] == template_type)
            ][:250]
        return {"notifications": found, "links": {"current": f"{self.url}/v2/notifications"}}

    # --- delivery receipts ---------------------------------------------------------------
    def _callback_worker(self):
        import requests

        session = requests.Session()
        while True:
            item = self._callbacks.get()
            if item is None:
                return
            notification_id, outcome = item
            with self._lock:
                notification = self.notifications.get(notification_id)
                if notification is None:
                    continue
                now = _now_iso()
                notification.update(status=outcome, sent_at=notification["sent_at"] or now, completed_at=now)
                body = {
                    "id": notification["id"],
                    "reference": notification["reference"] or None,
                    "to": notification["email_address"] or notification["phone_number"],
                    "status": outcome,
                    "created_at": notification["created_at"],
                    "completed_at": now,
                    "sent_at": notification["sent_at"],
                    "notification_type": notification["type"],
                    "template_id": notification["template_id"],
                    "template_version": 1,
                }
                url, token = self.callback_url, self.callback_token
            # Notify retries a callback on 5xx, 429 and connection errors, with backoff.
            for attempt in range(6):
                try:
                    response = session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
                    if response.status_code < 500 and response.status_code != 429:
                        with self._lock:
                            self.callbacks_sent += 1
                        break
                except requests.RequestException:
                    session = requests.Session()
                time.sleep(min(0.2 * 2**attempt, 5))
            else:
                with self._lock:
                    self.callbacks_failed += 1
                logger.warning("Callback for %s not accepted by %s", notification_id, url)

    # --- the page a person reads ---------------------------------------------------------
    def page(self, to: str = "") -> str:
        """What a parent would have received, newest first; `to` keeps one recipient's messages."""
        with self._lock:
            items = [dict(self.notifications[i]) for i in reversed(self._order[-500:])]
            total = len(self.notifications)
        to = to.strip()
        shown = []
        for n in items:
            recipient = n["email_address"] or n["phone_number"]
            if to and to.lower().replace(" ", "") not in recipient.lower().replace(" ", ""):
                continue
            shown.append(
                {
                    "kind": "Email" if n["type"] == "email" else "Text message",
                    "recipient": recipient,
                    "when": _london(n["created_at"]),
                    "status": n["status"],
                    "reference": n["reference"] or "",
                    "subject": n["subject"],
                    "lines": [_with_links(line) for line in n["body"].split("\n") if line.strip()],
                }
            )
        return _page_template().render(items=shown, total=total, to=to)


URL_RE = re.compile(r"https?://[^\s<>\"')]+")


def _with_links(line: str) -> list[dict]:
    """A line of the message as text and URL parts, so the page can make each URL a link."""
    parts, at = [], 0
    for match in URL_RE.finditer(line):
        url = match.group(0).rstrip(".,;:")
        if match.start() > at:
            parts.append({"text": line[at : match.start()], "url": None})
        parts.append({"text": url, "url": url})
        at = match.start() + len(url)
    if at < len(line):
        parts.append({"text": line[at:], "url": None})
    return parts


def _london(iso: str) -> str:
    """Notify's UTC timestamp as a London time, as a person in the team reads it."""
    from zoneinfo import ZoneInfo

    try:
        value = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    local = value.astimezone(ZoneInfo("Europe/London"))
    return f"{local.day} {local:%B %Y} at {local:%H:%M:%S}"


_TEMPLATE = None


def _page_template():
    # Jinja2 with autoescaping (the app's template engine): markup from a template, never joined strings.
    global _TEMPLATE  # noqa: PLW0603 - built once, on first use
    if _TEMPLATE is None:
        import jinja2

        engine = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        _TEMPLATE = engine.get_template("page.jinja")
    return _TEMPLATE


class _Handler(BaseHTTPRequestHandler):
    app: LocalNotify
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses connections

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        logger.debug("%s " + format, self.address_string(), *args)

    def _json(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_json(self, raw: bytes) -> dict:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            raise NotifyError(400, "BadRequestError", "Invalid JSON supplied in POST data") from None
        if not isinstance(body, dict):
            raise NotifyError(400, "BadRequestError", "Invalid JSON supplied in POST data")
        return body

    def do_GET(self):  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        try:
            if url.path in ("/", ""):
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                data = self.app.page(to=query.get("to", "")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if url.path == "/_control":
                return self._json(200, self.app.stats())
            if url.path == "/_control/notifications":
                return self._json(200, {"notifications": list(self.app.by_reference().items())})
            self.app.authenticate(self.headers.get("Authorization"))
            if url.path == "/v2/notifications":
                params = {key: values[0] for key, values in parse_qs(url.query).items()}
                return self._json(200, self.app.search(params))
            if url.path.startswith("/v2/notifications/"):
                return self._json(200, self.app.get(url.path.rsplit("/", 1)[1]))
            raise NotifyError(404, "NotFound", "Not found")
        except NotifyError as error:
            self._json(error.status, error.body())

    def do_POST(self):  # noqa: N802
        url = urlparse(self.path)
        raw = self._read_body()  # always, so a kept-alive connection stays in step
        try:
            if url.path == "/_control":
                self.app.configure(**self._read_json(raw))
                return self._json(200, {"ok": True})
            if url.path not in ("/v2/notifications/email", "/v2/notifications/sms"):
                raise NotifyError(404, "NotFound", "Not found")
            self.app.authenticate(self.headers.get("Authorization"))
            payload = self._read_json(raw)
            response, fault = self.app.send(url.path.rsplit("/", 1)[1], payload)
            if fault == "timeout":
                # Accepted and stored, but the client never hears back.
                time.sleep(self.app.timeout_seconds)
                self.close_connection = True
                return
            self._json(201, response)
        except NotifyError as error:
            self._json(error.status, error.body())


def parse_api_key(api_key: str) -> tuple[str, str]:
    """The client's own split: `{name}-{service_id}-{secret}`."""
    return api_key[-73:-37], api_key[-36:]
