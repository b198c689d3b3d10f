"""One sign-in throttle for every way in (the service's sign-in and the Django admin).

It sits in the authentication backend (mavis.auth.ThrottledModelBackend), so anything that
calls django.contrib.auth.authenticate() is throttled. Counters live in Redis and each attempt
is counted with INCR *before* the password is checked: the check and the count are one atomic
step, so parallel attempts cannot slip past the limit. A success gives its count back.

Three limits, per window (LOGIN_FAILURE_WINDOW_SECONDS):
- username + client address (LOGIN_FAILURE_LIMIT): guessing one nurse's password from one
  place locks that pair only; the nurse still signs in from anywhere else.
- client address (LOGIN_ADDRESS_FAILURE_LIMIT): spraying passwords over many usernames.
- username from any address (LOGIN_USERNAME_FAILURE_LIMIT): past it, the username is slowed
  rather than locked: one attempt every LOGIN_USERNAME_SLOW_SECONDS, so a botnet gets a few
  guesses a minute while the real nurse gets in after a short wait.

The client address is the one the trusted proxies saw (TRUSTED_PROXY_COUNT, see
client_address): behind the load balancer every REMOTE_ADDR is the balancer's.
Without Redis, sign-in still works (an outage must not stop a clinic) and the error is logged.
"""

import contextlib
import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The address of the client as seen by the first trusted proxy.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For,
    so with N trusted proxies the client is the Nth entry from the right. Anything further
    left was written by the client and is not believed.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def _key(kind: str, *parts: str) -> str:
    # Hashed: no usernames in Redis keys, and any text makes a valid key.
    return f"sign-in:{kind}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _count(key: str) -> int:
    cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_SECONDS)  # the window starts at the first attempt
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls: this attempt starts the next
        cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        return 1


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile
        cache.decr(key)


@dataclass
class Attempt:
    username: str
    address: str
    allowed: bool = True
    counted: tuple[str, ...] = ()

    @property
    def pair_key(self):
        return _key("pair", self.username.lower(), self.address)

    @property
    def address_key(self):
        return _key("address", self.address)

    @property
    def username_key(self):
        return _key("username", self.username.lower())


def attempt_start(request, username: str) -> Attempt:
    """Counts one attempt; `allowed` False means refuse it without checking the password."""
    attempt = Attempt(username=username, address=client_address(request))
    try:
        pair = _count(attempt.pair_key)
        address = _count(attempt.address_key)
        by_username = _count(attempt.username_key)
        attempt.counted = (attempt.pair_key, attempt.address_key, attempt.username_key)
        if pair > settings.LOGIN_FAILURE_LIMIT or address > settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            attempt.allowed = False
        elif by_username > settings.LOGIN_USERNAME_FAILURE_LIMIT:
            # The slow lane: one attempt per interval for this username, from anywhere.
            attempt.allowed = cache.add(_key("slow", username.lower()), 1, settings.LOGIN_USERNAME_SLOW_SECONDS)
    except RedisError:
        logger.exception("Sign-in throttling unavailable")
    return attempt


def attempt_succeeded(attempt: Attempt) -> None:
    """A correct password: the pair starts again, and the shared counts get this attempt back."""
    try:
        if attempt.counted:
            cache.delete(attempt.pair_key)
            _give_back(attempt.address_key)
            _give_back(attempt.username_key)
    except RedisError:
        logger.exception("Sign-in throttling unavailable")
