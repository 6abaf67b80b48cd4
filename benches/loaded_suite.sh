#!/usr/bin/env bash
# The whole test suite on a busy machine (issue #22): a CPU-bound job runs
# on every core (stress-ng, Debian) while scripts/test.sh runs ROUNDS times
# in a row. Every round must pass: a test that sleeps a guessed time and
# then asserts fails here first.
#
#   benches/loaded_suite.sh [ROUNDS] [-- extra cargo test args]
#
# Prints one line per round (rc, wall seconds, load average) and exits 1
# if any round failed. Logs: target/loaded-suite/round-N.log.
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
[ "${1:-}" = "--" ] && shift

if ! command -v stress-ng >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
fi
cores=$(nproc)
logs=target/loaded-suite
mkdir -p "$logs"

# The load: one CPU hog per core, for as long as the rounds take.
stress-ng --cpu "$cores" --cpu-method matrixprod --timeout 0 --quiet &
hog=$!
trap 'kill $hog 2>/dev/null; wait $hog 2>/dev/null' EXIT
sleep 2

failed=0
for r in $(seq 1 "$rounds"); do
  t0=$(date +%s)
  scripts/test.sh --no-fail-fast "$@" >"$logs/round-$r.log" 2>&1
  rc=$?
  t1=$(date +%s)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  passed=$(grep -E '^test result' "$logs/round-$r.log" | awk '{p+=$4; f+=$6} END {printf "%d passed, %d failed", p, f}')
  printf 'round %d: rc %d, %d s, load %s, %s\n' "$r" "$rc" "$((t1 - t0))" "$load" "$passed"
  if [ "$rc" -ne 0 ]; then
    failed=1
    grep -E '^(test .* FAILED|---- |thread .* panicked)' "$logs/round-$r.log" | head -20
  fi
done
exit "$failed"
