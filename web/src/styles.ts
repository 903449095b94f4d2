// Map styles: road classes, ring levels, checkpoint and unit statuses.

export interface LineStyle { color: string; weight: number; opacity?: number; dashArray?: string; fillOpacity?: number; fillColor?: string }

const ROADS: Record<string, LineStyle> = {
  motorway: { color: "#e8a33d", weight: 5 },
  trunk: { color: "#f0b65a", weight: 4.5 },
  primary: { color: "#f5cf7a", weight: 4 },
  secondary: { color: "#f8e3a3", weight: 3 },
  tertiary: { color: "#ffffff", weight: 2.5 },
  unclassified: { color: "#ffffff", weight: 1.8 },
  residential: { color: "#ffffff", weight: 1.6 },
  living_street: { color: "#ededed", weight: 1.4 },
  service: { color: "#f2f2f2", weight: 1 },
};

/** The style of a road of OSM class `cls` (a _link road draws thinner, in its class's colour). */
export function roadStyle(cls: string | undefined): LineStyle {
  const c = (cls ?? "").replace(/_link$/, "");
  const base = ROADS[c] ?? { color: "#f4f4f4", weight: 0.8 };
  const link = (cls ?? "").endsWith("_link");
  return { ...base, weight: link ? Math.max(1, base.weight * 0.6) : base.weight, opacity: 1 };
}

const WATER_LINES: Record<string, number> = { river: 3.5, canal: 2.5, stream: 1.2, drain: 1, ditch: 1 };
const LANDUSE: [RegExp, string][] = [
  [/park|forest|grass|garden|meadow|recreation|wood|village_green|allotments|cemetery/, "#d6ecc9"],
  [/commercial|retail/, "#f5e1e0"],
  [/industrial|railway|construction/, "#e8e0ea"],
];

export function basemapStyle(props: { layer?: string; class?: string }): LineStyle {
  const cls = props.class ?? "";
  switch (props.layer) {
    case "water":
      if (cls in WATER_LINES) return { color: "#8fc1e3", weight: WATER_LINES[cls], opacity: 1 };
      return { color: "#8fc1e3", weight: 1, fillColor: "#b9dcf0", fillOpacity: 1, opacity: 1 };
    case "landuse": {
      const fill = LANDUSE.find(([re]) => re.test(cls))?.[1] ?? "#ebe7e1";
      return { color: fill, weight: 0, fillColor: fill, fillOpacity: 1 };
    }
    default: return roadStyle(cls);
  }
}

/** The casing drawn under a road (a darker, wider line), so that white roads show on light land. */
export function roadCasing(cls: string | undefined): LineStyle {
  const st = roadStyle(cls);
  return { color: st.weight >= 4 ? "#b8863b" : "#bdb6aa", weight: st.weight + 1.6, opacity: 1 };
}

const RING_LEVELS: Record<string, LineStyle> = {
  province: { color: "#6a3d9a", weight: 3, fillOpacity: 0, dashArray: "8 6" },
  city: { color: "#1f78b4", weight: 2.5, fillOpacity: 0, dashArray: "6 4" },
  county: { color: "#e31a1c", weight: 2, fillOpacity: 0 },
  urban_core: { color: "#ff7f00", weight: 2.5, fillOpacity: 0.06, fillColor: "#ff7f00" },
  custom: { color: "#33a02c", weight: 2, fillOpacity: 0.06, fillColor: "#33a02c" },
};
export function ringStyle(level: string | undefined): LineStyle {
  return RING_LEVELS[level ?? ""] ?? RING_LEVELS.custom;
}
export const RING_LEVEL_ORDER = ["province", "city", "county", "urban_core", "custom"];

export const CHECKPOINT_COLORS: Record<string, string> = { active: "#1a9850", faulty: "#d73027", retired: "#999999" };
export const UNIT_COLORS: Record<string, string> = {
  available: "#1a9850", dispatched: "#d73027", en_route: "#fc8d59", on_scene: "#7b3294",
  returning: "#4575b4", off_duty: "#999999",
};
export function unitColor(status: string | undefined): string {
  return UNIT_COLORS[status ?? ""] ?? "#555555";
}
export const REACH_COLORS = ["#2c7fb8", "#7fcdbb", "#edf8b1", "#fdae6b"];
