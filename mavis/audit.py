"""The audit trail: who (a person, a task or a command) wrote what.

Services call `record()`; the actor comes from a context variable that the request
middleware, Celery tasks (`acting_as("task:...")`) and management commands set.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Actor:
    name: str
    user: object = None  # a User, when a person acts


SYSTEM = Actor("system")
_current = contextvars.ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor):
    """Attribute the writes inside the block to `actor` (a User or a name like "task:x")."""
    if not isinstance(actor, Actor):
        actor = Actor(actor.username, actor) if hasattr(actor, "username") else Actor(str(actor))
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def record(action: str, obj: models.Model | None = None, *, team=None, **details):
    from mavis.models import AuditEvent

    actor = current_actor()
    if team is None and obj is not None:
        team = getattr(obj, "team", None)
    return AuditEvent.objects.create(
        actor=actor.name,
        user=actor.user,
        team=team,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=details,
    )


def record_bulk(action: str, model, ids, *, team=None, **details):
    """One event for a set-based write (an import, a sweep)."""
    from mavis.models import AuditEvent

    actor = current_actor()
    ids = list(ids)
    return AuditEvent.objects.create(
        actor=actor.name,
        user=actor.user,
        team=team,
        action=action,
        object_type=model._meta.label,
        object_id="",
        details={"count": len(ids), "ids": [str(i) for i in ids[:1000]], **details},
    )
