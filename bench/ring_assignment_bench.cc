// Ring assignment: registry::DeriveRingWatches over the whole Sichuan tree (province outline,
// 21 cities, Dazhou's 7 and Chengdu's 20 counties; DataV, GCJ-02 converted), for checkpoints at
// random points over Dazhou's box and for checkpoints standing on Dazhou's county boundaries
// (every 7th vertex), each watching two opposite bearings. RingService derives every
// checkpoint again after each ring import or deletion, so items_per_second bounds how many
// checkpoints a ring change can re-derive per second on one core.
//
// Build in Release with -DQUANYU_BENCH=ON; run `bench/ring_assignment_bench` from the build
// directory (data found through QUANYU_SOURCE_DIR, else the source tree this was built from).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "geo/polygon.h"
#include "geo/rings.h"
#include "registry/ring_assignment.h"

namespace quanyu::registry {
namespace {

using geo::Ring;
using geo::RingLevel;

std::vector<Ring> LoadRings(const char* file, RingLevel level) {
  const char* env = std::getenv("QUANYU_SOURCE_DIR");
  std::string path =
      std::string(env != nullptr ? env : QUANYU_SOURCE_DIR_DEFAULT) + "/data/boundaries/" + file;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto features = geo::ParsePolygonFeatures(ss.str(), geo::Crs::kGcj02);
  if (!features.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), features.status().ToString().c_str());
    std::exit(1);
  }
  std::vector<Ring> rings;
  for (geo::PolygonFeature& f : *features) {
    Ring r;
    r.id = f.adcode;
    r.name = f.name;
    r.level = level;
    r.geometry = std::move(f.geometry);
    rings.push_back(std::move(r));
  }
  return rings;
}

const geo::RingTree& SichuanTree() {
  static const geo::RingTree tree = [] {
    std::vector<Ring> rings;
    for (auto [file, level] : {std::pair("datav_510000_sichuan_outline.json", RingLevel::kProvince),
                               std::pair("datav_510000_full.json", RingLevel::kCity),
                               std::pair("datav_511700_full.json", RingLevel::kCounty),
                               std::pair("datav_510100_full.json", RingLevel::kCounty)}) {
      for (Ring& r : LoadRings(file, level)) rings.push_back(std::move(r));
    }
    auto built = geo::RingTree::Build(std::move(rings));
    if (!built.ok()) {
      std::fprintf(stderr, "%s\n", built.status().ToString().c_str());
      std::exit(1);
    }
    return std::move(built).value();
  }();
  return tree;
}

void Run(benchmark::State& state, const std::vector<Checkpoint>& checkpoints) {
  const geo::RingTree& tree = SichuanTree();
  size_t i = 0, guarded = 0;
  for (auto _ : state) {
    guarded += DeriveRingWatches(checkpoints[i], tree).size();
    i = (i + 1) % checkpoints.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rings_per_checkpoint"] = static_cast<double>(guarded) / state.iterations();
}

void BM_DeriveRandomInDazhou(benchmark::State& state) {
  geo::BBox box;
  for (const Ring& r : SichuanTree().rings()) {
    if (r.id.rfind("5117", 0) == 0 && r.level == RingLevel::kCounty) {
      box.Extend(geo::BoundingBox(r.geometry));
    }
  }
  std::mt19937_64 rng(20261129);
  std::uniform_real_distribution<double> lng(box.min_lng, box.max_lng),
      lat(box.min_lat, box.max_lat);
  std::vector<Checkpoint> checkpoints(4096);
  for (Checkpoint& c : checkpoints) {
    c.position = {lng(rng), lat(rng)};
    c.directions = {90, 270};
  }
  Run(state, checkpoints);
}
BENCHMARK(BM_DeriveRandomInDazhou);

void BM_DeriveOnDazhouCountyBoundaries(benchmark::State& state) {
  std::vector<Checkpoint> checkpoints;
  for (const Ring& r : SichuanTree().rings()) {
    if (r.id.rfind("5117", 0) != 0 || r.level != RingLevel::kCounty) continue;
    const geo::LinearRing& outer = r.geometry.polygons[0].outer;
    for (size_t k = 0; k < outer.size(); k += 7) {
      Checkpoint c;
      c.position = outer[k];
      c.directions = {0, 180};
      checkpoints.push_back(c);
    }
  }
  Run(state, checkpoints);
}
BENCHMARK(BM_DeriveOnDazhouCountyBoundaries);

}  // namespace
}  // namespace quanyu::registry

BENCHMARK_MAIN();
