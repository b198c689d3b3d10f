"""Demo data registry: each app registers a step that `manage.py seed_demo` runs in order."""

from collections.abc import Callable

_steps: list[tuple[int, str, Callable]] = []


def register(order: int, name: str):
    """Decorator: `@demo.register(20, "sessions")` on a function taking (team, stdout)."""

    def decorator(step):
        if name not in [n for _, n, _ in _steps]:
            _steps.append((order, name, step))
            _steps.sort(key=lambda s: s[0])
        return step

    return decorator


def steps():
    return list(_steps)
