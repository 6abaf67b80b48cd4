#!/usr/bin/env bash
# Advisory benchmark: import the shared OSV snapshot (PyPA + Go, ~7,000
# advisories), load it into the matching index with the curated data, and
# match 10,000 components. Prints wall times; release build.
#
#   benches/advisory.sh [advisory-dir] [components]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/../shared/advisories}"
components="${2:-10000}"
if [ ! -d "$dir" ]; then
  echo "advisory snapshot not found at $dir; pass its path as the first argument" >&2
  exit 2
fi
cd "$root"
cargo build --release -q -p aimap-advisory --example advisory_bench
exec "${CARGO_TARGET_DIR:-$root/target}/release/examples/advisory_bench" "$dir" "$components"
