"""Callbacks that run when the register changes, for apps above it.

sessions registers the Community clinic membership sync here, so a child whose school
status changes joins (or leaves) the clinic in the same transaction, without the
register importing sessions. Each callback takes (team, child_ids) and must be set-based.
"""

from collections.abc import Callable

_children_changed: list[Callable] = []


def on_children_changed(callback: Callable) -> Callable:
    if callback not in _children_changed:
        _children_changed.append(callback)
    return callback


def children_changed(*, team, child_ids) -> None:
    """Call inside the writing transaction after children were created or their school changed."""
    for callback in _children_changed:
        callback(team=team, child_ids=list(child_ids))
