#include "roads/network.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <queue>
#include <utility>

#include "roads/area.h"
#include "roads/route.h"

namespace quanyu::roads {
namespace {

std::atomic<uint64_t> next_network_id{1};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double ToSeconds(Weight ms) { return ms / 1000.0; }
double ToMetres(Weight cm) { return cm / 100.0; }

}  // namespace

StatusOr<Metric> ParseMetric(std::string_view text, std::string_view field) {
  if (text.empty() || text == "time") return Metric::kTime;
  if (text == "distance") return Metric::kDistance;
  return InvalidArgument(std::string(field),
                         "must be \"time\" or \"distance\", got \"" + std::string(text) + "\"");
}

std::string_view MetricName(Metric m) { return m == Metric::kTime ? "time" : "distance"; }

StatusOr<std::shared_ptr<const RoadNetwork>> RoadNetwork::Build(const std::string& path,
                                                                const NetworkOptions& options) {
  std::shared_ptr<RoadNetwork> net(new RoadNetwork());
  net->id_ = next_network_id.fetch_add(1);
  net->source_ = path;
  auto t0 = std::chrono::steady_clock::now();
  ReadOptions ro;
  ro.progress = options.progress;
  // The graph copies what it routes on; the roads as read are not kept.
  ASSIGN_OR_RETURN(RoadSet roads, ReadRoads(path, ro));
  net->stats_.osm = roads.stats;
  net->stats_.read_seconds = Seconds(t0);
  if (roads.roads.empty()) {
    return FailedPrecondition(path + " holds no drivable road");
  }
  t0 = std::chrono::steady_clock::now();
  net->graph_ = RoadGraph::Build(roads);
  net->stats_.graph = net->graph_.stats();
  net->stats_.graph_seconds = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  if (options.progress) std::fprintf(stderr, "contracting the road graph (time, distance)...\n");
  net->ch_time_ = std::make_unique<ContractionHierarchy>(
      ContractionHierarchy::Build(net->graph_, Metric::kTime));
  net->ch_distance_ = std::make_unique<ContractionHierarchy>(
      ContractionHierarchy::Build(net->graph_, Metric::kDistance));
  net->stats_.ch_time = net->ch_time_->stats();
  net->stats_.ch_distance = net->ch_distance_->stats();
  net->stats_.contract_seconds = Seconds(t0);
  net->snapper_ = std::make_unique<Snapper>(net->graph_, options.snap);
  net->snap_max_distance_m_ = options.snap.max_distance_m;
  return std::shared_ptr<const RoadNetwork>(std::move(net));
}

ChQuery& RoadNetwork::Query(Metric m) const {
  // Query state per thread and network; a network built later never reuses an id.
  struct PerThread {
    uint64_t network = 0;
    std::unique_ptr<ChQuery> time, distance;
  };
  thread_local PerThread q;
  if (q.network != id_) {
    q.time = std::make_unique<ChQuery>(*ch_time_);
    q.distance = std::make_unique<ChQuery>(*ch_distance_);
    q.network = id_;
  }
  return m == Metric::kTime ? *q.time : *q.distance;
}

StatusOr<RoutePoint> RoadNetwork::SnapPoint(geo::LngLat p, const std::string& field,
                                            Snapped* out) const {
  std::optional<SnapResult> s = snapper_->Snap(p);
  if (!s) {
    return InvalidArgument(field, "no usable road within " +
                                      std::to_string(static_cast<int>(snap_max_distance_m_)) +
                                      " m of this point");
  }
  if (out != nullptr) *out = Snapped{p, s->point, s->distance_m};
  return snapper_->PointOf(*s);
}

StatusOr<RouteResult> RoadNetwork::Route(geo::LngLat from, geo::LngLat to, Metric metric) const {
  RouteResult r;
  r.metric = metric;
  ASSIGN_OR_RETURN(RoutePoint a, SnapPoint(from, "from", &r.from));
  ASSIGN_OR_RETURN(RoutePoint b, SnapPoint(to, "to", &r.to));
  Path path;
  if (Query(metric).FindPath(a, b, &path) == kInfWeight) return r;
  r.reachable = true;
  Weight ms = 0, cm = 0;
  if (path.source_anchor < 0) {
    ms = graph_.DirectWeight(a, b, Metric::kTime);
    cm = graph_.DirectWeight(a, b, Metric::kDistance);
  } else {
    const Anchor& s = a.sources[path.source_anchor];
    const Anchor& t = b.targets[path.target_anchor];
    ms = s.time_ms + t.time_ms;
    cm = s.distance_cm + t.distance_cm;
    for (uint32_t e : path.edges) {
      ms += graph_.edge(e).time_ms;
      cm += graph_.edge(e).distance_cm;
    }
  }
  r.duration_s = ToSeconds(ms);
  r.distance_m = ToMetres(cm);
  r.geometry = RouteGeometry(graph_, a, b, path);
  return r;
}

StatusOr<MatrixResult> RoadNetwork::Matrix(std::span<const geo::LngLat> sources,
                                           std::span<const geo::LngLat> destinations,
                                           Metric metric) const {
  MatrixResult m;
  m.metric = metric;
  m.sources = sources.size();
  m.destinations = destinations.size();
  std::vector<RoutePoint> from, to;
  for (size_t i = 0; i < sources.size(); ++i) {
    ASSIGN_OR_RETURN(RoutePoint p, SnapPoint(sources[i], "sources[" + std::to_string(i) + "]",
                                             &m.snapped_sources.emplace_back()));
    from.push_back(std::move(p));
  }
  for (size_t j = 0; j < destinations.size(); ++j) {
    ASSIGN_OR_RETURN(RoutePoint p,
                     SnapPoint(destinations[j], "destinations[" + std::to_string(j) + "]",
                               &m.snapped_destinations.emplace_back()));
    to.push_back(std::move(p));
  }
  std::vector<Weight> w;
  Query(metric).ManyToMany(from, to, &w);
  m.values.reserve(w.size());
  for (Weight x : w) {
    if (x == kInfWeight) {
      m.values.emplace_back(std::nullopt);
    } else {
      m.values.emplace_back(metric == Metric::kTime ? ToSeconds(x) : ToMetres(x));
    }
  }
  return m;
}

StatusOr<IsochroneResult> RoadNetwork::Isochrone(geo::LngLat at, double limit_s,
                                                 bool with_area) const {
  IsochroneResult out;
  out.limit_s = limit_s;
  ASSIGN_OR_RETURN(RoutePoint start, SnapPoint(at, "at", &out.at));
  const auto limit = static_cast<Weight>(std::llround(limit_s * 1000));

  // Per piece, the fraction intervals reached (a two-way road is reached from both ends).
  std::map<uint32_t, std::vector<std::pair<double, double>>> cover;
  auto reach = [&](uint32_t p, double f0, double f1) {
    if (f0 > f1) std::swap(f0, f1);
    if (f1 > f0) cover[p].emplace_back(f0, f1);
  };
  // Where an edge starts and ends along its piece.
  auto ends = [&](uint32_t e) {
    return graph_.edge(e).reversed ? std::pair{1.0, 0.0} : std::pair{0.0, 1.0};
  };

  std::vector<Weight> dist(graph_.vertex_count(), kInfWeight);
  using Item = std::pair<Weight, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (const Anchor& a : start.sources) {
    if (a.edge != kNoEdge) {
      // From the position along its edge towards the anchor vertex.
      const double f = start.fraction, f1 = ends(a.edge).second;
      const double part = a.time_ms <= limit ? 1.0 : static_cast<double>(limit) / a.time_ms;
      reach(start.piece, f, f + (f1 - f) * part);
    }
    if (a.time_ms <= limit && a.time_ms < dist[a.vertex]) {
      dist[a.vertex] = a.time_ms;
      heap.emplace(a.time_ms, a.vertex);
    }
  }
  while (!heap.empty()) {
    const auto [d, v] = heap.top();
    heap.pop();
    if (d != dist[v]) continue;
    for (uint32_t e : graph_.OutEdges(v)) {
      const GraphEdge& edge = graph_.edge(e);
      const auto [f0, f1] = ends(e);
      const Weight t = d + edge.time_ms;
      if (t <= limit) {
        reach(edge.piece, f0, f1);
        if (t < dist[edge.to]) {
          dist[edge.to] = t;
          heap.emplace(t, edge.to);
        }
      } else {
        reach(edge.piece, f0, f0 + (f1 - f0) * (static_cast<double>(limit - d) / edge.time_ms));
      }
    }
  }
  for (auto& [p, intervals] : cover) {
    std::sort(intervals.begin(), intervals.end());
    std::vector<std::pair<double, double>> merged;
    for (const auto& iv : intervals) {
      if (!merged.empty() && iv.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, iv.second);
      } else {
        merged.push_back(iv);
      }
    }
    for (const auto& [f0, f1] : merged) {
      std::vector<geo::LngLat> line;
      graph_.AppendPieceRange(p, f0, f1, &line);
      if (line.size() < 2) continue;
      out.road_length_m += graph_.pieces()[p].length_m * (f1 - f0);
      out.segments.push_back(std::move(line));
    }
  }
  if (with_area) out.polygon = BufferSegments(out.segments, 100);
  return out;
}

std::string_view NetworkSlot::StateName(State s) {
  switch (s) {
    case State::kNone:
      return "none";
    case State::kLoading:
      return "loading";
    case State::kReady:
      return "ready";
    case State::kFailed:
      return "failed";
  }
  return "none";
}

void NetworkSlot::SetLoading(const std::string& source) {
  std::lock_guard lock(mu_);
  state_ = State::kLoading;
  source_ = source;
}

void NetworkSlot::Set(std::shared_ptr<const RoadNetwork> network) {
  std::lock_guard lock(mu_);
  state_ = State::kReady;
  source_ = network->source();
  failure_ = Status::Ok();
  network_ = std::move(network);
}

void NetworkSlot::SetFailed(const Status& why) {
  std::lock_guard lock(mu_);
  state_ = State::kFailed;
  failure_ = why;
  network_.reset();
}

NetworkSlot::State NetworkSlot::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::string NetworkSlot::source() const {
  std::lock_guard lock(mu_);
  return source_;
}

Status NetworkSlot::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

StatusOr<std::shared_ptr<const RoadNetwork>> NetworkSlot::Get() const {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::kReady:
      return network_;
    case State::kLoading:
      return Unavailable("the road network is still being built; try again shortly");
    case State::kFailed:
      return FailedPrecondition("the road network could not be built: " + failure_.ToString());
    case State::kNone:
      break;
  }
  return FailedPrecondition(
      "no road network: import an OpenStreetMap extract with quanyu import osm FILE");
}

}  // namespace quanyu::roads
