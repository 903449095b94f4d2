// Which rings each checkpoint guards, and which way: the link between the checkpoint registry
// and the ring tree that the rules engine evaluates against.
//
// A checkpoint "of ring R" stands on R's boundary (within a tolerance) and watches traffic
// crossing it: inbound (entering R) or outbound (leaving R) or both, derived from its position
// and the bearings it watches, and editable by hand (a manual assignment replaces the derived
// one for that checkpoint). Separately, every checkpoint position is located in the ring tree
// (the rings containing it, innermost first), so the engine can tell "seen outside R".
//
// Thread safety: RingContext is immutable once built and shared through shared_ptr snapshots.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/rings.h"

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

}  // namespace quanyu::registry
