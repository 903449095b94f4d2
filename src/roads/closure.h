// Ring closure (围闭度): how much of the traffic that can enter or leave a ring passes a working
// checkpoint.
//
// The unit is a crossing direction: each crossing (crossings.h) counts once for inbound travel
// and once for outbound travel where that travel exists. A crossing direction is covered when an
// ACTIVE checkpoint lies within tolerance_m of the crossing and watches that direction: one of
// its bearings is within bearing_tolerance_deg of the travel bearing, or it lists no bearings
// (it watches all directions). Faulty and retired checkpoints cover nothing: their crossings are
// gaps.
//
//   ratio          = covered directions / all directions
//   weighted_ratio = sum of ClassWeight over covered directions / the same over all
//
// (1 when a ring has no crossing directions at all: nothing can pass unseen.)
//
// Example:
//   ClosureReport r = ComputeClosure(ring_id, crossings, checkpoints, {});
//   std::printf("%.1f %%\n", 100 * r.ratio);
//   nlohmann::json gaps = GapsGeoJson(r);
//
// Thread safety: pure functions over values.
#pragma once

#include <array>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "registry/checkpoint.h"
#include "roads/crossings.h"

namespace quanyu::roads {

struct ClosureOptions {
  double tolerance_m = 200;           // Default: 200 m. REQUIRES: > 0
  double bearing_tolerance_deg = 60;  // Default: ±60°.
};

// One crossing and, for each direction that exists, the checkpoint covering it ("" = a gap).
struct CrossingCoverage {
  Crossing crossing;
  std::string inbound_by, outbound_by;  // id of the covering checkpoint, "" if uncovered
  bool inbound_covered() const { return crossing.inbound && !inbound_by.empty(); }
  bool outbound_covered() const { return crossing.outbound && !outbound_by.empty(); }
  // Directions that exist and are not covered.
  bool inbound_gap() const { return crossing.inbound && inbound_by.empty(); }
  bool outbound_gap() const { return crossing.outbound && outbound_by.empty(); }
  bool has_gap() const { return inbound_gap() || outbound_gap(); }
  // The nearest checkpoint within tolerance that is not active (faulty/retired), if any, for
  // the gap report: "" if none.
  std::string inactive_nearby;
};

struct ClassTally {
  size_t crossings = 0;
  size_t directions = 0;
  size_t covered = 0;
  size_t gaps() const { return directions - covered; }
};

struct ClosureReport {
  std::string ring_id;
  ClosureOptions options;
  size_t crossings = 0;
  size_t directions = 0;  // crossing directions (inbound + outbound that exist)
  size_t covered = 0;
  double weight_total = 0;
  double weight_covered = 0;
  double ratio = 1;
  double weighted_ratio = 1;
  std::array<ClassTally, kRoadClassCount> by_class{};  // index: RoadClass
  std::vector<CrossingCoverage> coverage;              // in the order of the crossings given
};

// Whether the checkpoint watches travel at `bearing` (degrees) within `tolerance_deg`.
bool Watches(const registry::Checkpoint& c, double bearing, double tolerance_deg);

ClosureReport ComputeClosure(const std::string& ring_id, const std::vector<Crossing>& crossings,
                             const std::vector<registry::Checkpoint>& checkpoints,
                             const ClosureOptions& options);

// RFC 7946 FeatureCollection of the crossings with a gap: one Point feature per crossing, with
// properties id, ring_id, way_id, name, ref, class, link, oneway, inbound_bearing,
// outbound_bearing, gaps (["inbound"], ["outbound"] or both), covered (the directions that are
// covered, with the checkpoint id) and inactive_checkpoint (a faulty/retired one nearby, if any).
nlohmann::json GapsGeoJson(const ClosureReport& report);

// {"ring_id", "tolerance_m", "bearing_tolerance_deg", "crossings", "directions", "covered",
//  "uncovered", "ratio", "weighted_ratio", "weights": {class: weight}, "by_class": {class:
//  {"crossings", "directions", "covered", "gaps"}} (classes with crossings only)}; the caller
// adds what else it knows (ring name, gaps as GeoJSON).
nlohmann::json ClosureSummaryJson(const ClosureReport& report);

}  // namespace quanyu::roads
