"""Dispatch state shared by every worker, in Redis: the pacer, the 403 pause, daily limits."""

import datetime
import logging
import os
import threading

import redis
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

PAUSE_KEY = "notify:paused"
PACER_KEY = "notify:pacer:next"
DAILY_LIMIT_KEY = "notify:daily-limit:{channel}"

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
        limit = max(1, int(self.rate))
        # The window script answers a wait (> 0) or the grant time (as a negative number).
        while (answer := int(window(keys=[self.window_key], args=[limit, token]))) > 0:
            time.sleep(answer / 1_000_000)
        return -answer / 1_000_000


def pacer() -> Pacer:
    return Pacer(settings.NOTIFY_RATE_PER_SECOND)


def pause(reason: str):
    """403 from Notify: a service-wide fault. Stop sending until a person resumes."""
    connection().set(PAUSE_KEY, f"{timezone.now().isoformat()} {reason}"[:500])
    logger.error(
        "GOV.UK Notify refused our key (403): sending is paused. %s. Resume with manage.py notify_resume.", reason
    )


def paused_reason() -> str | None:
    value = connection().get(PAUSE_KEY)
    return value.decode() if value else None


def resume() -> bool:
    return bool(connection().delete(PAUSE_KEY))


def next_midnight_utc(now=None) -> datetime.datetime:
    now = now or timezone.now()
    return datetime.datetime.combine(
        now.astimezone(datetime.UTC).date(), datetime.time(), tzinfo=datetime.UTC
    ) + datetime.timedelta(days=1)


def daily_limit_reached(channel: str, now=None):
    """Notify's daily limit resets at midnight UTC: park this channel until then."""
    until = next_midnight_utc(now)
    seconds = max(1, int((until - (now or timezone.now())).total_seconds()) + 60)
    connection().set(DAILY_LIMIT_KEY.format(channel=channel), until.isoformat(), ex=seconds)
    logger.warning("GOV.UK Notify daily limit reached for %s: parked until %s", channel, until)


def daily_limit_until(channel: str) -> datetime.datetime | None:
    value = connection().get(DAILY_LIMIT_KEY.format(channel=channel))
    return datetime.datetime.fromisoformat(value.decode()) if value else None


def readiness_check() -> str | None:
    reason = paused_reason()
    return f"paused: {reason}" if reason else None
