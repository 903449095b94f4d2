#include "roads/crossings.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "geo/prepared.h"

namespace quanyu::roads {
namespace {

using nlohmann::json;

// > 0 when c lies left of the line a -> b.
inline double Orient(geo::LngLat a, geo::LngLat b, geo::LngLat c) {
  return (b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng);
}

// The tie-break of crossings.h: roads are moved by an infinitesimal (e, e^2). A road point on
// the line a -> b is then left of it when the edge heads south, or due east.
inline bool RoadPointLeft(double orient, geo::LngLat a, geo::LngLat b) {
  if (orient != 0) return orient > 0;
  const double dy = b.lat - a.lat;
  return dy != 0 ? dy < 0 : b.lng > a.lng;
}
// A boundary point on the road's line p -> q is left of the moved road when the road heads
// north, or due west.
inline bool BoundaryPointLeft(double orient, geo::LngLat p, geo::LngLat q) {
  if (orient != 0) return orient > 0;
  const double dy = q.lat - p.lat;
  return dy != 0 ? dy > 0 : q.lng < p.lng;
}

double SignedArea(const geo::LinearRing& r) {
  double s = 0;
  for (size_t i = 0; i + 1 < r.size(); ++i) {
    s += r[i].lng * r[i + 1].lat - r[i + 1].lng * r[i].lat;
  }
  return s / 2;
}

double Round(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

RingBoundary::RingBoundary(const geo::MultiPolygon& mp, Options options) {
  for (uint32_t part = 0; part < mp.polygons.size(); ++part) {
    const geo::Polygon& poly = mp.polygons[part];
    auto add = [&](const geo::LinearRing& r, bool hole) {
      // Counter-clockwise outer rings and clockwise holes have the interior on their left.
      const bool ccw = SignedArea(r) > 0;
      const bool interior_left = hole ? !ccw : ccw;
      for (size_t i = 0; i + 1 < r.size(); ++i) {
        if (r[i] == r[i + 1]) continue;
        edges_.push_back({r[i], r[i + 1], interior_left, part});
        bbox_.Extend(r[i]);
      }
    };
    add(poly.outer, false);
    for (const geo::LinearRing& h : poly.holes) add(h, true);
  }
  if (edges_.empty()) {
    cell_start_ = {0, 0};
    return;
  }
  const double w = std::max(bbox_.max_lng - bbox_.min_lng, 1e-9);
  const double h = std::max(bbox_.max_lat - bbox_.min_lat, 1e-9);
  const double max_cells = options.max_cells > 0 ? options.max_cells : 1 << 18;
  const double cells = std::clamp(static_cast<double>(edges_.size()) / 2, 1.0, max_cells);
  nx_ = static_cast<uint32_t>(std::clamp(std::round(std::sqrt(cells * w / h)), 1.0, cells));
  ny_ = static_cast<uint32_t>(std::clamp(std::round(cells / nx_), 1.0, cells));
  inv_w_ = nx_ / w;
  inv_h_ = ny_ / h;

  // Counting sort of (cell, edge) pairs: every cell the edge's box touches.
  const size_t n_cells = static_cast<size_t>(nx_) * ny_;
  cell_start_.assign(n_cells + 1, 0);
  auto for_cells = [&](const Edge& e, auto&& fn) {
    const uint32_t x0 = geo::Slot(std::min(e.a.lng, e.b.lng), bbox_.min_lng, inv_w_, nx_);
    const uint32_t x1 = geo::Slot(std::max(e.a.lng, e.b.lng), bbox_.min_lng, inv_w_, nx_);
    const uint32_t y0 = geo::Slot(std::min(e.a.lat, e.b.lat), bbox_.min_lat, inv_h_, ny_);
    const uint32_t y1 = geo::Slot(std::max(e.a.lat, e.b.lat), bbox_.min_lat, inv_h_, ny_);
    for (uint32_t y = y0; y <= y1; ++y) {
      for (uint32_t x = x0; x <= x1; ++x) fn(static_cast<size_t>(y) * nx_ + x);
    }
  };
  for (const Edge& e : edges_) for_cells(e, [&](size_t c) { ++cell_start_[c + 1]; });
  for (size_t c = 0; c < n_cells; ++c) cell_start_[c + 1] += cell_start_[c];
  cell_edges_.resize(cell_start_[n_cells]);
  std::vector<uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (uint32_t i = 0; i < edges_.size(); ++i) {
    for_cells(edges_[i], [&](size_t c) { cell_edges_[fill[c]++] = i; });
  }
}

void RingBoundary::Cross(geo::LngLat p, geo::LngLat q, std::vector<Hit>* hits) const {
  hits->clear();
  if (edges_.empty()) return;
  geo::BBox seg;
  seg.Extend(p);
  seg.Extend(q);
  if (seg.max_lng < bbox_.min_lng || seg.min_lng > bbox_.max_lng || seg.max_lat < bbox_.min_lat ||
      seg.min_lat > bbox_.max_lat) {
    return;
  }
  thread_local std::vector<uint32_t> candidates;
  candidates.clear();
  const uint32_t x0 = geo::Slot(std::max(seg.min_lng, bbox_.min_lng), bbox_.min_lng, inv_w_, nx_);
  const uint32_t x1 = geo::Slot(seg.max_lng, bbox_.min_lng, inv_w_, nx_);
  const uint32_t y0 = geo::Slot(std::max(seg.min_lat, bbox_.min_lat), bbox_.min_lat, inv_h_, ny_);
  const uint32_t y1 = geo::Slot(seg.max_lat, bbox_.min_lat, inv_h_, ny_);
  for (uint32_t y = y0; y <= y1; ++y) {
    for (uint32_t x = x0; x <= x1; ++x) {
      const size_t c = static_cast<size_t>(y) * nx_ + x;
      candidates.insert(candidates.end(), cell_edges_.begin() + cell_start_[c],
                        cell_edges_.begin() + cell_start_[c + 1]);
    }
  }
  if (y1 > y0 || x1 > x0) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  }
  for (uint32_t i : candidates) {
    const Edge& e = edges_[i];
    const double op = Orient(e.a, e.b, p);
    const double oq = Orient(e.a, e.b, q);
    const bool p_left = RoadPointLeft(op, e.a, e.b);
    if (p_left == RoadPointLeft(oq, e.a, e.b)) continue;
    if (BoundaryPointLeft(Orient(p, q, e.a), p, q) == BoundaryPointLeft(Orient(p, q, e.b), p, q)) {
      continue;
    }
    const double t = op == oq ? 0 : op / (op - oq);
    const geo::LngLat at{p.lng + t * (q.lng - p.lng), p.lat + t * (q.lat - p.lat)};
    // p on the exterior side of the edge: travel p -> q enters.
    const bool entering = e.interior_left ? !p_left : p_left;
    hits->push_back({t, at, entering, e.part});
  }
  std::sort(hits->begin(), hits->end(), [](const Hit& a, const Hit& b) { return a.t < b.t; });
}

double OutboundBearing(const Crossing& c) { return std::fmod(c.inbound_bearing + 180, 360); }

std::vector<Crossing> FindCrossings(const std::string& ring_id, const RingBoundary& boundary,
                                    const std::vector<Road>& roads) {
  std::vector<Crossing> out;
  std::unordered_map<int64_t, int> per_way;
  std::vector<RingBoundary::Hit> hits;
  const geo::BBox& rb = boundary.bbox();
  for (const Road& road : roads) {
    geo::BBox box;
    for (const geo::LngLat& p : road.points) box.Extend(p);
    if (box.max_lng < rb.min_lng || box.min_lng > rb.max_lng || box.max_lat < rb.min_lat ||
        box.min_lat > rb.max_lat) {
      continue;
    }
    const bool forward_ok = road.oneway != Oneway::kBackward;
    const bool backward_ok = road.oneway != Oneway::kForward;
    // The road's hits in order along it; a leave and an enter at the same point (parts of the
    // ring sharing an edge, or a road touching the boundary at a vertex) cancel out.
    struct RoadHit {
      RingBoundary::Hit hit;
      size_t segment;
    };
    std::vector<RoadHit> along;
    for (size_t i = 0; i + 1 < road.points.size(); ++i) {
      if (road.points[i] == road.points[i + 1]) continue;
      boundary.Cross(road.points[i], road.points[i + 1], &hits);
      for (const RingBoundary::Hit& h : hits) {
        if (!along.empty()) {
          const RingBoundary::Hit& prev = along.back().hit;
          if (prev.entering != h.entering && std::abs(prev.position.lng - h.position.lng) < 1e-9 &&
              std::abs(prev.position.lat - h.position.lat) < 1e-9) {
            along.pop_back();
            continue;
          }
        }
        along.push_back({h, i});
      }
    }
    for (const RoadHit& rh : along) {
      const RingBoundary::Hit& h = rh.hit;
      const geo::LngLat p = road.points[rh.segment], q = road.points[rh.segment + 1];
      Crossing c;
      c.ring_id = ring_id;
      c.way_id = road.way_id;
      c.id = ring_id + "/" + std::to_string(road.way_id) + "/" +
             std::to_string(per_way[road.way_id]++);
      c.name = road.name;
      c.ref = road.ref;
      c.road_class = road.road_class;
      c.link = road.link;
      c.oneway = road.oneway;
      c.position = h.position;
      c.inbound = h.entering ? forward_ok : backward_ok;
      c.outbound = h.entering ? backward_ok : forward_ok;
      c.inbound_bearing = h.entering ? geo::BearingDegrees(p, q) : geo::BearingDegrees(q, p);
      out.push_back(std::move(c));
    }
  }
  return out;
}

json RingCrossingsToJson(const RingCrossings& rc) {
  json list = json::array();
  for (const Crossing& c : rc.crossings) {
    list.push_back({{"id", c.id},
                    {"way_id", c.way_id},
                    {"name", c.name},
                    {"ref", c.ref},
                    {"class", std::string(RoadClassName(c.road_class))},
                    {"link", c.link},
                    {"oneway", std::string(OnewayName(c.oneway))},
                    {"lng", Round(c.position.lng, 1e7)},
                    {"lat", Round(c.position.lat, 1e7)},
                    {"inbound", c.inbound},
                    {"outbound", c.outbound},
                    {"inbound_bearing", Round(c.inbound_bearing, 10)}});
  }
  return {{"ring_id", rc.ring_id},
          {"source", rc.source},
          {"computed", rc.computed},
          {"crossings", std::move(list)}};
}

StatusOr<RingCrossings> RingCrossingsFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("", "must be a JSON object");
  auto str = [](const json& o, const char* key, const std::string& field,
                std::string* out) -> Status {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return InvalidArgument(field, "must be a string");
    *out = it->get<std::string>();
    return Status::Ok();
  };
  RingCrossings rc;
  RETURN_IF_ERROR(str(j, "ring_id", "ring_id", &rc.ring_id));
  if (j.contains("source")) RETURN_IF_ERROR(str(j, "source", "source", &rc.source));
  if (j.contains("computed")) RETURN_IF_ERROR(str(j, "computed", "computed", &rc.computed));
  auto list = j.find("crossings");
  if (list == j.end() || !list->is_array()) return InvalidArgument("crossings", "must be an array");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& o = (*list)[i];
    const std::string f = "crossings[" + std::to_string(i) + "].";
    if (!o.is_object()) return InvalidArgument(f.substr(0, f.size() - 1), "must be an object");
    Crossing c;
    c.ring_id = rc.ring_id;
    RETURN_IF_ERROR(str(o, "id", f + "id", &c.id));
    auto num = [&](const char* key, double* out) -> Status {
      auto it = o.find(key);
      if (it == o.end() || !it->is_number()) return InvalidArgument(f + key, "must be a number");
      *out = it->get<double>();
      return Status::Ok();
    };
    auto flag = [&](const char* key, bool* out) -> Status {
      auto it = o.find(key);
      if (it == o.end() || !it->is_boolean()) return InvalidArgument(f + key, "must be a boolean");
      *out = it->get<bool>();
      return Status::Ok();
    };
    auto way = o.find("way_id");
    if (way == o.end() || !way->is_number_integer()) {
      return InvalidArgument(f + "way_id", "must be an integer");
    }
    c.way_id = way->get<int64_t>();
    if (o.contains("name")) RETURN_IF_ERROR(str(o, "name", f + "name", &c.name));
    if (o.contains("ref")) RETURN_IF_ERROR(str(o, "ref", f + "ref", &c.ref));
    std::string cls, oneway;
    RETURN_IF_ERROR(str(o, "class", f + "class", &cls));
    ASSIGN_OR_RETURN(c.road_class, ParseRoadClass(cls, f + "class"));
    RETURN_IF_ERROR(flag("link", &c.link));
    RETURN_IF_ERROR(str(o, "oneway", f + "oneway", &oneway));
    ASSIGN_OR_RETURN(c.oneway, ParseOneway(oneway, f + "oneway"));
    RETURN_IF_ERROR(num("lng", &c.position.lng));
    RETURN_IF_ERROR(num("lat", &c.position.lat));
    if (!geo::IsValid(c.position)) return InvalidArgument(f + "lng", "not a valid position");
    RETURN_IF_ERROR(flag("inbound", &c.inbound));
    RETURN_IF_ERROR(flag("outbound", &c.outbound));
    RETURN_IF_ERROR(num("inbound_bearing", &c.inbound_bearing));
    rc.crossings.push_back(std::move(c));
  }
  return rc;
}

}  // namespace quanyu::roads
