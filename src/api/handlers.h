// quanyu's HTTP API: the routes and what they call. Handlers translate between HTTP/JSON and
// the modules' C++ interfaces; this is the only place a Status becomes an HTTP status.
// The routes registered here are the ones api/openapi.yaml describes (a test checks that).
#pragma once

#include <functional>
#include <string>

#include "api/device_sessions.h"
#include "api/digest_auth.h"
#include "api/router.h"
#include "api/static_files.h"
#include "api/stream.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "govern/accounts.h"
#include "ingest/pipeline.h"
#include "rings/ring_service.h"
#include "rules/alert_lists.h"
#include "rules/cap.h"
#include "store/store.h"

namespace quanyu::roads {
class NetworkSlot;
}  // namespace quanyu::roads

namespace quanyu::dispatch {
class DispatchService;
}  // namespace quanyu::dispatch

namespace quanyu::rules {
class Alerts;
class AlertLists;
}  // namespace quanyu::rules

namespace quanyu::api {

class Alerting;
class Webhooks;

struct Services {
  store::Store* store = nullptr;
  ingest::Pipeline* pipeline = nullptr;
  const Clock* clock = nullptr;
  Metrics* metrics = nullptr;
  StreamHub* hub = nullptr;
  govern::Accounts* accounts = nullptr;
  DeviceRegistry* devices = nullptr;  // GA/T 1400 registrations
  DigestVerifier* digest = nullptr;   // their HTTP Digest
  rules::AlertLists* alert_lists = nullptr;
  rules::EntryRules alert_entry_rules;  // the maximum validity window, for CSV imports
  // Called after alert-list entries were added or removed (wakes the expiry timer); may be empty.
  std::function<void()> alert_lists_changed;
  rings::RingService* rings = nullptr;  // rings and checkpoint ring assignments
  Webhooks* webhooks = nullptr;         // alert delivery to other systems
  int local_offset_seconds = 8 * 3600;  // for GA/T 1400 local times
  std::string server_id = "quanyu";     // VIIDServerID in GA/T 1400 answers
  std::string version;
  std::string data_dir;  // where the audit head file is kept
  rules::Alerts* alerts = nullptr;
  Alerting* alerting = nullptr;                   // the rules stage: rules in force, ring snapshot
  rules::CapOptions cap;                          // how alerts are written as CAP 1.2
  roads::NetworkSlot* roads = nullptr;            // the road network routes run on
  dispatch::DispatchService* dispatch = nullptr;  // units, incidents, dispatch
  CachedBodySlot* basemap = nullptr;              // the command map's basemap (GeoJSON)
  std::string notice;  // shown by the front end as a banner (GET /api/v1/about); may be empty
};

// Registers every route. `services` must outlive the router.
void RegisterRoutes(Router* router, const Services* services);
// The alert routes (alert_handlers.cc), called by RegisterRoutes.
void RegisterAlertRoutes(Router* router, const Services* services);

// The alert-list (布控) routes, /api/v1/alert-lists/... (alert_list_handlers.cc); called by
// RegisterRoutes.
void RegisterAlertListRoutes(Router* router, const Services* services);
// The ring routes (ring_handlers.cc); called by RegisterRoutes.
void RegisterRingRoutes(Router* router, const Services* services);

// GET /api/v1/rings/{id}/closure (closure_handlers.cc); called by RegisterRoutes.
void RegisterClosureRoutes(Router* router, const Services* services);

// The road-network routes: /api/v1/roads, /route, /matrix, /isochrone (road_handlers.cc);
// called by RegisterRoutes.
void RegisterRoadRoutes(Router* router, const Services* services);

// The units, incidents, dispatch and KPI routes (dispatch_handlers.cc); called by
// RegisterRoutes.
void RegisterDispatchRoutes(Router* router, const Services* services);
// The /api/v1/places and /api/v1/reach routes (place_handlers.cc); called by RegisterRoutes.
void RegisterPlaceRoutes(Router* router, const Services* services);
// The /api/v1/webhooks routes (webhook_handlers.cc); called by RegisterRoutes.
void RegisterWebhookRoutes(Router* router, const Services* services);

// The OpenAPI document served at /api/v1/openapi.yaml (embedded at build time).
std::string_view OpenApiYaml();

}  // namespace quanyu::api
