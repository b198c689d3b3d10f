import pytest

from patients import hooks


@pytest.fixture
def changed_children():
    """Records every patients.hooks.children_changed call: [(team, child_ids), ...]."""
    calls = []

    def callback(*, team, child_ids):
        calls.append((team, sorted(child_ids)))

    hooks.on_children_changed(callback)
    yield calls
    hooks._children_changed.remove(callback)
