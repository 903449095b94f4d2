// Boost.Geometry stays in this file: it compiles slowly, and nothing else needs it.
#include "roads/area.h"

#include <boost/geometry.hpp>
#include <cmath>
#include <utility>
#include <vector>

namespace quanyu::roads {
namespace {

namespace bg = boost::geometry;
using Point = bg::model::d2::point_xy<double>;
using Line = bg::model::linestring<Point>;
// Counter-clockwise exterior rings, closed: the orientation RFC 7946 asks for.
using Poly = bg::model::polygon<Point, /*ClockWise=*/false, /*Closed=*/true>;
using MultiPoly = bg::model::multi_polygon<Poly>;

constexpr double kMetresPerDegree = geo::kEarthRadiusMeters * M_PI / 180;
constexpr int kPointsPerCircle = 36;
constexpr double kSimplifyMetres = 10;

}  // namespace

geo::MultiPolygon BufferSegments(const std::vector<std::vector<geo::LngLat>>& segments,
                                 double buffer_m) {
  geo::MultiPolygon out;
  if (!(buffer_m > 0)) return out;
  double sum_lng = 0, sum_lat = 0;
  size_t n = 0;
  for (const auto& s : segments) {
    for (const geo::LngLat& p : s) {
      sum_lng += p.lng;
      sum_lat += p.lat;
      ++n;
    }
  }
  if (n == 0) return out;
  const double lng0 = sum_lng / n, lat0 = sum_lat / n;
  const double kx = kMetresPerDegree * std::cos(lat0 * M_PI / 180), ky = kMetresPerDegree;
  auto project = [&](geo::LngLat p) { return Point((p.lng - lng0) * kx, (p.lat - lat0) * ky); };
  auto unproject = [&](const Point& p) {
    return geo::LngLat{lng0 + p.x() / kx, lat0 + p.y() / ky};
  };

  std::vector<Line> lines;
  std::vector<Point> points;
  for (const auto& s : segments) {
    Line line;
    for (const geo::LngLat& p : s) {
      const Point q = project(p);
      if (line.empty() || !bg::equals(line.back(), q)) line.push_back(q);
    }
    if (line.size() >= 2) {
      lines.push_back(std::move(line));
    } else if (line.size() == 1) {
      points.push_back(line.front());
    }
  }

  const bg::strategy::buffer::distance_symmetric<double> distance(buffer_m);
  const bg::strategy::buffer::side_straight side;
  const bg::strategy::buffer::join_round join(kPointsPerCircle);
  const bg::strategy::buffer::end_round end(kPointsPerCircle);
  const bg::strategy::buffer::point_circle circle(kPointsPerCircle);
  // Each polyline and point is buffered on its own and the buffers are unioned pairwise (a
  // balanced tree of unions): Boost.Geometry's buffer of a whole multi-linestring can lose
  // the result when lines meet end to end in a straight line.
  std::vector<MultiPoly> parts;
  parts.reserve(lines.size() + points.size());
  for (const Line& line : lines) {
    MultiPoly b;
    bg::buffer(line, b, distance, side, join, end, circle);
    if (!b.empty()) parts.push_back(std::move(b));
  }
  for (const Point& p : points) {
    MultiPoly b;
    bg::buffer(p, b, distance, side, join, end, circle);
    if (!b.empty()) parts.push_back(std::move(b));
  }
  while (parts.size() > 1) {
    std::vector<MultiPoly> next;
    next.reserve((parts.size() + 1) / 2);
    for (size_t i = 0; i + 1 < parts.size(); i += 2) {
      MultiPoly u;
      bg::union_(parts[i], parts[i + 1], u);
      next.push_back(std::move(u));
    }
    if (parts.size() % 2 == 1) next.push_back(std::move(parts.back()));
    parts = std::move(next);
  }
  MultiPoly area;
  if (!parts.empty()) area = std::move(parts.front());
  MultiPoly simple;
  bg::simplify(area, simple, kSimplifyMetres);
  bg::correct(simple);

  auto ring = [&](const auto& r) {
    geo::LinearRing out_ring;
    out_ring.reserve(r.size() + 1);
    for (const Point& p : r) out_ring.push_back(unproject(p));
    if (!out_ring.empty() && !(out_ring.front() == out_ring.back())) {
      out_ring.push_back(out_ring.front());
    }
    return out_ring;
  };
  for (const Poly& poly : simple) {
    geo::Polygon p;
    p.outer = ring(poly.outer());
    if (p.outer.size() < 4) continue;
    for (const auto& hole : poly.inners()) {
      geo::LinearRing h = ring(hole);
      if (h.size() >= 4) p.holes.push_back(std::move(h));
    }
    out.polygons.push_back(std::move(p));
  }
  return out;
}

}  // namespace quanyu::roads
