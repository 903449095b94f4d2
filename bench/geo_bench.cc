// Point location among rings (圈层): which of Dazhou's 7 real county polygons (DataV, GCJ-02
// converted to WGS-84) hold a point, for 1,048,576 random points over Dazhou's bounding box,
// drawn before timing. Also one PreparedPolygon, the brute-force crossing number for scale, and
// the whole Sichuan tree (province, 21 cities, 27 counties) queried over Dazhou.
//
// Target: >= 20,000,000 RingTree::Locate calls per second per core on the county polygons
// (items_per_second of BM_LocateDazhouCounties). Build in Release with -DQUANYU_BENCH=ON; run
// `bench/geo_bench` from the build directory (data found through QUANYU_SOURCE_DIR, else the
// source tree this was built from).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "geo/polygon.h"
#include "geo/prepared.h"
#include "geo/rings.h"

namespace quanyu::geo {
namespace {

constexpr size_t kPoints = 1 << 20;
constexpr int kBatch = 1024;

std::vector<Ring> LoadRings(const char* file, RingLevel level) {
  const char* env = std::getenv("QUANYU_SOURCE_DIR");
  std::string path =
      std::string(env != nullptr ? env : QUANYU_SOURCE_DIR_DEFAULT) + "/data/boundaries/" + file;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto features = ParsePolygonFeatures(ss.str(), Crs::kGcj02);
  if (!features.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), features.status().ToString().c_str());
    std::exit(1);
  }
  std::vector<Ring> rings;
  for (PolygonFeature& f : *features) {
    Ring r;
    r.id = f.adcode;
    r.name = f.name;
    r.level = level;
    r.geometry = std::move(f.geometry);
    rings.push_back(std::move(r));
  }
  return rings;
}

const std::vector<Ring>& DazhouCounties() {
  static const std::vector<Ring> rings = LoadRings("datav_511700_full.json", RingLevel::kCounty);
  return rings;
}

BBox DazhouBox() {
  BBox b;
  for (const Ring& r : DazhouCounties()) b.Extend(BoundingBox(r.geometry));
  return b;
}

std::vector<LngLat> RandomPoints(const BBox& b) {
  std::mt19937_64 rng(20261129);
  std::uniform_real_distribution<double> lng(b.min_lng, b.max_lng), lat(b.min_lat, b.max_lat);
  std::vector<LngLat> out(kPoints);
  for (LngLat& p : out) p = {lng(rng), lat(rng)};
  return out;
}

const std::vector<LngLat>& DazhouPoints() {
  static const std::vector<LngLat> points = RandomPoints(DazhouBox());
  return points;
}

void RunLocate(benchmark::State& state, const RingTree& tree) {
  const std::vector<LngLat>& points = DazhouPoints();
  std::vector<uint32_t> hits;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      tree.Locate(points[i], &hits);
      found += hits.size();
      i = (i + 1) & (kPoints - 1);
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["hit_rate"] = static_cast<double>(found) / (state.iterations() * kBatch);
}

// Arg: RingIndex::Options::max_cells.
void BM_LocateDazhouCounties(benchmark::State& state) {
  auto tree =
      RingTree::Build(DazhouCounties(), RingIndex::Options{static_cast<int>(state.range(0))});
  if (!tree.ok()) return state.SkipWithError(tree.status().ToString().c_str());
  RunLocate(state, *tree);
}
BENCHMARK(BM_LocateDazhouCounties)->Arg(1)->Arg(1 << 12)->Arg(1 << 16)->Arg(1 << 18);

void BM_LocateSichuanTree(benchmark::State& state) {
  std::vector<Ring> rings = DazhouCounties();
  for (auto [file, level] : {std::pair("datav_510000_sichuan_outline.json", RingLevel::kProvince),
                             std::pair("datav_510000_full.json", RingLevel::kCity),
                             std::pair("datav_510100_full.json", RingLevel::kCounty)}) {
    for (Ring& r : LoadRings(file, level)) rings.push_back(std::move(r));
  }
  auto tree = RingTree::Build(std::move(rings));
  if (!tree.ok()) return state.SkipWithError(tree.status().ToString().c_str());
  RunLocate(state, *tree);
}
BENCHMARK(BM_LocateSichuanTree);

// One county (宣汉县, 476 vertices), points over its own box.
void BM_PreparedContains(benchmark::State& state) {
  const MultiPolygon& mp = DazhouCounties()[2].geometry;
  const PreparedPolygon prepared(mp);
  const std::vector<LngLat> points = RandomPoints(prepared.bbox());
  size_t i = 0, found = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      found += prepared.Contains(points[i]);
      i = (i + 1) & (kPoints - 1);
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_PreparedContains);

void BM_BruteForceContains(benchmark::State& state) {
  const MultiPolygon& mp = DazhouCounties()[2].geometry;
  const std::vector<LngLat> points = RandomPoints(BoundingBox(mp));
  size_t i = 0, found = 0;
  for (auto _ : state) {
    found += ContainsBruteForce(mp, points[i]);
    i = (i + 1) & (kPoints - 1);
    benchmark::DoNotOptimize(found);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BruteForceContains);

}  // namespace
}  // namespace quanyu::geo

BENCHMARK_MAIN();
