// Role → permissions, a copy of src/govern/roles.json (the server is the authority: this is used
// only when GET /api/v1/auth/me does not list the permissions itself).
export const ROLE_PERMISSIONS: Record<string, readonly string[]> = {
  "admin": ["self", "api.describe", "checkpoint.read", "checkpoint.write", "passage.stats", "quarantine.read", "quarantine.write", "stream.subscribe", "agency.read", "agency.write", "user.read", "user.write", "ring.read", "road.read", "ring.write", "unit.read", "unit.write", "place.read", "place.write"],
  "commander": ["self", "api.describe", "checkpoint.read", "passage.stats", "passage.search", "quarantine.read", "stream.subscribe", "agency.read", "alert_list.read", "alert_list.write", "alert_list.report", "ring.read", "road.read", "ring.write", "alert.read", "alert.write", "webhook.read", "webhook.write", "unit.read", "unit.write", "unit.report", "incident.read", "incident.write", "place.read", "place.write"],
  "operator": ["self", "api.describe", "checkpoint.read", "passage.stats", "passage.search", "quarantine.read", "quarantine.write", "stream.subscribe", "agency.read", "alert_list.read", "ring.read", "road.read", "alert.read", "alert.write", "unit.read", "unit.report", "incident.read", "incident.write", "place.read"],
  "analyst": ["self", "api.describe", "checkpoint.read", "passage.stats", "passage.search", "agency.read", "alert_list.report", "ring.read", "road.read", "unit.read", "incident.read", "place.read"],
  "auditor": ["self", "api.describe", "audit.read", "agency.read", "user.read", "passage.stats", "alert_list.report", "webhook.read"],
  "mediator": ["self", "api.describe", "agency.read"],
  "liaison": ["self", "api.describe", "checkpoint.read", "passage.stats", "stream.subscribe", "agency.read", "ring.read", "road.read", "unit.read", "incident.read", "place.read"],
  "device": ["self", "passage.ingest", "stream.subscribe", "unit.report"],
};
