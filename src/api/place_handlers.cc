// Protected places (重点防护目标: schools, hospitals, government offices, key enterprises, ...)
// and the quick-reaction circles (1-3-5 分钟快速反应圈) of the current units:
// /api/v1/places (list, create or replace, get, delete) and GET /api/v1/reach.
#include <nlohmann/json.hpp>

#include "api/handler_util.h"
#include "api/handlers.h"
#include "dispatch/service.h"
#include "places/place.h"
#include "places/reach.h"
#include "roads/network.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

class PlaceRoutes {
 public:
  explicit PlaceRoutes(const Services* s) : s_(s) {}

  Response List(Request& req) {
    auto all = places::LoadPlaces(s_->store);
    if (!all.ok()) return Response::Error(all.status());
    std::optional<places::PlaceCategory> category;
    if (std::string c = req.Query("category"); !c.empty()) {
      auto parsed = places::ParsePlaceCategory(c, "category");
      if (!parsed.ok()) return Response::Error(parsed.status());
      category = *parsed;
    }
    json out = json::array();
    for (const places::Place& p : *all) {
      if (category && p.category != *category) continue;
      out.push_back(places::PlaceToJson(p));
    }
    return JsonResponse(200, {{"places", std::move(out)}});
  }

  Response Get(Request& req) {
    auto d = s_->store->GetDocument(places::kPlaceDocumentKind, req.path_params["id"]);
    if (!d.ok()) return Response::Error(d.status());
    return Response::Json(200, d->body);
  }

  Response Put(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto crs = CrsFromText(body->value("crs", ""), "crs");
    if (!crs.ok()) return Response::Error(crs.status());
    if (auto id = req.path_params.find("id"); id != req.path_params.end()) {
      if (body->contains("id") && (*body)["id"] != id->second) {
        return Response::Error(InvalidArgument("id", "differs from the id in the path"));
      }
      (*body)["id"] = id->second;
    }
    if (!body->contains("source")) (*body)["source"] = "manual";
    auto place = places::PlaceFromJson(*body);
    if (!place.ok()) return Response::Error(place.status());
    place->position = geo::ToWgs84(place->position, *crs);
    req.audit_target = "place:" + place->id;
    const bool existed = s_->store->GetDocument(places::kPlaceDocumentKind, place->id).ok();
    Status st = places::PutPlaces(s_->store, std::span(&*place, 1), s_->clock->Now());
    if (!st.ok()) return Response::Error(st);
    return JsonResponse(existed ? 200 : 201, places::PlaceToJson(*place));
  }

  Response Delete(Request& req) {
    const std::string id = req.path_params["id"];
    req.audit_target = "place:" + id;
    auto deleted = s_->store->DeleteDocument(places::kPlaceDocumentKind, id);
    if (!deleted.ok()) return Response::Error(deleted.status());
    if (!*deleted) return Response::Error(NotFound("no place " + id));
    return JsonResponse(200, {{"deleted", id}});
  }

  // The reach of the police units on duty (their newest position, else their home base) over
  // the road network within `minutes` (default 1,3,5): places reached, share of road length,
  // the gap list and the areas as GeoJSON.
  Response Reach(Request& req) {
    if (s_->roads == nullptr || s_->dispatch == nullptr) {
      return Response::Error(FailedPrecondition("no road network in this server"));
    }
    auto net = s_->roads->Get();
    if (!net.ok()) return Response::Error(net.status());
    places::ReachOptions o;
    if (std::string m = req.Query("minutes"); !m.empty()) {
      o.minutes.clear();
      for (const std::string& item : SplitComma(m)) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (end == item.c_str() || *end != '\0' || !(v > 0) || v > 60) {
          return Response::Error(InvalidArgument(
              "minutes", "must be a comma-separated list of minutes, each above 0 and at most 60"));
        }
        o.minutes.push_back(v);
      }
    }
    std::vector<places::ReachOrigin> origins;
    for (const dispatch::Unit& u : s_->dispatch->ListUnits({})) {
      if (u.status == dispatch::UnitStatus::kOffDuty || !u.Position()) continue;
      if (u.kind == dispatch::UnitKind::kAmbulance || u.kind == dispatch::UnitKind::kFireEngine) {
        continue;  // the circles are the police's
      }
      origins.push_back({u.id, u.name, std::string(dispatch::UnitKindName(u.kind)), *u.Position()});
    }
    auto all = places::LoadPlaces(s_->store);
    if (!all.ok()) return Response::Error(all.status());
    auto report = places::ComputeReach(**net, origins, *all, o);
    if (!report.ok()) return Response::Error(report.status());
    return JsonResponse(200, places::ReachReportToJson(*report));
  }

 private:
  const Services* s_;
};

}  // namespace

void RegisterPlaceRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<PlaceRoutes>(services);
  auto bind = [routes](Response (PlaceRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/places", "List protected places", Needs("place.read"),
              bind(&PlaceRoutes::List));
  router->Add("POST", "/api/v1/places", "Create or replace a protected place", Needs("place.write"),
              bind(&PlaceRoutes::Put));
  router->Add("GET", "/api/v1/places/{id}", "Get a protected place", Needs("place.read"),
              bind(&PlaceRoutes::Get));
  router->Add("PUT", "/api/v1/places/{id}", "Create or replace a protected place",
              Needs("place.write"), bind(&PlaceRoutes::Put));
  router->Add("DELETE", "/api/v1/places/{id}", "Delete a protected place", Needs("place.write"),
              bind(&PlaceRoutes::Delete));
  router->Add("GET", "/api/v1/reach",
              "Quick-reaction circles: places and road reached by the units within 1, 3, 5 min",
              Needs("place.read"), bind(&PlaceRoutes::Reach));
}

}  // namespace quanyu::api
