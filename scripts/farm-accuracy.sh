#!/usr/bin/env bash
# Scan the whole emulator farm and its negatives, print per-rule precision
# and recall of identification, and rewrite docs/accuracy.md. The same test
# runs in CI (cargo test --test farm_accuracy) as a regression guard,
# without rewriting the file.
set -euo pipefail
cd "$(dirname "$0")/.."
AIMAP_WRITE_ACCURACY=1 cargo test --test farm_accuracy -- --nocapture
