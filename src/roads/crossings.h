// Where roads cross a ring's boundary: every segment of every road that crosses an edge of the
// ring's (multi)polygon, with the travel directions that exist there.
//
// Method: the ring's boundary edges (outer rings and holes) are filed in a uniform grid over the
// ring's bounding box (RingBoundary); each road segment whose box meets the ring's box is tested
// against the edges of the cells its box touches. Segment and edge cross when each one's ends
// lie on opposite sides of the other's line. Ties (a road vertex on the boundary, a road through
// a boundary vertex) are broken as if every road were moved by an infinitesimal (e, e^2): a
// consistent perturbation, so a road through a boundary vertex crosses once, and a road that
// touches the boundary and turns back crosses twice at one point, which cancels out (below).
// Coordinates are treated as planar in degrees, exact enough for segments of metres to
// kilometres.
//
// Which side is inside comes from the edge's orientation: each linear ring's signed area tells
// whether the polygon's interior lies left or right of its edges (outer rings and holes alike),
// so a segment crossing from the exterior side of an edge enters the ring (inbound). A leave and
// an enter at the same point, one after the other along a road, are not crossings (the pair is
// dropped): two parts of a multipolygon sharing an edge, or a road touching the boundary.
//
// Directions: travel along the way's node order is "forward". A two-way road gives both inbound
// and outbound travel at each crossing; a one-way road only the one its direction allows.
// inbound_bearing is the compass bearing (0 = north, clockwise) of inbound travel along the
// segment; outbound travel has the opposite bearing.
//
// Example:
//   RingBoundary boundary(ring.geometry);
//   std::vector<Crossing> xs = FindCrossings(ring.id, boundary, road_set.roads);
//
// Thread safety: RingBoundary is immutable after construction; FindCrossings may run on many
// threads at once.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "geo/polygon.h"
#include "roads/road.h"

namespace quanyu::roads {

// A ring's boundary edges behind a uniform grid.
class RingBoundary {
 public:
  struct Options {
    // Upper bound on grid cells. Default 0: about one cell per two edges, at most 262,144.
    int max_cells = 0;
  };

  explicit RingBoundary(const geo::MultiPolygon& mp) : RingBoundary(mp, Options()) {}
  RingBoundary(const geo::MultiPolygon& mp, Options options);

  // One boundary edge from a to b; the ring's interior lies on its left when interior_left.
  struct Edge {
    geo::LngLat a, b;
    bool interior_left;
    uint32_t part;  // which polygon of the multipolygon
  };
  struct Hit {
    double t;              // position along the segment, 0 at p, 1 at q
    geo::LngLat position;  // where it crosses
    bool entering;         // travel p -> q enters the ring here
    uint32_t part;
  };

  // Every crossing of segment p->q with the boundary, ordered by t. *hits is replaced.
  void Cross(geo::LngLat p, geo::LngLat q, std::vector<Hit>* hits) const;

  const geo::BBox& bbox() const { return bbox_; }
  size_t edge_count() const { return edges_.size(); }
  uint32_t cells_x() const { return nx_; }
  uint32_t cells_y() const { return ny_; }

 private:
  std::vector<Edge> edges_;
  geo::BBox bbox_;
  uint32_t nx_ = 1, ny_ = 1;
  double inv_w_ = 0, inv_h_ = 0;
  std::vector<uint32_t> cell_start_;  // nx_ * ny_ + 1 offsets into cell_edges_
  std::vector<uint32_t> cell_edges_;
};

struct Crossing {
  std::string id;  // "<ring id>/<way id>/<n>": the n-th crossing (0-based) of that way
  std::string ring_id;
  int64_t way_id = 0;
  std::string name, ref;
  RoadClass road_class = RoadClass::kResidential;
  bool link = false;
  Oneway oneway = Oneway::kNo;
  geo::LngLat position;        // WGS-84, on the boundary
  bool inbound = false;        // outside -> inside travel exists here
  bool outbound = false;       // inside -> outside travel exists here
  double inbound_bearing = 0;  // degrees [0, 360); outbound travel: + 180

  bool operator==(const Crossing&) const = default;
};

// The bearing of outbound travel at the crossing.
double OutboundBearing(const Crossing& c);

// Every crossing of the roads with the ring's boundary, ordered by road, then along it.
std::vector<Crossing> FindCrossings(const std::string& ring_id, const RingBoundary& boundary,
                                    const std::vector<Road>& roads);

// A ring's crossings as kept in the store (document kind kRingCrossingsKind, id = ring id):
// {"ring_id", "source", "computed", "crossings": [{"id", "way_id", "name", "ref", "class",
// "link", "oneway", "lng", "lat", "inbound", "outbound", "inbound_bearing"}]}.
inline constexpr const char* kRingCrossingsKind = "ring_crossings";

struct RingCrossings {
  std::string ring_id;
  std::string source;    // the OSM file they were computed from (its file name)
  std::string computed;  // RFC 3339 time of the computation
  std::vector<Crossing> crossings;
};

nlohmann::json RingCrossingsToJson(const RingCrossings& rc);
// Errors name the JSON path ("crossings[3].class").
StatusOr<RingCrossings> RingCrossingsFromJson(const nlohmann::json& j);

}  // namespace quanyu::roads
