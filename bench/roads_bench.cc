// Ring closure on real data: reading the drivable roads of the central-Chengdu OSM extract
// (data/osm/chengdu_central.osm.pbf, 284 KB) with libosmium, and finding where they cross the
// boundaries of Chengdu's 20 districts and counties (DataV, GCJ-02 converted to WGS-84), which
// is what `quanyu closure` does before it looks at checkpoints. Also the coverage computation
// over those crossings against a checkpoint at every other crossing.
//
// Build in Release with -DQUANYU_BENCH=ON; run `bench/roads_bench` from the build directory
// (data found through QUANYU_SOURCE_DIR, else the source tree this was built from).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "geo/polygon.h"
#include "roads/closure.h"
#include "roads/crossings.h"
#include "roads/osm_reader.h"

namespace quanyu::roads {
namespace {

std::string SourceDir() {
  const char* env = std::getenv("QUANYU_SOURCE_DIR");
  return env != nullptr ? env : QUANYU_SOURCE_DIR_DEFAULT;
}

std::string OsmPath() { return SourceDir() + "/data/osm/chengdu_central.osm.pbf"; }

const std::vector<geo::PolygonFeature>& Districts() {
  static const std::vector<geo::PolygonFeature> features = [] {
    std::ifstream in(SourceDir() + "/data/boundaries/datav_510100_full.json", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto f = geo::ParsePolygonFeatures(ss.str(), geo::Crs::kGcj02);
    if (!f.ok()) {
      std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(f).value();
  }();
  return features;
}

const RoadSet& Roads() {
  static const RoadSet set = [] {
    auto s = ReadRoads(OsmPath());
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(s).value();
  }();
  return set;
}

std::vector<Crossing> AllCrossings() {
  std::vector<Crossing> all;
  for (const geo::PolygonFeature& f : Districts()) {
    RingBoundary boundary(f.geometry);
    std::vector<Crossing> xs = FindCrossings(f.adcode, boundary, Roads().roads);
    all.insert(all.end(), xs.begin(), xs.end());
  }
  return all;
}

void BM_ReadRoads(benchmark::State& state) {
  uint64_t ways = 0;
  for (auto _ : state) {
    auto s = ReadRoads(OsmPath());
    ways = s->stats.drivable_ways;
    benchmark::DoNotOptimize(s);
  }
  state.counters["drivable_ways"] = static_cast<double>(ways);
}
BENCHMARK(BM_ReadRoads)->Unit(benchmark::kMillisecond);

// Index every district's boundary and find its crossings with every road.
void BM_CrossingsChengduDistricts(benchmark::State& state) {
  const RoadSet& roads = Roads();
  size_t crossings = 0;
  for (auto _ : state) {
    crossings = AllCrossings().size();
  }
  state.counters["crossings"] = static_cast<double>(crossings);
  state.counters["segments"] = static_cast<double>(roads.stats.road_segments);
}
BENCHMARK(BM_CrossingsChengduDistricts)->Unit(benchmark::kMillisecond);

// The whole command's work before checkpoints: read, then cross.
void BM_ReadAndCrossChengdu(benchmark::State& state) {
  Districts();
  size_t crossings = 0;
  for (auto _ : state) {
    auto s = ReadRoads(OsmPath());
    crossings = 0;
    for (const geo::PolygonFeature& f : Districts()) {
      crossings += FindCrossings(f.adcode, RingBoundary(f.geometry), s->roads).size();
    }
  }
  state.counters["crossings"] = static_cast<double>(crossings);
}
BENCHMARK(BM_ReadAndCrossChengdu)->Unit(benchmark::kMillisecond);

void BM_CoverageChengdu(benchmark::State& state) {
  const std::vector<Crossing> crossings = AllCrossings();
  std::vector<registry::Checkpoint> checkpoints;
  for (size_t i = 0; i < crossings.size(); i += 2) {
    registry::Checkpoint c;
    c.id = "C" + std::to_string(i);
    c.position = crossings[i].position;
    c.directions = {static_cast<int>(crossings[i].inbound_bearing)};
    checkpoints.push_back(c);
  }
  for (auto _ : state) {
    ClosureReport r = ComputeClosure("all", crossings, checkpoints, ClosureOptions());
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * crossings.size());
  state.counters["checkpoints"] = static_cast<double>(checkpoints.size());
}
BENCHMARK(BM_CoverageChengdu)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace quanyu::roads

BENCHMARK_MAIN();
