#!/usr/bin/env bash
# Store benchmark (issue: a million findings stored in under 30 s on
# SQLite, a diff of two 100k-service runs in under 2 s): aimap's store on
# SQLite and on PostgreSQL (a private cluster on 127.60.5.1, started
# here), and as a peer the same rows written by Python's sqlite3 module.
# Release build; prints one JSON line per run, peak RSS included.
#
#   benches/store.sh [findings] [services]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
findings="${1:-1000000}"
services="${2:-100000}"
cd "$root"
cargo build --release -q -p aimap-store --example store_bench
bench="${CARGO_TARGET_DIR:-$root/target}/release/examples/store_bench"
work="$(mktemp -d)"
trap 'kill "$pg" 2>/dev/null || true; rm -rf "$work"' EXIT
pg=""

echo "== aimap store, SQLite"
"$bench" "$work/aimap.db" "$findings" "$services"

echo "== peer: Python sqlite3, same schema and rows"
python3 benches/store_peer.py "$work/peer.db" "$findings" crates/store/migrations/0*.sql

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ -x "$bin/initdb" ]; then
  echo "== aimap store, PostgreSQL ($("$bin/postgres" --version))"
  as=(); if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as=(setpriv --reuid=postgres --regid=postgres --init-groups); fi
  "${as[@]}" "$bin/initdb" -D "$work/pg" -U postgres --auth=trust --no-sync >/dev/null
  "${as[@]}" "$bin/postgres" -D "$work/pg" -c listen_addresses=127.60.5.1 -c port=54365 \
    -c unix_socket_directories="$work" >/dev/null 2>&1 &
  pg=$!
  for _ in $(seq 50); do "$bin/pg_isready" -q -h 127.60.5.1 -p 54365 && break; sleep 0.2; done
  "$bench" "postgres://postgres@127.60.5.1:54365/postgres" "$findings" "$services"
else
  echo "PostgreSQL is not installed (apt-get install postgresql); skipped"
fi
