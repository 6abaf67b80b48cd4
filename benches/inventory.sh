#!/usr/bin/env bash
# Inventory benchmark: aimap inventory against cdxgen (npm @cyclonedx/cdxgen)
# and cyclonedx-py (PyPI cyclonedx-bom) on the same Python environment and,
# when given, the same root filesystem. Peers are installed by this script
# into a temp directory. Prints components found and wall time per tool.
#
#   benches/inventory.sh [venv-dir] [rootfs-dir]
#   (defaults: .venv-test; no rootfs)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.venv-test}"
rootfs="${2:-}"
CDXGEN_VERSION=12.8.4
CYCLONEDX_BOM_VERSION=7.5.0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Peers are installed here; set AIMAP_BENCH_TOOLS to keep them between runs.
tools="${AIMAP_BENCH_TOOLS:-$work/tools}"

cd "$root"
cargo build --release -q --bin aimap
aimap="${CARGO_TARGET_DIR:-$root/target}/release/aimap"

cdxgen="$tools/cdxgen/node_modules/.bin/cdxgen"
cdxpy="$tools/cdxpy/bin/cyclonedx-py"
if [ ! -x "$cdxgen" ] || [ ! -x "$cdxpy" ]; then
  echo "installing cdxgen $CDXGEN_VERSION and cyclonedx-bom $CYCLONEDX_BOM_VERSION into $tools" >&2
  npm install -q --no-audit --no-fund --prefix "$tools/cdxgen" "@cyclonedx/cdxgen@$CDXGEN_VERSION" >/dev/null 2>&1
  python3 -m venv "$tools/cdxpy"
  "$tools/cdxpy/bin/pip" install -q --disable-pip-version-check "cyclonedx-bom==$CYCLONEDX_BOM_VERSION"
fi

# Components in a CycloneDX file, and the distinct purls among them.
count() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); c=d.get("components",[])
print(len(c), len({x.get("purl","").split("?")[0].lower() for x in c if x.get("purl")}))' "$1"
}

# run NAME OUTFILE CMD...: wall time in seconds (best of 3, page cache warm).
run() {
  local name=$1 out=$2; shift 2
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    local t; t=$(echo "$t1 - $t0" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  if [ -s "$out" ]; then
    read -r comps purls < <(count "$out")
  else
    comps="-"; purls="-"
  fi
  printf '%-14s %-44s components %-6s purls %-6s wall %6.2fs\n' "$name" "$target_label" "$comps" "$purls" "$best"
}

target_label="venv $(basename "$venv")"
run aimap "$work/a.json" "$aimap" inventory "$venv" --format cyclonedx --no-vulns -o "$work/a.json"
run cyclonedx-py "$work/p.json" "$cdxpy" environment "$venv/bin/python" -o "$work/p.json"
# cdxgen reads installed packages from the active virtualenv (VIRTUAL_ENV).
run cdxgen "$work/c.json" env VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" FETCH_LICENSE=false "$cdxgen" -t python --no-install-deps -o "$work/c.json" "$venv"

# Which purls aimap misses that a peer found (PyPI names normalised).
python3 - "$work/a.json" "$work/p.json" "$work/c.json" <<'PY'
import json, sys, re
def purls(f):
    try:
        d = json.load(open(f))
    except Exception:
        return set()
    return {re.sub(r"[-_.]+", "-", c["purl"].split("?")[0].lower()) for c in d.get("components", []) if c.get("purl")}
a, p, c = (purls(f) for f in sys.argv[1:])
print(f"aimap misses {len(p - a)} of cyclonedx-py's and {len(c - a)} of cdxgen's purls", sorted((p | c) - a)[:10])
PY

if [ -n "$rootfs" ]; then
  target_label="rootfs $(basename "$rootfs")"
  run aimap "$work/ra.json" "$aimap" inventory "$rootfs" --format cyclonedx --no-vulns -o "$work/ra.json"
  # `-t os` would query the live host with osquery; `-t rootfs` reads the directory.
  run cdxgen "$work/rc.json" env FETCH_LICENSE=false "$cdxgen" -t rootfs --no-install-deps -o "$work/rc.json" "$rootfs"
fi
