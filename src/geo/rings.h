// Rings (圈层): named areas at an administrative or operational level — province, city,
// county/district, urban core, or custom — nested in a containment tree, and the point location
// that tells which rings a position lies in, innermost first.
//
// Containment is derived from geometry, not declared: a ring's parent is the smallest ring (by
// area) that contains its interior point (InteriorPoint) and covers at least
// kContainmentCoverage of it (the share of a 32 x 32 grid of sample points over the child's box
// that fall inside the child), among the rings allowed above it: administrative levels nest
// strictly (province > city > county > urban core, levels may be skipped) and never under a
// custom ring; a custom ring may sit under any larger ring. Coverage rather than exact
// containment because boundary files of different levels are generalised separately (Dazhou's
// counties poke out of Dazhou by metres in the DataV files); coverage rather than bounding
// boxes because an urban core across two districts lies inside either district's box.
//
// Example:
//   ASSIGN_OR_RETURN(RingTree tree, RingTree::Build(std::move(rings)));
//   for (const std::string& id : tree.Locate({107.47, 31.21})) ...  // "511702", "511700", ...
//
// Thread safety: Ring is a value; RingTree is immutable after Build and safe to query from any
// number of threads.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "geo/polygon.h"
#include "geo/prepared.h"

namespace quanyu::geo {

enum class RingLevel { kProvince, kCity, kCounty, kUrbanCore, kCustom };

// "province", "city", "county", "urban_core", "custom".
std::string_view RingLevelName(RingLevel level);
// The names above, and "district" for a county (DataV's word); errors name `field`.
StatusOr<RingLevel> ParseRingLevel(std::string_view name, std::string_view field = "level");

inline constexpr double kContainmentCoverage = 0.9;

struct Ring {
  std::string id;  // 1-64 letters, digits, '-', '_' or '.'; an adcode for administrative rings
  std::string name;
  RingLevel level = RingLevel::kCustom;
  std::string parent_id;                                 // set by RingTree::Build; "" for a root
  MultiPolygon geometry;                                 // WGS-84
  nlohmann::json properties = nlohmann::json::object();  // as imported (name, adcode, ...)

  bool operator==(const Ring&) const = default;
};

// Checks the id, a non-empty name, and the geometry (ValidateMultiPolygon); errors name the
// field ("id", "name", "geometry.coordinates[0][0][3]").
Status ValidateRing(const Ring& r);

// {"id", "name", "level", "parent_id", "properties", "geometry": GeoJSON MultiPolygon}.
nlohmann::json RingToJson(const Ring& r);
// The form above (geometry in WGS-84), validated.
StatusOr<Ring> RingFromJson(const nlohmann::json& j);

class RingTree {
 public:
  RingTree() = default;

  // Validates the rings, derives every parent_id (any given one is replaced) and prepares the
  // geometry for Locate. Ids must be unique; errors name "rings[i].<field>".
  static StatusOr<RingTree> Build(std::vector<Ring> rings,
                                  RingIndex::Options options = RingIndex::Options());

  // In the order given to Build, with parent_id set.
  const std::vector<Ring>& rings() const { return rings_; }
  // nullptr if no ring has this id.
  const Ring* Find(std::string_view id) const;
  double area_square_meters(size_t i) const { return area_[i]; }
  // 0 for a root, 1 for its children, ...
  int depth(size_t i) const { return depth_[i]; }

  // Ids of the rings containing `p` (boundary rule of prepared.h), innermost first: deeper in
  // the tree first, then smaller area, then id.
  std::vector<std::string> Locate(LngLat p) const;
  // The same as positions in rings(); reuses *out's storage.
  void Locate(LngLat p, std::vector<uint32_t>* out) const {
    index_.Locate(p, out);
    for (uint32_t& i : *out) i = order_[i];
  }

 private:
  std::vector<Ring> rings_;
  std::vector<double> area_;
  std::vector<int> depth_;
  std::map<std::string, uint32_t, std::less<>> by_id_;
  std::vector<uint32_t> order_;  // index position (innermost first) -> position in rings_
  RingIndex index_;
};

}  // namespace quanyu::geo
