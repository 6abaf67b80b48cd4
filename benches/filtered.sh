#!/usr/bin/env bash
# Discovery on a half-filtered network (#17), the internet's commonest case:
# 127.90.0.0/18 x 3 ports (49,152 probes) inside a network namespace this
# script creates, where nftables silently drops SYNs to every other /24
# (half the probes never answer) and 20 listeners answer. aimap with its
# defaults and pinned, nmap -sT -T5 --min-rate 20000, and the raw connect()
# limit (../shared/perf/limit, conc 8192, 1 s timeout, no retries), in
# alternating rounds. Nothing leaves the namespace; the machine's own
# loopback and firewall are never touched.
# usage: sudo benches/filtered.sh   (BENCH_ROUNDS overrides the default 3; BENCH_LOSS=5 adds 5 % loss)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (a network namespace and nftables inside it)"; exit 1; }
command -v nmap >/dev/null || { apt-get update -qq && apt-get install -y -qq nmap >/dev/null; }
command -v nft >/dev/null || { apt-get update -qq && apt-get install -y -qq nftables >/dev/null; }
# AIMAP=path uses a binary already built (to compare two builds).
if [ -z "${AIMAP:-}" ]; then
  cargo build --release --locked --bin aimap -q
  export AIMAP="$PWD/target/release/aimap"
fi
if [ -d ../shared/perf/limit ]; then
  cargo build --release -q --manifest-path ../shared/perf/limit/Cargo.toml --target-dir /tmp/limit-target
  export LIMIT=/tmp/limit-target/release/limit
fi
NS="aimap-bench-filtered-$$"
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
ip netns exec "$NS" ip link set lo up
# Drop (not reject) SYNs to odd third octets: 127.90.1.0/24, .3.0/24, ...
ip netns exec "$NS" nft -f - <<'NFT'
table inet bench {
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr 127.90.0.0/18 ip daddr & 0.0.1.0 == 0.0.1.0 tcp flags syn drop
  }
}
NFT
# BENCH_LOSS=N: also drop N % of the other SYNs at random (this kernel has
# no netem; nftables' numgen gives random loss inside the namespace).
if [ "${BENCH_LOSS:-0}" != 0 ]; then
  ip netns exec "$NS" nft add rule inet bench out ip daddr 127.90.0.0/18 tcp flags syn numgen random mod 100 lt "$BENCH_LOSS" drop
fi
export BENCH_MODE=filtered BENCH_CIDR=127.90.0.0/18
exec ip netns exec "$NS" python3 benches/discovery.py
