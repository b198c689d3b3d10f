#!/usr/bin/env bash
# The whole suite: lint, layer contracts, migrations, then every test in two pytest runs
# (docs/decisions/0005-one-command-setup.md):
#   parallel  pytest-xdist, a PostgreSQL and a Redis database per worker: every test that is
#             not marked browser, integration or serial;
#   serial    one at a time, with their real parts (Chromium, live server, Celery worker, local
#             Notify, timing): the tests marked browser, integration or serial.
# The two marker expressions are complements, so every test runs exactly once. The wall time of
# each part is printed at the end. `scripts/test.sh ARGS` runs `pytest ARGS` alone.
set -euo pipefail
export MAVIS_ENVIRONMENT=test
export DATABASE_TEST_NAME="${DATABASE_TEST_NAME:-test_mavis}"
SERIAL="browser or integration or serial"
WORKERS="${PYTEST_WORKERS:-auto}"

timings=()
part() {  # part NAME COMMAND...: run it and record its wall time
  local name=$1 started=$SECONDS
  shift
  echo "== $name"
  "$@"
  timings+=("$(printf '%-22s %4ds' "$name" $((SECONDS - started)))")
}
report() {
  local status=$?
  echo
  echo "== wall time per part"
  printf '%s\n' "${timings[@]}"
  printf '%-22s %4ds%s\n' "total" "$SECONDS" "$([ $status -eq 0 ] || echo "  (failed: exit $status)")"
}
trap report EXIT

if [ $# -gt 0 ]; then
  part "pytest $*" pytest "$@"
  exit
fi
part "ruff" bash -c "ruff check . && ruff format --check ."
part "djlint" djlint templates --lint --quiet
part "import-linter" lint-imports
part "migrations" python manage.py makemigrations --check --dry-run
part "pytest parallel" pytest -n "$WORKERS" -m "not ($SERIAL)"
part "pytest serial" pytest -m "$SERIAL"
