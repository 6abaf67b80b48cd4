#!/usr/bin/env bash
# Dashboard benchmark (issue: the overview with 100,000 findings in the
# store under 200 ms for the API and under 1 s for the page): fills a
# SQLite store (fill_store example), serves it on 127.67.0.20, then
#  * API and HTML time to first byte and total, median of ROUNDS curl calls;
#  * full page loads in Debian's Chromium (navigation timing), median;
#  * the peer: the same SQL through Python's sqlite3, no HTTP at all.
#
#   benches/serve.sh [findings] [rounds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
findings="${1:-100000}"
rounds="${2:-20}"
cd "$root"
cargo build --release -q --bin aimap -p aimap
cargo build --release -q -p aimap-web --example fill_store
target="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d)"
trap 'kill "$srv" 2>/dev/null || true; rm -rf "$work"' EXIT
"$target/examples/fill_store" "$work/aimap.db" "$findings"
XDG_DATA_HOME="$work" "$target/aimap" --db "$work/aimap.db" serve --listen 127.67.0.20:18720 2>/dev/null &
srv=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.67.0.20:18720/static/app.css && break; sleep 0.1; done

echo "== aimap serve, $findings findings: median of $rounds (ms)"
for path in /api/v1/overview /api/v1/findings "/api/v1/findings?sort=age" "/api/v1/services?auth=none" / /findings; do
  curl -s -o /dev/null "http://127.67.0.20:18720$path" # warm
  for _ in $(seq "$rounds"); do
    curl -s -o /dev/null -w "%{time_starttransfer} %{time_total}\n" "http://127.67.0.20:18720$path"
  done | sort -n | awk -v p="$path" '{t[NR]=$1; a[NR]=$2} END {m=int((NR+1)/2); printf "{\"path\": \"%s\", \"ttfb_ms\": %.1f, \"total_ms\": %.1f}\n", p, t[m]*1000, a[m]*1000}'
done
if [ -x /usr/bin/chromium ] && [ -d tests/e2e/node_modules/playwright-core ]; then
  echo "== full page loads in Chromium (median of 10)"
  node tests/e2e/page_timing.mjs http://127.67.0.20:18720 10 / /findings /services
else
  echo "chromium or tests/e2e/node_modules missing (scripts/test.sh installs them); page loads skipped"
fi
echo "== peer: the same SQL in Python's sqlite3"
python3 benches/serve_peer.py "$work/aimap.db" "$rounds"
