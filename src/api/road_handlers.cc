// The road-network routes: GET /api/v1/roads (the network's state), GET /api/v1/route,
// POST /api/v1/matrix and GET /api/v1/isochrone. Coordinates are "lng,lat" in WGS-84, or in
// GCJ-02 with crs=gcj02 (converted on the way in; answers are always WGS-84).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "api/handler_util.h"
#include "api/handlers.h"
#include "geo/crs.h"
#include "geo/polygon.h"
#include "roads/network.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxMatrixSide = 1000;
constexpr size_t kMaxMatrixCells = 250'000;
constexpr double kMaxIsochroneMinutes = 60;

bool ParseNumber(const std::string& text, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(text.c_str(), &end);
  return end != text.c_str() && *end == '\0' && errno == 0 && std::isfinite(*out);
}

// "lng,lat" in degrees.
StatusOr<geo::LngLat> LngLatText(const std::string& text, const std::string& field, geo::Crs crs) {
  const std::string what =
      "must be \"lng,lat\" in degrees (longitude -180 to 180, latitude "
      "-90 to 90)";
  if (text.empty()) return InvalidArgument(field, "is needed: " + what);
  const size_t comma = text.find(',');
  double lng = 0, lat = 0;
  if (comma == std::string::npos || !ParseNumber(text.substr(0, comma), &lng) ||
      !ParseNumber(text.substr(comma + 1), &lat) || std::abs(lng) > 180 || std::abs(lat) > 90) {
    return InvalidArgument(field, what + ", not \"" + text + "\"");
  }
  return geo::ToWgs84({lng, lat}, crs);
}

json Coordinates(geo::LngLat p) { return json::array({p.lng, p.lat}); }

json LineCoordinates(const std::vector<geo::LngLat>& line) {
  json c = json::array();
  for (const geo::LngLat& p : line) c.push_back(Coordinates(p));
  return c;
}

json SnappedJson(const roads::Snapped& s) {
  return {{"input", Coordinates(s.input)},
          {"snapped", Coordinates(s.point)},
          {"snap_distance_m", std::round(s.distance_m * 10) / 10}};
}

json Rounded(double v, double unit) { return std::round(v / unit) * unit; }

class RoadRoutes {
 public:
  explicit RoadRoutes(const Services* s) : s_(s) {}

  Response State(Request&) {
    if (s_->roads == nullptr) return Response::Error(Network().status());
    const roads::NetworkSlot& slot = *s_->roads;
    json out = {{"state", std::string(roads::NetworkSlot::StateName(slot.state()))},
                {"source", slot.source()}};
    if (slot.state() == roads::NetworkSlot::State::kFailed) {
      out["error"] = slot.failure().ToString();
    }
    auto net = slot.Get();
    if (net.ok()) {
      const roads::NetworkStats& st = (*net)->stats();
      out["osm"] = {
          {"nodes", st.osm.nodes}, {"ways", st.osm.ways}, {"drivable_ways", st.osm.drivable_ways}};
      out["graph"] = {{"vertices", st.graph.vertices},
                      {"edges", st.graph.edges},
                      {"restriction_copies", st.graph.restriction_copies},
                      {"restrictions_applied", st.graph.restrictions_applied},
                      {"restrictions_ignored", st.graph.restrictions_ignored},
                      {"strong_components", st.graph.strong_components},
                      {"largest_strong_component", st.graph.largest_strong_component}};
      out["hierarchy"] = {{"shortcuts_time", st.ch_time.shortcuts},
                          {"shortcuts_distance", st.ch_distance.shortcuts}};
      out["build_seconds"] = {{"read", st.read_seconds},
                              {"graph", st.graph_seconds},
                              {"contract", st.contract_seconds}};
    }
    return JsonResponse(200, out);
  }

  Response Route(Request& req) {
    auto net = Network();
    if (!net.ok()) return Response::Error(net.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return Response::Error(crs.status());
    auto from = LngLatText(req.Query("from"), "from", *crs);
    if (!from.ok()) return Response::Error(from.status());
    auto to = LngLatText(req.Query("to"), "to", *crs);
    if (!to.ok()) return Response::Error(to.status());
    auto metric = roads::ParseMetric(req.Query("metric"));
    if (!metric.ok()) return Response::Error(metric.status());
    auto r = (*net)->Route(*from, *to, *metric);
    if (!r.ok()) return Response::Error(r.status());
    json props = {{"metric", std::string(roads::MetricName(*metric))},
                  {"reachable", r->reachable},
                  {"from", SnappedJson(r->from)},
                  {"to", SnappedJson(r->to)}};
    json geometry = nullptr;
    if (r->reachable) {
      props["duration_s"] = Rounded(r->duration_s, 0.1);
      props["distance_m"] = Rounded(r->distance_m, 0.1);
      geometry = {{"type", "LineString"}, {"coordinates", LineCoordinates(r->geometry)}};
    }
    return JsonResponse(200, {{"type", "Feature"}, {"geometry", geometry}, {"properties", props}});
  }

  Response Matrix(Request& req) {
    auto net = Network();
    if (!net.ok()) return Response::Error(net.status());
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto crs = CrsFromText(body->value("crs", ""), "crs");
    if (!crs.ok()) return Response::Error(crs.status());
    auto metric = roads::ParseMetric(body->value("metric", ""));
    if (!metric.ok()) return Response::Error(metric.status());
    std::vector<geo::LngLat> points[2];
    const char* names[2] = {"sources", "destinations"};
    for (int k = 0; k < 2; ++k) {
      auto it = body->find(names[k]);
      if (it == body->end() || !it->is_array() || it->empty()) {
        return Response::Error(
            InvalidArgument(names[k], "must be a non-empty array of [lng, lat] points"));
      }
      if (it->size() > kMaxMatrixSide) {
        return Response::Error(InvalidArgument(
            names[k], "at most " + std::to_string(kMaxMatrixSide) + " points per request"));
      }
      for (size_t i = 0; i < it->size(); ++i) {
        auto p = LngLatJson((*it)[i], std::string(names[k]) + "[" + std::to_string(i) + "]", *crs);
        if (!p.ok()) return Response::Error(p.status());
        points[k].push_back(*p);
      }
    }
    if (points[0].size() * points[1].size() > kMaxMatrixCells) {
      return Response::Error(InvalidArgument(
          "destinations", "sources x destinations must be at most " +
                              std::to_string(kMaxMatrixCells) + " cells per request"));
    }
    auto m = (*net)->Matrix(points[0], points[1], *metric);
    if (!m.ok()) return Response::Error(m.status());
    const bool time = *metric == roads::Metric::kTime;
    json rows = json::array();
    for (size_t i = 0; i < m->sources; ++i) {
      json row = json::array();
      for (size_t j = 0; j < m->destinations; ++j) {
        const auto& v = m->values[i * m->destinations + j];
        row.push_back(v ? Rounded(*v, 0.1) : json(nullptr));
      }
      rows.push_back(std::move(row));
    }
    json sources = json::array(), destinations = json::array();
    for (const auto& s : m->snapped_sources) sources.push_back(SnappedJson(s));
    for (const auto& s : m->snapped_destinations) destinations.push_back(SnappedJson(s));
    return JsonResponse(200, {{"metric", std::string(roads::MetricName(*metric))},
                              {time ? "durations_s" : "distances_m", rows},
                              {"sources", sources},
                              {"destinations", destinations}});
  }

  Response Isochrone(Request& req) {
    auto net = Network();
    if (!net.ok()) return Response::Error(net.status());
    auto crs = CrsParam(req);
    if (!crs.ok()) return Response::Error(crs.status());
    auto at = LngLatText(req.Query("at"), "at", *crs);
    if (!at.ok()) return Response::Error(at.status());
    double minutes = 0;
    const std::string m = req.Query("minutes");
    if (m.empty() || !ParseNumber(m, &minutes) || minutes <= 0 || minutes > kMaxIsochroneMinutes) {
      return Response::Error(
          InvalidArgument("minutes", "must be a number of minutes above 0 and at most 60"));
    }
    const std::string shape = req.Query("shape", "roads");
    if (shape != "roads" && shape != "polygon") {
      return Response::Error(InvalidArgument("shape", "must be roads or polygon"));
    }
    auto iso = (*net)->Isochrone(*at, minutes * 60, shape == "polygon");
    if (!iso.ok()) return Response::Error(iso.status());
    json geometry;
    if (shape == "polygon") {
      geometry = geo::MultiPolygonToGeoJson(iso->polygon);
    } else if (shape == "roads") {
      json lines = json::array();
      for (const auto& seg : iso->segments) lines.push_back(LineCoordinates(seg));
      geometry = {{"type", "MultiLineString"}, {"coordinates", lines}};
    } else {
      return Response::Error(InvalidArgument("shape", "must be roads or polygon"));
    }
    return JsonResponse(200, {{"type", "Feature"},
                              {"geometry", geometry},
                              {"properties",
                               {{"minutes", minutes},
                                {"at", SnappedJson(iso->at)},
                                {"segments", iso->segments.size()},
                                {"road_length_m", Rounded(iso->road_length_m, 0.1)}}}});
  }

 private:
  StatusOr<std::shared_ptr<const roads::RoadNetwork>> Network() const {
    if (s_->roads == nullptr) return Unavailable("this server has no road network service");
    return s_->roads->Get();
  }

  const Services* s_;
};

}  // namespace

void RegisterRoadRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<RoadRoutes>(services);
  auto bind = [routes](Response (RoadRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/roads", "The road network: state, source and size",
              Needs("road.read"), bind(&RoadRoutes::State));
  router->Add("GET", "/api/v1/basemap",
              "The command map's basemap: roads by class, water, land use (GeoJSON)",
              Needs("road.read"), [services](Request& req) {
                if (services->basemap == nullptr) {
                  return Response::Error(FailedPrecondition("no basemap on this server"));
                }
                auto body = services->basemap->Get("the basemap is being built; retry shortly");
                if (!body.ok()) return Response::Error(body.status());
                return ServeCached(req, **body);
              });
  router->Add("GET", "/api/v1/route", "Fastest or shortest route between two points (GeoJSON)",
              Needs("road.read"), bind(&RoadRoutes::Route));
  router->Add("POST", "/api/v1/matrix", "Drive times or distances from sources to destinations",
              QueryNeeds("road.read"), bind(&RoadRoutes::Matrix));
  router->Add("GET", "/api/v1/isochrone", "The roads reached within a drive time (GeoJSON)",
              Needs("road.read"), bind(&RoadRoutes::Isochrone));
}

}  // namespace quanyu::api
