// What a role may see: the layers and panels shown, and the stream topics asked for, follow the
// permissions of the logged-in principal. Nothing is shown (and no endpoint is called) without
// the permission its route names in api/openapi.yaml.
import { ROLE_PERMISSIONS } from "./roles";

export interface Principal {
  actor?: string;
  id: string;
  agency?: string;
  role: string;
  scope?: { kind?: string; districts?: string[] };
  permissions?: string[];
}

export type LayerId =
  | "basemap" | "rings" | "checkpoints" | "alerts" | "units" | "incidents" | "places"
  | "reach" | "reachGaps" | "closureGaps";
export type PanelId = "alerts" | "incident" | "newIncident" | "kpi" | "closure";

/** The permission each layer's endpoint needs. */
export const LAYER_PERMISSION: Record<LayerId, string> = {
  basemap: "road.read",          // GET /api/v1/basemap
  rings: "ring.read",            // GET /api/v1/rings?geometry=true
  checkpoints: "checkpoint.read",// GET /api/v1/checkpoints
  alerts: "alert.read",          // GET /api/v1/alerts + stream "alert"
  units: "unit.read",            // GET /api/v1/units + stream "unit"
  incidents: "incident.read",    // GET /api/v1/incidents + stream "incident"
  places: "place.read",          // GET /api/v1/places
  reach: "place.read",           // GET /api/v1/reach
  reachGaps: "place.read",       // GET /api/v1/reach
  closureGaps: "ring.read",      // GET /api/v1/rings/{id}/closure
};

/** Every permission a panel needs (all of them). */
export const PANEL_PERMISSIONS: Record<PanelId, string[]> = {
  alerts: ["alert.read"],
  incident: ["incident.read"],
  newIncident: ["incident.write"],
  kpi: ["incident.read"],
  closure: ["ring.read"],
};

export const LAYER_ORDER: LayerId[] = [
  "basemap", "rings", "closureGaps", "reach", "reachGaps", "places", "checkpoints", "incidents",
  "units", "alerts",
];
export const PANEL_ORDER: PanelId[] = ["alerts", "incident", "newIncident", "kpi", "closure"];

/** The principal's permissions: the list the server gives, else the role's from the matrix. */
export function permissionsOf(p: Principal): Set<string> {
  if (Array.isArray(p.permissions)) return new Set(p.permissions);
  return new Set(ROLE_PERMISSIONS[p.role] ?? []);
}

export function visibleLayers(perms: Set<string>): LayerId[] {
  return LAYER_ORDER.filter((l) => perms.has(LAYER_PERMISSION[l]));
}

export function visiblePanels(perms: Set<string>): PanelId[] {
  return PANEL_ORDER.filter((p) => PANEL_PERMISSIONS[p].every((x) => perms.has(x)));
}

/** The stream topics to subscribe to; none without stream.subscribe. */
export function streamTopics(perms: Set<string>): string[] {
  if (!perms.has("stream.subscribe")) return [];
  const topics: string[] = [];
  if (perms.has("alert.read")) topics.push("alert");
  if (perms.has("unit.read")) topics.push("unit");
  if (perms.has("incident.read")) topics.push("incident");
  return topics;
}

/** Whether the recommendation list and the dispatch buttons may be shown. */
export function canDispatch(perms: Set<string>): boolean {
  return perms.has("incident.write");
}
export function canWriteAlerts(perms: Set<string>): boolean {
  return perms.has("alert.write");
}
