#!/usr/bin/env bash
# Scale-out benchmark (docs/scale-out.md): 1, 2, 4 and 8 local worker
# processes, each one shard of the same run, all writing to one
# PostgreSQL (a private cluster on 127.60.6.1, started here), against
# FARM Ollama emulators (aimap-farm) on 127.66.0.1 onwards. Two target sets:
#   sparse: 127.66.0.0/14 x 2 ports (524,288 probes, mostly closed ports:
#           the scanner's connect rate is what counts);
#   dense:  127.66.0.0/21 x 1 port (2,048 probes, nearly every one a
#           service to fingerprint and store: where the store would show).
# Each worker count runs twice: storing in PostgreSQL, and with
# --no-store, so the store's share of the time shows.
#
#   benches/scale_out.sh [farm-size] [rounds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
farm_size="${1:-2000}"
rounds="${2:-3}"
cd "$root"
cargo build --release -q --bin aimap -p aimap
cargo build --release -q -p aimap-farm --bin aimap-farm
target="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as=(); if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as=(setpriv --reuid=postgres --regid=postgres --init-groups); fi
"${as[@]}" "$bin/initdb" -D "$work/pg" -U postgres --auth=trust >/dev/null
"${as[@]}" "$bin/postgres" -D "$work/pg" -c listen_addresses=127.60.6.1 -c port=54366 \
  -c unix_socket_directories="$work" -c max_connections=200 >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do "$bin/pg_isready" -q -h 127.60.6.1 -p 54366 && break; sleep 0.2; done
db="postgres://postgres@127.60.6.1:54366/postgres"

"$target/aimap-farm" --base 127.66.0.1 --count "$farm_size" --kind ollama > "$work/farm.txt" &
pids+=($!)
for _ in $(seq 100); do [ "$(wc -l < "$work/farm.txt")" -ge "$farm_size" ] && break; sleep 0.1; done

run() { # workers store(yes|no) → prints wall seconds and the run id
  local n=$1 store=$2 id="bench-$1-$2-$RANDOM$RANDOM" t0 t1 ps=()
  local flags=(--db "$db"); [ "$store" = no ] && flags=(--no-store)
  t0=$(date +%s.%N)
  for i in $(seq 0 $((n - 1))); do
    "$target/aimap" "${flags[@]}" scan "$range" -p "$ports" --shard "$i/$n" --run-id "$id" \
      --concurrency 512 --format jsonl --fail-on none -q > /dev/null &
    ps+=($!)
  done
  wait "${ps[@]}"
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
  [ "$store" = yes ] && echo " $id" || echo
}

for set in sparse dense; do
  if [ "$set" = sparse ]; then range=127.66.0.0/14 ports=11434,11435 probes=$((262144 * 2));
  else range=127.66.0.0/21 ports=11434 probes=2048; fi
  echo "== $set: $range x $ports ($probes probes, $farm_size services)"
  echo "workers store best_wall_s probes_per_s efficiency rows_stored rows_per_s"
  for store in yes no; do
    base=""
    for n in 1 2 4 8; do
      best=""; id=""
      for _ in $(seq "$rounds"); do
        read -r wall rid < <(run "$n" "$store")
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$wall; id=$rid; fi
      done
      rate=$(awk -v p="$probes" -v w="$best" 'BEGIN{printf "%.0f", p/w}')
      [ -z "$base" ] && base=$rate
      eff=$(awk -v r="$rate" -v b="$base" -v n="$n" 'BEGIN{printf "%.2f", r/(b*n)}')
      rows="-"; rps="-"
      if [ "$store" = yes ]; then
        rows=$("$bin/psql" -qtA "$db" -c "SELECT (SELECT COUNT(*) FROM services WHERE run_id='$id') + (SELECT COUNT(*) FROM findings WHERE run_id='$id') + (SELECT COUNT(*) FROM shards WHERE run_id='$id')")
        rps=$(awk -v r="$rows" -v w="$best" 'BEGIN{printf "%.0f", r/w}')
      fi
      echo "$n $store $best $rate $eff $rows $rps"
    done
  done
done
