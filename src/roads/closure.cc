#include "roads/closure.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace quanyu::roads {
namespace {

using nlohmann::json;

double AngleBetween(double a, double b) {
  double d = std::fmod(std::abs(a - b), 360.0);
  return d > 180 ? 360 - d : d;
}

double Round(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

bool Watches(const registry::Checkpoint& c, double bearing, double tolerance_deg) {
  if (c.directions.empty()) return true;
  for (int d : c.directions) {
    if (AngleBetween(d, bearing) <= tolerance_deg) return true;
  }
  return false;
}

ClosureReport ComputeClosure(const std::string& ring_id, const std::vector<Crossing>& crossings,
                             const std::vector<registry::Checkpoint>& checkpoints,
                             const ClosureOptions& options) {
  ClosureReport r;
  r.ring_id = ring_id;
  r.options = options;
  r.crossings = crossings.size();

  // Checkpoints sorted by latitude: each crossing looks only at the latitude band within reach.
  std::vector<const registry::Checkpoint*> by_lat;
  by_lat.reserve(checkpoints.size());
  for (const registry::Checkpoint& c : checkpoints) by_lat.push_back(&c);
  std::sort(by_lat.begin(), by_lat.end(),
            [](const auto* a, const auto* b) { return a->position.lat < b->position.lat; });
  // Degrees of latitude per metre, with a margin.
  const double band = options.tolerance_m / 111000.0 * 1.01;

  r.coverage.reserve(crossings.size());
  for (const Crossing& x : crossings) {
    CrossingCoverage cov;
    cov.crossing = x;
    double best_in = 1e300, best_out = 1e300, best_inactive = 1e300;
    auto lo = std::lower_bound(
        by_lat.begin(), by_lat.end(), x.position.lat - band,
        [](const registry::Checkpoint* c, double lat) { return c->position.lat < lat; });
    for (auto it = lo; it != by_lat.end() && (*it)->position.lat <= x.position.lat + band; ++it) {
      const registry::Checkpoint& c = **it;
      const double d = geo::DistanceMeters(c.position, x.position);
      if (d > options.tolerance_m) continue;
      if (c.status != registry::CheckpointStatus::kActive) {
        if (d < best_inactive) {
          best_inactive = d;
          cov.inactive_nearby = c.id;
        }
        continue;
      }
      if (x.inbound && d < best_in &&
          Watches(c, x.inbound_bearing, options.bearing_tolerance_deg)) {
        best_in = d;
        cov.inbound_by = c.id;
      }
      if (x.outbound && d < best_out &&
          Watches(c, OutboundBearing(x), options.bearing_tolerance_deg)) {
        best_out = d;
        cov.outbound_by = c.id;
      }
    }
    ClassTally& t = r.by_class[static_cast<int>(x.road_class)];
    ++t.crossings;
    const double w = ClassWeight(x.road_class);
    const size_t dirs = (x.inbound ? 1 : 0) + (x.outbound ? 1 : 0);
    const size_t covered = (cov.inbound_covered() ? 1 : 0) + (cov.outbound_covered() ? 1 : 0);
    t.directions += dirs;
    t.covered += covered;
    r.directions += dirs;
    r.covered += covered;
    r.weight_total += w * dirs;
    r.weight_covered += w * covered;
    r.coverage.push_back(std::move(cov));
  }
  if (r.directions > 0) {
    r.ratio = static_cast<double>(r.covered) / r.directions;
    r.weighted_ratio = r.weight_covered / r.weight_total;
  }
  return r;
}

json GapsGeoJson(const ClosureReport& report) {
  json features = json::array();
  for (const CrossingCoverage& cov : report.coverage) {
    if (!cov.has_gap()) continue;
    const Crossing& x = cov.crossing;
    json gaps = json::array(), covered = json::object();
    if (cov.inbound_gap()) gaps.push_back("inbound");
    if (cov.outbound_gap()) gaps.push_back("outbound");
    if (cov.inbound_covered()) covered["inbound"] = cov.inbound_by;
    if (cov.outbound_covered()) covered["outbound"] = cov.outbound_by;
    json props = {{"id", x.id},
                  {"ring_id", x.ring_id},
                  {"way_id", x.way_id},
                  {"name", x.name},
                  {"ref", x.ref},
                  {"class", std::string(RoadClassName(x.road_class))},
                  {"link", x.link},
                  {"oneway", std::string(OnewayName(x.oneway))},
                  {"weight", ClassWeight(x.road_class)},
                  {"inbound_bearing", Round(x.inbound_bearing, 10)},
                  {"outbound_bearing", Round(OutboundBearing(x), 10)},
                  {"gaps", std::move(gaps)},
                  {"covered", std::move(covered)}};
    if (!cov.inactive_nearby.empty()) props["inactive_checkpoint"] = cov.inactive_nearby;
    features.push_back(
        {{"type", "Feature"},
         {"id", x.id},
         {"geometry",
          {{"type", "Point"},
           {"coordinates", {Round(x.position.lng, 1e7), Round(x.position.lat, 1e7)}}}},
         {"properties", std::move(props)}});
  }
  return {{"type", "FeatureCollection"}, {"features", std::move(features)}};
}

json ClosureSummaryJson(const ClosureReport& report) {
  json by_class = json::object(), weights = json::object();
  for (int i = 0; i < kRoadClassCount; ++i) {
    const auto c = static_cast<RoadClass>(i);
    weights[std::string(RoadClassName(c))] = ClassWeight(c);
    const ClassTally& t = report.by_class[i];
    if (t.crossings == 0) continue;
    by_class[std::string(RoadClassName(c))] = {{"crossings", t.crossings},
                                               {"directions", t.directions},
                                               {"covered", t.covered},
                                               {"gaps", t.gaps()}};
  }
  return {{"ring_id", report.ring_id},
          {"tolerance_m", report.options.tolerance_m},
          {"bearing_tolerance_deg", report.options.bearing_tolerance_deg},
          {"crossings", report.crossings},
          {"directions", report.directions},
          {"covered", report.covered},
          {"uncovered", report.directions - report.covered},
          {"ratio", Round(report.ratio, 1e4)},
          {"weighted_ratio", Round(report.weighted_ratio, 1e4)},
          {"weights", std::move(weights)},
          {"by_class", std::move(by_class)}};
}

}  // namespace quanyu::roads
