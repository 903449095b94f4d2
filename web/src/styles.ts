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

export function basemapStyle(props: { layer?: string; class?: string }): LineStyle {
  switch (props.layer) {
    case "water": return { color: "#9ecae1", weight: 1, fillColor: "#b9dcf0", fillOpacity: 0.9, opacity: 0.9 };
    case "landuse": {
      const green = /park|forest|grass|garden|meadow|recreation|wood/.test(props.class ?? "");
      return { color: green ? "#cfe8c3" : "#e6e1d8", weight: 0, fillColor: green ? "#d6ecc9" : "#ebe6dd", fillOpacity: 0.8 };
    }
    default: return roadStyle(props.class);
  }
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
