#!/usr/bin/env bash
# Runs the benchmarks and prints the figures docs/PERFORMANCE.md records, with the machine and
# the date. All passage records used are simulated.
#   scripts/bench.sh            everything
#   scripts/bench.sh micro      only the in-process benchmarks (parse, event log, ring location, store)
#   scripts/bench.sh e2e        only the end-to-end HTTP ingest
#   scripts/bench.sh alerts     only the alert latency: HTTP receipt to WebSocket delivery
#   scripts/bench.sh dispatch   only routing (Andorra) and the dispatch recommendation (Chengdu)
#   scripts/bench.sh scene      only the simulated city (quanyu simulate) against a server
# Environment: QLOG sets the benchmarked server's log level (default warn); QUANYU_BENCH_BUILD the
# build directory whose binaries run (default build/release), to compare two builds;
# QUANYU_BENCH_RECORDS, QUANYU_BENCH_BATCH and QUANYU_BENCH_CONNECTIONS the end-to-end run's
# records (1,000,000), records per request (500) and connections (4); QUANYU_BENCH_THREADS the
# benchmarked server's HTTP threads (6); QUANYU_BENCH_SERVE_ARGS more options for it (e.g.
# "--partitions 2").
set -euo pipefail
cd "$(dirname "$0")/.."
B=${QUANYU_BENCH_BUILD:-build/release}
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
  run_gbench dedup_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  run_gbench ingest_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  run_gbench geo_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  run_gbench ring_assignment_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
  if [ -x "$B/bench/store_bench" ]; then
    echo "== store_bench --rows=${QUANYU_BENCH_STORE_ROWS:-2000000}"
    "$B/bench/store_bench" --rows="${QUANYU_BENCH_STORE_ROWS:-2000000}"
  fi
fi

if [ "$what" = all ] || [ "$what" = dispatch ]; then
  run_gbench routing_bench --benchmark_filter='/0$'
  if [ -x "$B/bench/dispatch_bench" ]; then
    echo "== dispatch_bench 200 2000 (SIMULATED units and incidents on central Chengdu's roads)"
    QUANYU_SOURCE_DIR="$PWD" "$B/bench/dispatch_bench" 200 2000
  fi
fi

# A fresh data directory with the demo checkpoints, an administrator, a feed device and an
# operator (who may read alerts), and a server on it: sets DATA and SERVER.
SERVER=""
DATA=""
cleanup() {
  if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ -n "$DATA" ]; then rm -rf "$DATA"; fi
  SERVER=""; DATA=""
}
trap cleanup EXIT
serve_fresh() {
  local port=$1 setup=${2:-true}
  DATA=$(mktemp -d /tmp/quanyu-bench-XXXXXX)
  "$B/quanyu" import checkpoints data/checkpoints/chengdu_demo.geojson --data "$DATA" >/dev/null 2>&1
  echo "bench admin pw" | "$B/quanyu" admin init --data "$DATA" --password-stdin >/dev/null
  echo "bench feed secret" | "$B/quanyu" admin device add bench-feed --agency bureau --allow '*' \
    --data "$DATA" --password-stdin >/dev/null
  echo "bench operator pw" | "$B/quanyu" admin user add duty --role operator --agency bureau \
    --data "$DATA" --password-stdin >/dev/null
  $setup
  "$B/quanyu" --log-level ${QLOG:-warn} serve --data "$DATA" --listen 127.0.0.1:"$port" --threads "${QUANYU_BENCH_THREADS:-6}" ${QUANYU_BENCH_SERVE_ARGS:-} &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:"$port"/healthz >/dev/null 2>&1 && break; sleep 0.1; done
}
# The server's own measure of alert delivery, from quanyu_stream_delivery_seconds: receipt of
# the request to the start of the alert's WebSocket write. Quantiles are interpolated within
# the histogram's buckets (0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20 ms, ...).
delivery_summary() {  # PORT
  curl -fsS http://127.0.0.1:"$1"/metrics | awk '
    /^quanyu_stream_delivery_seconds_bucket/ {
      match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      n++; bound[n] = (le == "+Inf") ? 1e9 : le + 0; cum[n] = $NF + 0 }
    /^quanyu_stream_delivery_seconds_count/ { total = $NF + 0 }
    function q(p,   i, lo, target) {
      target = p * total; lo = 0
      for (i = 1; i <= n; i++) {
        if (cum[i] >= target) {
          prev = (i == 1) ? 0 : cum[i - 1]
          if (cum[i] == prev) return bound[i] * 1000
          return (lo + (bound[i] - lo) * (target - prev) / (cum[i] - prev)) * 1000
        }
        lo = bound[i]
      }
      return -1 }
    END {
      if (total == 0) { print "server-side delivery: no messages timed"; exit }
      for (i = 1; i <= n; i++) if (bound[i] == 0.002) within = cum[i]
      printf "server-side delivery (receipt of the request to the WebSocket write), %d messages: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms; within 2 ms: %.2f%%\n", total, q(0.5), q(0.9), q(0.99), 100 * within / total }'
}
# The CPU time a process has used so far, user + system, summed over threads of the same name.
# The server's threads, summed by name: CPU time (user + system), minor page faults, and the
# bytes each passed to write(2) and its kin (wchar), whether or not they reached the disk yet.
thread_stats() {  # PID
  local hz
  hz=$(getconf CLK_TCK)
  for t in /proc/"$1"/task/*; do
    # comm may hold spaces; the fields after it start at the last ')'.
    printf '%s\t%s\n' "$(sed -E 's/^[0-9]+ \((.*)\) (.*)$/\1\t\2/' "$t/stat")" "$(sed -n 's/^wchar: //p' "$t/io")"
  done | awk -F'\t' -v hz="$hz" '{ split($2, f, " "); usr[$1] += f[12] / hz; sys[$1] += f[13] / hz; flt[$1] += f[8]; w[$1] += $3 }
    END {
      printf "server CPU seconds by thread (user + system):"; for (c in usr) if (usr[c] + sys[c] >= 0.01) printf " %s %.2f + %.2f", c, usr[c], sys[c]; print ""
      printf "server minor page faults by thread:"; for (c in flt) if (flt[c] >= 1000) printf " %s %d", c, flt[c]; print ""
      printf "server bytes written by thread (MB):"; for (c in w) if (w[c] >= 1e6) printf " %s %.0f", c, w[c] / 1e6; print ""
    }'
}
login() {  # PORT USER PASSWORD
  curl -fsS -X POST http://127.0.0.1:"$1"/api/v1/auth/login -H 'Content-Type: application/json' \
    -d "{\"user\":\"$2\",\"password\":\"$3\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}

if [ "$what" = all ] || [ "$what" = e2e ]; then
  PORT=18089
  RECORDS=${QUANYU_BENCH_RECORDS:-1000000}
  CONNECTIONS=${QUANYU_BENCH_CONNECTIONS:-4}
  BATCH=${QUANYU_BENCH_BATCH:-500}
  serve_fresh $PORT
  echo "== end-to-end durable ingest over loopback HTTP: $RECORDS simulated GA/T 1400 records, batches of $BATCH, $CONNECTIONS connections"
  QUANYU_DEVICE_SECRET="bench feed secret" "$B/quanyu" loadgen --target http://127.0.0.1:$PORT \
    --records "$RECORDS" --batch "$BATCH" --connections "$CONNECTIONS" --device bench-feed \
    --checkpoints data/checkpoints/chengdu_demo.geojson | tee "$OUT/loadgen.txt"
  TOKEN=$(login $PORT admin "bench admin pw")
  t0=$(date +%s.%N)
  while [ "$(curl -fsS -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/passages/stats | sed 's/.*"pending_store":\([0-9]*\).*/\1/')" != 0 ]; do sleep 0.05; done
  lag=$(echo "$(date +%s.%N) - $t0" | bc)
  sent=$(sed -n 's/.*sent: [0-9]* in \([0-9.]*\) s.*/\1/p' "$OUT/loadgen.txt")
  echo "store caught up $lag s after the last acknowledgement: every record stored $(echo "$RECORDS / ($sent + $lag)" | bc) records/s from the first request"
  curl -fsS http://127.0.0.1:$PORT/metrics >"$OUT/e2e-metrics.txt"
  grep -E '^quanyu_(store_apply_seconds_(sum|count)|bus_log_syncs_total|bus_log_commit_seconds_(sum|count)|records_accepted_total)' "$OUT/e2e-metrics.txt" || true
  awk '/^quanyu_bus_log_commit_seconds_bucket.*le="0.01"/ { fast += $2 } /^quanyu_bus_log_commit_seconds_count/ { all += $2 }
    END { printf "event-log group commits longer than 10 ms: %d of %d\n", all - fast, all }' "$OUT/e2e-metrics.txt"
  thread_stats "$SERVER"
  cleanup
fi

if [ "$what" = all ] || [ "$what" = alerts ]; then
  PORT=18090
  RATE=${QUANYU_BENCH_ALERT_RATE:-50000}
  SECS=${QUANYU_BENCH_ALERT_SECONDS:-20}
  # 2,000 SIMULATED listed plates (川A90000-川A91999) on one alert list, valid for 30 days.
  alert_list() {
    local csv="$DATA/listed.csv" from until
    from=$(date -u -d "-1 hour" +%Y-%m-%dT%H:%M:%SZ)
    until=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
    echo "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,note" >"$csv"
    for i in $(seq 90000 91999); do
      echo "川A$i,exact,stolen_vehicle,2,BENCH-1,基准测试,基准,$from,$until,simulated" >>"$csv"
    done
    "$B/quanyu" import alert-list "$csv" --list bench --agency bureau --data "$DATA" >/dev/null
  }
  serve_fresh $PORT alert_list
  TOKEN=$(login $PORT duty "bench operator pw")
  echo "== alert latency: $RATE simulated GA/T 1400 records/s for $SECS s, 4 connections, batches of 100; 0.2% carry a listed plate; an operator subscribed to the alert stream"
  QUANYU_DEVICE_SECRET="bench feed secret" QUANYU_ALERTS_TOKEN="$TOKEN" "$B/quanyu" loadgen \
    --target http://127.0.0.1:$PORT --rate "$RATE" --duration "$SECS" --batch 100 --connections 4 \
    --device bench-feed --checkpoints data/checkpoints/chengdu_demo.geojson \
    --listed-plates "$DATA/listed.csv" --listed-share 0.002
  delivery_summary $PORT
  curl -fsS http://127.0.0.1:$PORT/metrics | grep -E '^quanyu_(alerts_raised_total|records_accepted_total|store_apply_seconds_(sum|count)|bus_log_syncs_total)' || true
  cleanup
fi

if [ "$what" = all ] || [ "$what" = scene ]; then
  PORT=18091
  VEHICLES=${QUANYU_BENCH_SCENE_VEHICLES:-5000}
  SPEEDUP=${QUANYU_BENCH_SCENE_SPEEDUP:-10}
  SIM_SECONDS=${QUANYU_BENCH_SCENE_SECONDS:-600}
  # Central Chengdu's roads and places, 3 SIMULATED listed plates, 20 SIMULATED patrol cars.
  scene() {
    "$B/quanyu" import osm data/osm/chengdu_central.osm.pbf --data "$DATA" >/dev/null
    "$B/quanyu" import places data/osm/chengdu_central.osm.pbf --data "$DATA" >/dev/null
    local csv="$DATA/listed.csv" from until
    from=$(date -u -d "-1 hour" +%Y-%m-%dT%H:%M:%SZ)
    until=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
    echo "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,note" >"$csv"
    for i in 1 2 3; do
      echo "川A9000$i,exact,stolen_vehicle,2,BENCH-1,基准测试,基准,$from,$until,simulated" >>"$csv"
    done
    "$B/quanyu" import alert-list "$csv" --list bench --agency bureau --data "$DATA" >/dev/null
  }
  serve_fresh $PORT scene
  ADMIN=$(login $PORT admin "bench admin pw")
  TOKEN=$(login $PORT duty "bench operator pw")
  for _ in $(seq 1 300); do
    curl -fsS -H "Authorization: Bearer $ADMIN" http://127.0.0.1:$PORT/api/v1/roads | grep -q '"state":"loading"' || break
    sleep 0.1
  done
  for i in $(seq -w 1 20); do
    lng=$(echo "104.05 + $i * 0.003" | bc); lat=$(echo "30.66 + ($i % 5) * 0.01" | bc)
    curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
      -d "{\"name\":\"巡逻车 $i (simulated)\",\"kind\":\"patrol_car\",\"agency\":\"bureau\",\"home\":[$lng,$lat]}" \
      http://127.0.0.1:$PORT/api/v1/units/car-$i
  done
  echo "== the simulated city: $VEHICLES SIMULATED vehicles and 20 patrol cars on central Chengdu, $SIM_SECONDS simulated seconds at ${SPEEDUP}x, a call every 30 s, auto-dispatch"
  t0=$(date +%s.%N)
  QUANYU_TOKEN="$TOKEN" QUANYU_DEVICE_SECRET="bench feed secret" "$B/quanyu" simulate \
    --target http://127.0.0.1:$PORT --device bench-feed --vehicles "$VEHICLES" \
    --listed-plates "$DATA/listed.csv" --speedup "$SPEEDUP" --duration "$SIM_SECONDS" \
    --call-every 30 --auto-dispatch --seed 7
  echo "wall time $(echo "$(date +%s.%N) - $t0" | bc) s"
  curl -fsS http://127.0.0.1:$PORT/metrics | grep -E '^quanyu_(records_accepted_total|alerts_raised_total)' || true
  cleanup
fi

