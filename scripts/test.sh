#!/usr/bin/env bash
# The whole suite: lint, layer contracts, migrations, then every test (unit, integration, browser).
set -euo pipefail
export MAVIS_ENVIRONMENT=test
export DATABASE_TEST_NAME="${DATABASE_TEST_NAME:-test_mavis}"
# One command a line: under set -e a failure on the left of && would not stop the script.
echo "== ruff"; ruff check .; ruff format --check .
echo "== djlint"; djlint templates --lint --quiet
echo "== import-linter"; lint-imports
echo "== migrations"; python manage.py makemigrations --check --dry-run
echo "== pytest"; pytest "$@"
