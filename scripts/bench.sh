#!/usr/bin/env bash
# Runs the benchmarks and prints the figures docs/PERFORMANCE.md records, with the machine and
# the date. All passage records used are simulated.
#   scripts/bench.sh            everything
#   scripts/bench.sh micro      only the in-process benchmarks (parse, event log, ring location, store)
#   scripts/bench.sh e2e        only the end-to-end HTTP ingest
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/release
OUT=build/bench
mkdir -p "$OUT"
what=${1:-all}

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

run_gbench() {
  local name=$1; shift
  if [ -x "$B/bench/$name" ]; then
    echo "== $name $*"
    "$B/bench/$name" --benchmark_out="$OUT/$name.json" --benchmark_out_format=json "$@"
  fi
}

if [ "$what" = all ] || [ "$what" = micro ]; then
  run_gbench events_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  run_gbench event_log_bench
  run_gbench geo_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  run_gbench ring_assignment_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  if [ -x "$B/bench/store_bench" ]; then
    echo "== store_bench --rows=${QUANYU_BENCH_STORE_ROWS:-2000000}"
    "$B/bench/store_bench" --rows="${QUANYU_BENCH_STORE_ROWS:-2000000}"
  fi
fi

if [ "$what" = all ] || [ "$what" = e2e ]; then
  DATA=$(mktemp -d /tmp/quanyu-bench-XXXXXX)
  trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
  PORT=18089
  RECORDS=${QUANYU_BENCH_RECORDS:-1000000}
  "$B/quanyu" import checkpoints data/checkpoints/chengdu_demo.geojson --data "$DATA" >/dev/null 2>&1
  echo "bench admin pw" | "$B/quanyu" admin init --data "$DATA" --password-stdin >/dev/null
  echo "bench feed secret" | "$B/quanyu" admin device add bench-feed --agency bureau --allow '*' \
    --data "$DATA" --password-stdin >/dev/null
  "$B/quanyu" --log-level warn serve --data "$DATA" --listen 127.0.0.1:$PORT --threads 6 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== end-to-end durable ingest over loopback HTTP: $RECORDS simulated GA/T 1400 records, batches of 500, 4 connections"
  QUANYU_DEVICE_SECRET="bench feed secret" "$B/quanyu" loadgen --target http://127.0.0.1:$PORT \
    --records "$RECORDS" --batch 500 --connections 4 --device bench-feed \
    --checkpoints data/checkpoints/chengdu_demo.geojson
  TOKEN=$(curl -fsS -X POST http://127.0.0.1:$PORT/api/v1/auth/login -H 'Content-Type: application/json' \
    -d '{"user":"admin","password":"bench admin pw"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  t0=$(date +%s.%N)
  while [ "$(curl -fsS -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/passages/stats | sed 's/.*"pending_store":\([0-9]*\).*/\1/')" != 0 ]; do sleep 0.2; done
  echo "store caught up $(echo "$(date +%s.%N) - $t0" | bc) s after the last acknowledgement"
  curl -fsS http://127.0.0.1:$PORT/metrics | grep -E '^quanyu_(store_apply_seconds_(sum|count)|bus_log_syncs_total|records_accepted_total)' || true
fi
