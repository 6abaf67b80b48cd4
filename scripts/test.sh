#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the real servers the
# end-to-end tests start (Debian packages, a Python venv), then runs every
# Rust test. Servers are only ever bound to 127.x.y.z addresses.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. Debian packages: real servers for the tests.
need=()
command -v redis-server >/dev/null || need+=(redis-server)
# RediSearch: the module behind Redis Stack's vector search (redis-stack rule).
[ -e /usr/lib/redis/modules/redisearch.so ] || need+=(redis-redisearch)
command -v memcached >/dev/null || need+=(memcached)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Inventory tests: a Go toolchain builds a binary whose build info is read,
# and debootstrap makes a real Debian root filesystem.
command -v go >/dev/null || need+=(golang-go)
command -v debootstrap >/dev/null || need+=(debootstrap)
# rpmbuild and rpm make a real rpm database (SQLite backend); zstd
# compresses an image layer.
command -v rpmbuild >/dev/null || need+=(rpm)
command -v zstd >/dev/null || need+=(zstd)
# Host watch tests open an all-interface socket only inside a network
# namespace they create (ip netns).
command -v ip >/dev/null || need+=(iproute2)
# The dashboard's browser test drives Debian's Chromium (tests/serve_e2e.rs).
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The package starts its own redis on 127.0.0.1:6379; tests use their own addresses.

# 2. PyPI servers in a venv (re-used while requirements are unchanged).
venv=.venv-test
stamp="$venv/.requirements"
if ! cmp -s scripts/test-requirements.txt "$stamp" 2>/dev/null; then
  echo "== creating $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/test-requirements.txt
  cp scripts/test-requirements.txt "$stamp"
fi

# MLflow, Jupyter Server, Gradio, Streamlit, LiteLLM and the MCP SDK in a
# second venv: their pins and ChromaDB's do not mix.
landscape=.venv-landscape
lstamp="$landscape/.requirements"
if ! cmp -s scripts/test-landscape-requirements.txt "$lstamp" 2>/dev/null; then
  echo "== creating $landscape"
  python3 -m venv "$landscape"
  "$landscape/bin/pip" install -q --disable-pip-version-check -r scripts/test-landscape-requirements.txt
  cp scripts/test-landscape-requirements.txt "$lstamp"
fi

# Ray and BentoML in a third venv (tests/scan_platforms_real.rs).
platforms=.venv-platforms
pstamp="$platforms/.requirements"
if ! cmp -s scripts/test-platforms-requirements.txt "$pstamp" 2>/dev/null; then
  echo "== creating $platforms"
  python3 -m venv "$platforms"
  "$platforms/bin/pip" install -q --disable-pip-version-check -r scripts/test-platforms-requirements.txt
  cp scripts/test-platforms-requirements.txt "$pstamp"
fi

# PyTriton (a real Triton server binary), LitServe and KServe in a fourth venv
# (tests/scan_serving_real.rs, tests/scan_serving_litserve_kserve_real.rs).
serving=.venv-serving
sstamp="$serving/.requirements"
if ! cmp -s scripts/test-serving-requirements.txt "$sstamp" 2>/dev/null; then
  echo "== creating $serving"
  python3 -m venv "$serving"
  "$serving/bin/pip" install -q --disable-pip-version-check -r scripts/test-serving-requirements.txt
  cp scripts/test-serving-requirements.txt "$sstamp"
fi

# playwright-core for the browser test, from the lock file (no browser download:
# the test points it at /usr/bin/chromium).
e2e=tests/e2e
if ! cmp -s "$e2e/package-lock.json" "$e2e/node_modules/.aimap-lock" 2>/dev/null; then
  echo "== npm ci in $e2e"
  (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  cp "$e2e/package-lock.json" "$e2e/node_modules/.aimap-lock"
fi

# 3. Every test; real-server tests fail instead of skipping.
export AIMAP_REQUIRE_REAL=1 AIMAP_TEST_VENV="$PWD/$venv" AIMAP_TEST_VENV_LANDSCAPE="$PWD/$landscape"
export AIMAP_TEST_VENV_PLATFORMS="$PWD/$platforms" AIMAP_TEST_VENV_SERVING="$PWD/$serving"
cargo test --workspace --locked "$@"
