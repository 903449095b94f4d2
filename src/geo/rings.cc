#include "geo/rings.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace quanyu::geo {
namespace {

using json = nlohmann::json;

// Administrative levels nest strictly in this order; custom rings sit outside the order.
int AdministrativeRank(RingLevel level) {
  switch (level) {
    case RingLevel::kProvince:
      return 0;
    case RingLevel::kCity:
      return 1;
    case RingLevel::kCounty:
      return 2;
    case RingLevel::kUrbanCore:
      return 3;
    case RingLevel::kCustom:
      break;
  }
  return -1;
}

// The sample points of `mp` for the coverage test: a grid over its box, those inside it; just
// the interior point when the shape is too thin for the grid to hit it.
std::vector<LngLat> CoverageSamples(const PreparedPolygon& mp, LngLat interior) {
  constexpr int kGrid = 32;
  const BBox& b = mp.bbox();
  std::vector<LngLat> out;
  for (int y = 0; y < kGrid; ++y) {
    for (int x = 0; x < kGrid; ++x) {
      LngLat p{b.min_lng + (x + 0.5) * (b.max_lng - b.min_lng) / kGrid,
               b.min_lat + (y + 0.5) * (b.max_lat - b.min_lat) / kGrid};
      if (mp.Contains(p)) out.push_back(p);
    }
  }
  if (out.size() < 16) out.assign(1, interior);
  return out;
}

bool Covers(const PreparedPolygon& outer, const std::vector<LngLat>& samples) {
  size_t in = 0;
  for (LngLat p : samples) in += outer.Contains(p);
  return static_cast<double>(in) >= kContainmentCoverage * static_cast<double>(samples.size());
}

bool MayContain(RingLevel outer, RingLevel inner) {
  if (inner == RingLevel::kCustom) return true;
  if (outer == RingLevel::kCustom) return false;
  return AdministrativeRank(outer) < AdministrativeRank(inner);
}

StatusOr<std::string> StringMember(const json& j, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgument(key, "is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument(key, "must be a string");
  return it->get<std::string>();
}

}  // namespace

std::string_view RingLevelName(RingLevel level) {
  switch (level) {
    case RingLevel::kProvince:
      return "province";
    case RingLevel::kCity:
      return "city";
    case RingLevel::kCounty:
      return "county";
    case RingLevel::kUrbanCore:
      return "urban_core";
    case RingLevel::kCustom:
      return "custom";
  }
  return "custom";
}

StatusOr<RingLevel> ParseRingLevel(std::string_view name, std::string_view field) {
  if (name == "province") return RingLevel::kProvince;
  if (name == "city") return RingLevel::kCity;
  if (name == "county" || name == "district") return RingLevel::kCounty;
  if (name == "urban_core") return RingLevel::kUrbanCore;
  if (name == "custom") return RingLevel::kCustom;
  return InvalidArgument(
      std::string(field),
      "must be province, city, county (or district), urban_core or custom, got \"" +
          std::string(name) + "\"");
}

Status ValidateRing(const Ring& r) {
  if (r.id.empty() || r.id.size() > 64) {
    return InvalidArgument("id", "must be 1 to 64 characters long");
  }
  for (char c : r.id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return InvalidArgument(
          "id", "may hold only letters, digits, '-', '_' and '.', got \"" + r.id + "\"");
    }
  }
  if (r.name.empty()) return InvalidArgument("name", "must not be empty");
  if (!r.properties.is_object()) return InvalidArgument("properties", "must be an object");
  return ValidateMultiPolygon(r.geometry, "geometry");
}

json RingToJson(const Ring& r) {
  return json{{"id", r.id},
              {"name", r.name},
              {"level", RingLevelName(r.level)},
              {"parent_id", r.parent_id},
              {"properties", r.properties},
              {"geometry", MultiPolygonToGeoJson(r.geometry)}};
}

StatusOr<Ring> RingFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("", "a ring must be a JSON object");
  Ring r;
  ASSIGN_OR_RETURN(r.id, StringMember(j, "id", true));
  ASSIGN_OR_RETURN(r.name, StringMember(j, "name", true));
  ASSIGN_OR_RETURN(std::string level, StringMember(j, "level", true));
  ASSIGN_OR_RETURN(r.level, ParseRingLevel(level, "level"));
  ASSIGN_OR_RETURN(r.parent_id, StringMember(j, "parent_id", false));
  if (auto it = j.find("properties"); it != j.end() && !it->is_null()) r.properties = *it;
  auto g = j.find("geometry");
  if (g == j.end()) return InvalidArgument("geometry", "is required");
  ASSIGN_OR_RETURN(r.geometry, MultiPolygonFromGeoJson(*g, Crs::kWgs84, "geometry"));
  RETURN_IF_ERROR(ValidateRing(r));
  return r;
}

StatusOr<RingTree> RingTree::Build(std::vector<Ring> rings, RingIndex::Options options) {
  RingTree t;
  const size_t n = rings.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string prefix = "rings[" + std::to_string(i) + "].";
    Status st = ValidateRing(rings[i]);
    if (!st.ok()) return st.WithFieldPrefix(prefix);
    auto [it, inserted] = t.by_id_.emplace(rings[i].id, static_cast<uint32_t>(i));
    if (!inserted) {
      return InvalidArgument(prefix + "id", "\"" + rings[i].id + "\" is already the id of rings[" +
                                                std::to_string(it->second) + "]");
    }
  }
  std::vector<PreparedPolygon> prepared;
  std::vector<LngLat> interior;
  std::vector<std::vector<LngLat>> samples;
  prepared.reserve(n);
  for (const Ring& r : rings) {
    prepared.emplace_back(r.geometry);
    interior.push_back(InteriorPoint(r.geometry));
    samples.push_back(CoverageSamples(prepared.back(), interior.back()));
    t.area_.push_back(AreaSquareMeters(r.geometry));
  }
  for (size_t i = 0; i < n; ++i) {
    size_t best = n;
    for (size_t j = 0; j < n; ++j) {
      if (j == i || t.area_[j] <= t.area_[i] || !MayContain(rings[j].level, rings[i].level) ||
          !prepared[j].Contains(interior[i]) || !Covers(prepared[j], samples[i])) {
        continue;
      }
      if (best == n || t.area_[j] < t.area_[best]) best = j;
    }
    rings[i].parent_id = best == n ? "" : rings[best].id;
  }
  // A parent is strictly larger than its child, so largest-first visits parents first.
  std::vector<uint32_t> by_area(n);
  std::iota(by_area.begin(), by_area.end(), 0);
  std::sort(by_area.begin(), by_area.end(),
            [&](uint32_t a, uint32_t b) { return t.area_[a] > t.area_[b]; });
  t.depth_.assign(n, 0);
  for (uint32_t i : by_area) {
    if (!rings[i].parent_id.empty()) t.depth_[i] = t.depth_[t.by_id_[rings[i].parent_id]] + 1;
  }
  t.order_.resize(n);
  std::iota(t.order_.begin(), t.order_.end(), 0);
  std::sort(t.order_.begin(), t.order_.end(), [&](uint32_t a, uint32_t b) {
    if (t.depth_[a] != t.depth_[b]) return t.depth_[a] > t.depth_[b];
    if (t.area_[a] != t.area_[b]) return t.area_[a] < t.area_[b];
    return rings[a].id < rings[b].id;
  });
  std::vector<PreparedPolygon> ordered;
  ordered.reserve(n);
  for (uint32_t i : t.order_) ordered.push_back(std::move(prepared[i]));
  t.index_ = RingIndex(std::move(ordered), options);
  t.rings_ = std::move(rings);
  return t;
}

const Ring* RingTree::Find(std::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &rings_[it->second];
}

std::vector<std::string> RingTree::Locate(LngLat p) const {
  std::vector<uint32_t> hits;
  Locate(p, &hits);
  std::vector<std::string> ids;
  ids.reserve(hits.size());
  for (uint32_t i : hits) ids.push_back(rings_[i].id);
  return ids;
}

}  // namespace quanyu::geo
