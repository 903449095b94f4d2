// Which rings each checkpoint guards, and which way: the link between the checkpoint registry
// and the ring tree that the rules engine evaluates against.
//
// A checkpoint "of ring R" stands on R's boundary (within a tolerance) and watches traffic
// crossing it: inbound (entering R) or outbound (leaving R) or both, derived from its position
// and the bearings it watches, and editable by hand (a manual assignment replaces the derived
// one for that checkpoint). Separately, every checkpoint position is located in the ring tree
// (the rings containing it, innermost first), so the engine can tell "seen outside R".
//
// Derivation (DeriveRingWatches). A checkpoint guards ring R when R's boundary passes within
// `tolerance_m` (default 200 m) of its position. Which way it watches comes from its bearings:
// for each bearing b, the points `1.5 x tolerance_m` ahead (along b) and behind (along b + 180)
// are given a signed depth in R (distance to R's boundary, positive inside, negative outside).
// If the depth grows along b by more than kMinDepthChange of the step (ahead inside and behind
// outside, or the road moves deeper into R), bearing b watches traffic entering R: inbound; if
// it shrinks as much, leaving R: outbound; otherwise the road runs along the boundary and that
// bearing watches neither. The checkpoint's watch of R is the union over its bearings; a
// checkpoint without bearings (all directions) watches both. A ring that no bearing crosses is
// not guarded. Point containment follows the ring tree's boundary rule (geo/prepared.h).
//
// Thread safety: RingContext is immutable once built and shared through shared_ptr snapshots;
// the functions are pure.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "geo/rings.h"
#include "registry/checkpoint.h"

namespace quanyu::registry {

// One ring a checkpoint guards.
struct RingWatch {
  std::string ring_id;
  bool inbound = false;   // watches traffic entering the ring
  bool outbound = false;  // watches traffic leaving the ring
  bool manual = false;    // set by hand rather than derived

  bool operator==(const RingWatch&) const = default;
};

// A snapshot of the rings and of every checkpoint's place among them.
struct RingContext {
  std::shared_ptr<const geo::RingTree> tree;  // never null (may hold no rings)
  // checkpoint id -> the rings it guards (on their boundary).
  std::unordered_map<std::string, std::vector<RingWatch>> guards;
  // checkpoint id -> ids of the rings containing its position, innermost first.
  std::unordered_map<std::string, std::vector<std::string>> inside;
};

inline constexpr double kDefaultRingTolerance = 200;  // metres
// The share of the step by which a bearing must move into or out of a ring to count.
inline constexpr double kMinDepthChange = 0.2;

// The rings `c` guards, by the rule above, innermost first (deeper in the tree, then smaller).
// Every watch has manual = false. O(vertices of the rings whose box comes within the tolerance).
std::vector<RingWatch> DeriveRingWatches(const Checkpoint& c, const geo::RingTree& tree,
                                         double tolerance_m = kDefaultRingTolerance);

// [{"ring_id", "inbound", "outbound", "manual"}, ...].
nlohmann::json RingWatchesToJson(const std::vector<RingWatch>& watches);

// A hand-made assignment from a JSON array of {"ring_id", "inbound", "outbound"} (booleans,
// absent = false; at least one true), each ring at most once; every watch gets manual = true.
// When `tree` is given, every ring_id must name one of its rings. Errors name
// "<field>[i].ring_id" and so on. An empty array is valid: the checkpoint guards no ring.
StatusOr<std::vector<RingWatch>> ManualRingWatchesFromJson(const nlohmann::json& list,
                                                           const geo::RingTree* tree,
                                                           std::string_view field = "rings");

}  // namespace quanyu::registry
