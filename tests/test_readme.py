"""The README's promises a newcomer relies on: every ops command in one table, help text for
every option, the Node version, and seed_demo's sign-in line pointing at the real base URL."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[1]
APPS = {"mavis", "patients", "sessions", "notifications", "consent", "clinics"}


def project_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.split(".")[0] in APPS}


def readme() -> str:
    return (ROOT / "README.md").read_text()


def test_the_ops_table_lists_every_command_of_the_project():
    table = readme().split("## Ops commands", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(\w+)", table, flags=re.MULTILINE)
    assert len(listed) == len(set(listed))
    assert set(listed) == set(project_commands())


def test_every_option_of_every_command_has_help_text():
    missing = []
    for name, app in project_commands().items():
        parser = load_command_class(app, name).create_parser("manage.py", name)
        own = [action for action in parser._actions if action.dest not in _django_options()]
        missing += [f"{name} {action.option_strings or action.dest}" for action in own if not action.help]
    assert not missing, missing


def _django_options() -> set[str]:
    from django.core.management.base import BaseCommand

    return {action.dest for action in BaseCommand().create_parser("manage.py", "base")._actions}


def test_the_readme_names_the_node_versions_package_json_allows():
    engines = json.loads((ROOT / "package.json").read_text())["engines"]["node"]
    versions = re.findall(r"(\d+\.\d+)\.0", engines)
    assert versions
    for version in versions:
        assert f"{version}+" in readme(), version


@pytest.mark.django_db
def test_seed_demo_prints_the_base_url_it_serves(settings):
    settings.MAVIS_BASE_URL = "http://127.0.0.1:8123"
    out = io.StringIO()
    call_command("seed_demo", children=30, stdout=out)
    assert "Sign in at http://127.0.0.1:8123 as nurse / vaccinate-2026" in out.getvalue()
    assert "127.0.0.1:8000" not in out.getvalue()
