// quanyu's HTTP API: the routes and what they call. Handlers translate between HTTP/JSON and
// the modules' C++ interfaces; this is the only place a Status becomes an HTTP status.
// The routes registered here are the ones api/openapi.yaml describes (a test checks that).
#pragma once

#include <string>

#include "api/device_sessions.h"
#include "api/digest_auth.h"
#include "api/router.h"
#include "api/stream.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "govern/accounts.h"
#include "ingest/pipeline.h"
#include "store/store.h"

namespace quanyu::api {

class Webhooks;

struct Services {
  store::Store* store = nullptr;
  ingest::Pipeline* pipeline = nullptr;
  const Clock* clock = nullptr;
  Metrics* metrics = nullptr;
  StreamHub* hub = nullptr;
  govern::Accounts* accounts = nullptr;
  DeviceRegistry* devices = nullptr;    // GA/T 1400 registrations
  DigestVerifier* digest = nullptr;     // their HTTP Digest
  Webhooks* webhooks = nullptr;         // alert delivery to other systems
  int local_offset_seconds = 8 * 3600;  // for GA/T 1400 local times
  std::string server_id = "quanyu";     // VIIDServerID in GA/T 1400 answers
  std::string version;
  std::string data_dir;  // where the audit head file is kept
};

// Registers every route. `services` must outlive the router.
void RegisterRoutes(Router* router, const Services* services);

// The /api/v1/webhooks routes (webhook_handlers.cc); called by RegisterRoutes.
void RegisterWebhookRoutes(Router* router, const Services* services);

// The OpenAPI document served at /api/v1/openapi.yaml (embedded at build time).
std::string_view OpenApiYaml();

}  // namespace quanyu::api
