"""Docker does not run on these machines, so the Dockerfile and docker-compose.yml are checked
here: every service runs a command that exists in the project and matches the Procfile, the app
waits for the one-off migrate step, and the image builds the assets and runs without Node, uv,
the dev dependencies or root."""

import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

from tests.mavis.test_environment import example_names

ROOT = Path(__file__).resolve().parents[1]
APPS = ["mavis", "patients", "sessions", "notifications", "consent", "clinics"]
GUNICORN = ["gunicorn", "-c", "python:mavis.gunicorn_config", "mavis.wsgi"]
APP_SERVICES = ["migrate", "web", "worker", "beat", "notify"]


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, command in (line.split(": ", 1) for line in lines if line.strip())}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service_argv(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def commands_in(argv: list[str]) -> list[list[str]]:
    """`sh -c "a && b"` is two commands; anything else is one."""
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


def assert_runs_in_the_project(argv: list[str]):
    """The program is installed and what it starts is in the project."""
    if argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands(), f"no manage.py command {argv[2]!r}"
    elif argv[0] == "celery":
        assert argv[1:3] == ["-A", "mavis"] and argv[3] in {"worker", "beat"}, argv
        assert importlib.import_module("mavis.celery").app.main == "mavis"
    elif argv[0] == "gunicorn":
        assert argv == GUNICORN
        config = importlib.import_module("mavis.gunicorn_config")
        assert config.bind and config.workers >= 1
        assert callable(importlib.import_module("mavis.wsgi").application)
    else:
        pytest.fail(f"unknown program in {argv}")


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            pairs.append((instruction.upper(), rest.strip()))
    return pairs


def stages() -> dict[str, list[tuple[str, str]]]:
    """Stage name -> its instructions (the last stage is the image that runs)."""
    found: dict[str, list] = {}
    current = None
    for instruction, rest in dockerfile():
        if instruction == "FROM":
            image, _, name = rest.partition(" AS ")
            current = name.strip() or f"stage{len(found)}"
            found[current] = [("FROM", image.strip())]
        elif current:
            found[current].append((instruction, rest))
    return found


def copied_paths(steps) -> set[str]:
    """The build-context paths a stage COPYs (not those from other stages or images)."""
    paths = set()
    for instruction, rest in steps:
        parts = rest.split()
        if instruction == "COPY" and not any(part.startswith("--from") for part in parts):
            paths.update(part for part in parts[:-1] if not part.startswith("--"))
    return paths


def args() -> dict[str, str]:
    return dict(rest.split("=", 1) for instruction, rest in dockerfile() if instruction == "ARG" and "=" in rest)


def test_the_procfile_runs_only_what_the_project_has():
    processes = procfile()
    assert set(processes) == {"web", "worker", "beat", "notify"}
    for name, argv in processes.items():
        argv = [part.replace("${WEB_PORT:-8000}", "8000") for part in argv]
        if name == "web":
            assert argv[:3] == ["python", "manage.py", "runserver"]
            assert settings.WSGI_APPLICATION == "mavis.wsgi.application"  # what gunicorn serves in Docker
        assert_runs_in_the_project(argv)


def test_every_compose_service_runs_a_command_of_the_project_that_matches_the_procfile():
    services = compose()["services"]
    assert set(APP_SERVICES) | {"postgres", "redis"} <= set(services)
    processes = procfile()
    for name in APP_SERVICES:
        argv = service_argv(services[name])
        for command in commands_in(argv):
            assert_runs_in_the_project(command)
        if name == "web":
            # Production's web process (README, Dockerfile CMD); the Procfile's runserver is for development.
            assert argv == GUNICORN
        elif name in processes:
            # Compose may add options for containers (the local Notify listens on every interface).
            assert argv[: len(processes[name])] == processes[name], name
    assert set(processes) - {"web"} <= set(APP_SERVICES)


def test_the_app_uses_the_image_and_waits_for_the_databases_and_one_migrate_step():
    services = compose()["services"]
    migrate = service_argv(services["migrate"])
    assert ["python", "manage.py", "migrate", "--no-input"] in commands_in(migrate)
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == ".", name  # the project's Dockerfile, not a bare Python image
        assert not service.get("volumes"), f"{name} must run the image's code, not a bind mount"
        assert "uv" not in service_argv(service), name
        if name != "migrate":
            assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
            assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name


def test_compose_has_health_checks_that_reach_real_endpoints():
    services = compose()["services"]
    for name in ("postgres", "redis", "web", "worker", "notify"):
        assert services[name]["healthcheck"]["test"], name
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/[\w/-]*)", web_check).group(1)
    assert resolve(path).url_name == "readiness"
    assert "/_control" in " ".join(services["notify"]["healthcheck"]["test"])  # the local Notify's status page


def test_compose_sets_only_settings_the_code_reads():
    environment = compose()["x-app"]["environment"]
    assert set(environment) <= set(example_names())
    assert environment["MAVIS_ENVIRONMENT"] != "production"  # the local Notify refuses to run in production


def test_the_image_builds_the_assets_with_node_and_copies_them_into_the_runtime():
    built = stages()
    runtime_name, runtime = list(built.items())[-1]
    node_stages = [name for name, steps in built.items() if steps[0][1].startswith("node:")]
    assert len(node_stages) == 1
    assets = built[node_stages[0]]
    runs = [rest for instruction, rest in assets if instruction == "RUN"]
    assert any(run.startswith("npm ci") for run in runs) and "npm run build" in runs
    script = json.loads((ROOT / "package.json").read_text())["scripts"]["build"]
    assert "build:css" in script and "build:nhsuk" in script
    copies = [rest for instruction, rest in runtime if instruction == "COPY"]
    assert f"--from={node_stages[0]} /app/static/dist ./static/dist" in copies
    assert runtime_name != node_stages[0]
    assert not any("npm" in rest or "node" in rest.split() for instruction, rest in runtime if instruction == "RUN")


def test_the_runtime_is_python_from_python_version_with_locked_deps_without_the_dev_group():
    built = stages()
    runtime = list(built.values())[-1]
    python = (ROOT / ".python-version").read_text().strip()
    assert args()["PYTHON_VERSION"] == python
    assert runtime[0] == ("FROM", "python:${PYTHON_VERSION}-slim")
    syncs = [rest for steps in built.values() for instruction, rest in steps if rest.startswith("uv sync")]
    assert syncs and all("--frozen" in sync and "--no-dev" in sync for sync in syncs)
    assert not any(rest.startswith("uv") for instruction, rest in runtime if instruction == "RUN")
    copied = copied_paths(runtime)
    assert {*APPS, "manage.py", "templates", "static"} <= copied
    assert "tests" not in copied and "bench" not in copied
    users = [rest for instruction, rest in runtime if instruction == "USER"]
    assert users and users[-1] not in {"root", "0"}
    cmd = [rest for instruction, rest in runtime if instruction == "CMD"][-1]
    assert json.loads(cmd) == GUNICORN
    assert "MAVIS_ENVIRONMENT=production" in " ".join(rest for instruction, rest in runtime if instruction == "ENV")


def test_the_node_version_is_one_the_assets_support():
    engines = json.loads((ROOT / "package.json").read_text())["engines"]["node"]
    majors = [int(major) for major in re.findall(r"(?:\^|>=)\s*(\d+)\.", engines)]
    node = int(args()["NODE_VERSION"])
    assert node in majors or node >= max(majors)


def test_the_build_context_has_what_the_image_copies_and_no_secrets():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    assert {".env", ".venv", "node_modules", ".git"} <= ignored
    copied = set().union(*(copied_paths(steps) for steps in stages().values()))
    assert {"package.json", "package-lock.json", "uv.lock", "pyproject.toml"} <= copied
    assert not copied & ignored
    for path in copied:
        assert (ROOT / path).exists(), path


def test_long_running_services_restart_by_themselves_and_the_one_off_migrate_does_not():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "notify"):
        assert services[name].get("restart") == "unless-stopped", name
    # A restart policy on the one-off step would run migrate and seed_demo again and again.
    assert "restart" not in services["migrate"]
