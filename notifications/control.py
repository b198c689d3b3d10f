"""Dispatch state shared by every worker, in Redis, per GOV.UK Notify service: the pacer, the
403 pause, Notify's daily limit and our own daily budget.

A `Service` is what dispatch needs of a service: the default one (settings) or a NotifyService
row. The default keeps the Redis keys it always had.
"""

import datetime
import logging
import os
import re
import threading
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

PAUSE_KEY = "notify:paused"
PACER_KEY = "notify:pacer:next"
DAILY_LIMIT_KEY = "notify:daily-limit:{channel}"
SENT_KEY = "notify:sent:{channel}:{day}"
# Kinds sent to many families at once; one-off messages (confirmations, tests) keep the last
# part of the daily budget.
BULK_KINDS = ("clinic_invitation", "clinic_booking_reminder", "consent_request")


@dataclass(frozen=True)
class Service:
    pk: int | None  # None: the default service from settings
    name: str
    api_key_env: str  # "" : settings.NOTIFY_API_KEY
    base_url: str
    rate_per_second: float
    email_budget: int
    sms_budget: int
    email_reply_to_id: str | None = None
    sms_sender_id: str | None = None

    @property
    def prefix(self) -> str:
        return "notify:" if self.pk is None else f"notify:service:{self.pk}:"

    def key(self, legacy: str) -> str:
        """A Redis key of this service (the default service keeps the historic names)."""
        return legacy if self.pk is None else self.prefix + legacy.removeprefix("notify:")

    def api_key(self) -> str:
        from notifications.models import ENV_NAME_RE

        if not self.api_key_env:
            key = settings.NOTIFY_API_KEY
        else:  # a row written past the admin's validation still reads only a NOTIFY_ variable
            key = os.environ.get(self.api_key_env, "") if re.fullmatch(ENV_NAME_RE, self.api_key_env) else ""
        if not key:
            raise ValueError(f"the API key is not set (environment variable {self.api_key_env or 'NOTIFY_API_KEY'})")
        return key

    def budget(self, channel: str) -> int:
        return self.email_budget if channel == "email" else self.sms_budget


def default_service() -> Service:
    return Service(
        pk=None,
        name="Default",
        api_key_env="",
        base_url=settings.NOTIFY_BASE_URL,
        rate_per_second=settings.NOTIFY_RATE_PER_SECOND,
        email_budget=settings.NOTIFY_DAILY_EMAIL_BUDGET,
        sms_budget=settings.NOTIFY_DAILY_SMS_BUDGET,
    )


def service_of(row) -> Service:
    """The Service of a NotifyService row (None: the default)."""
    if row is None:
        return default_service()
    return Service(
        pk=row.pk,
        name=row.name,
        api_key_env=row.api_key_env,
        base_url=row.base_url or settings.NOTIFY_BASE_URL,
        rate_per_second=row.rate_per_minute / 60,
        email_budget=row.daily_email_budget,
        sms_budget=row.daily_sms_budget,
        email_reply_to_id=str(row.email_reply_to_id) if row.email_reply_to_id else None,
        sms_sender_id=str(row.sms_sender_id) if row.sms_sender_id else None,
    )


def services() -> list[Service]:
    """Every service: the default first, then the NotifyService rows."""
    from notifications.models import NotifyService

    return [default_service(), *(service_of(row) for row in NotifyService.objects.order_by("pk"))]


_clients: dict = {}
_clients_lock = threading.Lock()


def connection() -> redis.Redis:
    """One connection pool per process and URL (forked workers make their own)."""
    key = (os.getpid(), settings.REDIS_URL)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
            _clients[key] = client
        return client


# The pacer, shared by every worker through Redis, works in two steps:
# 1. slots: each caller reserves the next free send slot, spaced 1/(rate x HEADROOM) apart,
#    and sleeps until it (Redis's clock is the only clock);
# 2. a window: just before sending, the send is logged in a sorted set and refused (wait and
#    try again) if `rate` sends already happened in the last second. A thread that woke late
#    cannot then bunch up with the next ones.
# The headroom leaves room for the jitter between our send and Notify's receipt.
HEADROOM = 0.93
# The window keeps a little headroom too: a send granted just over a second after another can
# reach Notify just under it (issue 16's bench saw 429s at exactly `rate` per window).
WINDOW_HEADROOM = 0.96
WINDOW_KEY = "notify:pacer:window"

_SLOT_LUA = """
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(t, nxt)
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', 60000)
return string.format('%.0f', slot - t)
"""

_WINDOW_LUA = """
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local limit = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', t - 1000000))
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], string.format('%.0f', t), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return string.format('%.0f', -t)
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.0f', tonumber(oldest[2]) + 1000000 - t + 1)
"""


class Pacer:
    def __init__(self, rate_per_second: float, key: str = PACER_KEY, window_key: str = WINDOW_KEY):
        self.rate = rate_per_second
        self.key, self.window_key = key, window_key

    def _scripts(self):
        client = connection()
        return client.register_script(_SLOT_LUA), client.register_script(_WINDOW_LUA)

    def acquire(self) -> float | None:
        """Block until this caller may send one message; returns the moment it was granted
        (Redis time, seconds), or None at once when unpaced."""
        import time
        import uuid

        if not self.rate or self.rate <= 0:
            return None
        slot, window = self._scripts()
        wait = int(slot(keys=[self.key], args=[1_000_000 / (self.rate * HEADROOM)])) / 1_000_000
        if wait > 0:
            time.sleep(wait)
        token = uuid.uuid4().hex
        limit = max(1, int(self.rate * WINDOW_HEADROOM))
        # The window script answers a wait (> 0) or the grant time (as a negative number).
        while (answer := int(window(keys=[self.window_key], args=[limit, token]))) > 0:
            time.sleep(answer / 1_000_000)
        return -answer / 1_000_000


def pacer(service: Service | None = None) -> Pacer:
    service = service or default_service()
    return Pacer(service.rate_per_second, key=service.key(PACER_KEY), window_key=service.key(WINDOW_KEY))


def pause(reason: str, service: Service | None = None):
    """403 from Notify: a fault of the whole service. Stop sending through it until a person resumes."""
    service = service or default_service()
    connection().set(service.key(PAUSE_KEY), f"{timezone.now().isoformat()} {reason}"[:500])
    logger.error(
        "GOV.UK Notify refused the key of service %s (403): its sending is paused. %s. "
        "Resume with manage.py notify_resume.",
        service.name,
        reason,
    )


def paused_reason(service: Service | None = None) -> str | None:
    value = connection().get((service or default_service()).key(PAUSE_KEY))
    return value.decode() if value else None


def resume(service: Service | None = None) -> bool:
    return bool(connection().delete((service or default_service()).key(PAUSE_KEY)))


def next_midnight_utc(now=None) -> datetime.datetime:
    now = now or timezone.now()
    return datetime.datetime.combine(
        now.astimezone(datetime.UTC).date(), datetime.time(), tzinfo=datetime.UTC
    ) + datetime.timedelta(days=1)


def daily_limit_reached(channel: str, now=None, service: Service | None = None):
    """Notify's daily limit resets at midnight UTC: park this channel of the service until then."""
    service = service or default_service()
    until = next_midnight_utc(now)
    seconds = max(1, int((until - (now or timezone.now())).total_seconds()) + 60)
    connection().set(service.key(DAILY_LIMIT_KEY.format(channel=channel)), until.isoformat(), ex=seconds)
    logger.warning("GOV.UK Notify daily limit reached for %s of %s: parked until %s", channel, service.name, until)


def daily_limit_until(channel: str, service: Service | None = None) -> datetime.datetime | None:
    value = connection().get((service or default_service()).key(DAILY_LIMIT_KEY.format(channel=channel)))
    return datetime.datetime.fromisoformat(value.decode()) if value else None


# --- Our daily budget: what each service sent per UTC day, per channel ---------------------------
# A claim counts its rows when it takes them (near a limit it reserves first, atomically, never
# past the limit, and gives back what it did not claim), and after the batch gives back what was
# not sent. A worker killed mid-batch leaves its rows counted (it errs on the side of sending less).

_RESERVE_LUA = """
local sent = tonumber(redis.call('GET', KEYS[1]) or '0')
local got = math.max(0, math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - sent))
if got > 0 then
  redis.call('INCRBY', KEYS[1], got)
  redis.call('EXPIRE', KEYS[1], 172800)
end
return got
"""


def sent_key(service: Service, channel: str, now=None) -> str:
    day = (now or timezone.now()).astimezone(datetime.UTC).date().isoformat()
    return service.key(SENT_KEY.format(channel=channel, day=day))


def sent_today(service: Service, channel: str, now=None) -> int:
    return int(connection().get(sent_key(service, channel, now)) or 0)


def sent_counts(keys: list[str]) -> dict[str, int]:
    return {key: int(value or 0) for key, value in zip(keys, connection().mget(keys), strict=True)}


def budget_count(key: str, number: int):
    """Count rows claimed far from the budget's limits (no reservation needed)."""
    if number > 0:
        pipe = connection().pipeline()
        pipe.incrby(key, number)
        pipe.expire(key, 172800)
        pipe.execute()


def budget_reserve(key: str, wanted: int, limit: float) -> int:
    """Reserve up to `wanted` sends in the counter `key` without passing `limit`; returns how many."""
    if wanted <= 0:
        return 0
    return int(connection().register_script(_RESERVE_LUA)(keys=[key], args=[wanted, int(limit)]))


def budget_give_back(key: str, number: int):
    if number > 0:
        connection().decrby(key, number)


def count_sent(service: Service, channel: str, number: int, now=None):
    """Count sends made outside dispatch (tests, a day's sends carried from elsewhere)."""
    budget_count(sent_key(service, channel, now), number)


def readiness_check() -> str | None:
    paused = [f"{service.name}: {reason}" for service in services() if (reason := paused_reason(service))]
    return "paused: " + "; ".join(paused) if paused else None
