#!/usr/bin/env bash
# Discovery benchmark (loopback only): aimap vs nmap -sT vs ../shared/perf/limit.
# usage: benches/discovery.sh   (BENCH_CIDR, BENCH_ROUNDS override the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nmap >/dev/null || { apt-get update -qq && apt-get install -y -qq nmap >/dev/null; }
cargo build --release --locked --bin aimap -q
export AIMAP="$PWD/target/release/aimap"
if [ -d ../shared/perf/limit ]; then
  cargo build --release -q --manifest-path ../shared/perf/limit/Cargo.toml --target-dir /tmp/limit-target
  export LIMIT=/tmp/limit-target/release/limit
else
  echo "note: ../shared/perf/limit not found; comparing with nmap only"
fi
exec python3 benches/discovery.py
