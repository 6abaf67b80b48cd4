#!/usr/bin/env bash
# Run every fuzz target in fuzz/ for a bounded time each, keeping the
# corpora between runs (fuzz/corpus/<target>, git-ignored) so each run
# starts from what earlier ones found. A crash stops the script with the
# failing input in fuzz/artifacts/<target>/.
#
#   scripts/fuzz-all.sh            # 60 s per target
#   FUZZ_SECONDS=600 scripts/fuzz-all.sh mongodb_render grpc_reply
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain
# (libFuzzer's sanitizer flags are nightly-only).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    echo "== $t (${seconds}s)"
    # -rss_limit_mb: a target that grows past it is a finding, as a
    # scanner that grows without bound would be.
    cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
done
echo "all ${#targets[@]} targets ran ${seconds}s each without a crash"
