"""Settings from the environment: .env.example lists every variable the code reads, and an
empty value (as `cp .env.example .env` gives) never switches off a default."""

import ast
import os
import re
import runpy
from pathlib import Path

import pytest

from mavis import environment

ROOT = Path(__file__).resolve().parents[2]
APPS = ["mavis", "patients", "sessions", "notifications", "consent", "clinics"]
LOCAL_KEY_PREFIX = "local-"


def example_names() -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)


def _constant(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def env_reads(tree: ast.AST) -> set[str]:
    """Names read through django-environ (`env.int("X")`, `env("X")`) or os (`os.environ.get("X")`,
    `os.environ["X"]`, `os.getenv("X")`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            via_environ = (
                isinstance(func, ast.Name)
                and func.id == "env"
                or isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "env"
            )
            via_os = (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and ast.unparse(func.value) == "os.environ"
                or ast.unparse(func) == "os.getenv"
            )
            if (via_environ or via_os) and _constant(node.args[0]):
                names.add(_constant(node.args[0]))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and ast.unparse(node.value) == "os.environ"
            and _constant(node.slice)
        ):
            names.add(_constant(node.slice))
    return names


def code_reads() -> dict[str, set[str]]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            names = env_reads(ast.parse(path.read_text(), filename=str(path)))
            if names:
                found[str(path.relative_to(ROOT))] = names
    return found


def test_the_scanner_finds_each_way_of_reading_the_environment():
    tree = ast.parse(
        'a = env.int("A", default=1)\nb = env("B")\nc = os.environ.get("C")\nd = os.environ["D"]\n'
        'e = os.getenv("E")\nos.environ.setdefault("NOT_A_READ", "x")\nos.environ["NOT_A_READ_EITHER"] = "y"'
    )
    assert env_reads(tree) == {"A", "B", "C", "D", "E"}


def test_env_example_lists_every_setting_the_code_reads_and_nothing_else():
    reads = code_reads()
    assert "mavis/settings.py" in reads and "mavis/gunicorn_config.py" in reads
    read = set().union(*reads.values())
    listed = example_names()
    assert len(listed) == len(set(listed)), "a variable is listed twice in .env.example"
    missing = {name: [path for path, names in reads.items() if name in names] for name in read - set(listed)}
    assert not missing, f"read by the code but missing from .env.example: {missing}"
    assert not set(listed) - read, f"in .env.example but read by nothing: {set(listed) - read}"


@pytest.fixture
def load_settings(monkeypatch, tmp_path):
    """Run mavis/settings.py afresh with only the given .env text and environment variables."""
    real_read = environment.read

    def load(dotenv: str = "", **environ) -> dict:
        env_file = tmp_path / ".env"
        env_file.write_text(dotenv)
        monkeypatch.setattr(os, "environ", dict(environ))
        monkeypatch.setattr(environment, "read", lambda _path: real_read(env_file))
        return runpy.run_path(str(ROOT / "mavis" / "settings.py"))

    return load


def test_a_copied_env_example_keeps_every_development_default(load_settings):
    copied = load_settings((ROOT / ".env.example").read_text())
    defaults = load_settings("")
    assert copied["ENVIRONMENT"] == "development"
    assert copied["DEBUG"] is True
    assert copied["NOTIFY_CALLBACK_TOKEN"] == "local-callback-token"  # receipts are accepted
    assert copied["NOTIFY_API_KEY"].startswith(LOCAL_KEY_PREFIX)
    assert copied["MAVIS_BASE_URL"] == "http://127.0.0.1:8000"
    assert copied["NOTIFY_BASE_URL"] == "http://127.0.0.1:6011"
    assert copied["NOTIFY_CALLBACK_URL"] == "http://127.0.0.1:8000/notifications/callback"
    for name in ("DATABASES", "CACHES", "REDIS_URL", "NOTIFY_TEMPLATES", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS"):
        assert copied[name] == defaults[name], name


def test_an_empty_value_counts_as_unset_and_a_real_one_wins(load_settings):
    loaded = load_settings(
        "NOTIFY_CALLBACK_TOKEN=from-dotenv\nLOG_LEVEL=DEBUG\n", NOTIFY_CALLBACK_TOKEN="", LOG_LEVEL=""
    )
    assert loaded["NOTIFY_CALLBACK_TOKEN"] == "from-dotenv"  # an empty environment value does not hide .env
    assert loaded["LOG_LEVEL"] == "DEBUG"
    loaded = load_settings("NOTIFY_CALLBACK_TOKEN=from-dotenv\n", NOTIFY_CALLBACK_TOKEN="from-environment")
    assert loaded["NOTIFY_CALLBACK_TOKEN"] == "from-environment"


def test_the_urls_follow_the_development_ports(load_settings):
    loaded = load_settings("WEB_PORT=8123\n", NOTIFY_PORT="6123")
    assert loaded["MAVIS_BASE_URL"] == "http://127.0.0.1:8123"
    assert loaded["NOTIFY_CALLBACK_URL"] == "http://127.0.0.1:8123/notifications/callback"
    assert loaded["NOTIFY_BASE_URL"] == "http://127.0.0.1:6123"
    loaded = load_settings(WEB_PORT="8123", MAVIS_BASE_URL="https://mavis.example.nhs.uk/")
    assert loaded["MAVIS_BASE_URL"] == "https://mavis.example.nhs.uk"


def test_beat_keeps_its_schedule_in_a_folder_that_exists_without_the_embedded_servers(load_settings):
    schedule = Path(load_settings()["CELERY_BEAT_SCHEDULE_FILENAME"])
    assert ".data" not in schedule.parts
    assert schedule.parent.is_dir() and os.access(schedule.parent, os.W_OK)
    assert str(ROOT) not in str(schedule)


def test_only_the_test_environment_hashes_passwords_with_md5(load_settings):
    assert load_settings(MAVIS_ENVIRONMENT="test")["PASSWORD_HASHERS"][0].endswith(".MD5PasswordHasher")
    assert load_settings(MAVIS_ENVIRONMENT="development")["PASSWORD_HASHERS"][0].endswith(".Argon2PasswordHasher")
    production = load_settings(
        MAVIS_ENVIRONMENT="production",
        DJANGO_SECRET_KEY="x" * 50,
        NOTIFY_API_KEY="live-key",
        NOTIFY_CALLBACK_TOKEN="token",
    )
    assert production["PASSWORD_HASHERS"][0].endswith(".Argon2PasswordHasher")
    assert not any("MD5" in hasher for hasher in production["PASSWORD_HASHERS"])
