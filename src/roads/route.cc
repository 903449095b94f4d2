#include "roads/route.h"

#include <algorithm>

#include "roads/search_space.h"

namespace quanyu::roads {

std::vector<geo::LngLat> RouteGeometry(const RoadGraph& graph, const RoutePoint& from,
                                       const RoutePoint& to, const Path& path) {
  std::vector<geo::LngLat> line;
  if (path.weight == kInfWeight) return line;
  if (path.source_anchor < 0) {
    graph.AppendPieceRange(from.piece, from.fraction, to.fraction, &line);
    return line;
  }
  line.push_back(from.position);
  const Anchor& s = from.sources[path.source_anchor];
  if (s.edge != kNoEdge) {
    graph.AppendPieceRange(from.piece, from.fraction, graph.edge(s.edge).reversed ? 0.0 : 1.0,
                           &line);
  }
  for (uint32_t e : path.edges) graph.AppendEdgeGeometry(e, &line);
  const Anchor& t = to.targets[path.target_anchor];
  if (t.edge != kNoEdge) {
    graph.AppendPieceRange(to.piece, graph.edge(t.edge).reversed ? 1.0 : 0.0, to.fraction, &line);
  }
  if (!(line.back() == to.position)) line.push_back(to.position);
  return line;
}

nlohmann::json RouteGeoJson(const RoadGraph& graph, const RoutePoint& from, const RoutePoint& to,
                            const Path& path) {
  nlohmann::json coordinates = nlohmann::json::array();
  for (const geo::LngLat& p : RouteGeometry(graph, from, to, path)) {
    coordinates.push_back({p.lng, p.lat});
  }
  return {{"type", "LineString"}, {"coordinates", std::move(coordinates)}};
}

DijkstraQuery::DijkstraQuery(const RoadGraph& graph, Metric metric)
    : graph_(graph),
      metric_(metric),
      space_(std::make_unique<internal::SearchSpace>(graph.vertex_count())) {}

DijkstraQuery::~DijkstraQuery() = default;

void DijkstraQuery::Start(const RoutePoint& from) {
  space_->Reset();
  for (size_t i = 0; i < from.sources.size(); ++i) {
    const Anchor& a = from.sources[i];
    space_->Relax(a.vertex, a.weight(metric_), internal::SearchSpace::kRoot | i, kNoEdge);
  }
}

Weight DijkstraQuery::FindPath(const RoutePoint& from, const RoutePoint& to, Path* path) {
  Start(from);
  Weight best = graph_.DirectWeight(from, to, metric_);
  int best_target = -1;
  while (!space_->Empty() && space_->TopWeight() < best) {
    const uint32_t v = space_->Pop();
    const Weight d = space_->Dist(v);
    for (size_t j = 0; j < to.targets.size(); ++j) {
      const Anchor& t = to.targets[j];
      if (t.vertex == v && d + t.weight(metric_) < best) {
        best = d + t.weight(metric_);
        best_target = static_cast<int>(j);
      }
    }
    for (uint32_t e : graph_.OutEdges(v)) {
      const GraphEdge& edge = graph_.edge(e);
      space_->Relax(edge.to, d + edge.weight(metric_), v, e);
    }
  }
  if (path != nullptr) {
    path->weight = best;
    path->source_anchor = path->target_anchor = -1;
    path->edges.clear();
    if (best_target >= 0) {
      path->target_anchor = best_target;
      uint32_t v = to.targets[best_target].vertex;
      while (!(space_->Parent(v) & internal::SearchSpace::kRoot)) {
        path->edges.push_back(space_->Arc(v));
        v = space_->Parent(v);
      }
      path->source_anchor = static_cast<int>(space_->Parent(v) & ~internal::SearchSpace::kRoot);
      std::reverse(path->edges.begin(), path->edges.end());
    }
  }
  return best;
}

void DijkstraQuery::OneToMany(const RoutePoint& from, std::span<const RoutePoint> to,
                              std::vector<Weight>* out) {
  Start(from);
  out->assign(to.size(), kInfWeight);
  for (size_t j = 0; j < to.size(); ++j) (*out)[j] = graph_.DirectWeight(from, to[j], metric_);
  // Targets by vertex: scanned when a vertex settles. Small target lists are the common case,
  // so a flat scan over (vertex, target, offset) triples sorted by vertex.
  std::vector<std::tuple<uint32_t, uint32_t, Weight>>& index = index_;
  index.clear();
  for (size_t j = 0; j < to.size(); ++j) {
    for (const Anchor& t : to[j].targets) {
      index.emplace_back(t.vertex, static_cast<uint32_t>(j), t.weight(metric_));
    }
  }
  std::sort(index.begin(), index.end());
  Weight bound = kInfWeight;
  auto recompute_bound = [&] { bound = *std::max_element(out->begin(), out->end()); };
  if (!to.empty()) recompute_bound();
  while (!space_->Empty() && space_->TopWeight() < bound) {
    const uint32_t v = space_->Pop();
    const Weight d = space_->Dist(v);
    auto it = std::lower_bound(index.begin(), index.end(), std::make_tuple(v, 0u, Weight{0}));
    bool improved = false;
    for (; it != index.end() && std::get<0>(*it) == v; ++it) {
      Weight& w = (*out)[std::get<1>(*it)];
      if (d + std::get<2>(*it) < w) {
        w = d + std::get<2>(*it);
        improved = true;
      }
    }
    if (improved) recompute_bound();
    for (uint32_t e : graph_.OutEdges(v)) {
      const GraphEdge& edge = graph_.edge(e);
      space_->Relax(edge.to, d + edge.weight(metric_), v, e);
    }
  }
}

void DijkstraQuery::ManyToMany(std::span<const RoutePoint> from, std::span<const RoutePoint> to,
                               std::vector<Weight>* out) {
  out->assign(from.size() * to.size(), kInfWeight);
  for (size_t i = 0; i < from.size(); ++i) {
    OneToMany(from[i], to, &row_);
    std::copy(row_.begin(), row_.end(), out->begin() + i * to.size());
  }
}

}  // namespace quanyu::roads
