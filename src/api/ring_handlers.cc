// Rings (圈层) over HTTP: listing, GeoJSON import and deletion, point location, and the rings
// each checkpoint guards (derived, or set by hand).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "api/handler_util.h"
#include "api/handlers.h"
#include "geo/crs.h"
#include "rings/ring_service.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

// A number in [-limit, limit] from the query; errors name it.
StatusOr<double> DegreesParam(const Request& req, const char* name, double limit) {
  const std::string v = req.Query(name);
  const std::string what = std::string(name == std::string("lng") ? "a longitude" : "a latitude") +
                           " in degrees, from " + std::to_string(static_cast<int>(-limit)) +
                           " to " + std::to_string(static_cast<int>(limit));
  if (v.empty()) return InvalidArgument(name, "is needed: " + what);
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || errno != 0 || !std::isfinite(d) || std::abs(d) > limit) {
    return InvalidArgument(name, "must be " + what + ", not \"" + v + "\"");
  }
  return d;
}

json RingSummary(const geo::RingTree& tree, size_t i) {
  const geo::Ring& r = tree.rings()[i];
  return {{"id", r.id},
          {"name", r.name},
          {"level", std::string(geo::RingLevelName(r.level))},
          {"parent_id", r.parent_id.empty() ? json(nullptr) : json(r.parent_id)}};
}

json RingAsFeature(const geo::RingTree& tree, size_t i) {
  const geo::Ring& r = tree.rings()[i];
  json props = RingSummary(tree, i);
  props["area_km2"] = tree.area_square_meters(i) / 1e6;
  props["properties"] = r.properties;
  return {{"type", "Feature"},
          {"id", r.id},
          {"properties", std::move(props)},
          {"geometry", geo::MultiPolygonToGeoJson(r.geometry)}};
}

json WatchesJson(const std::vector<registry::RingWatch>& watches, const geo::RingTree& tree) {
  json out = registry::RingWatchesToJson(watches);
  for (json& w : out) {
    if (const geo::Ring* r = tree.Find(w["ring_id"].get<std::string>())) {
      w["name"] = r->name;
      w["level"] = std::string(geo::RingLevelName(r->level));
    }
  }
  return out;
}

class RingRoutes {
 public:
  explicit RingRoutes(const Services* s) : s_(s) {}

  Response List(Request& req) {
    const std::string geometry = req.Query("geometry", "false");
    if (geometry != "true" && geometry != "false") {
      return Response::Error(InvalidArgument("geometry", "must be true or false"));
    }
    auto ctx = s_->rings->snapshot();
    const geo::RingTree& tree = *ctx->tree;
    if (geometry == "true") {
      json features = json::array();
      for (size_t i = 0; i < tree.rings().size(); ++i) features.push_back(RingAsFeature(tree, i));
      return JsonResponse(200, {{"type", "FeatureCollection"}, {"features", std::move(features)}});
    }
    std::map<std::string, size_t> guarding, inside;
    for (const auto& [checkpoint, watches] : ctx->guards) {
      for (const registry::RingWatch& w : watches) ++guarding[w.ring_id];
    }
    for (const auto& [checkpoint, rings] : ctx->inside) {
      for (const std::string& id : rings) ++inside[id];
    }
    json items = json::array();
    for (size_t i = 0; i < tree.rings().size(); ++i) {
      json item = RingSummary(tree, i);
      const std::string& id = tree.rings()[i].id;
      item["area_km2"] = tree.area_square_meters(i) / 1e6;
      item["checkpoint_count"] = guarding[id];
      item["checkpoints_inside"] = inside[id];
      items.push_back(std::move(item));
    }
    return JsonResponse(200, {{"items", std::move(items)}});
  }

  Response Get(Request& req) {
    auto ctx = s_->rings->snapshot();
    const std::string& id = req.path_params["id"];
    for (size_t i = 0; i < ctx->tree->rings().size(); ++i) {
      if (ctx->tree->rings()[i].id == id) return JsonResponse(200, RingAsFeature(*ctx->tree, i));
    }
    return Response::Error(NotFound("no ring has the id \"" + id + "\""));
  }

  // Body: a GeoJSON FeatureCollection; query: level (required), crs (default wgs84).
  Response Import(Request& req) {
    req.audit_target = "rings";
    const std::string level_name = req.Query("level");
    if (level_name.empty()) {
      return Response::Error(InvalidArgument(
          "level", "is needed: province, city, county (or district), urban_core or custom"));
    }
    auto level = geo::ParseRingLevel(level_name, "level");
    if (!level.ok()) return Response::Error(level.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return Response::Error(crs.status());
    auto result = s_->rings->Import(req.body, *crs, *level);
    if (!result.ok()) {
      Status st = result.status();
      if (st.code() == StatusCode::kInvalidArgument && st.field().empty()) {
        st =
            InvalidArgument("body", "the body is not a GeoJSON FeatureCollection: " + st.message());
      }
      return Response::Error(st);
    }
    json accepted = json::array();
    json ids = json::array();
    for (const rings::PlacedRing& r : result->accepted) {
      accepted.push_back({{"id", r.id},
                          {"name", r.name},
                          {"level", std::string(geo::RingLevelName(r.level))},
                          {"area_km2", r.area_km2},
                          {"parent_id", r.parent_id.empty() ? json(nullptr) : json(r.parent_id)},
                          {"parent_name", r.parent_name}});
      ids.push_back(r.id);
    }
    json rejected = json::array();
    for (const rings::RingImport::Rejected& r : result->rejected) {
      rejected.push_back({{"index", r.index}, {"field", r.field}, {"message", r.message}});
    }
    req.audit_detail = json{{"level", level_name},
                            {"crs", std::string(geo::CrsName(*crs))},
                            {"accepted", ids},
                            {"rejected", result->rejected.size()}}
                           .dump();
    return JsonResponse(200, {{"accepted", std::move(accepted)},
                              {"rejected", std::move(rejected)},
                              {"replaced", result->replaced},
                              {"reparented", result->reparented}});
  }

  Response Delete(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "ring:" + id;
    Status st = s_->rings->Delete(id);
    if (!st.ok()) return Response::Error(st);
    return Response::Json(204, "");
  }

  Response Locate(Request& req) {
    auto lng = DegreesParam(req, "lng", 180);
    if (!lng.ok()) return Response::Error(lng.status());
    auto lat = DegreesParam(req, "lat", 90);
    if (!lat.ok()) return Response::Error(lat.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return Response::Error(crs.status());
    const geo::LngLat p = geo::ToWgs84({*lng, *lat}, *crs);
    auto ctx = s_->rings->snapshot();
    std::vector<uint32_t> hits;
    ctx->tree->Locate(p, &hits);
    json rings = json::array();
    for (uint32_t i : hits) rings.push_back(RingSummary(*ctx->tree, i));
    return JsonResponse(200, {{"lng", p.lng}, {"lat", p.lat}, {"rings", std::move(rings)}});
  }

  Response GetAssignment(Request& req) {
    const std::string& id = req.path_params["id"];
    if (Status st = InScope(req, id); !st.ok()) return Response::Error(st);
    auto a = s_->rings->Assignment(id);
    if (!a.ok()) return Response::Error(a.status());
    return JsonResponse(200, AssignmentJson(id, *a));
  }

  // Body: [{ring_id, inbound, outbound}, ...], or {"rings": [...]}.
  Response PutAssignment(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "checkpoint:" + id;
    if (Status st = InScope(req, id); !st.ok()) return Response::Error(st);
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      return Response::Error(InvalidArgument("body", "request body is not valid JSON"));
    }
    if (body.is_object()) {
      if (!body.contains("rings")) {
        return Response::Error(
            InvalidArgument("rings", "give the rings as [{ring_id, inbound, outbound}, ...]"));
      }
      body = body["rings"];
    }
    auto a = s_->rings->SetManual(id, body);
    if (!a.ok()) return Response::Error(a.status());
    req.audit_detail = json{{"rings", registry::RingWatchesToJson(*a->manual)}}.dump();
    return JsonResponse(200, AssignmentJson(id, *a));
  }

  Response DeleteAssignment(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "checkpoint:" + id;
    if (Status st = InScope(req, id); !st.ok()) return Response::Error(st);
    auto cleared = s_->rings->ClearManual(id);
    if (!cleared.ok()) return Response::Error(cleared.status());
    auto a = s_->rings->Assignment(id);
    if (!a.ok()) return Response::Error(a.status());
    req.audit_detail = json{{"cleared", *cleared}}.dump();
    return JsonResponse(200, AssignmentJson(id, *a));
  }

 private:
  // NotFound for a checkpoint that does not exist or lies outside the caller's districts.
  Status InScope(const Request& req, const std::string& id) {
    auto c = s_->store->GetCheckpoint(id);
    if (!c.ok()) return c.status();
    if (!req.principal.InDistrictScope(c->division_code)) {
      return NotFound("checkpoint \"" + id + "\" not found in your scope");
    }
    return Status::Ok();
  }

  json AssignmentJson(const std::string& id, const rings::RingAssignment& a) {
    auto ctx = s_->rings->snapshot();
    const geo::RingTree& tree = *ctx->tree;
    json inside = json::array();
    for (const std::string& ring : a.inside) {
      const geo::Ring* r = tree.Find(ring);
      inside.push_back({{"id", ring},
                        {"name", r != nullptr ? r->name : ""},
                        {"level", r != nullptr ? std::string(geo::RingLevelName(r->level)) : ""}});
    }
    return {{"checkpoint_id", id},
            {"source", a.manual ? "manual" : "derived"},
            {"rings", WatchesJson(a.effective, tree)},
            {"derived", WatchesJson(a.derived, tree)},
            {"manual", a.manual ? WatchesJson(*a.manual, tree) : json(nullptr)},
            {"inside", std::move(inside)}};
  }

  const Services* s_;
};

}  // namespace

void RegisterRingRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<RingRoutes>(services);
  auto bind = [routes](Response (RingRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/rings", "List rings (GeoJSON with ?geometry=true)",
              Needs("ring.read"), bind(&RingRoutes::List));
  router->Add("POST", "/api/v1/rings", "Import rings from a GeoJSON FeatureCollection",
              Needs("ring.write"), bind(&RingRoutes::Import));
  router->Add("GET", "/api/v1/rings/locate", "The rings containing a point, innermost first",
              Needs("ring.read"), bind(&RingRoutes::Locate));
  router->Add("GET", "/api/v1/rings/{id}", "A ring as a GeoJSON Feature", Needs("ring.read"),
              bind(&RingRoutes::Get));
  router->Add("DELETE", "/api/v1/rings/{id}", "Delete a ring", Needs("ring.write"),
              bind(&RingRoutes::Delete));
  router->Add("GET", "/api/v1/checkpoints/{id}/rings", "The rings a checkpoint guards",
              Needs("ring.read"), bind(&RingRoutes::GetAssignment));
  router->Add("PUT", "/api/v1/checkpoints/{id}/rings", "Set a checkpoint's rings by hand",
              Needs("ring.write"), bind(&RingRoutes::PutAssignment));
  router->Add("DELETE", "/api/v1/checkpoints/{id}/rings",
              "Back to the rings derived from position and bearings", Needs("ring.write"),
              bind(&RingRoutes::DeleteAssignment));
}

}  // namespace quanyu::api
