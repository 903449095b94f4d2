#!/usr/bin/env python3
"""Puts the demo's units on the map: a police workstation (联勤警务站) at each real police
station of the imported places (OpenStreetMap, ODbL), and SIMULATED patrol cars near some of
them reporting positions; then one SIMULATED 110 call. Usage: demo_units.py URL ADMIN DUTY"""
import json
import random
import sys
import urllib.request
from datetime import datetime, timezone

url, admin, duty = sys.argv[1], sys.argv[2], sys.argv[3]


def call(method, path, token, body=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


status, places = call("GET", "/api/v1/places?category=police", admin)
stations = places.get("places", []) if status == 200 else []
rng = random.Random(110)
now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
fixes = []
for i, p in enumerate(stations[:16]):
    call("PUT", "/api/v1/units/ws-%02d" % i, admin,
         {"name": p["name"] + " 警务站", "kind": "workstation", "agency": "bureau",
          "home": [p["lng"], p["lat"]]})
    if i % 2 == 0:
        car = "car-%02d" % i
        call("PUT", "/api/v1/units/" + car, admin,
             {"name": "巡逻车 %02d (simulated)" % i, "kind": "patrol_car", "agency": "bureau",
              "capabilities": ["armed"] if i % 4 == 0 else [], "home": [p["lng"], p["lat"]]})
        fixes.append({"unit_id": car, "time": now,
                      "position": [p["lng"] + rng.uniform(-0.01, 0.01),
                                   p["lat"] + rng.uniform(-0.01, 0.01)]})
if fixes:
    call("POST", "/api/v1/units/positions", duty, {"fixes": fixes})
status, inc = call("POST", "/api/v1/incidents", duty,
                   {"type": "public_order", "priority": 2, "source": "call_110",
                    "source_ref": "DEMO-110-0001", "location": [104.0810, 30.6570],
                    "summary": "SIMULATED call: a dispute outside a shop near Chunxi Road"})
print("%d police stations from OpenStreetMap -> %d workstations and %d simulated patrol cars; "
      "simulated incident %s" % (len(stations), min(len(stations), 16), len(fixes),
                                 inc.get("id", "(not created: %s)" % inc)))
