// GET /api/v1/rings/{id}/closure: a ring's closure (围闭度) computed from the crossings that
// `quanyu closure --save` stored, against the checkpoints as they are now.
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "roads/closure.h"
#include "roads/crossings.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

constexpr double kMaxToleranceMeters = 5000;

StatusOr<double> ToleranceParam(const Request& req) {
  const std::string v = req.Query("tolerance_m");
  if (v.empty()) return roads::ClosureOptions().tolerance_m;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !std::isfinite(d) || d <= 0 || d > kMaxToleranceMeters) {
    return InvalidArgument("tolerance_m", "must be a number of metres above 0 and at most 5000");
  }
  return d;
}

StatusOr<std::vector<registry::Checkpoint>> AllCheckpoints(store::Store* store) {
  std::vector<registry::Checkpoint> all;
  store::CheckpointQuery q;
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<registry::Checkpoint> page, store->ListCheckpoints(q));
    const bool last = page.size() < q.limit;
    if (!page.empty()) q.after_id = page.back().id;
    all.insert(all.end(), std::make_move_iterator(page.begin()),
               std::make_move_iterator(page.end()));
    if (last) break;
  }
  return all;
}

StatusOr<json> RingClosure(const Services& s, const std::string& ring_id, double tolerance_m) {
  auto ring_doc = s.store->GetDocument("ring", ring_id);
  if (ring_doc.status().code() == StatusCode::kNotFound) {
    return NotFound("no ring \"" + ring_id + "\"");
  }
  RETURN_IF_ERROR(ring_doc.status());
  const json ring = json::parse(ring_doc->body, nullptr, /*allow_exceptions=*/false);
  std::string ring_name;
  if (ring.is_object() && ring.contains("name") && ring["name"].is_string()) {
    ring_name = ring["name"].get<std::string>();
  }

  auto doc = s.store->GetDocument(roads::kRingCrossingsKind, ring_id);
  if (doc.status().code() == StatusCode::kNotFound) {
    return FailedPrecondition("no crossings stored for ring " + ring_id +
                              ": run quanyu closure --osm FILE --save");
  }
  RETURN_IF_ERROR(doc.status());
  const json body = json::parse(doc->body, nullptr, /*allow_exceptions=*/false);
  StatusOr<roads::RingCrossings> crossings =
      body.is_discarded() ? StatusOr<roads::RingCrossings>(InvalidArgument("", "not JSON"))
                          : roads::RingCrossingsFromJson(body);
  if (!crossings.ok()) {
    return DataLoss("stored crossings of ring " + ring_id +
                    " are unreadable: " + crossings.status().ToString());
  }

  ASSIGN_OR_RETURN(std::vector<registry::Checkpoint> checkpoints, AllCheckpoints(s.store));
  roads::ClosureOptions options;
  options.tolerance_m = tolerance_m;
  const roads::ClosureReport report =
      roads::ComputeClosure(ring_id, crossings->crossings, checkpoints, options);
  json out = roads::ClosureSummaryJson(report);
  out["ring_name"] = ring_name;
  out["source"] = crossings->source;
  out["computed"] = crossings->computed;
  out["gaps"] = roads::GapsGeoJson(report);
  return out;
}

}  // namespace

void RegisterClosureRoutes(Router* router, const Services* services) {
  router->Add("GET", "/api/v1/rings/{id}/closure",
              "Closure of a ring (围闭度) against the current checkpoints", Needs("ring.read"),
              [services](Request& req) {
                StatusOr<double> tolerance = ToleranceParam(req);
                if (!tolerance.ok()) return Response::Error(tolerance.status());
                StatusOr<json> j = RingClosure(*services, req.path_params.at("id"), *tolerance);
                if (!j.ok()) return Response::Error(j.status());
                return Response::Json(200, j->dump());
              });
}

}  // namespace quanyu::api
