#include "registry/ring_assignment.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

namespace quanyu::registry {
namespace {

using nlohmann::json;

// True if ring `i` of `tree` contains `p`.
bool Contains(const geo::RingTree& tree, uint32_t i, geo::LngLat p,
              std::vector<uint32_t>* scratch) {
  tree.Locate(p, scratch);
  return std::find(scratch->begin(), scratch->end(), i) != scratch->end();
}

// `box` grown by `meters` on every side, in degrees at latitude `lat`.
geo::BBox Grow(geo::BBox box, double meters, double lat) {
  const double dlat = meters / 111000.0;
  const double dlng = meters / (111000.0 * std::max(0.01, std::cos(lat * std::numbers::pi / 180)));
  box.min_lng -= dlng;
  box.max_lng += dlng;
  box.min_lat -= dlat;
  box.max_lat += dlat;
  return box;
}

}  // namespace

std::vector<RingWatch> DeriveRingWatches(const Checkpoint& c, const geo::RingTree& tree,
                                         double tolerance_m) {
  const double step = 1.5 * tolerance_m;
  std::vector<uint32_t> scratch;
  std::vector<uint32_t> guarded;
  std::vector<RingWatch> found;
  for (uint32_t i = 0; i < tree.rings().size(); ++i) {
    const geo::Ring& ring = tree.rings()[i];
    // A little more than the tolerance, so that rounding in the box never rejects a ring.
    if (!Grow(geo::BoundingBox(ring.geometry), tolerance_m * 1.1 + 1, c.position.lat)
             .Contains(c.position)) {
      continue;
    }
    if (geo::BoundaryDistanceMeters(ring.geometry, c.position) > tolerance_m) continue;
    RingWatch w;
    w.ring_id = ring.id;
    if (c.directions.empty()) {
      w.inbound = w.outbound = true;
    }
    auto depth = [&](geo::LngLat q) {
      const double d = geo::BoundaryDistanceMeters(ring.geometry, q);
      return Contains(tree, i, q, &scratch) ? d : -d;
    };
    for (int bearing : c.directions) {
      const double ahead = depth(geo::Destination(c.position, bearing, step));
      const double behind = depth(geo::Destination(c.position, bearing + 180.0, step));
      if (ahead - behind > kMinDepthChange * step) w.inbound = true;
      if (behind - ahead > kMinDepthChange * step) w.outbound = true;
    }
    if (!w.inbound && !w.outbound) continue;
    guarded.push_back(i);
    found.push_back(std::move(w));
  }
  // Innermost first, as RingTree::Locate orders.
  std::vector<size_t> order(found.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const uint32_t ia = guarded[a], ib = guarded[b];
    if (tree.depth(ia) != tree.depth(ib)) return tree.depth(ia) > tree.depth(ib);
    if (tree.area_square_meters(ia) != tree.area_square_meters(ib)) {
      return tree.area_square_meters(ia) < tree.area_square_meters(ib);
    }
    return tree.rings()[ia].id < tree.rings()[ib].id;
  });
  std::vector<RingWatch> out;
  out.reserve(found.size());
  for (size_t k : order) out.push_back(std::move(found[k]));
  return out;
}

json RingWatchesToJson(const std::vector<RingWatch>& watches) {
  json out = json::array();
  for (const RingWatch& w : watches) {
    out.push_back({{"ring_id", w.ring_id},
                   {"inbound", w.inbound},
                   {"outbound", w.outbound},
                   {"manual", w.manual}});
  }
  return out;
}

StatusOr<std::vector<RingWatch>> ManualRingWatchesFromJson(const json& list,
                                                           const geo::RingTree* tree,
                                                           std::string_view field) {
  const std::string base(field);
  if (!list.is_array()) {
    return InvalidArgument(base, "must be an array of {ring_id, inbound, outbound}");
  }
  std::vector<RingWatch> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = base + "[" + std::to_string(i) + "]";
    const json& item = list[i];
    if (!item.is_object())
      return InvalidArgument(at, "must be an object {ring_id, inbound, outbound}");
    RingWatch w;
    w.manual = true;
    auto id = item.find("ring_id");
    if (id == item.end() || !id->is_string() || id->get<std::string>().empty()) {
      return InvalidArgument(at + ".ring_id", "the id of a ring is needed");
    }
    w.ring_id = id->get<std::string>();
    if (tree != nullptr && tree->Find(w.ring_id) == nullptr) {
      return InvalidArgument(at + ".ring_id", "no ring has the id \"" + w.ring_id + "\"");
    }
    if (!seen.insert(w.ring_id).second) {
      return InvalidArgument(at + ".ring_id", "ring \"" + w.ring_id + "\" is listed twice");
    }
    for (auto [name, flag] : {std::pair{"inbound", &w.inbound}, {"outbound", &w.outbound}}) {
      auto v = item.find(name);
      if (v == item.end() || v->is_null()) continue;
      if (!v->is_boolean()) return InvalidArgument(at + "." + name, "must be true or false");
      *flag = v->get<bool>();
    }
    if (!w.inbound && !w.outbound) {
      return InvalidArgument(at + ".inbound",
                             "a checkpoint guards a ring inbound, outbound or both; to guard no "
                             "ring, leave it out");
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace quanyu::registry
