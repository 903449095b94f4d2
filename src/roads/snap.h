// Snapping: the nearest usable road position to any coordinate, as a RoutePoint routes can
// start or end at.
//
// Usable: the piece has an edge inside the graph's largest strongly connected component (so
// every snapped position can reach, and be reached from, every other), unless
// SnapOptions::largest_component_only is off. Distances are measured in a local plane
// (equirectangular about the graph's mean latitude) to find the nearest segment, then reported
// as great-circle metres; over a city the two differ by far less than a metre.
//
// Example:
//   Snapper snapper(graph);
//   std::optional<SnapResult> s = snapper.Snap({104.06, 30.66});
//   if (s) RoutePoint from = graph.PointOnPiece(s->piece, s->fraction);
//
// Thread safety: Snap may be called from any number of threads at once.
#pragma once

#include <memory>
#include <optional>

#include "geo/lnglat.h"
#include "roads/graph.h"

namespace quanyu::roads {

struct SnapOptions {
  // Snap only onto pieces in the largest strongly connected component. Default: on.
  bool largest_component_only = true;
  // Positions farther than this from every usable road do not snap. Default: 1000 m.
  double max_distance_m = 1000;
};

struct SnapResult {
  uint32_t piece = 0;       // into RoadGraph::pieces()
  double fraction = 0;      // of the piece's length from its first point
  double offset_m = 0;      // the same in metres along the piece
  uint32_t edge = kNoEdge;  // an uncopied edge along the piece (forward if it has one)
  geo::LngLat point;        // the snapped position on the road
  double distance_m = 0;    // from the given coordinate to `point`
};

class Snapper {
 public:
  // Indexes the segments of `graph`'s pieces; `graph` must outlive the snapper.
  explicit Snapper(const RoadGraph& graph, const SnapOptions& options = {});
  ~Snapper();
  Snapper(const Snapper&) = delete;
  Snapper& operator=(const Snapper&) = delete;

  // The nearest usable road position to p, or nullopt if none is within max_distance_m.
  std::optional<SnapResult> Snap(geo::LngLat p) const;
  // The RoutePoint of a snap result.
  RoutePoint PointOf(const SnapResult& s) const { return graph_.PointOnPiece(s.piece, s.fraction); }

 private:
  struct Index;
  const RoadGraph& graph_;
  SnapOptions options_;
  std::unique_ptr<Index> index_;
};

}  // namespace quanyu::roads
