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

# Accounts, made once per data directory: the administrator, an analyst, and the feed that
# replays simulated traffic. Their generated secrets are kept in a file only the user can read.
CRED="$DATA/demo-credentials.txt"
if [ ! -f "$CRED" ]; then
  echo "== creating the demo accounts (see $CRED)"
  umask 077
  ADMIN_PW=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n')
  ANALYST_PW=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n')
  FEED_SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "$ADMIN_PW" | "$BIN" admin init --data "$DATA" --agency-name "成都市公安局 (demo)" --password-stdin
  echo "$ANALYST_PW" | "$BIN" admin user add analyst --role analyst --agency bureau \
    --name "Demo analyst" --data "$DATA" --password-stdin
  echo "$FEED_SECRET" | "$BIN" admin device add demo-feed --agency bureau --allow '*' \
    --name "Simulated traffic feed" --data "$DATA" --password-stdin
  printf 'admin %s\nanalyst %s\ndemo-feed %s\n' "$ADMIN_PW" "$ANALYST_PW" "$FEED_SECRET" >"$CRED"
fi
ADMIN_PW=$(awk '$1=="admin"{print $2}' "$CRED")
ANALYST_PW=$(awk '$1=="analyst"{print $2}' "$CRED")
FEED_SECRET=$(awk '$1=="demo-feed"{print $2}' "$CRED")

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
QUANYU_DEVICE_SECRET="$FEED_SECRET" "$BIN" loadgen --target "$URL" --rate "$RATE" --batch 50 \
  --connections 1 --device demo-feed --checkpoints data/checkpoints/chengdu_demo.geojson \
  --invalid-share 0.01 --seed "$RANDOM" >/dev/null 2>&1 &
LOADGEN=$!

login() {
  curl -fsS -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
ADMIN_TOKEN=$(login admin "$ADMIN_PW")
ANALYST_TOKEN=$(login analyst "$ANALYST_PW")

cat <<TXT

quanyu is running: $URL
  $URL/healthz
  $URL/metrics                      (Prometheus: records accepted/rejected, latencies, queue depth)

Every /api/v1 route needs a token. Logins (passwords in $CRED):
  admin   (manages accounts and checkpoints; reads no personal data)
  analyst (reads passages for a stated purpose and case number)
Tokens for this session:
  export ADMIN=$ADMIN_TOKEN
  export ANALYST=$ANALYST_TOKEN
Try:
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/checkpoints          (the 40 bundled checkpoints)
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/passages/stats       (counts; traffic is simulated)
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/quarantine           (rejected records, with reasons)
  curl -H "Authorization: Bearer \$ANALYST" "$URL/api/v1/passages?checkpoint_id=51010500011210000001&purpose=case_investigation&case_no=DEMO-1&limit=5"
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/openapi.yaml         (the API)
Data directory: $DATA. Press Ctrl-C to stop.
TXT
wait "$SERVER"
