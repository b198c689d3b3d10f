#!/usr/bin/env bash
# The whole suite: lint, layer contracts, migrations, then every test in two pytest runs
# (docs/decisions/0005-one-command-setup.md):
#   parallel  pytest-xdist, one PostgreSQL and one Redis database per worker: every test not
#             marked serial (unit, browser and integration tests, each with its own live
#             server, Chromium page, Celery worker and local Notify);
#   serial    the tests marked serial, one at a time on a quiet machine (they measure rates
#             and deadlines).
# "serial" and "not serial" are complements, so every test runs exactly once. The wall time
# (and CPU time) of each part is printed at the end. `scripts/test.sh ARGS` runs `pytest ARGS`.
set -euo pipefail
export MAVIS_ENVIRONMENT=test
export DATABASE_TEST_NAME="${DATABASE_TEST_NAME:-test_mavis}"
WORKERS="${PYTEST_WORKERS:-auto}"

TIMES=$(mktemp)
timings=()
part() {  # part NAME COMMAND...: run it and record its wall and CPU time, even if it fails
  local name=$1 started=$SECONDS before status=0
  shift
  echo "== $name"
  cpu_now && before=$CPU_NOW
  "$@" || status=$?
  cpu_now
  timings+=("$(printf '%-16s %4ds wall %6.0fs CPU%s' "$name" $((SECONDS - started)) "$(echo "$CPU_NOW - $before" | bc)" \
    "$([ $status -eq 0 ] || echo "  (failed)")")")
  return $status
}
cpu_now() {  # CPU_NOW: user + system seconds of this shell's finished children (not the databases')
  times > "$TIMES"  # `times` must run in this shell: a subshell has no children
  CPU_NOW=$(tail -1 "$TIMES" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}
report() {
  local status=$?
  rm -f "$TIMES"
  echo
  echo "== wall time per part"
  printf '%s\n' "${timings[@]}"
  printf '%-16s %4ds wall%s\n' "total" "$SECONDS" "$([ $status -eq 0 ] || echo "  (failed: exit $status)")"
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
part "pytest parallel" pytest -n "$WORKERS" --dist worksteal -m "not serial"
part "pytest serial" pytest -m "serial"
