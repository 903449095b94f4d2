#!/usr/bin/env python3
"""Places the demo's checkpoints (卡口) at real road intersections of central Chengdu.

Reads the bundled OSM extract (via `osmium cat -f opl`, Debian package osmium-tool), finds nodes
where two differently named major roads (trunk/primary/secondary) cross, prefers signalised
ones, spreads a selection over the map (farthest-point sampling), and gives each a GA/T 1400
style 20-digit id whose first six digits are the district (adcode) it stands in, found with the
bundled Chengdu district boundaries (GCJ-02, converted to WGS-84 here).

Usage: scripts/make_demo_checkpoints.py data/osm/chengdu_central.osm.pbf \
           data/boundaries/datav_510100_full.json > data/checkpoints/chengdu_demo.geojson
The positions are real (OpenStreetMap, ODbL); the checkpoints themselves are simulated.
"""
import json
import math
import re
import subprocess
import sys

MAJOR = {"trunk", "primary", "secondary", "trunk_link", "primary_link"}
COUNT = 40


def gcj_to_wgs(lng, lat):
    def tlat(x, y):
        r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
        r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
        return r

    def tlng(x, y):
        r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
        r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
        return r

    def fwd(wl, wa):
        a, ee = 6378245.0, 0.00669342162296594323
        dlat, dlng = tlat(wl - 105.0, wa - 35.0), tlng(wl - 105.0, wa - 35.0)
        rad = wa / 180.0 * math.pi
        magic = 1 - ee * math.sin(rad) ** 2
        sq = math.sqrt(magic)
        dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sq) * math.pi)
        dlng = (dlng * 180.0) / (a / sq * math.cos(rad) * math.pi)
        return wl + dlng, wa + dlat

    w = [lng, lat]
    for _ in range(30):
        g = fwd(*w)
        w[0] += lng - g[0]
        w[1] += lat - g[1]
    return w


def opl_decode(s):
    """OPL escapes every non-plain character as %hex%."""
    return re.sub(r"%([0-9a-fA-F]+)%", lambda m: chr(int(m.group(1), 16)), s)


def inside(pt, ring):
    x, y = pt
    c = False
    for i in range(len(ring)):
        x1, y1 = ring[i]
        x2, y2 = ring[i - 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            c = not c
    return c


def bearing(a, b):
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dl = math.radians(b[0] - a[0])
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def dist(a, b):
    kx = 111320 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((a[0] - b[0]) * kx, (a[1] - b[1]) * 110540)


def main():
    pbf, districts_file = sys.argv[1], sys.argv[2]
    opl = subprocess.run(["osmium", "cat", "-f", "opl", pbf], check=True, capture_output=True,
                         text=True).stdout
    nodes, signals, ways = {}, set(), []
    for line in opl.splitlines():
        if line.startswith("n"):
            parts = line.split(" ")
            nid = int(parts[0][1:])
            x = y = None
            for p in parts:
                if p.startswith("x"):
                    x = float(p[1:])
                elif p.startswith("y"):
                    y = float(p[1:])
                elif p.startswith("T") and "highway=traffic_signals" in p:
                    signals.add(nid)
            if x is not None:
                nodes[nid] = (x, y)
        elif line.startswith("w"):
            tags, refs = {}, []
            for p in line.split(" "):
                if p.startswith("T") and len(p) > 1:
                    for kv in p[1:].split(","):
                        if "=" in kv:
                            k, v = kv.split("=", 1)
                            tags[opl_decode(k)] = opl_decode(v)
                elif p.startswith("N") and len(p) > 1:
                    refs = [int(r[1:]) for r in p[1:].split(",")]
            if tags.get("highway") in MAJOR and tags.get("name"):
                ways.append((tags["name"], refs))
    by_node = {}
    for name, refs in ways:
        for i, r in enumerate(refs):
            by_node.setdefault(r, []).append((name, refs, i))
    candidates = []
    for nid, uses in by_node.items():
        # Chinese names only ("八里庄路 - Balizhuang Road" → "八里庄路").
        names = sorted({u[0].split(" - ")[0].strip() for u in uses
                        if not re.match(r"^[A-Za-z]", u[0])})
        if len(names) < 2 or nid not in nodes:
            continue
        name, refs, i = uses[0]
        nb = refs[i + 1] if i + 1 < len(refs) else refs[i - 1]
        if nb not in nodes:
            continue
        b = round(bearing(nodes[nid], nodes[nb])) % 360
        candidates.append((nid in signals, nid, names, sorted({b, (b + 180) % 360})))
    candidates.sort(key=lambda c: (not c[0], c[1]))
    districts = []
    for f in json.load(open(districts_file, encoding="utf-8-sig"))["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        rings = [[gcj_to_wgs(*p) for p in poly[0]] for poly in polys]
        districts.append((str(f["properties"]["adcode"]), f["properties"]["name"], rings))
    chosen = [candidates[0]]
    while len(chosen) < COUNT and len(chosen) < len(candidates):
        best = max(candidates, key=lambda c: min(dist(nodes[c[1]], nodes[x[1]]) for x in chosen))
        if min(dist(nodes[best[1]], nodes[x[1]]) for x in chosen) < 300:
            break
        chosen.append(best)
    features = []
    for k, (_, nid, names, dirs) in enumerate(sorted(chosen, key=lambda c: c[1])):
        pt = nodes[nid]
        adcode = next((d[0] for d in districts if any(inside(pt, r) for r in d[2])), "510100")
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(pt[0], 7), round(pt[1], 7)]},
            "properties": {
                "id": f"{adcode}0001121{k + 1:07d}",
                "name": "·".join(names[:2]) + "路口卡口",
                "directions": dirs,
                "lanes": 4,
                "status": "active",
                "osm_node": nid,
            },
        })
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout, ensure_ascii=False,
              indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
