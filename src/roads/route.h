// Routes on a RoadGraph: the result type every query returns, its geometry, and plain
// Dijkstra, the reference the contraction hierarchy (ch.h) is tested against.
//
// Example:
//   DijkstraQuery query(graph, Metric::kTime);
//   const RoutePoint from = graph.PointAtVertex(a), to = graph.PointAtVertex(b);
//   Path path;
//   if (query.FindPath(from, to, &path) != kInfWeight)
//     nlohmann::json line = RouteGeoJson(graph, from, to, path);
//
// Thread safety: a query object holds the state of one search at a time; give each thread its
// own (they are reused from query to query without allocating).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <tuple>
#include <vector>

#include "roads/graph.h"

namespace quanyu::roads {

namespace internal {
class SearchSpace;
}  // namespace internal

// A route between two RoutePoints.
struct Path {
  Weight weight = kInfWeight;  // in the query's metric; kInfWeight if unreachable
  // The anchors used (index into from.sources and to.targets), or -1 for both when the route
  // runs directly along the piece both points lie on.
  int source_anchor = -1;
  int target_anchor = -1;
  std::vector<uint32_t> edges;  // whole graph edges from the source anchor to the target anchor
};

// The route's polyline from `from`'s position to `to`'s (partial edges included).
std::vector<geo::LngLat> RouteGeometry(const RoadGraph& graph, const RoutePoint& from,
                                       const RoutePoint& to, const Path& path);
// The same as a GeoJSON LineString geometry: {"type": "LineString", "coordinates": [[lng, lat],
// ...]}.
nlohmann::json RouteGeoJson(const RoadGraph& graph, const RoutePoint& from, const RoutePoint& to,
                            const Path& path);

class DijkstraQuery {
 public:
  // `graph` must outlive the query.
  DijkstraQuery(const RoadGraph& graph, Metric metric);
  ~DijkstraQuery();

  // The least weight from `from` to `to` (kInfWeight if unreachable); fills *path if given.
  Weight FindPath(const RoutePoint& from, const RoutePoint& to, Path* path = nullptr);
  // out[j] = weight from `from` to to[j].
  void OneToMany(const RoutePoint& from, std::span<const RoutePoint> to, std::vector<Weight>* out);
  // out[i * to.size() + j] = weight from from[i] to to[j].
  void ManyToMany(std::span<const RoutePoint> from, std::span<const RoutePoint> to,
                  std::vector<Weight>* out);

 private:
  void Start(const RoutePoint& from);

  const RoadGraph& graph_;
  Metric metric_;
  std::unique_ptr<internal::SearchSpace> space_;
  std::vector<std::tuple<uint32_t, uint32_t, Weight>> index_;  // reused
  std::vector<Weight> row_;                                    // reused
};

}  // namespace quanyu::roads
