// Private to the routing code (route.cc, ch.cc): the per-query state of a Dijkstra search,
// reused from query to query without clearing or allocating. Each entry carries the number of
// the search that last wrote it; a new search only increments that number.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "roads/graph.h"

namespace quanyu::roads::internal {

class SearchSpace {
 public:
  // A parent value meaning "started here, from anchor i": kRoot | i.
  static constexpr uint32_t kRoot = 0x80000000u;

  explicit SearchSpace(uint32_t vertices)
      : dist_(vertices, kInfWeight),
        parent_(vertices, 0),
        arc_(vertices, 0),
        stamp_(vertices, 0),
        settled_(vertices, 0) {}

  // Forgets the previous search.
  void Reset() {
    if (++now_ == 0) {
      std::fill(stamp_.begin(), stamp_.end(), 0);
      std::fill(settled_.begin(), settled_.end(), 0);
      now_ = 1;
    }
    heap_.clear();
  }
  Weight Dist(uint32_t v) const { return stamp_[v] == now_ ? dist_[v] : kInfWeight; }
  uint32_t Parent(uint32_t v) const { return parent_[v]; }
  uint32_t Arc(uint32_t v) const { return arc_[v]; }
  bool Settled(uint32_t v) const { return settled_[v] == now_; }
  // Lowers the distance of v to d (with how it was reached) if that is shorter.
  bool Relax(uint32_t v, Weight d, uint32_t parent, uint32_t arc) {
    if (Dist(v) <= d) return false;
    stamp_[v] = now_;
    dist_[v] = d;
    parent_[v] = parent;
    arc_[v] = arc;
    heap_.emplace_back(d, v);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    return true;
  }
  bool Empty() {
    DropStale();
    return heap_.empty();
  }
  // The smallest tentative distance (REQUIRES: !Empty()).
  Weight TopWeight() {
    DropStale();
    return heap_.front().first;
  }
  // Removes and settles the closest vertex (REQUIRES: !Empty()).
  uint32_t Pop() {
    DropStale();
    const uint32_t v = heap_.front().second;
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    settled_[v] = now_;
    return v;
  }

 private:
  void DropStale() {
    while (!heap_.empty() && (settled_[heap_.front().second] == now_ ||
                              heap_.front().first != dist_[heap_.front().second])) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      heap_.pop_back();
    }
  }

  std::vector<Weight> dist_;
  std::vector<uint32_t> parent_, arc_, stamp_, settled_;
  uint32_t now_ = 0;
  std::vector<std::pair<Weight, uint32_t>> heap_;
};

}  // namespace quanyu::roads::internal
