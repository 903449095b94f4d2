// The ingest duplicate filter's set (ingest::U64Set): filling a fresh set with 4,194,304 random
// ids' hashes, as the filter fills after a start, and random lookups in a set of that size, as
// every accepted record makes (half of them present), alone and in batches with prefetching as
// Pipeline::Submit runs them. Keys are drawn before timing. Run `bench/dedup_bench` from the
// build directory.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "ingest/u64_set.h"

namespace quanyu::ingest {
namespace {

constexpr size_t kKeys = size_t{1} << 22;

const std::vector<uint64_t>& Keys() {
  static const std::vector<uint64_t>* keys = [] {
    auto* v = new std::vector<uint64_t>(2 * kKeys);
    std::mt19937_64 rng(1);
    for (uint64_t& k : *v) k = rng() | 2;  // 0 and 1 are kept aside by the set
    return v;
  }();
  return *keys;
}

void BM_FillFreshSet(benchmark::State& state) {
  const auto& keys = Keys();
  for (auto _ : state) {
    U64Set s;
    for (size_t i = 0; i < kKeys; ++i) s.insert(keys[i]);
    benchmark::DoNotOptimize(s.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kKeys));
}
BENCHMARK(BM_FillFreshSet)->Unit(benchmark::kMillisecond);

void BM_Lookup(benchmark::State& state) {
  const auto& keys = Keys();
  U64Set s;
  for (size_t i = 0; i < kKeys; ++i) s.insert(keys[i]);
  // Probe present (first half) and absent (second half) keys in a shuffled order.
  std::vector<uint64_t> probes(keys.begin(), keys.end());
  std::shuffle(probes.begin(), probes.end(), std::mt19937_64(2));
  size_t i = 0, found = 0;
  for (auto _ : state) {
    found += s.contains(probes[i]);
    i = (i + 1) & (probes.size() - 1);
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Lookup);

// Look-ups of a batch of 500 ids followed by an insert of each new one, as the duplicate filter
// runs them for a request; with the argument 1, each look-up prefetches the one 8 ahead, as
// Pipeline::Submit does.
void BM_BatchLookupInsert(benchmark::State& state) {
  const bool prefetch = state.range(0) != 0;
  const auto& keys = Keys();
  U64Set s;
  for (size_t i = 0; i < kKeys; ++i) s.insert(keys[i]);
  std::vector<uint64_t> probes(keys.begin(), keys.end());
  std::shuffle(probes.begin(), probes.end(), std::mt19937_64(3));
  constexpr size_t kBatch = 500, kAhead = 8;
  size_t at = 0, inserted = 0;
  for (auto _ : state) {
    // Each batch looks up fresh probes, so that inserts never make the set grow much.
    if (at + kBatch > probes.size()) {
      state.PauseTiming();
      at = 0;
      s.clear();
      for (size_t i = 0; i < kKeys; ++i) s.insert(keys[i]);
      state.ResumeTiming();
    }
    const uint64_t* batch = probes.data() + at;
    at += kBatch;
    if (prefetch) {
      for (size_t j = 0; j < kAhead; ++j) s.prefetch(batch[j]);
    }
    for (size_t i = 0; i < kBatch; ++i) {
      if (prefetch && i + kAhead < kBatch) s.prefetch(batch[i + kAhead]);
      if (!s.contains(batch[i])) inserted += s.insert(batch[i]);
    }
  }
  benchmark::DoNotOptimize(inserted);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_BatchLookupInsert)->Arg(0)->Arg(1);

}  // namespace
}  // namespace quanyu::ingest

BENCHMARK_MAIN();
