#!/usr/bin/env bash
# Every benchmark under bench/, one after another; each prints its own figures.
set -euo pipefail
export MAVIS_ENVIRONMENT=test
for bench in bench/bench_*.py; do
  echo "== $bench"
  python "$bench"
done
