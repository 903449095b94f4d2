// The directed road graph routing runs on, built from a RoadSet (osm_reader.h).
//
// Vertices are the OSM nodes where roads meet or end; the nodes between them (degree-2 chains)
// are compressed into one edge per direction allowed, which keeps the chain's polyline for
// route output. One-way roads give one edge, two-way roads two.
//
// Weights are integers: travel time in milliseconds (Metric::kTime) and length in centimetres
// (Metric::kDistance), at least 1. Lengths are great-circle (haversine) sums over the
// polyline. Travel time uses the road's maxspeed where OSM gives one, else the class speed of
// ProfileSpeedKmh: motorway 90, trunk 70, primary 50, secondary 45, tertiary 40,
// unclassified 30, residential 25, service 15, living_street 10 km/h; a *_link road drives at
// 3/4 of its class speed.
//
// Turn restrictions are represented by node splitting: at a via node, every incoming edge
// from a way that has restrictions there ends at its own copy of the vertex, whose outgoing
// edges are only the turns allowed from that way (no_* removes one, only_* keeps the turns
// onto the to-way). Copies share the OSM node and position of the vertex; a plain node-based
// search on the graph then obeys the restrictions exactly. Restrictions whose ways do not meet
// at the via node are ignored and counted in GraphStats. Otherwise a route may turn back at any
// vertex (the graph is node-based), so a U-turn is only ever forbidden by a no_u_turn
// restriction.
//
// Routes between strongly connected components do not exist: queries answer kInfWeight.
// Snapping (snap.h) keeps to the largest component, which StrongComponent numbers 0.
//
// Example:
//   ASSIGN_OR_RETURN(RoadSet set, ReadRoads(path));
//   RoadGraph graph = RoadGraph::Build(set);
//   for (uint32_t e : graph.OutEdges(v)) graph.edge(e).to ...
//
// Thread safety: a built RoadGraph is immutable; any number of threads may read it.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "geo/lnglat.h"
#include "roads/osm_reader.h"
#include "roads/road.h"

namespace quanyu::roads {

using Weight = uint32_t;
inline constexpr Weight kInfWeight = std::numeric_limits<Weight>::max();
inline constexpr uint32_t kNoVertex = std::numeric_limits<uint32_t>::max();
inline constexpr uint32_t kNoEdge = std::numeric_limits<uint32_t>::max();

enum class Metric {
  kTime,      // milliseconds
  kDistance,  // centimetres
};

// The class speed in km/h used where a road has no maxspeed (see the top of this file).
double ProfileSpeedKmh(RoadClass c, bool link);

struct GraphEdge {
  uint32_t from = 0;
  uint32_t to = 0;
  Weight time_ms = 1;
  Weight distance_cm = 1;
  uint32_t piece = 0;     // the RoadPiece this edge runs along
  bool reversed = false;  // runs against the piece's point order

  Weight weight(Metric m) const { return m == Metric::kTime ? time_ms : distance_cm; }
};

// One compressed chain of a road between two vertices, with the edges along it.
struct RoadPiece {
  int64_t way_id = 0;
  uint32_t road = 0;            // index into RoadSet::roads
  uint32_t first_point = 0;     // into RoadGraph::points()
  uint32_t point_count = 0;     // at least 2
  uint32_t forward = kNoEdge;   // the uncopied edge along the point order, if allowed
  uint32_t backward = kNoEdge;  // the uncopied edge against it, if allowed
  double length_m = 0;
};

// A vertex a route may leave a position through or arrive at it from, with the cost between
// the position and the vertex in both metrics.
struct Anchor {
  uint32_t vertex = kNoVertex;
  Weight time_ms = 0;
  Weight distance_cm = 0;
  uint32_t edge = kNoEdge;  // the edge the position lies on; kNoEdge at a vertex

  Weight weight(Metric m) const { return m == Metric::kTime ? time_ms : distance_cm; }
};

// Where a route starts or ends: a vertex, or a position part-way along a road piece (from
// snapping). A route from A to B leaves A through one of A.sources and reaches B through one
// of B.targets, or runs directly along the piece both lie on.
struct RoutePoint {
  geo::LngLat position;
  uint32_t piece = kNoEdge;  // kNoEdge at a vertex
  double fraction = 0;       // of the piece's length, from its first point
  std::vector<Anchor> sources;
  std::vector<Anchor> targets;
};

struct GraphStats {
  uint64_t vertices = 0;  // including restriction copies
  uint64_t restriction_copies = 0;
  uint64_t edges = 0;
  uint64_t pieces = 0;
  uint64_t restrictions_applied = 0;
  uint64_t restrictions_ignored = 0;  // ways not found meeting at the via node
  uint64_t strong_components = 0;
  uint64_t weak_components = 0;
  uint64_t largest_strong_component = 0;  // vertices in it
};

class RoadGraph {
 public:
  // The graph of `set` (roads and restrictions). Never fails: an empty set gives an empty graph.
  static RoadGraph Build(const RoadSet& set);

  uint32_t vertex_count() const { return static_cast<uint32_t>(vertex_node_.size()); }
  uint32_t edge_count() const { return static_cast<uint32_t>(edges_.size()); }
  const GraphEdge& edge(uint32_t e) const { return edges_[e]; }
  const std::vector<GraphEdge>& edges() const { return edges_; }
  // The ids of the edges leaving v.
  std::span<const uint32_t> OutEdges(uint32_t v) const {
    return {out_edges_.data() + out_begin_[v], out_edges_.data() + out_begin_[v + 1]};
  }
  // The ids of the edges entering v.
  std::span<const uint32_t> InEdges(uint32_t v) const {
    return {in_edges_.data() + in_begin_[v], in_edges_.data() + in_begin_[v + 1]};
  }
  int64_t VertexOsmNode(uint32_t v) const { return vertex_node_[v]; }
  geo::LngLat VertexPosition(uint32_t v) const { return vertex_position_[v]; }
  // The vertex of an OSM node (not a restriction copy), or kNoVertex if the node is not a
  // vertex.
  uint32_t VertexOfOsmNode(int64_t node_id) const;
  // The vertex and its restriction copies: where a route arriving at the node may end.
  std::span<const uint32_t> CopiesOf(uint32_t v) const;
  // The strongly connected component of v; components are numbered from 0, largest first.
  uint32_t StrongComponent(uint32_t v) const { return scc_[v]; }

  // Routes from or to vertex v (a route to it may arrive at any of its copies).
  RoutePoint PointAtVertex(uint32_t v) const;
  // Routes from or to the position `fraction` (0..1 of the length) along piece p.
  RoutePoint PointOnPiece(uint32_t p, double fraction) const;
  // The cost of going from `from` to `to` along the one piece they share, or kInfWeight if
  // they are on different pieces or the piece's one-way rule forbids it.
  Weight DirectWeight(const RoutePoint& from, const RoutePoint& to, Metric m) const;
  // The polyline of piece p from fraction f0 to fraction f1 (either direction), appended to
  // *out like AppendEdgeGeometry.
  void AppendPieceRange(uint32_t p, double f0, double f1, std::vector<geo::LngLat>* out) const;

  const std::vector<RoadPiece>& pieces() const { return pieces_; }
  // Every edge along piece p: the uncopied ones and those leaving restriction copies.
  std::span<const uint32_t> PieceEdges(uint32_t p) const {
    return {piece_edges_.data() + piece_edges_begin_[p],
            piece_edges_.data() + piece_edges_begin_[p + 1]};
  }
  const std::vector<geo::LngLat>& points() const { return points_; }
  // The polyline of edge e in its direction of travel, appended to *out (the first point is
  // skipped when it equals the last point already in *out).
  void AppendEdgeGeometry(uint32_t e, std::vector<geo::LngLat>* out) const;

  const GraphStats& stats() const { return stats_; }

 private:
  std::vector<int64_t> vertex_node_;
  std::vector<geo::LngLat> vertex_position_;
  std::vector<uint32_t> copy_begin_;  // per original vertex, into copies_
  std::vector<uint32_t> copies_;
  uint32_t original_vertices_ = 0;
  std::vector<std::pair<int64_t, uint32_t>> node_to_vertex_;  // sorted by node id
  std::vector<GraphEdge> edges_;
  std::vector<uint32_t> out_begin_, out_edges_, in_begin_, in_edges_;
  std::vector<RoadPiece> pieces_;
  std::vector<geo::LngLat> points_;
  std::vector<uint32_t> scc_;
  std::vector<uint32_t> piece_edges_begin_, piece_edges_;
  GraphStats stats_;
};

}  // namespace quanyu::roads
