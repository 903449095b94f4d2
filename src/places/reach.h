// Quick-reaction circles (1-3-5 分钟快速反应圈): how much of the city, and which protected
// places, police units can reach within 1, 3 and 5 minutes of driving.
//
// One multi-source bounded Dijkstra runs over the road graph in the time metric from every unit
// (origin) at once, up to the largest threshold: each vertex gets the least drive time from any
// origin and the origin it comes from. From those times follow, per threshold, the stretches
// of road reached (partial edges at the limit included), their length and share, the area
// within `buffer_m` of them (roads/area.h), and per place the best time and its nearest origin
// (by drive time, not straight-line distance). Places not reached within the largest threshold
// are the gaps.
//
// Example:
//   ASSIGN_OR_RETURN(ReachReport r, ComputeReach(*net, origins, places, {}));
//   for (const ReachThreshold& t : r.thresholds) printf("%g min: %zu places\n", ...);
//   nlohmann::json j = ReachReportToJson(r);
//
// Thread safety: ComputeReach only reads the network; any number of threads may call it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "geo/lnglat.h"
#include "geo/polygon.h"
#include "places/place.h"
#include "roads/network.h"

namespace quanyu::places {

// Where a unit starts from.
struct ReachOrigin {
  std::string id;
  std::string name;
  std::string kind;  // the unit's kind ("patrol_car", ...), as given
  geo::LngLat position;
};

struct ReachOptions {
  std::vector<double> minutes = {1, 3, 5};  // each > 0; sorted and deduplicated by ComputeReach
  double buffer_m = 100;                    // the area drawn around the roads reached
};

// What is reached within one threshold.
struct ReachThreshold {
  double minutes = 0;
  double road_length_m = 0;  // of road reached, partial edges included
  // road_length_m (counting only roads of the graph's largest strongly connected component,
  // the part snapping keeps to) over the total road length of that component, 0..1.
  double road_share = 0;
  size_t places_reached = 0;
  std::map<PlaceCategory, size_t> reached_by_category;
  geo::MultiPolygon area;  // within ReachOptions::buffer_m of the roads reached
};

struct ReachPlace {
  std::string id, name;
  PlaceCategory category = PlaceCategory::kOther;
  geo::LngLat position;
  bool on_network = true;             // false if the place is too far from any usable road
  std::optional<double> best_time_s;  // nullopt if not within the largest threshold
  std::string origin_id;              // the origin of best_time_s ("" without one)
};

struct UnsnappedOrigin {
  std::string id, name;
  std::string reason;
};

struct ReachReport {
  std::vector<ReachThreshold> thresholds;  // ascending
  std::vector<ReachPlace> places;          // in input order
  // The places not reached within the largest threshold, by category (enum order) and name.
  std::vector<ReachPlace> gaps;
  std::vector<UnsnappedOrigin> unsnapped_origins;
  size_t origins_used = 0;
  size_t places_total = 0;
  double total_road_length_m = 0;  // of the largest strongly connected component
  std::map<PlaceCategory, size_t> places_by_category;
};

// Computes the reach of `origins` over `net`. InvalidArgument ("minutes", "buffer_m") for a
// threshold <= 0 or none, or a negative buffer. Origins off the network are listed in
// unsnapped_origins, not errors; with no usable origin nothing is reached.
StatusOr<ReachReport> ComputeReach(const roads::RoadNetwork& net,
                                   std::span<const ReachOrigin> origins,
                                   std::span<const Place> places, const ReachOptions& options);

// {"origins_used", "total_road_length_m", "thresholds": [{"minutes", "road_length_m",
// "road_share", "places_reached", "places_total", "reached_by_category": {category: n}}],
// "places": [{"id", "name", "category", "lng", "lat", "on_network", "best_time_s" (null if not
// reached), "origin_id"}], "gaps": [ids], "unsnapped_origins": [{"id", "name", "reason"}],
// "areas": a GeoJSON FeatureCollection (one MultiPolygon feature per threshold, properties
// minutes, road_length_m, places_reached), "gap_places": a GeoJSON FeatureCollection of Point
// features (properties id, name, category, category_label)}.
nlohmann::json ReachReportToJson(const ReachReport& report);

}  // namespace quanyu::places
