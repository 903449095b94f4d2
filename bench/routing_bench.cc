// Contraction-hierarchy routing (roads/ch.h) on a real network and a generated one:
// preprocessing time, one-to-one queries, one source to 100 targets (and 100 pinned sources to
// one target), and 100 x 100 matrices, with the time metric.
//
//   andorra: the whole Andorra OSM extract (data/osm/andorra.osm.pbf, ODbL, see
//            data/README.md), about 5,000 graph vertices after chain compression.
//   grid:    a generated square grid, QUANYU_GRID_SIDE vertices a side (default 707, about
//            500,000 vertices), two-way streets about 100 m long with random speed limits
//            (10-100 km/h); not a real network.
//
// Queries run between vertices of the largest strongly connected component drawn at random
// (fixed seed). Build in Release with -DQUANYU_BENCH=ON; run `bench/routing_bench` from the
// build directory (data found through QUANYU_SOURCE_DIR, else the source tree this was built
// from).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "roads/ch.h"
#include "roads/graph.h"
#include "roads/osm_reader.h"
#include "roads/route.h"

namespace quanyu::roads {
namespace {

std::string SourceDir() {
  const char* env = std::getenv("QUANYU_SOURCE_DIR");
  return env != nullptr ? env : QUANYU_SOURCE_DIR_DEFAULT;
}

RoadSet GridRoads(int side) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> speed(10, 100);
  RoadSet set;
  auto id = [side](int r, int c) { return static_cast<int64_t>(r) * side + c + 1; };
  auto pos = [](int r, int c) { return geo::LngLat{104.0 + c * 0.00104, 30.0 + r * 0.0009}; };
  int64_t way = 1;
  for (int r = 0; r < side; ++r) {
    for (int c = 0; c < side; ++c) {
      for (const auto& [dr, dc] : {std::pair{0, 1}, std::pair{1, 0}}) {
        if (r + dr >= side || c + dc >= side) continue;
        Road road;
        road.way_id = way++;
        road.road_class = RoadClass::kResidential;
        road.maxspeed_kmh = speed(rng);
        road.node_ids = {id(r, c), id(r + dr, c + dc)};
        road.points = {pos(r, c), pos(r + dr, c + dc)};
        set.roads.push_back(std::move(road));
      }
    }
  }
  return set;
}

// A line of /proc/self/status in KiB ("VmRSS", "VmHWM"), or -1.
long StatusKiB(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  const size_t n = std::strlen(key);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, n) == 0 && line[n] == ':') kib = std::atol(line + n + 1);
  }
  std::fclose(f);
  return kib;
}

// Resets the peak resident size (VmHWM) to the current one (Linux 4.0+).
void ResetPeakRss() {
  if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w"); f != nullptr) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

struct Network {
  std::unique_ptr<RoadGraph> graph;
  std::unique_ptr<ContractionHierarchy> ch;
  double preprocess_seconds = 0;
  // Resident memory: the peak growth while contracting, and what the hierarchy keeps after.
  double preprocess_peak_mib = 0, hierarchy_mib = 0;
  std::vector<RoutePoint> points;  // random vertices of the largest component
};

std::unique_ptr<Network> MakeNetwork(const RoadSet& set) {
  auto n = std::make_unique<Network>();
  n->graph = std::make_unique<RoadGraph>(RoadGraph::Build(set));
  ResetPeakRss();
  const long rss_before = StatusKiB("VmRSS");
  const auto start = std::chrono::steady_clock::now();
  n->ch =
      std::make_unique<ContractionHierarchy>(ContractionHierarchy::Build(*n->graph, Metric::kTime));
  n->preprocess_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  n->preprocess_peak_mib = (StatusKiB("VmHWM") - rss_before) / 1024.0;
  n->hierarchy_mib = (StatusKiB("VmRSS") - rss_before) / 1024.0;
  std::mt19937 rng(42);
  while (n->points.size() < 1000) {
    const uint32_t v = rng() % n->graph->vertex_count();
    if (n->graph->StrongComponent(v) == 0) n->points.push_back(n->graph->PointAtVertex(v));
  }
  std::fprintf(stderr,
               "%lu vertices, %lu edges, %lu shortcuts, CH built in %.2f s; resident memory "
               "+%.1f MiB at the peak of contraction, +%.1f MiB kept by the hierarchy\n",
               n->graph->stats().vertices, n->graph->stats().edges, n->ch->stats().shortcuts,
               n->preprocess_seconds, n->preprocess_peak_mib, n->hierarchy_mib);
  return n;
}

const Network& Andorra() {
  static const std::unique_ptr<Network> n = [] {
    auto set = ReadRoads(SourceDir() + "/data/osm/andorra.osm.pbf");
    if (!set.ok()) {
      std::fprintf(stderr, "%s\n", set.status().ToString().c_str());
      std::exit(1);
    }
    return MakeNetwork(*set);
  }();
  return *n;
}

const Network& Grid() {
  static const std::unique_ptr<Network> n = [] {
    const char* env = std::getenv("QUANYU_GRID_SIDE");
    return MakeNetwork(GridRoads(env != nullptr ? std::atoi(env) : 707));
  }();
  return *n;
}

const Network& Get(int which) { return which == 0 ? Andorra() : Grid(); }

// Reports the preprocessing time measured when the network was built (once).
void BM_Preprocess(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  for (auto _ : state) state.SetIterationTime(n.preprocess_seconds);
  state.counters["vertices"] = static_cast<double>(n.graph->vertex_count());
  state.counters["shortcuts"] = static_cast<double>(n.ch->stats().shortcuts);
  state.counters["peak_MiB"] = n.preprocess_peak_mib;
  state.counters["kept_MiB"] = n.hierarchy_mib;
}

void BM_OneToOne(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query.FindPath(n.points[i % 1000], n.points[(i * 7 + 1) % 1000]));
    ++i;
  }
}

void BM_OneToOneWithPath(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  Path path;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        query.FindPath(n.points[i % 1000], n.points[(i * 7 + 1) % 1000], &path));
    ++i;
  }
}

void BM_Dijkstra(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  DijkstraQuery query(*n.graph, Metric::kTime);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(query.FindPath(n.points[i % 1000], n.points[(i * 7 + 1) % 1000]));
    ++i;
  }
}

void BM_OneToHundred(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  const std::span<const RoutePoint> targets(n.points.data() + 500, 100);
  std::vector<Weight> out;
  size_t i = 0;
  for (auto _ : state) {
    query.OneToMany(n.points[i++ % 500], targets, &out);
    benchmark::DoNotOptimize(out.data());
  }
}

// The same with the 100 targets pinned once (as RoutingKit's pin_targets): one forward search
// per query.
void BM_OneToHundredPinned(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  query.PinTargets(std::span<const RoutePoint>(n.points.data() + 500, 100));
  std::vector<Weight> out;
  size_t i = 0;
  for (auto _ : state) {
    query.OneToPinned(n.points[i++ % 500], &out);
    benchmark::DoNotOptimize(out.data());
  }
}

// The mirror image: 100 sources (the available units) pinned once, one backward search per
// target (each incident).
void BM_HundredPinnedToOne(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  query.PinSources(std::span<const RoutePoint>(n.points.data() + 500, 100));
  std::vector<Weight> out;
  size_t i = 0;
  for (auto _ : state) {
    query.PinnedToOne(n.points[i++ % 500], &out);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_HundredByHundred(benchmark::State& state) {
  const Network& n = Get(state.range(0));
  ChQuery query(*n.ch);
  const std::span<const RoutePoint> sources(n.points.data(), 100);
  const std::span<const RoutePoint> targets(n.points.data() + 500, 100);
  std::vector<Weight> out;
  for (auto _ : state) {
    query.ManyToMany(sources, targets, &out);
    benchmark::DoNotOptimize(out.data());
  }
}

// Argument 0: Andorra; 1: the grid.
BENCHMARK(BM_Preprocess)->Arg(0)->Arg(1)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_OneToOne)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OneToOneWithPath)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Dijkstra)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OneToHundred)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OneToHundredPinned)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HundredPinnedToOne)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HundredByHundred)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quanyu::roads

BENCHMARK_MAIN();
