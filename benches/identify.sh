#!/usr/bin/env bash
# Service identification benchmark (loopback only): 20 open HTTP AI services
# (Ollama emulators from crates/farm on 127.95.0.1-20:11434), identified with
# version and auth verdict by aimap, versus `nmap -sV` on the same targets,
# same run. Prints wall times and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nmap >/dev/null || { apt-get update -qq && apt-get install -y -qq nmap >/dev/null; }
cargo build --release --locked -q --bin aimap && cargo build --release --locked -q -p aimap-farm
bin=target/release
rounds=${BENCH_ROUNDS:-3}

$bin/aimap-farm --base 127.95.0.1 --count 20 --kind ollama --version 0.1.32 --models llama3:8b,qwen2:7b > /tmp/aimap-identify-farm.txt &
farm=$!
trap 'kill $farm 2>/dev/null' EXIT
for _ in $(seq 50); do [ "$(wc -l < /tmp/aimap-identify-farm.txt)" -ge 20 ] && break; sleep 0.1; done
[ "$(wc -l < /tmp/aimap-identify-farm.txt)" -ge 20 ] || { echo "farm did not start"; exit 1; }

ms() { echo $(( $(date +%s%N) / 1000000 )); }
a_total=0; n_total=0
for r in $(seq "$rounds"); do
  t0=$(ms); $bin/aimap scan 127.95.0.1-20 -p 11434 --format json --fail-on none -q > /tmp/aimap-identify.json; t1=$(ms)
  nmap -sV -n -Pn -p 11434 127.95.0.1-20 -oG - > /tmp/aimap-identify-nmap.txt; t2=$(ms)
  a_total=$((a_total + t1 - t0)); n_total=$((n_total + t2 - t1))
done
python3 - "$a_total" "$n_total" "$rounds" <<'PY'
import json, sys
a, n, rounds = (int(x) for x in sys.argv[1:])
report = json.load(open("/tmp/aimap-identify.json"))
svcs = report["services"]
full = [s for s in svcs if s["service"] == "ollama" and s["version"] == "0.1.32" and s["auth"] == "none"]
nmap_open = open("/tmp/aimap-identify-nmap.txt").read().count("11434/open")
print(f"Identification of 20 HTTP AI services ({rounds} rounds, mean):")
print(f"  aimap   {a / rounds:8.0f} ms  identified with version and auth verdict: {len(full)}/20")
print(f"  nmap -sV {n / rounds:7.0f} ms  open ports it reported: {nmap_open}/20 (service names only, no auth verdict)")
print(f"  nmap / aimap = {n / max(a, 1):.1f}x (aim: >= 100x)")
PY
