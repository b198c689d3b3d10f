#!/usr/bin/env bash
# Every benchmark under bench/, one after another; each prints its own figures, and the
# run ends with one table of them all (bench/table.py).
set -uo pipefail
export MAVIS_ENVIRONMENT=test
rm -f .data/bench-results.jsonl
status=0
for bench in bench/bench_*.py; do
  echo "== $bench"
  python "$bench" || status=1
done
echo
echo "== Summary"
python bench/table.py || status=1
exit $status
