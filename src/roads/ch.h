// Contraction hierarchy: fast exact shortest routes on a RoadGraph for one metric.
//
// Preprocessing contracts the vertices one by one in order of importance (lowest priority
// first; priority = 2 x edge difference, the shortcuts a contraction adds minus the arcs it
// removes, plus the number of neighbours already contracted; priorities are updated lazily
// when a vertex is taken and for the neighbours of each contracted vertex). Contracting v adds
// a shortcut u->w for each pair of neighbours whose shortest route runs through v, unless a
// witness search (Dijkstra from u avoiding v, stopped after ChOptions::witness_settle_limit
// settled vertices) finds a route no longer. A shortcut remembers its middle vertex, so a
// route unpacks into graph edges.
//
// Queries search upward only, with stall-on-demand: one-to-one as a bidirectional Dijkstra,
// one-to-many and many-to-many with buckets (a backward search from every target leaves its
// distances at the vertices it settles; a forward search from each source reads them; pinned
// sources the other way round). One hierarchy serves one metric: build one per metric (time
// and distance are both Metric values).
//
// Example:
//   ContractionHierarchy ch = ContractionHierarchy::Build(graph, Metric::kTime);
//   ChQuery query(ch);  // one per thread, reused
//   Weight ms = query.FindPath(graph.PointAtVertex(a), graph.PointAtVertex(b));
//
// Thread safety: a built ContractionHierarchy is immutable and may be shared; a ChQuery is
// for one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include "roads/graph.h"
#include "roads/route.h"

namespace quanyu::roads {

struct ChOptions {
  // Settled vertices after which a witness search gives up (then adds the shortcut). Higher
  // finds more witnesses (fewer shortcuts) and preprocesses slower; on Andorra and on grids,
  // raising it from 100 to 1000 saves under 2% of the shortcuts. Default: 100.
  uint32_t witness_settle_limit = 100;
  // The same limit when a contraction is only simulated to compute a priority. Default: 20.
  uint32_t priority_settle_limit = 20;
};

struct ChStats {
  uint64_t vertices = 0;
  uint64_t arcs = 0;       // graph edges kept (parallel ones merged, loops dropped)
  uint64_t shortcuts = 0;  // shortcuts kept in the hierarchy
};

class ContractionHierarchy {
 public:
  // REQUIRES: graph outlives the hierarchy.
  static ContractionHierarchy Build(const RoadGraph& graph, Metric metric,
                                    const ChOptions& options = {});

  const RoadGraph& graph() const { return *graph_; }
  Metric metric() const { return metric_; }
  uint32_t Rank(uint32_t v) const { return rank_[v]; }
  const ChStats& stats() const { return stats_; }

 private:
  friend class ChQuery;
  struct Arc {
    uint32_t other = 0;
    Weight weight = 0;
    uint32_t data = 0;  // middle vertex of a shortcut, else the graph edge id
    bool shortcut = false;
  };
  // The arc from a to b (REQUIRES: it exists).
  const Arc& FindArc(uint32_t a, uint32_t b) const;
  // Stall-on-demand: true if v, settled at d by `search`, is reached shorter from above.
  bool Stalled(const internal::SearchSpace& search, uint32_t v, Weight d, bool forward) const;
  void Unpack(uint32_t a, uint32_t b, const Arc& arc, std::vector<uint32_t>* edges) const;

  const RoadGraph* graph_ = nullptr;
  Metric metric_ = Metric::kTime;
  std::vector<uint32_t> rank_;
  // up_: arcs v -> other with rank(other) > rank(v); down_: arcs other -> v, rank(other) >
  // rank(v); both stored at v.
  std::vector<uint32_t> up_begin_, down_begin_;
  std::vector<Arc> up_, down_;
  ChStats stats_;
};

class ChQuery {
 public:
  // `ch` must outlive the query.
  explicit ChQuery(const ContractionHierarchy& ch);
  ~ChQuery();

  // The least weight from `from` to `to` (kInfWeight if unreachable); fills *path (unpacked
  // into graph edges) if given.
  Weight FindPath(const RoutePoint& from, const RoutePoint& to, Path* path = nullptr);
  // out[j] = weight from `from` to to[j].
  void OneToMany(const RoutePoint& from, std::span<const RoutePoint> to, std::vector<Weight>* out);
  // out[i * to.size() + j] = weight from from[i] to to[j].
  void ManyToMany(std::span<const RoutePoint> from, std::span<const RoutePoint> to,
                  std::vector<Weight>* out);

  // Targets kept for many queries (the units a dispatcher ranks, the places a reach analysis
  // checks): PinTargets runs the backward searches once; each OneToPinned is then one forward
  // search. out[j] = weight from `from` to the j-th pinned target. Pinned targets stay until the
  // next PinTargets or ManyToMany.
  void PinTargets(std::span<const RoutePoint> to);
  void OneToPinned(const RoutePoint& from, std::vector<Weight>* out);
  size_t pinned_count() const { return pinned_.size(); }

  // The mirror image, sources kept for many queries (the positions of the available units, each
  // incident then costs one search): PinSources runs the forward searches once; each
  // PinnedToOne is then one backward search. out[i] = weight from the i-th pinned source to
  // `to` (kInfWeight if unreachable). Pinned sources and pinned targets are kept apart: each
  // stays until the next PinSources, respectively PinTargets or ManyToMany.
  void PinSources(std::span<const RoutePoint> from);
  void PinnedToOne(const RoutePoint& to, std::vector<Weight>* out);
  // Replaces the i-th pinned source (a unit that moved): one forward search, its buckets
  // merged in place of the old ones. REQUIRES: i < pinned_source_count().
  void RepinSource(size_t i, const RoutePoint& from);
  size_t pinned_source_count() const { return pinned_sources_.size(); }

 private:
  // The forward search from `from`, its settled vertices appended to source_buckets_ as
  // (vertex, index, weight).
  void AddSourceBuckets(const RoutePoint& from, uint32_t index);

  const ContractionHierarchy& ch_;
  std::unique_ptr<internal::SearchSpace> forward_, backward_;
  // Buckets: (vertex, target, weight from the vertex to the target), sorted by vertex.
  std::vector<std::tuple<uint32_t, uint32_t, Weight>> buckets_;
  std::vector<RoutePoint> pinned_;  // the targets the buckets are for
  // Source buckets: (vertex, source, weight from the source to the vertex), sorted by vertex.
  std::vector<std::tuple<uint32_t, uint32_t, Weight>> source_buckets_;
  std::vector<RoutePoint> pinned_sources_;  // the sources the source buckets are for
  std::vector<Weight> row_;                 // reused by ManyToMany
  std::vector<uint32_t> arcs_;              // reused during unpacking
};

}  // namespace quanyu::roads
