#include "places/reach.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <utility>

#include "roads/area.h"

namespace quanyu::places {
namespace {

using roads::Anchor;
using roads::GraphEdge;
using roads::kInfWeight;
using roads::kNoEdge;
using roads::RoadGraph;
using roads::RoutePoint;
using roads::Weight;

constexpr uint32_t kNoOrigin = UINT32_MAX;

using Intervals = std::vector<std::pair<double, double>>;

// Sorts and merges overlapping fraction intervals.
Intervals Merge(Intervals intervals) {
  std::sort(intervals.begin(), intervals.end());
  Intervals merged;
  for (const auto& iv : intervals) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, iv.second);
    } else {
      merged.push_back(iv);
    }
  }
  return merged;
}

nlohmann::json CategoryCounts(const std::map<PlaceCategory, size_t>& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [c, n] : counts) j[std::string(PlaceCategoryName(c))] = n;
  return j;
}

}  // namespace

StatusOr<ReachReport> ComputeReach(const roads::RoadNetwork& net,
                                   std::span<const ReachOrigin> origins,
                                   std::span<const Place> places, const ReachOptions& options) {
  std::vector<double> minutes = options.minutes;
  if (minutes.empty()) return InvalidArgument("minutes", "at least one threshold is needed");
  for (double m : minutes) {
    if (!(m > 0) || !std::isfinite(m) || m > 24 * 60) {
      return InvalidArgument("minutes", "thresholds must be > 0 and at most 1440 minutes");
    }
  }
  if (!(options.buffer_m >= 0)) return InvalidArgument("buffer_m", "must be >= 0");
  std::sort(minutes.begin(), minutes.end());
  minutes.erase(std::unique(minutes.begin(), minutes.end()), minutes.end());
  const size_t K = minutes.size();
  std::vector<Weight> limit(K);
  for (size_t k = 0; k < K; ++k) limit[k] = static_cast<Weight>(std::llround(minutes[k] * 60000));
  const Weight max_limit = limit.back();

  const RoadGraph& g = net.graph();
  ReachReport report;

  // Origins on the network.
  std::vector<RoutePoint> starts;
  std::vector<uint32_t> start_origin;  // index into origins
  for (size_t i = 0; i < origins.size(); ++i) {
    StatusOr<RoutePoint> rp =
        net.SnapPoint(origins[i].position, "origins[" + std::to_string(i) + "]", nullptr);
    if (!rp.ok()) {
      report.unsnapped_origins.push_back(
          {origins[i].id, origins[i].name, std::string(rp.status().message())});
      continue;
    }
    starts.push_back(std::move(rp).value());
    start_origin.push_back(static_cast<uint32_t>(i));
  }
  report.origins_used = starts.size();

  // One bounded Dijkstra from every origin at once: dist[v] is the least time from any origin,
  // owner[v] the start it comes from.
  std::vector<Weight> dist(g.vertex_count(), kInfWeight);
  std::vector<uint32_t> owner(g.vertex_count(), kNoOrigin);
  using Item = std::pair<Weight, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (size_t j = 0; j < starts.size(); ++j) {
    for (const Anchor& a : starts[j].sources) {
      if (a.time_ms <= max_limit && a.time_ms < dist[a.vertex]) {
        dist[a.vertex] = a.time_ms;
        owner[a.vertex] = static_cast<uint32_t>(j);
        heap.emplace(a.time_ms, a.vertex);
      }
    }
  }
  while (!heap.empty()) {
    const auto [d, v] = heap.top();
    heap.pop();
    if (d != dist[v]) continue;
    for (uint32_t e : g.OutEdges(v)) {
      const GraphEdge& edge = g.edge(e);
      const Weight t = d + edge.time_ms;
      if (t <= max_limit && t < dist[edge.to]) {
        dist[edge.to] = t;
        owner[edge.to] = owner[v];
        heap.emplace(t, edge.to);
      }
    }
  }

  // The stretches of road reached per threshold, as fraction intervals per piece.
  std::vector<std::map<uint32_t, Intervals>> cover(K);
  auto reach = [&](size_t k, uint32_t p, double f0, double f1) {
    if (f0 > f1) std::swap(f0, f1);
    if (f1 > f0) cover[k][p].emplace_back(f0, f1);
  };
  // Where an edge starts and ends along its piece.
  auto ends = [&](uint32_t e) {
    return g.edge(e).reversed ? std::pair{1.0, 0.0} : std::pair{0.0, 1.0};
  };
  for (const RoutePoint& s : starts) {
    for (const Anchor& a : s.sources) {
      if (a.edge == kNoEdge) continue;
      // From the position along its edge towards the anchor vertex.
      const double f = s.fraction, f1 = ends(a.edge).second;
      for (size_t k = 0; k < K; ++k) {
        const double part = a.time_ms <= limit[k] ? 1.0 : static_cast<double>(limit[k]) / a.time_ms;
        reach(k, s.piece, f, f + (f1 - f) * part);
      }
    }
  }
  for (uint32_t v = 0; v < g.vertex_count(); ++v) {
    const Weight d = dist[v];
    if (d == kInfWeight) continue;
    for (uint32_t e : g.OutEdges(v)) {
      const GraphEdge& edge = g.edge(e);
      const auto [f0, f1] = ends(e);
      for (size_t k = 0; k < K; ++k) {
        if (d >= limit[k]) continue;
        const Weight t = d + edge.time_ms;
        const double part = t <= limit[k] ? 1.0 : static_cast<double>(limit[k] - d) / edge.time_ms;
        reach(k, edge.piece, f0, f0 + (f1 - f0) * part);
      }
    }
  }

  // The roads of the largest strongly connected component, the denominator of the shares.
  std::vector<bool> main_piece(g.pieces().size(), false);
  for (const GraphEdge& e : g.edges()) {
    if (g.StrongComponent(e.from) == 0 && g.StrongComponent(e.to) == 0) main_piece[e.piece] = true;
  }
  for (size_t p = 0; p < main_piece.size(); ++p) {
    if (main_piece[p]) report.total_road_length_m += g.pieces()[p].length_m;
  }

  report.thresholds.resize(K);
  for (size_t k = 0; k < K; ++k) {
    ReachThreshold& t = report.thresholds[k];
    t.minutes = minutes[k];
    double main_length = 0;
    std::vector<std::vector<geo::LngLat>> segments;
    for (auto& [p, intervals] : cover[k]) {
      for (const auto& [f0, f1] : Merge(std::move(intervals))) {
        const double length = g.pieces()[p].length_m * (f1 - f0);
        t.road_length_m += length;
        if (main_piece[p]) main_length += length;
        std::vector<geo::LngLat> line;
        g.AppendPieceRange(p, f0, f1, &line);
        if (!line.empty()) segments.push_back(std::move(line));
      }
    }
    t.road_share = report.total_road_length_m > 0
                       ? std::min(1.0, main_length / report.total_road_length_m)
                       : 0;
    if (options.buffer_m > 0) t.area = roads::BufferSegments(segments, options.buffer_m);
  }

  // Places: the least time over the anchors of their snapped position, or directly along the
  // piece an origin lies on.
  std::map<uint32_t, std::vector<uint32_t>> starts_on_piece;
  for (size_t j = 0; j < starts.size(); ++j) {
    if (starts[j].piece != kNoEdge) starts_on_piece[starts[j].piece].push_back(j);
  }
  report.places_total = places.size();
  for (size_t i = 0; i < places.size(); ++i) {
    const Place& place = places[i];
    ReachPlace rp;
    rp.id = place.id;
    rp.name = place.name;
    rp.category = place.category;
    rp.position = place.position;
    ++report.places_by_category[place.category];
    StatusOr<RoutePoint> at =
        net.SnapPoint(place.position, "places[" + std::to_string(i) + "]", nullptr);
    Weight best = kInfWeight;
    uint32_t best_start = kNoOrigin;
    if (!at.ok()) {
      rp.on_network = false;
    } else {
      for (const Anchor& a : at->targets) {
        if (dist[a.vertex] == kInfWeight) continue;
        const Weight t = dist[a.vertex] + a.time_ms;
        if (t < best) {
          best = t;
          best_start = owner[a.vertex];
        }
      }
      if (auto it = starts_on_piece.find(at->piece); it != starts_on_piece.end()) {
        for (uint32_t j : it->second) {
          const Weight t = g.DirectWeight(starts[j], *at, roads::Metric::kTime);
          if (t < best) {
            best = t;
            best_start = j;
          }
        }
      }
    }
    if (best <= max_limit && best_start != kNoOrigin) {
      rp.best_time_s = best / 1000.0;
      rp.origin_id = origins[start_origin[best_start]].id;
      for (size_t k = 0; k < K; ++k) {
        if (best <= limit[k]) {
          ++report.thresholds[k].places_reached;
          ++report.thresholds[k].reached_by_category[place.category];
        }
      }
    } else {
      report.gaps.push_back(rp);
    }
    report.places.push_back(std::move(rp));
  }
  std::sort(report.gaps.begin(), report.gaps.end(), [](const ReachPlace& a, const ReachPlace& b) {
    return std::tie(a.category, a.name, a.id) < std::tie(b.category, b.name, b.id);
  });
  return report;
}

nlohmann::json ReachReportToJson(const ReachReport& report) {
  nlohmann::json j;
  j["origins_used"] = report.origins_used;
  j["total_road_length_m"] = report.total_road_length_m;
  j["places_total"] = report.places_total;
  j["places_by_category"] = CategoryCounts(report.places_by_category);
  nlohmann::json thresholds = nlohmann::json::array();
  nlohmann::json areas = nlohmann::json::array();
  for (const ReachThreshold& t : report.thresholds) {
    thresholds.push_back({{"minutes", t.minutes},
                          {"road_length_m", t.road_length_m},
                          {"road_share", t.road_share},
                          {"places_reached", t.places_reached},
                          {"places_total", report.places_total},
                          {"reached_by_category", CategoryCounts(t.reached_by_category)}});
    areas.push_back({{"type", "Feature"},
                     {"geometry", geo::MultiPolygonToGeoJson(t.area)},
                     {"properties",
                      {{"minutes", t.minutes},
                       {"road_length_m", t.road_length_m},
                       {"places_reached", t.places_reached}}}});
  }
  j["thresholds"] = std::move(thresholds);
  nlohmann::json places = nlohmann::json::array();
  for (const ReachPlace& p : report.places) {
    places.push_back({{"id", p.id},
                      {"name", p.name},
                      {"category", PlaceCategoryName(p.category)},
                      {"lng", p.position.lng},
                      {"lat", p.position.lat},
                      {"on_network", p.on_network},
                      {"best_time_s", p.best_time_s ? nlohmann::json(*p.best_time_s) : nullptr},
                      {"origin_id", p.origin_id}});
  }
  j["places"] = std::move(places);
  nlohmann::json gaps = nlohmann::json::array();
  nlohmann::json gap_features = nlohmann::json::array();
  for (const ReachPlace& p : report.gaps) {
    gaps.push_back(p.id);
    gap_features.push_back(
        {{"type", "Feature"},
         {"geometry", {{"type", "Point"}, {"coordinates", {p.position.lng, p.position.lat}}}},
         {"properties",
          {{"id", p.id},
           {"name", p.name},
           {"category", PlaceCategoryName(p.category)},
           {"category_label", PlaceCategoryLabel(p.category)},
           {"on_network", p.on_network}}}});
  }
  j["gaps"] = std::move(gaps);
  nlohmann::json unsnapped = nlohmann::json::array();
  for (const UnsnappedOrigin& o : report.unsnapped_origins) {
    unsnapped.push_back({{"id", o.id}, {"name", o.name}, {"reason", o.reason}});
  }
  j["unsnapped_origins"] = std::move(unsnapped);
  j["areas"] = {{"type", "FeatureCollection"}, {"features", std::move(areas)}};
  j["gap_places"] = {{"type", "FeatureCollection"}, {"features", std::move(gap_features)}};
  return j;
}

}  // namespace quanyu::places
