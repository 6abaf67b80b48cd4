#!/usr/bin/env bash
# aimap audit vs picklescan and modelscan (PyPI) on the same model corpus:
# unsafe files caught, benign files passed, files per second.
#   benches/modelscan.sh [COPIES]      (default 20 copies of the corpus for timing)
# The corpus is written by scripts/gen_model_corpus.py (needs the test venv,
# scripts/test.sh makes it); the peers go into their own venv, never into the
# test requirements.
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-20}
peers=.venv-bench-models
if [ ! -x "$peers/bin/python" ]; then
  python3 -m venv "$peers"
  "$peers/bin/pip" install -q --disable-pip-version-check picklescan==1.0.5 modelscan==0.8.8
fi
cargo build --release --bin aimap -q
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
.venv-test/bin/python scripts/gen_model_corpus.py "$corpus" >/dev/null
echo "machine: $(nproc) cores; aimap $(target/release/aimap --version | cut -d' ' -f2);" \
  "$("$peers/bin/pip" list 2>/dev/null | grep -iE '^(picklescan|modelscan) ' | tr -s ' ' | paste -sd ';' -)"
"$peers/bin/python" benches/modelscan_compare.py "$PWD/target/release/aimap" "$corpus" "$copies"
