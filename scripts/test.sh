#!/usr/bin/env bash
# The whole suite: lint, layer contracts, migrations, then every test in three pytest runs
# (docs/decisions/0005-one-command-setup.md):
#   parallel  pytest-xdist, one PostgreSQL and one Redis database per worker: every test not
#             marked serial or alongside (unit, browser and integration tests, each with its own
#             live server, Chromium page, Celery worker and local Notify);
#   alongside at the same time, one more pytest process (the database and Redis database with
#             no worker suffix): the tests marked alongside, which start their own workers and
#             servers and mostly wait on them (leases, outages), asserting counts, not rates;
#   serial    then the tests marked serial, one at a time on a quiet machine (they measure rates
#             and deadlines), on the database the alongside part made.
# The markers select complementary sets (tests/conftest.py refuses a test marked both), so every
# test runs exactly once. The wall time (and CPU time) of each part is printed at the end, and
# the CPU the whole machine was busy for (PostgreSQL, Redis and Chromium included): what the
# suite costs, against cores x wall time.
# `scripts/test.sh ARGS` runs `pytest ARGS`.
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
  record "$name" $((SECONDS - started)) "$(echo "$CPU_NOW - $before" | bc)" $status
  return $status
}
machine_busy() {  # MACHINE_BUSY: seconds the machine's CPUs have been busy since boot (Linux)
  MACHINE_BUSY=$(awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { print ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat 2>/dev/null || echo 0)
}
record() {  # record NAME WALL CPU STATUS
  timings+=("$(printf '%-16s %4ds wall %6.0fs CPU%s' "$1" "$2" "$3" "$([ "$4" -eq 0 ] || echo "  (failed)")")")
}
cpu_now() {  # CPU_NOW: user + system seconds of this shell's finished children (not the databases')
  times > "$TIMES"  # `times` must run in this shell: a subshell has no children
  CPU_NOW=$(tail -1 "$TIMES" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}
report() {
  local status=$?
  rm -f "$TIMES" "${ALONGSIDE_LOG:-}" "${ALONGSIDE_TIMES:-}"
  echo
  echo "== wall time per part"
  printf '%s\n' "${timings[@]}"
  printf '%-16s %4ds wall%s\n' "total" "$SECONDS" "$([ $status -eq 0 ] || echo "  (failed: exit $status)")"
  machine_busy
  if [ -r /proc/stat ]; then
    printf 'machine busy     %4.0fs CPU of %ds (%d cores x the wall time)\n' \
      "$(echo "$MACHINE_BUSY - $MACHINE_STARTED" | bc)" $(($(nproc) * SECONDS)) "$(nproc)"
  fi
}
machine_busy && MACHINE_STARTED=$MACHINE_BUSY
trap report EXIT

if [ $# -gt 0 ]; then
  part "pytest $*" pytest "$@"
  exit
fi
part "ruff" bash -c "ruff check . && ruff format --check ."
part "djlint" djlint templates --lint --quiet
part "import-linter" lint-imports
part "migrations" python manage.py makemigrations --check --dry-run

# parallel and alongside, at the same time. alongside runs in the background, its output shown
# when both have finished; it makes its database afresh and keeps it for the serial part
# (--create-db --reuse-db). Its wall and CPU time are its own; parallel's CPU is the rest.
ALONGSIDE_LOG=$(mktemp)
ALONGSIDE_TIMES=$(mktemp)
echo "== pytest parallel, and pytest alongside in the background"
started=$SECONDS
cpu_now && before=$CPU_NOW
(
  status=0
  pytest -m "alongside" --create-db --reuse-db >"$ALONGSIDE_LOG" 2>&1 || status=$?
  times >"$ALONGSIDE_TIMES"
  echo "$((SECONDS - started)) $status" >>"$ALONGSIDE_TIMES"
  exit $status
) &
alongside=$!
parallel_status=0
# --durations: the slowest tests, printed every run, say where the suite's time goes.
pytest -n "$WORKERS" --dist worksteal -m "not serial and not alongside" --durations=20 || parallel_status=$?
parallel_wall=$((SECONDS - started))
wait $alongside || true
cpu_now
echo "== pytest alongside"
cat "$ALONGSIDE_LOG"
read -r alongside_wall alongside_status < <(tail -1 "$ALONGSIDE_TIMES")
alongside_cpu=$(sed -n 2p "$ALONGSIDE_TIMES" | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
record "pytest parallel" "$parallel_wall" "$(echo "$CPU_NOW - $before - $alongside_cpu" | bc)" $parallel_status
record "pytest alongside" "$alongside_wall" "$alongside_cpu" "$alongside_status"
if [ "$parallel_status" -ne 0 ] || [ "$alongside_status" -ne 0 ]; then exit 1; fi

part "pytest serial" pytest -m "serial" --reuse-db
