#!/usr/bin/env bash
# Regenerates the OSV snapshot built into aimap (crates/advisory/data/):
# every record of the shared advisory exports whose package a probe rule,
# a curated advisory or rules/mappings/products.toml names.
#
#   scripts/gen-osv-snapshot.sh [ADVISORY_DIR]   (default ../shared/advisories)
#
# The date is the newest source's (see that folder's README.md); pass
# SNAPSHOT_DATE and SNAPSHOT_SOURCES to describe other exports.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/advisories}
date=${SNAPSHOT_DATE:-2026-08-21}
sources=${SNAPSHOT_SOURCES:-"golang/vulndb data/osv at a752ea54 (2026-08-21), CC-BY 4.0; pypa/advisory-database vulns at 3ccb6125 (2024-10-10), CC-BY 4.0"}
cargo run --quiet -p aimap-advisory --example gen_snapshot -- . "$date" "$sources" "$dir"
