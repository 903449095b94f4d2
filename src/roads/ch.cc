#include "roads/ch.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "roads/search_space.h"

namespace quanyu::roads {
namespace {

struct BuildArc {
  uint32_t other;
  Weight weight;
  uint32_t data;
  bool shortcut;
};

// The graph while it is being contracted: arcs between vertices not yet contracted.
class Contractor {
 public:
  Contractor(const RoadGraph& graph, Metric metric, const ChOptions& options)
      : options_(options),
        n_(graph.vertex_count()),
        out_(n_),
        in_(n_),
        contracted_(n_, false),
        deleted_neighbours_(n_, 0),
        witness_(n_) {
    for (uint32_t e = 0; e < graph.edge_count(); ++e) {
      const GraphEdge& edge = graph.edge(e);
      if (edge.from == edge.to) continue;
      AddArc(edge.from, edge.to, edge.weight(metric), e, false);
    }
  }

  // Adds or shortens the arc a->b; false if an arc at least as short exists.
  bool AddArc(uint32_t a, uint32_t b, Weight w, uint32_t data, bool shortcut) {
    for (BuildArc& arc : out_[a]) {
      if (arc.other != b) continue;
      if (arc.weight <= w) return false;
      arc = {b, w, data, shortcut};
      for (BuildArc& back : in_[b]) {
        if (back.other == a) back = {a, w, data, shortcut};
      }
      return true;
    }
    out_[a].push_back({b, w, data, shortcut});
    in_[b].push_back({a, w, data, shortcut});
    return true;
  }

  // Contracts v, or with `simulate` only counts the shortcuts it would add.
  int Contract(uint32_t v, bool simulate) {
    int shortcuts = 0;
    const uint32_t limit =
        simulate ? options_.priority_settle_limit : options_.witness_settle_limit;
    for (size_t i = 0; i < in_[v].size(); ++i) {
      const BuildArc in = in_[v][i];
      Weight max_via = 0;
      for (const BuildArc& out : out_[v]) {
        if (out.other != in.other) max_via = std::max(max_via, in.weight + out.weight);
      }
      if (max_via == 0) continue;
      Witness(in.other, v, max_via, limit);
      for (size_t k = 0; k < out_[v].size(); ++k) {
        const BuildArc out = out_[v][k];
        if (out.other == in.other) continue;
        const Weight via = in.weight + out.weight;
        if (witness_.Dist(out.other) <= via) continue;
        ++shortcuts;
        if (!simulate) AddArc(in.other, out.other, via, v, true);
      }
    }
    return shortcuts;
  }

  int Priority(uint32_t v) {
    const int shortcuts = Contract(v, true);
    return 2 * (shortcuts - static_cast<int>(in_[v].size() + out_[v].size())) +
           static_cast<int>(deleted_neighbours_[v]);
  }

  // Removes v, whose remaining arcs become its upward arcs; returns its neighbours.
  void Remove(uint32_t v, std::vector<uint32_t>* neighbours) {
    contracted_[v] = true;
    neighbours->clear();
    for (const BuildArc& out : out_[v]) {
      std::erase_if(in_[out.other], [v](const BuildArc& a) { return a.other == v; });
      neighbours->push_back(out.other);
    }
    for (const BuildArc& in : in_[v]) {
      std::erase_if(out_[in.other], [v](const BuildArc& a) { return a.other == v; });
      neighbours->push_back(in.other);
    }
    std::sort(neighbours->begin(), neighbours->end());
    neighbours->erase(std::unique(neighbours->begin(), neighbours->end()), neighbours->end());
    for (uint32_t u : *neighbours) ++deleted_neighbours_[u];
  }

  uint32_t n() const { return n_; }
  std::vector<BuildArc>& out(uint32_t v) { return out_[v]; }
  std::vector<BuildArc>& in(uint32_t v) { return in_[v]; }
  bool contracted(uint32_t v) const { return contracted_[v]; }

 private:
  // Dijkstra from `source` avoiding `skip`, up to `max_weight` or `limit` settled vertices.
  void Witness(uint32_t source, uint32_t skip, Weight max_weight, uint32_t limit) {
    witness_.Reset();
    witness_.Relax(source, 0, internal::SearchSpace::kRoot, 0);
    uint32_t settled = 0;
    while (!witness_.Empty() && settled < limit) {
      if (witness_.TopWeight() > max_weight) break;
      const uint32_t u = witness_.Pop();
      ++settled;
      const Weight d = witness_.Dist(u);
      for (const BuildArc& arc : out_[u]) {
        if (arc.other == skip) continue;
        witness_.Relax(arc.other, d + arc.weight, u, 0);
      }
    }
  }

  const ChOptions options_;
  const uint32_t n_;
  std::vector<std::vector<BuildArc>> out_, in_;
  std::vector<bool> contracted_;
  std::vector<uint32_t> deleted_neighbours_;
  internal::SearchSpace witness_;
};

}  // namespace

ContractionHierarchy ContractionHierarchy::Build(const RoadGraph& graph, Metric metric,
                                                 const ChOptions& options) {
  ContractionHierarchy ch;
  ch.graph_ = &graph;
  ch.metric_ = metric;
  Contractor c(graph, metric, options);
  const uint32_t n = c.n();
  for (uint32_t v = 0; v < n; ++v) ch.stats_.arcs += c.out(v).size();

  std::vector<int> priority(n);
  using Entry = std::pair<int, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  for (uint32_t v = 0; v < n; ++v) {
    priority[v] = c.Priority(v);
    queue.emplace(priority[v], v);
  }
  ch.rank_.assign(n, 0);
  std::vector<std::vector<Arc>> up(n), down(n);
  std::vector<uint32_t> neighbours;
  uint32_t next_rank = 0;
  while (!queue.empty()) {
    const auto [p, v] = queue.top();
    queue.pop();
    if (c.contracted(v) || p != priority[v]) continue;
    // Lazy update: the priority may have risen since it was computed.
    const int now = c.Priority(v);
    if (now != p) {
      priority[v] = now;
      if (!queue.empty() && now > queue.top().first) {
        queue.emplace(now, v);
        continue;
      }
    }
    c.Contract(v, false);
    ch.rank_[v] = next_rank++;
    for (const BuildArc& a : c.out(v)) {
      up[v].push_back({a.other, a.weight, a.data, a.shortcut});
      ch.stats_.shortcuts += a.shortcut;
    }
    for (const BuildArc& a : c.in(v)) {
      down[v].push_back({a.other, a.weight, a.data, a.shortcut});
      ch.stats_.shortcuts += a.shortcut;
    }
    c.Remove(v, &neighbours);
    for (uint32_t u : neighbours) {
      priority[u] = c.Priority(u);
      queue.emplace(priority[u], u);
    }
  }

  auto flatten = [n](std::vector<std::vector<Arc>>& lists, std::vector<uint32_t>* begin,
                     std::vector<Arc>* arcs) {
    begin->assign(n + 1, 0);
    for (uint32_t v = 0; v < n; ++v) {
      (*begin)[v] = static_cast<uint32_t>(arcs->size());
      std::sort(lists[v].begin(), lists[v].end(),
                [](const Arc& a, const Arc& b) { return a.other < b.other; });
      arcs->insert(arcs->end(), lists[v].begin(), lists[v].end());
      std::vector<Arc>().swap(lists[v]);
    }
    (*begin)[n] = static_cast<uint32_t>(arcs->size());
  };
  flatten(up, &ch.up_begin_, &ch.up_);
  flatten(down, &ch.down_begin_, &ch.down_);
  ch.stats_.vertices = n;
  return ch;
}

const ContractionHierarchy::Arc& ContractionHierarchy::FindArc(uint32_t a, uint32_t b) const {
  // Stored at the lower-ranked end.
  const bool upward = rank_[a] < rank_[b];
  const uint32_t owner = upward ? a : b, other = upward ? b : a;
  const std::vector<uint32_t>& begin = upward ? up_begin_ : down_begin_;
  const std::vector<Arc>& arcs = upward ? up_ : down_;
  const auto first = arcs.begin() + begin[owner], last = arcs.begin() + begin[owner + 1];
  return *std::lower_bound(first, last, other,
                           [](const Arc& arc, uint32_t o) { return arc.other < o; });
}

bool ContractionHierarchy::Stalled(const internal::SearchSpace& search, uint32_t v, Weight d,
                                   bool forward) const {
  // A higher vertex w the search has reached with an arc w->v (forward; v->w backward) that
  // makes v closer than d: v's distance is not exact and its arcs need not be relaxed.
  const auto& begin = forward ? down_begin_ : up_begin_;
  const auto& arcs = forward ? down_ : up_;
  for (uint32_t k = begin[v]; k < begin[v + 1]; ++k) {
    const Weight w = search.Dist(arcs[k].other);
    if (w != kInfWeight && w + arcs[k].weight < d) return true;
  }
  return false;
}

void ContractionHierarchy::Unpack(uint32_t a, uint32_t b, const Arc& arc,
                                  std::vector<uint32_t>* edges) const {
  if (!arc.shortcut) {
    edges->push_back(arc.data);
    return;
  }
  const uint32_t m = arc.data;
  Unpack(a, m, FindArc(a, m), edges);
  Unpack(m, b, FindArc(m, b), edges);
}

ChQuery::ChQuery(const ContractionHierarchy& ch)
    : ch_(ch),
      forward_(std::make_unique<internal::SearchSpace>(ch.graph().vertex_count())),
      backward_(std::make_unique<internal::SearchSpace>(ch.graph().vertex_count())) {}

ChQuery::~ChQuery() = default;

Weight ChQuery::FindPath(const RoutePoint& from, const RoutePoint& to, Path* path) {
  using internal::SearchSpace;
  const Metric m = ch_.metric();
  Weight best = ch_.graph().DirectWeight(from, to, m);
  uint32_t meet = kNoVertex;
  forward_->Reset();
  backward_->Reset();
  for (size_t i = 0; i < from.sources.size(); ++i) {
    const Anchor& a = from.sources[i];
    forward_->Relax(a.vertex, a.weight(m), SearchSpace::kRoot | i, 0);
  }
  for (size_t j = 0; j < to.targets.size(); ++j) {
    const Anchor& a = to.targets[j];
    backward_->Relax(a.vertex, a.weight(m), SearchSpace::kRoot | j, 0);
  }
  while (true) {
    const Weight f = forward_->Empty() ? kInfWeight : forward_->TopWeight();
    const Weight b = backward_->Empty() ? kInfWeight : backward_->TopWeight();
    if (std::min(f, b) >= best) break;
    const bool go_forward = f <= b;
    SearchSpace& self = go_forward ? *forward_ : *backward_;
    const SearchSpace& other = go_forward ? *backward_ : *forward_;
    const uint32_t v = self.Pop();
    const Weight d = self.Dist(v);
    if (other.Dist(v) != kInfWeight && d + other.Dist(v) < best) {
      best = d + other.Dist(v);
      meet = v;
    }
    if (ch_.Stalled(self, v, d, go_forward)) continue;
    const auto& begin = go_forward ? ch_.up_begin_ : ch_.down_begin_;
    const auto& arcs = go_forward ? ch_.up_ : ch_.down_;
    for (uint32_t k = begin[v]; k < begin[v + 1]; ++k) {
      self.Relax(arcs[k].other, d + arcs[k].weight, v, k);
    }
  }
  if (path == nullptr) return best;
  path->weight = best;
  path->source_anchor = path->target_anchor = -1;
  path->edges.clear();
  if (meet == kNoVertex) return best;
  // Forward half: arcs from the source anchor up to `meet`.
  arcs_.clear();
  uint32_t v = meet;
  while (!(forward_->Parent(v) & SearchSpace::kRoot)) {
    arcs_.push_back(forward_->Arc(v));
    v = forward_->Parent(v);
  }
  path->source_anchor = static_cast<int>(forward_->Parent(v) & ~SearchSpace::kRoot);
  uint32_t at = v;
  for (auto it = arcs_.rbegin(); it != arcs_.rend(); ++it) {
    const auto& arc = ch_.up_[*it];
    ch_.Unpack(at, arc.other, arc, &path->edges);
    at = arc.other;
  }
  // Backward half: from `meet` down to the target anchor.
  v = meet;
  while (!(backward_->Parent(v) & SearchSpace::kRoot)) {
    const auto& arc = ch_.down_[backward_->Arc(v)];
    const uint32_t next = backward_->Parent(v);
    ch_.Unpack(v, next, arc, &path->edges);
    v = next;
  }
  path->target_anchor = static_cast<int>(backward_->Parent(v) & ~SearchSpace::kRoot);
  return best;
}

void ChQuery::OneToMany(const RoutePoint& from, std::span<const RoutePoint> to,
                        std::vector<Weight>* out) {
  ManyToMany(std::span<const RoutePoint>(&from, 1), to, out);
}

void ChQuery::ManyToMany(std::span<const RoutePoint> from, std::span<const RoutePoint> to,
                         std::vector<Weight>* out) {
  PinTargets(to);
  const size_t k = to.size();
  out->assign(from.size() * k, kInfWeight);
  for (size_t i = 0; i < from.size(); ++i) {
    OneToPinned(from[i], &row_);
    std::copy(row_.begin(), row_.end(), out->begin() + static_cast<ptrdiff_t>(i * k));
  }
}

void ChQuery::PinTargets(std::span<const RoutePoint> to) {
  const Metric m = ch_.metric();
  pinned_.assign(to.begin(), to.end());
  buckets_.clear();
  for (size_t j = 0; j < to.size(); ++j) {
    backward_->Reset();
    for (const Anchor& a : to[j].targets) backward_->Relax(a.vertex, a.weight(m), 0, 0);
    while (!backward_->Empty()) {
      const uint32_t v = backward_->Pop();
      const Weight d = backward_->Dist(v);
      if (ch_.Stalled(*backward_, v, d, false)) continue;
      buckets_.emplace_back(v, static_cast<uint32_t>(j), d);
      for (uint32_t a = ch_.down_begin_[v]; a < ch_.down_begin_[v + 1]; ++a) {
        backward_->Relax(ch_.down_[a].other, d + ch_.down_[a].weight, v, a);
      }
    }
  }
  std::sort(buckets_.begin(), buckets_.end());
}

void ChQuery::OneToPinned(const RoutePoint& from, std::vector<Weight>* out) {
  const Metric m = ch_.metric();
  const size_t k = pinned_.size();
  out->resize(k);
  Weight* row = out->data();
  for (size_t j = 0; j < k; ++j) row[j] = ch_.graph().DirectWeight(from, pinned_[j], m);
  forward_->Reset();
  for (const Anchor& a : from.sources) forward_->Relax(a.vertex, a.weight(m), 0, 0);
  while (!forward_->Empty()) {
    const uint32_t v = forward_->Pop();
    const Weight d = forward_->Dist(v);
    if (ch_.Stalled(*forward_, v, d, true)) continue;
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(),
                               std::make_tuple(v, uint32_t{0}, Weight{0}));
    for (; it != buckets_.end() && std::get<0>(*it) == v; ++it) {
      Weight& w = row[std::get<1>(*it)];
      w = std::min(w, d + std::get<2>(*it));
    }
    for (uint32_t a = ch_.up_begin_[v]; a < ch_.up_begin_[v + 1]; ++a) {
      forward_->Relax(ch_.up_[a].other, d + ch_.up_[a].weight, v, a);
    }
  }
}

void ChQuery::AddSourceBuckets(const RoutePoint& from, uint32_t index) {
  const Metric m = ch_.metric();
  forward_->Reset();
  for (const Anchor& a : from.sources) forward_->Relax(a.vertex, a.weight(m), 0, 0);
  while (!forward_->Empty()) {
    const uint32_t v = forward_->Pop();
    const Weight d = forward_->Dist(v);
    if (ch_.Stalled(*forward_, v, d, true)) continue;
    source_buckets_.emplace_back(v, index, d);
    for (uint32_t a = ch_.up_begin_[v]; a < ch_.up_begin_[v + 1]; ++a) {
      forward_->Relax(ch_.up_[a].other, d + ch_.up_[a].weight, v, a);
    }
  }
}

void ChQuery::PinSources(std::span<const RoutePoint> from) {
  pinned_sources_.assign(from.begin(), from.end());
  source_buckets_.clear();
  for (size_t i = 0; i < from.size(); ++i) AddSourceBuckets(from[i], static_cast<uint32_t>(i));
  std::sort(source_buckets_.begin(), source_buckets_.end());
}

void ChQuery::RepinSource(size_t i, const RoutePoint& from) {
  pinned_sources_[i] = from;
  std::erase_if(source_buckets_, [i](const auto& b) { return std::get<1>(b) == i; });
  const auto old = static_cast<std::ptrdiff_t>(source_buckets_.size());
  AddSourceBuckets(from, static_cast<uint32_t>(i));
  std::sort(source_buckets_.begin() + old, source_buckets_.end());
  std::inplace_merge(source_buckets_.begin(), source_buckets_.begin() + old, source_buckets_.end());
}

void ChQuery::PinnedToOne(const RoutePoint& to, std::vector<Weight>* out) {
  const Metric m = ch_.metric();
  const size_t k = pinned_sources_.size();
  out->resize(k);
  Weight* column = out->data();
  // Along the piece both points lie on, as FindPath.
  for (size_t i = 0; i < k; ++i) column[i] = ch_.graph().DirectWeight(pinned_sources_[i], to, m);
  backward_->Reset();
  for (const Anchor& a : to.targets) backward_->Relax(a.vertex, a.weight(m), 0, 0);
  while (!backward_->Empty()) {
    const uint32_t v = backward_->Pop();
    const Weight d = backward_->Dist(v);
    if (ch_.Stalled(*backward_, v, d, false)) continue;
    auto it = std::lower_bound(source_buckets_.begin(), source_buckets_.end(),
                               std::make_tuple(v, uint32_t{0}, Weight{0}));
    for (; it != source_buckets_.end() && std::get<0>(*it) == v; ++it) {
      Weight& w = column[std::get<1>(*it)];
      w = std::min(w, std::get<2>(*it) + d);
    }
    for (uint32_t a = ch_.down_begin_[v]; a < ch_.down_begin_[v + 1]; ++a) {
      backward_->Relax(ch_.down_[a].other, d + ch_.down_[a].weight, v, a);
    }
  }
}

}  // namespace quanyu::roads
