// Boost.Geometry stays in this file: it compiles slowly, and nothing else needs it.
#include "roads/snap.h"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <utility>
#include <vector>

namespace quanyu::roads {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

struct Snapper::Index {
  using Point = bg::model::point<double, 2, bg::cs::cartesian>;
  using Segment = bg::model::segment<Point>;
  using Value = std::pair<Segment, uint32_t>;  // segment, index into `where`

  // Local plane in metres: x east, y north, about latitude lat0.
  Point Project(geo::LngLat p) const {
    constexpr double kMetresPerDegree = geo::kEarthRadiusMeters * M_PI / 180;
    return Point(p.lng * kMetresPerDegree * cos_lat0, p.lat * kMetresPerDegree);
  }

  double cos_lat0 = 1;
  std::vector<std::pair<uint32_t, uint32_t>> where;  // piece, first point of the segment
  bgi::rtree<Value, bgi::rstar<16>> tree;
};

Snapper::Snapper(const RoadGraph& graph, const SnapOptions& options)
    : graph_(graph), options_(options), index_(std::make_unique<Index>()) {
  const auto& points = graph.points();
  double lat_sum = 0;
  for (const geo::LngLat& p : points) lat_sum += p.lat;
  index_->cos_lat0 = points.empty() ? 1 : std::cos(lat_sum / points.size() * M_PI / 180);
  std::vector<Index::Value> values;
  for (uint32_t pi = 0; pi < graph.pieces().size(); ++pi) {
    const RoadPiece& piece = graph.pieces()[pi];
    if (options.largest_component_only) {
      bool usable = false;
      for (uint32_t e : graph.PieceEdges(pi)) {
        const GraphEdge& edge = graph.edge(e);
        usable |= graph.StrongComponent(edge.from) == 0 && graph.StrongComponent(edge.to) == 0;
      }
      if (!usable) continue;
    }
    for (uint32_t k = 0; k + 1 < piece.point_count; ++k) {
      const uint32_t i = piece.first_point + k;
      values.emplace_back(
          Index::Segment(index_->Project(points[i]), index_->Project(points[i + 1])),
          static_cast<uint32_t>(index_->where.size()));
      index_->where.emplace_back(pi, k);
    }
  }
  index_->tree = bgi::rtree<Index::Value, bgi::rstar<16>>(values.begin(), values.end());
}

Snapper::~Snapper() = default;

std::optional<SnapResult> Snapper::Snap(geo::LngLat p) const {
  const Index::Point q = index_->Project(p);
  const Index::Value* nearest = nullptr;
  double best = 0;
  for (auto it = index_->tree.qbegin(bgi::nearest(q, 1)); it != index_->tree.qend(); ++it) {
    nearest = &*it;
    best = bg::distance(q, it->first);
  }
  if (nearest == nullptr || best > options_.max_distance_m * 1.01 + 1) return std::nullopt;
  const auto [pi, k] = index_->where[nearest->second];
  const RoadPiece& piece = graph_.pieces()[pi];
  const geo::LngLat* pts = graph_.points().data() + piece.first_point;
  // Where along the segment, in the plane.
  const Index::Point a = nearest->first.first, b = nearest->first.second;
  const double dx = bg::get<0>(b) - bg::get<0>(a), dy = bg::get<1>(b) - bg::get<1>(a);
  const double len2 = dx * dx + dy * dy;
  const double t = len2 > 0 ? std::clamp(((bg::get<0>(q) - bg::get<0>(a)) * dx +
                                          (bg::get<1>(q) - bg::get<1>(a)) * dy) /
                                             len2,
                                         0.0, 1.0)
                            : 0.0;
  SnapResult s;
  s.piece = pi;
  s.point = {pts[k].lng + t * (pts[k + 1].lng - pts[k].lng),
             pts[k].lat + t * (pts[k + 1].lat - pts[k].lat)};
  double along = 0;
  for (uint32_t i = 0; i < k; ++i) along += geo::DistanceMeters(pts[i], pts[i + 1]);
  along += t * geo::DistanceMeters(pts[k], pts[k + 1]);
  s.offset_m = along;
  s.fraction = piece.length_m > 0 ? std::clamp(along / piece.length_m, 0.0, 1.0) : 0.0;
  s.edge = piece.forward != kNoEdge ? piece.forward : piece.backward;
  s.distance_m = geo::DistanceMeters(p, s.point);
  if (s.distance_m > options_.max_distance_m) return std::nullopt;
  return s;
}

}  // namespace quanyu::roads
