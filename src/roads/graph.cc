#include "roads/graph.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace quanyu::roads {
namespace {

constexpr std::array<double, kRoadClassCount> kClassSpeedKmh = {90, 70, 50, 45, 40, 30, 25, 15, 10};

Weight ToWeight(double value) {
  const double rounded = std::round(value);
  if (rounded < 1) return 1;
  if (rounded >= static_cast<double>(kInfWeight / 4)) return kInfWeight / 4;
  return static_cast<Weight>(rounded);
}

// Strongly connected components (iterative Tarjan); returns the component count.
uint32_t StrongComponents(const RoadGraph& g, std::vector<uint32_t>* component) {
  const uint32_t n = g.vertex_count();
  constexpr uint32_t kUnvisited = kNoVertex;
  std::vector<uint32_t> index(n, kUnvisited), low(n, 0), stack;
  std::vector<bool> on_stack(n, false);
  component->assign(n, kNoVertex);
  struct Frame {
    uint32_t v;
    uint32_t next;  // position in OutEdges(v)
  };
  std::vector<Frame> call;
  uint32_t counter = 0, components = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (index[root] != kUnvisited) continue;
    call.push_back({root, 0});
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      Frame& f = call.back();
      const auto out = g.OutEdges(f.v);
      if (f.next < out.size()) {
        const uint32_t w = g.edge(out[f.next++]).to;
        if (index[w] == kUnvisited) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back({w, 0});
        } else if (on_stack[w]) {
          low[f.v] = std::min(low[f.v], index[w]);
        }
        continue;
      }
      const uint32_t v = f.v;
      call.pop_back();
      if (!call.empty()) low[call.back().v] = std::min(low[call.back().v], low[v]);
      if (low[v] == index[v]) {
        uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          (*component)[w] = components;
        } while (w != v);
        ++components;
      }
    }
  }
  return components;
}

uint32_t Find(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

}  // namespace

double ProfileSpeedKmh(RoadClass c, bool link) {
  const double speed = kClassSpeedKmh[static_cast<int>(c)];
  return link ? speed * 0.75 : speed;
}

RoadGraph RoadGraph::Build(const RoadSet& set) {
  RoadGraph g;
  // Vertices: nodes referenced more than once, and road ends.
  std::unordered_map<int64_t, uint32_t> refs;
  for (const Road& r : set.roads) {
    for (int64_t id : r.node_ids) ++refs[id];
    refs[r.node_ids.front()] += 2;
    refs[r.node_ids.back()] += 2;
  }
  std::unordered_map<int64_t, uint32_t> vertex_of;
  auto vertex = [&](int64_t id, geo::LngLat p) {
    auto [it, added] = vertex_of.emplace(id, static_cast<uint32_t>(g.vertex_node_.size()));
    if (added) {
      g.vertex_node_.push_back(id);
      g.vertex_position_.push_back(p);
    }
    return it->second;
  };

  // Pieces and the edges along them ("base" edges, before restriction copies).
  std::vector<GraphEdge> base;
  for (uint32_t ri = 0; ri < set.roads.size(); ++ri) {
    const Road& r = set.roads[ri];
    const double speed =
        r.maxspeed_kmh > 0 ? r.maxspeed_kmh : ProfileSpeedKmh(r.road_class, r.link);
    size_t start = 0;
    for (size_t i = 1; i < r.node_ids.size(); ++i) {
      if (refs[r.node_ids[i]] < 2) continue;
      RoadPiece piece;
      piece.way_id = r.way_id;
      piece.road = ri;
      piece.first_point = static_cast<uint32_t>(g.points_.size());
      piece.point_count = static_cast<uint32_t>(i - start + 1);
      for (size_t k = start; k <= i; ++k) {
        if (k > start) piece.length_m += geo::DistanceMeters(r.points[k - 1], r.points[k]);
        g.points_.push_back(r.points[k]);
      }
      const uint32_t a = vertex(r.node_ids[start], r.points[start]);
      const uint32_t b = vertex(r.node_ids[i], r.points[i]);
      const uint32_t pi = static_cast<uint32_t>(g.pieces_.size());
      GraphEdge e;
      e.piece = pi;
      e.distance_cm = ToWeight(piece.length_m * 100);
      e.time_ms = ToWeight(piece.length_m / (speed / 3.6) * 1000);
      if (r.oneway != Oneway::kBackward) {
        piece.forward = static_cast<uint32_t>(base.size());
        e.from = a;
        e.to = b;
        e.reversed = false;
        base.push_back(e);
      }
      if (r.oneway != Oneway::kForward) {
        piece.backward = static_cast<uint32_t>(base.size());
        e.from = b;
        e.to = a;
        e.reversed = true;
        base.push_back(e);
      }
      g.pieces_.push_back(piece);
      start = i;
    }
  }
  g.original_vertices_ = static_cast<uint32_t>(g.vertex_node_.size());

  // Restrictions: per via vertex and incoming base edge, the allowed outgoing base edges.
  const uint32_t n0 = g.original_vertices_;
  std::vector<std::vector<uint32_t>> base_out(n0), base_in(n0);
  for (uint32_t e = 0; e < base.size(); ++e) {
    base_out[base[e].from].push_back(e);
    base_in[base[e].to].push_back(e);
  }
  auto way_of = [&](uint32_t e) { return g.pieces_[base[e].piece].way_id; };
  // incoming base edge -> allowed outgoing base edges at its head
  std::unordered_map<uint32_t, std::vector<uint32_t>> allowed;
  for (const TurnRestriction& r : set.restrictions) {
    const auto it = vertex_of.find(r.via_node);
    if (it == vertex_of.end()) {
      ++g.stats_.restrictions_ignored;
      continue;
    }
    const uint32_t v = it->second;
    std::vector<uint32_t> from_edges;
    for (uint32_t e : base_in[v]) {
      if (way_of(e) == r.from_way) from_edges.push_back(e);
    }
    bool to_found = false;
    for (uint32_t e : base_out[v]) to_found |= way_of(e) == r.to_way;
    if (from_edges.empty() || !to_found) {
      ++g.stats_.restrictions_ignored;
      continue;
    }
    ++g.stats_.restrictions_applied;
    const bool u_turn = r.kind == "no_u_turn";
    for (uint32_t in : from_edges) {
      auto [a, added] = allowed.try_emplace(in);
      if (added) a->second = base_out[v];
      auto is_to = [&](uint32_t out) {
        // A U-turn is back along the same piece; other turns are onto the to-way.
        return u_turn ? base[out].piece == base[in].piece : way_of(out) == r.to_way;
      };
      std::erase_if(a->second, [&](uint32_t out) { return r.only ? !is_to(out) : is_to(out); });
    }
  }
  std::vector<uint32_t> redirect(base.size(), kNoVertex);
  std::vector<std::pair<uint32_t, const std::vector<uint32_t>*>> copy_out;  // copy, allowed
  std::vector<std::vector<uint32_t>> copies_of(n0);
  std::vector<uint32_t> restricted_in;
  for (const auto& [in, list] : allowed) restricted_in.push_back(in);
  std::sort(restricted_in.begin(), restricted_in.end());  // deterministic numbering
  for (uint32_t in : restricted_in) {
    const uint32_t v = base[in].to;
    const uint32_t c = static_cast<uint32_t>(g.vertex_node_.size());
    g.vertex_node_.push_back(g.vertex_node_[v]);
    g.vertex_position_.push_back(g.vertex_position_[v]);
    copies_of[v].push_back(c);
    redirect[in] = c;
    copy_out.emplace_back(c, &allowed[in]);
  }
  g.stats_.restriction_copies = restricted_in.size();

  // Final edges: base edges first (so RoadPiece::forward/backward stay valid), then the copies'.
  g.edges_ = base;
  for (uint32_t e = 0; e < base.size(); ++e) {
    if (redirect[e] != kNoVertex) g.edges_[e].to = redirect[e];
  }
  for (const auto& [c, list] : copy_out) {
    for (uint32_t f : *list) {
      GraphEdge e = g.edges_[f];
      e.from = c;
      g.edges_.push_back(e);
    }
  }

  // Adjacency.
  const uint32_t n = g.vertex_count();
  g.out_begin_.assign(n + 1, 0);
  g.in_begin_.assign(n + 1, 0);
  for (const GraphEdge& e : g.edges_) {
    ++g.out_begin_[e.from + 1];
    ++g.in_begin_[e.to + 1];
  }
  std::partial_sum(g.out_begin_.begin(), g.out_begin_.end(), g.out_begin_.begin());
  std::partial_sum(g.in_begin_.begin(), g.in_begin_.end(), g.in_begin_.begin());
  g.out_edges_.resize(g.edges_.size());
  g.in_edges_.resize(g.edges_.size());
  {
    std::vector<uint32_t> out_fill(g.out_begin_.begin(), g.out_begin_.end() - 1);
    std::vector<uint32_t> in_fill(g.in_begin_.begin(), g.in_begin_.end() - 1);
    for (uint32_t e = 0; e < g.edges_.size(); ++e) {
      g.out_edges_[out_fill[g.edges_[e].from]++] = e;
      g.in_edges_[in_fill[g.edges_[e].to]++] = e;
    }
  }
  g.piece_edges_begin_.assign(g.pieces_.size() + 1, 0);
  for (const GraphEdge& e : g.edges_) ++g.piece_edges_begin_[e.piece + 1];
  std::partial_sum(g.piece_edges_begin_.begin(), g.piece_edges_begin_.end(),
                   g.piece_edges_begin_.begin());
  g.piece_edges_.resize(g.edges_.size());
  {
    std::vector<uint32_t> fill(g.piece_edges_begin_.begin(), g.piece_edges_begin_.end() - 1);
    for (uint32_t e = 0; e < g.edges_.size(); ++e) g.piece_edges_[fill[g.edges_[e].piece]++] = e;
  }
  g.copy_begin_.assign(n0 + 1, 0);
  for (uint32_t v = 0; v < n0; ++v) {
    g.copy_begin_[v] = static_cast<uint32_t>(g.copies_.size());
    g.copies_.push_back(v);
    for (uint32_t c : copies_of[v]) g.copies_.push_back(c);
  }
  g.copy_begin_[n0] = static_cast<uint32_t>(g.copies_.size());
  g.node_to_vertex_.reserve(n0);
  for (uint32_t v = 0; v < n0; ++v) g.node_to_vertex_.emplace_back(g.vertex_node_[v], v);
  std::sort(g.node_to_vertex_.begin(), g.node_to_vertex_.end());

  // Components: strong ones numbered largest first.
  const uint32_t scc_count = StrongComponents(g, &g.scc_);
  std::vector<uint64_t> size(scc_count, 0);
  for (uint32_t c : g.scc_) ++size[c];
  std::vector<uint32_t> order(scc_count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return size[a] > size[b]; });
  std::vector<uint32_t> renumber(scc_count);
  for (uint32_t i = 0; i < scc_count; ++i) renumber[order[i]] = i;
  for (uint32_t& c : g.scc_) c = renumber[c];
  std::vector<uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (const GraphEdge& e : g.edges_) parent[Find(parent, e.from)] = Find(parent, e.to);
  uint64_t weak = 0;
  for (uint32_t v = 0; v < n; ++v) weak += Find(parent, v) == v;

  g.stats_.vertices = n;
  g.stats_.edges = g.edges_.size();
  g.stats_.pieces = g.pieces_.size();
  g.stats_.strong_components = scc_count;
  g.stats_.weak_components = weak;
  g.stats_.largest_strong_component = scc_count == 0 ? 0 : size[order[0]];
  return g;
}

uint32_t RoadGraph::VertexOfOsmNode(int64_t node_id) const {
  const auto it = std::lower_bound(node_to_vertex_.begin(), node_to_vertex_.end(),
                                   std::make_pair(node_id, uint32_t{0}));
  if (it == node_to_vertex_.end() || it->first != node_id) return kNoVertex;
  return it->second;
}

std::span<const uint32_t> RoadGraph::CopiesOf(uint32_t v) const {
  if (v >= original_vertices_) {
    v = VertexOfOsmNode(vertex_node_[v]);
  }
  return {copies_.data() + copy_begin_[v], copies_.data() + copy_begin_[v + 1]};
}

RoutePoint RoadGraph::PointAtVertex(uint32_t v) const {
  RoutePoint p;
  p.position = vertex_position_[v];
  p.sources.push_back({v, 0, 0, kNoEdge});
  for (uint32_t c : CopiesOf(v)) p.targets.push_back({c, 0, 0, kNoEdge});
  return p;
}

namespace {

Weight Part(Weight w, double fraction) {
  return static_cast<Weight>(std::lround(std::clamp(fraction, 0.0, 1.0) * w));
}

}  // namespace

RoutePoint RoadGraph::PointOnPiece(uint32_t pi, double fraction) const {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const RoadPiece& piece = pieces_[pi];
  RoutePoint p;
  p.piece = pi;
  p.fraction = fraction;
  std::vector<geo::LngLat> at;
  AppendPieceRange(pi, fraction, fraction, &at);
  p.position = at.front();
  for (uint32_t e : {piece.forward, piece.backward}) {
    if (e == kNoEdge) continue;
    const GraphEdge& edge = edges_[e];
    const double rest = edge.reversed ? fraction : 1 - fraction;
    p.sources.push_back({edge.to, Part(edge.time_ms, rest), Part(edge.distance_cm, rest), e});
  }
  for (uint32_t e : PieceEdges(pi)) {
    const GraphEdge& edge = edges_[e];
    const double done = edge.reversed ? 1 - fraction : fraction;
    p.targets.push_back({edge.from, Part(edge.time_ms, done), Part(edge.distance_cm, done), e});
  }
  return p;
}

Weight RoadGraph::DirectWeight(const RoutePoint& from, const RoutePoint& to, Metric m) const {
  if (from.piece == kNoEdge || from.piece != to.piece) return kInfWeight;
  const RoadPiece& piece = pieces_[from.piece];
  const uint32_t e = to.fraction >= from.fraction ? piece.forward : piece.backward;
  if (e == kNoEdge) return kInfWeight;
  return Part(edges_[e].weight(m), std::abs(to.fraction - from.fraction));
}

void RoadGraph::AppendPieceRange(uint32_t pi, double f0, double f1,
                                 std::vector<geo::LngLat>* out) const {
  const RoadPiece& piece = pieces_[pi];
  const geo::LngLat* pts = points_.data() + piece.first_point;
  // Cumulative lengths decide where fractions fall.
  auto at = [&](double f, uint32_t* segment) {
    const double target = std::clamp(f, 0.0, 1.0) * piece.length_m;
    double walked = 0;
    for (uint32_t k = 0; k + 1 < piece.point_count; ++k) {
      const double len = geo::DistanceMeters(pts[k], pts[k + 1]);
      if (walked + len >= target || k + 2 == piece.point_count) {
        *segment = k;
        const double t = len > 0 ? std::clamp((target - walked) / len, 0.0, 1.0) : 0.0;
        return geo::LngLat{pts[k].lng + t * (pts[k + 1].lng - pts[k].lng),
                           pts[k].lat + t * (pts[k + 1].lat - pts[k].lat)};
      }
      walked += len;
    }
    *segment = 0;
    return pts[0];
  };
  auto push = [&](geo::LngLat p) {
    if (out->empty() || !(out->back() == p)) out->push_back(p);
  };
  uint32_t s0 = 0, s1 = 0;
  const geo::LngLat p0 = at(f0, &s0), p1 = at(f1, &s1);
  push(p0);
  if (f1 >= f0) {
    for (uint32_t k = s0 + 1; k <= s1; ++k) push(pts[k]);
  } else {
    for (uint32_t k = s0; k > s1; --k) push(pts[k]);
  }
  push(p1);
}

void RoadGraph::AppendEdgeGeometry(uint32_t e, std::vector<geo::LngLat>* out) const {
  const GraphEdge& edge = edges_[e];
  const RoadPiece& p = pieces_[edge.piece];
  for (uint32_t k = 0; k < p.point_count; ++k) {
    const uint32_t i = edge.reversed ? p.first_point + p.point_count - 1 - k : p.first_point + k;
    if (k == 0 && !out->empty() && out->back() == points_[i]) continue;
    out->push_back(points_[i]);
  }
}

}  // namespace quanyu::roads
