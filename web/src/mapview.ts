// The Leaflet map: one overlay group per layer the role may see, a layer control, and the counts
// of what each layer draws (in a hidden element, for tests and for the legend).
import L from "leaflet";
import { label, t } from "./i18n";
import type { LayerId } from "./permissions";
import { basemapStyle, roadCasing, ringStyle, RING_LEVEL_ORDER, CHECKPOINT_COLORS, unitColor, REACH_COLORS } from "./styles";
import { h } from "./dom";

type FC = { type: "FeatureCollection"; features: GeoJSON.Feature[] };

export class MapView {
  readonly map: L.Map;
  readonly groups = new Map<LayerId, L.LayerGroup>();
  private readonly canvas = L.canvas({ padding: 0.3 });
  private readonly svg = L.svg({ padding: 0.3 });
  private readonly counts: Record<string, number> = {};
  private readonly statsEl: HTMLElement;
  private unitMarkers = new Map<string, L.CircleMarker>();
  private incidentMarkers = new Map<string, L.Marker>();
  private alertMarkers = new Map<number, L.Marker>();
  private pickMarker: L.Marker | null = null;
  private fitted = false;

  constructor(el: HTMLElement, layers: LayerId[], statsParent: HTMLElement) {
    this.map = L.map(el, { preferCanvas: true, zoomControl: true, attributionControl: true, center: [30.66, 104.07], zoom: 13 });
    this.map.attributionControl.setPrefix(false);
    (window as unknown as { __qyMap?: L.Map }).__qyMap = this.map;   // for tests and debugging
    // The container may get its final size after the map is made (grid layout, panels filling):
    // keep Leaflet's idea of the size current.
    new ResizeObserver(() => this.map.invalidateSize({ pan: false })).observe(el);
    this.map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL)");
    // Panes keep the order of layers whatever order their data arrives in.
    const panes: [string, number][] = [["basemap", 210], ["rings", 300], ["reach", 320], ["points", 450], ["live", 620]];
    for (const [name, z] of panes) this.map.createPane(name).style.zIndex = String(z);
    const overlays: Record<string, L.Layer> = {};
    for (const id of layers) {
      const g = L.layerGroup();
      this.groups.set(id, g);
      g.addTo(this.map);
      overlays[t(`layer.${id}`)] = g;
      this.counts[id] = 0;
    }
    if (layers.length) L.control.layers(undefined, overlays, { collapsed: false, position: "topright" }).addTo(this.map);
    this.statsEl = h("div", { "data-testid": "map-stats", hidden: true });
    statsParent.append(this.statsEl);
    this.legend();
  }

  has(id: LayerId): boolean { return this.groups.has(id); }
  count(id: LayerId): number { return this.counts[id] ?? 0; }

  private setCount(id: LayerId, n: number): void {
    this.counts[id] = n;
    this.statsEl.textContent = JSON.stringify(this.counts);
    for (const [k, v] of Object.entries(this.counts)) this.statsEl.setAttribute(`data-${k.toLowerCase()}`, String(v));
  }

  private legend(): void {
    const dot = (color: string, ring = false) => h("i", { style: ring ? `border:2px solid ${color};background:transparent` : `background:${color}` });
    const line = (st: { color: string; dashArray?: string }) => h("i", { class: "line", style: `border-top:2px ${st.dashArray ? "dashed" : "solid"} ${st.color}` });
    const rows: HTMLElement[] = [];
    const title = (k: string) => rows.push(h("b", {}, t(k)));
    if (this.has("rings")) {
      title("layer.rings");
      for (const lv of ["province", "city", "county"]) rows.push(h("div", {}, line(ringStyle(lv)), t(`level.${lv}`)));
    }
    if (this.has("checkpoints")) {
      title("layer.checkpoints");
      for (const st of ["active", "faulty"]) rows.push(h("div", {}, dot(CHECKPOINT_COLORS[st]), t(`cp.${st}`)));
    }
    if (this.has("units")) {
      title("layer.units");
      for (const st of ["available", "dispatched", "en_route", "on_scene", "returning"]) rows.push(h("div", {}, dot(unitColor(st)), t(`unit.status.${st}`)));
    }
    if (this.has("reach")) {
      title("layer.reach");
      [1, 3, 5].forEach((m, i) => rows.push(h("div", {}, dot(REACH_COLORS[i]), t("reach.minutes", { m }))));
    }
    if (this.has("reachGaps")) rows.push(h("div", {}, dot("#d7301f", true), t("layer.reachGaps")));
    if (this.has("closureGaps")) rows.push(h("div", {}, dot("#ff7f00", true), t("layer.closureGaps")));
    if (!rows.length) return;
    const Legend = L.Control.extend({ onAdd: () => h("div", { class: "legend", "data-testid": "map-legend" }, ...rows) });
    new Legend({ position: "bottomleft" }).addTo(this.map);
  }

  /** Fits the view to the data once (the first time points arrive). */
  fitTo(points: [number, number][]): void {
    if (this.fitted || points.length === 0) return;
    this.map.invalidateSize({ pan: false });
    const b = L.latLngBounds(points.map(([lng, lat]) => L.latLng(lat, lng)));
    if (!b.isValid()) return;
    this.fitted = true;
    this.map.fitBounds(b.pad(0.05), { maxZoom: 15 });
  }

  setBasemap(fc: FC): void {
    const g = this.groups.get("basemap");
    if (!g) return;
    const rank: Record<string, number> = { landuse: 0, water: 1, road: 2 };
    const features = [...fc.features].sort((a, b) =>
      (rank[String(a.properties?.layer)] ?? 3) - (rank[String(b.properties?.layer)] ?? 3) ||
      (roadRank(a) - roadRank(b)));
    g.clearLayers();
    const roads = features.filter((f) => f.properties?.layer === "road");
    const areas = features.filter((f) => f.properties?.layer !== "road");
    L.geoJSON({ type: "FeatureCollection", features: areas } as GeoJSON.FeatureCollection, {
      renderer: this.canvas, pane: "basemap", interactive: false,
      style: (f) => basemapStyle((f?.properties ?? {}) as { layer?: string; class?: string }),
    } as L.GeoJSONOptions).addTo(g);
    // Casings first, then the roads, bigger classes last (on top).
    L.geoJSON({ type: "FeatureCollection", features: roads } as GeoJSON.FeatureCollection, {
      renderer: this.canvas, pane: "basemap", interactive: false,
      style: (f) => roadCasing(f?.properties?.class as string | undefined),
    } as L.GeoJSONOptions).addTo(g);
    L.geoJSON({ type: "FeatureCollection", features: roads } as GeoJSON.FeatureCollection, {
      renderer: this.canvas, pane: "basemap", interactive: false,
      style: (f) => basemapStyle((f?.properties ?? {}) as { layer?: string; class?: string }),
      pointToLayer: () => L.circleMarker([0, 0], { radius: 0 }),
    } as L.GeoJSONOptions).addTo(g);
    this.setCount("basemap", features.length);
  }

  setRings(fc: FC): void {
    const g = this.groups.get("rings");
    if (!g) return;
    g.clearLayers();
    const order = (f: GeoJSON.Feature) => RING_LEVEL_ORDER.indexOf(String(f.properties?.level));
    const features = [...fc.features].sort((a, b) => order(a) - order(b));
    L.geoJSON({ type: "FeatureCollection", features } as GeoJSON.FeatureCollection, {
      renderer: this.svg, pane: "rings",
      style: (f) => {
        const level = String(f?.properties?.level ?? "custom");
        return { ...ringStyle(level), className: `qy-ring qy-ring-${level}` };
      },
      onEachFeature: (f, layer) => {
        const p = f.properties ?? {};
        layer.bindTooltip(`${p.name ?? p.id} · ${t(`level.${p.level}`)} (${p.id})`, { sticky: true });
      },
    } as L.GeoJSONOptions).addTo(g);
    this.setCount("rings", features.length);
  }

  setCheckpoints(items: { id: string; name?: string; lng: number; lat: number; status?: string }[]): void {
    const g = this.groups.get("checkpoints");
    if (!g) return;
    g.clearLayers();
    for (const c of items) {
      L.circleMarker([c.lat, c.lng], {
        renderer: this.canvas, pane: "points", radius: 4.5, weight: 1.5, color: "#fff",
        fillColor: CHECKPOINT_COLORS[c.status ?? "active"] ?? "#555", fillOpacity: 1,
      }).bindTooltip(`${c.name ?? c.id} · ${t(`cp.${c.status ?? "active"}`)}`).addTo(g);
    }
    this.setCount("checkpoints", items.length);
  }

  setPlaces(items: { id: string; name: string; lng: number; lat: number; category_label?: string; category?: string }[]): void {
    const g = this.groups.get("places");
    if (!g) return;
    g.clearLayers();
    for (const p of items) {
      L.circleMarker([p.lat, p.lng], {
        renderer: this.canvas, pane: "points", radius: 3.5, weight: 1, color: "#5e3c99", fillColor: "#b2abd2", fillOpacity: 1,
      }).bindTooltip(`${p.name} · ${p.category_label ?? p.category ?? ""}`).addTo(g);
    }
    this.setCount("places", items.length);
  }

  setReach(areas: FC | undefined, gaps: FC | undefined): void {
    const g = this.groups.get("reach");
    if (g && areas) {
      g.clearLayers();
      const feats = [...areas.features].sort((a, b) => Number(b.properties?.minutes) - Number(a.properties?.minutes));
      feats.forEach((f) => {
        const i = Math.max(0, areas.features.indexOf(f));
        L.geoJSON(f, {
          renderer: this.canvas, pane: "reach", interactive: false,
          style: { color: REACH_COLORS[i % REACH_COLORS.length], weight: 1, fillOpacity: 0.18, fillColor: REACH_COLORS[i % REACH_COLORS.length] },
        } as L.GeoJSONOptions).addTo(g);
      });
      this.setCount("reach", feats.length);
    }
    const gg = this.groups.get("reachGaps");
    if (gg && gaps) {
      gg.clearLayers();
      for (const f of gaps.features) {
        if (f.geometry?.type !== "Point") continue;
        const [lng, lat] = (f.geometry as GeoJSON.Point).coordinates;
        L.circleMarker([lat, lng], { renderer: this.canvas, pane: "points", radius: 5.5, weight: 1.5, color: "#d7301f", fill: false })
          .bindTooltip(t("reach.gap", { name: String(f.properties?.name ?? f.properties?.id) })).addTo(gg);
      }
      this.setCount("reachGaps", gaps.features.length);
    }
  }

  addClosureGaps(fc: FC): void {
    const g = this.groups.get("closureGaps");
    if (!g) return;
    for (const f of fc.features) {
      if (f.geometry?.type !== "Point") continue;
      const [lng, lat] = (f.geometry as GeoJSON.Point).coordinates;
      const p = f.properties ?? {};
      L.circleMarker([lat, lng], { renderer: this.canvas, pane: "points", radius: 4, weight: 2, color: "#ff7f00", fillColor: "#ffff99", fillOpacity: 1 })
        .bindTooltip(`${p.ring_id} · ${p.name || p.ref || p.class} · ${(p.gaps ?? []).join("/")}`).addTo(g);
    }
    this.setCount("closureGaps", this.count("closureGaps") + fc.features.length);
  }

  upsertUnit(u: { id: string; name?: string; kind?: string; kind_label?: string; status?: string; status_label?: string; position?: number[]; home?: number[]; stale?: boolean }): void {
    const g = this.groups.get("units");
    if (!g) return;
    const pos = u.position ?? u.home;
    if (!pos || pos.length < 2) return;
    let m = this.unitMarkers.get(u.id);
    const style = { fillColor: unitColor(u.status), fillOpacity: u.stale ? 0.45 : 1, color: "#111", weight: 1.5, dashArray: u.stale ? "2 2" : undefined };
    const tip = `${u.name ?? u.id} (${u.id}) · ${label("kind", u.kind ?? "", u.kind_label)} · ${t(`unit.status.${u.status}`)}${u.stale ? " · " + t("unit.stale") : ""}`;
    if (!m) {
      m = L.circleMarker([pos[1], pos[0]], { renderer: this.canvas, pane: "live", radius: 7, ...style }).bindTooltip(tip).addTo(g);
      this.unitMarkers.set(u.id, m);
      this.setCount("units", this.unitMarkers.size);
    } else {
      m.setLatLng([pos[1], pos[0]]);
      m.setStyle(style);
      m.setTooltipContent(tip);
    }
  }

  upsertIncident(i: { id: string; location?: number[]; state?: string; type?: string; type_label?: string; summary?: string }, selected: boolean, onClick: (id: string) => void): void {
    const g = this.groups.get("incidents");
    if (!g || !i.location || i.location.length < 2) return;
    const cls = `qy-incident-icon${selected ? " selected" : ""}${i.state === "closed" ? " closed" : ""}`;
    const icon = L.divIcon({ className: "", html: `<div class="${cls}" data-testid="incident-marker" data-incident-id="${i.id}"></div>`, iconSize: [20, 20], iconAnchor: [10, 10] });
    let m = this.incidentMarkers.get(i.id);
    if (!m) {
      m = L.marker([i.location[1], i.location[0]], { icon, pane: "live", zIndexOffset: 500 }).addTo(g);
      m.on("click", () => onClick(i.id));
      this.incidentMarkers.set(i.id, m);
      this.setCount("incidents", this.incidentMarkers.size);
    } else {
      m.setLatLng([i.location[1], i.location[0]]);
      m.setIcon(icon);
    }
    m.unbindTooltip().bindTooltip(`${i.id} · ${label("type", i.type ?? "", i.type_label)} · ${i.summary ?? ""}`);
  }

  upsertAlert(a: { id: number; lng?: number; lat?: number; plate?: string; state?: string }, fresh: boolean, onClick: (id: number) => void): void {
    const g = this.groups.get("alerts");
    if (!g || typeof a.lng !== "number" || typeof a.lat !== "number") return;
    const cls = `qy-alert-icon${fresh ? " fresh" : ""}${a.state !== "new" ? " handled" : ""}`;
    const icon = L.divIcon({ className: "", html: `<div class="${cls}" data-testid="alert-marker" data-alert-id="${a.id}"></div>`, iconSize: [18, 18], iconAnchor: [9, 9] });
    let m = this.alertMarkers.get(a.id);
    if (!m) {
      m = L.marker([a.lat, a.lng], { icon, pane: "live", zIndexOffset: 1000 }).addTo(g);
      m.on("click", () => onClick(a.id));
      this.alertMarkers.set(a.id, m);
      this.setCount("alerts", this.alertMarkers.size);
    } else {
      m.setIcon(icon);
    }
    m.unbindTooltip().bindTooltip(`#${a.id} ${a.plate ?? ""}`);
  }

  /** Removes the markers of alerts no longer in the queue. */
  pruneAlerts(keep: Set<number>): void {
    for (const [id, m] of this.alertMarkers) {
      if (!keep.has(id)) { m.remove(); this.alertMarkers.delete(id); }
    }
    this.setCount("alerts", this.alertMarkers.size);
  }

  setPick(lngLat: [number, number] | null): void {
    this.pickMarker?.remove();
    this.pickMarker = null;
    if (!lngLat) return;
    this.pickMarker = L.marker([lngLat[1], lngLat[0]], {
      icon: L.divIcon({ className: "", html: '<div class="qy-pick-icon" data-testid="pick-marker"></div>', iconSize: [14, 14], iconAnchor: [7, 7] }),
      pane: "live",
    }).addTo(this.map);
  }

  flyTo(lng: number, lat: number): void {
    this.map.setView([lat, lng], Math.max(this.map.getZoom(), 15));
  }
}

function roadRank(f: GeoJSON.Feature): number {
  const order = ["service", "living_street", "residential", "unclassified", "tertiary", "secondary", "primary", "trunk", "motorway"];
  return order.indexOf(String(f.properties?.class ?? "").replace(/_link$/, ""));
}
