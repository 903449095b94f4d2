#!/usr/bin/env bash
# The demo: the server on the embedded default (a data directory under the repo, no other
# server) with the bundled real boundaries as rings (Sichuan, its cities, Chengdu's districts),
# central Chengdu's roads and places (OpenStreetMap) to route on, checkpoints at real Chengdu
# intersections and district-boundary crossings, an alert list of simulated plates, units at the
# real police stations, and the command map at http://127.0.0.1:8080/. A simulated city runs
# in it (quanyu simulate): vehicles driving between real places pass checkpoints, a few of them
# on the alert list, patrol cars answer simulated calls; background traffic adds volume and
# some invalid records for the quarantine. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=build/release/quanyu
DATA=${QUANYU_DEMO_DATA:-data/run/demo}
LISTEN=${QUANYU_DEMO_LISTEN:-127.0.0.1:8080}
RATE=${QUANYU_DEMO_RATE:-100}
VEHICLES=${QUANYU_DEMO_VEHICLES:-400}

mkdir -p "$DATA"
echo "== importing the rings: Sichuan, its cities, Chengdu's districts (DataV boundaries, GCJ-02 converted)"
"$BIN" import rings data/boundaries/datav_510000_sichuan_outline.json --crs gcj02 --level province --data "$DATA"
"$BIN" import rings data/boundaries/datav_510000_full.json --crs gcj02 --level city --data "$DATA"
"$BIN" import rings data/boundaries/datav_510100_full.json --crs gcj02 --level county --data "$DATA"
echo "== importing the bundled checkpoints (SIMULATED, at real Chengdu intersections and district-boundary crossings; OSM/ODbL)"
"$BIN" import checkpoints data/checkpoints/chengdu_demo.geojson --data "$DATA"
"$BIN" import checkpoints data/checkpoints/chengdu_closure.csv --data "$DATA"
echo "== importing the road network: central Chengdu (OpenStreetMap contributors, ODbL)"
"$BIN" import osm data/osm/chengdu_central.osm.pbf --data "$DATA"
echo "== importing protected places and police stations from the same extract (OpenStreetMap contributors, ODbL)"
"$BIN" import places data/osm/chengdu_central.osm.pbf --data "$DATA"
echo "== ring closure (围闭度): the roads crossing each district boundary and the checkpoints watching them"
"$BIN" closure --osm data/osm/chengdu_central.osm.pbf --data "$DATA" --save >/dev/null

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
# A duty officer (operator: reads and handles alerts) and an alert list, made once.
if ! grep -q '^duty ' "$CRED"; then
  echo "== creating the duty officer and the demo alert list"
  umask 077
  DUTY_PW=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n')
  echo "$DUTY_PW" | "$BIN" admin user add duty --role operator --agency bureau \
    --name "Demo duty officer" --data "$DATA" --password-stdin
  # An alert list (布控) of 20 SIMULATED plates, valid for 30 days, with a demo legal basis.
  LISTED="$DATA/demo-alert-list.csv"
  FROM=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  UNTIL=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
  echo "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,note" >"$LISTED"
  for i in $(seq 0 19); do
    printf '川A8%04d,exact,%s,%d,DEMO-2026-%02d,成都市公安局 (demo),值班领导 (demo),%s,%s,simulated\n' \
      "$i" "$([ $((i % 2)) = 0 ] && echo stolen_vehicle || echo wanted_in_case)" $((1 + i % 3)) "$i" \
      "$FROM" "$UNTIL" >>"$LISTED"
  done
  "$BIN" import alert-list "$LISTED" --list demo --agency bureau --data "$DATA"
  printf 'duty %s\n' "$DUTY_PW" >>"$CRED"
fi
ADMIN_PW=$(awk '$1=="admin"{print $2}' "$CRED")
ANALYST_PW=$(awk '$1=="analyst"{print $2}' "$CRED")
DUTY_PW=$(awk '$1=="duty"{print $2}' "$CRED")
FEED_SECRET=$(awk '$1=="demo-feed"{print $2}' "$CRED")

WEB_ARGS=()
[ -f web/dist/index.html ] && WEB_ARGS=(--web web/dist)
"$BIN" serve --data "$DATA" --listen "$LISTEN" "${WEB_ARGS[@]}" \
  --notice "演示：车辆通行、巡逻车与警情均为模拟 · Demo: traffic, patrol cars and calls are SIMULATED" &
SERVER=$!
LOADGEN=""
SIMULATE=""
cleanup() {
  [ -n "$LOADGEN" ] && kill "$LOADGEN" 2>/dev/null || true
  [ -n "$SIMULATE" ] && kill "$SIMULATE" 2>/dev/null || true
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

URL="http://$LISTEN"
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "== background passage traffic: SIMULATED, $RATE records/s at random checkpoints (2% deliberately invalid, for the quarantine)"
QUANYU_DEVICE_SECRET="$FEED_SECRET" "$BIN" loadgen --target "$URL" --rate "$RATE" --batch 50 \
  --connections 1 --device demo-feed --checkpoints data/checkpoints/chengdu_demo.geojson \
  --checkpoints data/checkpoints/chengdu_closure.csv --listed-share 0 --invalid-share 0.02 \
  --seed "$RANDOM" >/dev/null 2>&1 &
LOADGEN=$!

login() {
  curl -fsS -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"user\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
ADMIN_TOKEN=$(login admin "$ADMIN_PW")
ANALYST_TOKEN=$(login analyst "$ANALYST_PW")
DUTY_TOKEN=$(login duty "$DUTY_PW")
for _ in $(seq 1 300); do
  curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" "$URL/api/v1/roads" | grep -q '"state":"loading"' || break
  sleep 0.1
done
echo "== units at the extract's police stations, simulated patrol cars and a simulated call"
python3 scripts/demo_units.py "$URL" "$ADMIN_TOKEN" "$DUTY_TOKEN" || true
echo "== the SIMULATED city: $VEHICLES vehicles driving between real places on the road network,"
echo "   passing checkpoints (3 of them on the alert list), patrol cars answering simulated calls"
echo "   (progress in $DATA/simulate.log)"
QUANYU_TOKEN="$DUTY_TOKEN" QUANYU_DEVICE_SECRET="$FEED_SECRET" "$BIN" simulate --target "$URL" \
  --device demo-feed --vehicles "$VEHICLES" --listed-plates "$DATA/demo-alert-list.csv" \
  --auto-dispatch --call-every 120 --seed "$RANDOM" >"$DATA/simulate.log" 2>&1 &
SIMULATE=$!

cat <<TXT

quanyu is running: $URL
  $URL/                              the command map (可视化指挥): log in as duty (password below)
  $URL/healthz
  $URL/metrics                      (Prometheus: records accepted/rejected, latencies, queue depth)

Every /api/v1 route needs a token. Logins (passwords in $CRED):
  admin   (manages accounts and checkpoints; reads no personal data)
  analyst (reads passages for a stated purpose and case number)
  duty    (the duty officer: reads, acknowledges and dispatches alerts)
Tokens for this session:
  export ADMIN=$ADMIN_TOKEN
  export ANALYST=$ANALYST_TOKEN
  export DUTY=$DUTY_TOKEN
Try:
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/rings               (Sichuan, its cities, Chengdu's districts)
  curl -H "Authorization: Bearer \$ADMIN" "$URL/api/v1/rings/locate?lng=104.0665&lat=30.6574"
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/checkpoints          (138 simulated checkpoints)
  curl -H "Authorization: Bearer \$DUTY" "$URL/api/v1/route?from=104.0657,30.6574&to=104.0810,30.6570"  (drive time on the road network)
  curl -H "Authorization: Bearer \$DUTY" "$URL/api/v1/isochrone?at=104.0657,30.6574&minutes=3"       (the roads reached in 3 minutes)
  curl -H "Authorization: Bearer \$DUTY" $URL/api/v1/units                (workstations at real police stations; SIMULATED patrol cars)
  curl -H "Authorization: Bearer \$DUTY" $URL/api/v1/incidents            (a SIMULATED 110 call)
  curl -X POST -H "Authorization: Bearer \$DUTY" -H 'Content-Type: application/json' \
    -d '{"location":[104.0810,30.6570],"type":"public_order","k":3}' $URL/api/v1/dispatch/recommend   (best units by drive time)
  curl -H "Authorization: Bearer \$DUTY" "$URL/api/v1/reach?minutes=1,3,5"  (1-3-5 minute reach: places covered, gaps)
  curl -H "Authorization: Bearer \$DUTY" "$URL/api/v1/kpi/response?group_by=type"  (response times)
  curl -H "Authorization: Bearer \$DUTY" "$URL/api/v1/alerts?limit=5"      (alerts on the simulated listed plates)
  curl -H "Authorization: Bearer \$DUTY" $URL/api/v1/alerts/1/cap          (an alert as OASIS CAP 1.2)
  curl -X PATCH -H "Authorization: Bearer \$DUTY" -H 'Content-Type: application/json' \
    -d '{"state":"acknowledged"}' $URL/api/v1/alerts/1                     (the lifecycle, audited)
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/passages/stats       (counts; traffic is simulated)
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/quarantine           (rejected records, with reasons)
  curl -H "Authorization: Bearer \$ANALYST" "$URL/api/v1/passages?checkpoint_id=51010500011210000001&purpose=case_investigation&case_no=DEMO-1&limit=5"
  curl -H "Authorization: Bearer \$ADMIN" $URL/api/v1/openapi.yaml         (the API)
Data directory: $DATA. Press Ctrl-C to stop.
TXT
wait "$SERVER"
