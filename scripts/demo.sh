#!/usr/bin/env bash
# The demo: the server on the embedded default (a data directory under the repo, no other
# server) with the bundled real Chengdu checkpoints, and simulated passage traffic replayed
# into it so that /metrics and the API show it working. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=build/release/quanyu
DATA=${QUANYU_DEMO_DATA:-data/run/demo}
LISTEN=${QUANYU_DEMO_LISTEN:-127.0.0.1:8080}
RATE=${QUANYU_DEMO_RATE:-200}

mkdir -p "$DATA"
echo "== importing the bundled checkpoints (real Chengdu intersections, OSM/ODbL)"
"$BIN" import checkpoints data/checkpoints/chengdu_demo.geojson --data "$DATA"

"$BIN" serve --data "$DATA" --listen "$LISTEN" &
SERVER=$!
LOADGEN=""
cleanup() {
  [ -n "$LOADGEN" ] && kill "$LOADGEN" 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

URL="http://$LISTEN"
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== replaying SIMULATED passage traffic at $RATE records/s (1% deliberately invalid)"
"$BIN" loadgen --target "$URL" --rate "$RATE" --batch 50 --connections 1 \
  --invalid-share 0.01 --seed "$RANDOM" >/dev/null 2>&1 &
LOADGEN=$!

cat <<TXT

quanyu is running: $URL
  $URL/healthz
  $URL/metrics                      (Prometheus: records accepted/rejected, latencies, queue depth)
  $URL/api/v1/checkpoints           (the 40 bundled checkpoints)
  $URL/api/v1/passages/stats        (stored and quarantined counts; traffic is simulated)
  $URL/api/v1/quarantine            (rejected records with their reasons)
  $URL/api/v1/openapi.yaml          (the API)
Data directory: $DATA. Press Ctrl-C to stop.
TXT
wait "$SERVER"
