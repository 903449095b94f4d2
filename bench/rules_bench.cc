// Alert lists (布控): loading 1,000,000 simulated entries from CSV (parse, validate, build the
// Matcher), the matcher's memory per entry, and Matcher::Match throughput per core for exact
// hits, misses, patterns and partly read plates, over 1,000,000 exact entries and 1,000
// patterns. All plates are generated (simulated): 川/渝/陕/贵 plates with random serials.
//
// Target (issue 4): evaluation >= 3,000,000 records/s per core (items_per_second of the Match
// benchmarks); 1,000,000 entries load "in seconds". Build in Release with -DQUANYU_BENCH=ON and
// run `bench/rules_bench` from the build directory.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_plates.h"
#include "rules/alert_csv.h"
#include "rules/matcher.h"

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z
constexpr size_t kEntries = 1'000'000;
constexpr size_t kPatterns = 1'000;
constexpr size_t kQueries = 1 << 16;

using bench::RandomPlate;

struct Data {
  std::string csv;
  std::vector<std::string> plates;          // the entries' plates
  std::vector<std::string> misses;          // plates on no list
  std::vector<std::string> partials;        // entries' plates with one character unread
  std::vector<std::string> pattern_plates;  // full plates that fit a pattern
  std::shared_ptr<const Matcher> matcher;
};

const Data& D() {
  static const Data* d = [] {
    auto* d = new Data();
    std::mt19937_64 rng(42);
    d->csv = std::string(kAlertCsvHeader) + "\n";
    d->csv.reserve(kEntries * 130);
    std::vector<MatchEntry> entries;
    for (size_t i = 0; i < kEntries; ++i) {
      std::string plate = RandomPlate(rng);
      d->csv += plate + ",exact,wanted_in_case,2,2026-" + std::to_string(i % 5000) +
                ",达州市公安局,王伟,2026-11-29T08:00:00+08:00,2027-01-31T00:00:00+08:00,\n";
      MatchEntry e;
      e.entry_id = std::to_string(100000000000 + i);
      e.list_id = "wanted";
      e.plate = plate;
      e.valid_from = kT0;
      e.valid_until = kT0 + 60 * kMicrosPerDay;
      entries.push_back(e);
      if (i < kQueries) d->plates.push_back(plate);
    }
    for (size_t i = 0; i < kPatterns; ++i) {
      MatchEntry e = entries[i];
      e.entry_id = "p" + std::to_string(i);
      e.kind = EntryKind::kPattern;
      e.plate = RandomPlate(rng);
      // Two unknown serial characters.
      const size_t n = e.plate.size();
      e.plate[n - 4] = '?';
      e.plate[n - 2] = '?';
      std::string fit = e.plate;
      fit[n - 4] = '7';
      fit[n - 2] = '3';
      d->pattern_plates.push_back(fit);
      entries.push_back(e);
    }
    for (size_t i = kPatterns; i < kQueries; ++i) {
      d->pattern_plates.push_back(d->pattern_plates[i % kPatterns]);
    }
    for (size_t i = 0; i < kQueries; ++i) {
      std::string p = RandomPlate(rng);
      p[3] = 'Z';  // authority letters of entries are A-T
      d->misses.push_back(p);
      std::string partial = d->plates[i];
      partial[partial.size() - 3] = '?';
      d->partials.push_back(partial);
    }
    d->matcher = *Matcher::Build(std::move(entries));
    return d;
  }();
  return *d;
}

void BM_LoadCsvIntoMatcher(benchmark::State& state) {
  const Data& d = D();
  CsvImportContext ctx;
  ctx.list_id = "wanted";
  ctx.owner_agency = "dzpsb";
  ctx.created_by = "system";
  ctx.now = kT0;
  for (auto _ : state) {
    auto csv = ParseAlertCsv(d.csv, ctx);
    if (!csv.ok() || !csv->errors.empty() || csv->entries.size() != kEntries) {
      state.SkipWithError("CSV did not load");
      return;
    }
    std::vector<MatchEntry> entries;
    entries.reserve(csv->entries.size());
    size_t i = 0;
    for (const AlertEntry& e : csv->entries) {
      MatchEntry m = ToMatchEntry(e);
      m.entry_id = std::to_string(100000000000 + i++);
      entries.push_back(std::move(m));
    }
    csv->entries.clear();
    auto m = Matcher::Build(std::move(entries));
    benchmark::DoNotOptimize(m);
    state.counters["matcher_bytes_per_entry"] =
        static_cast<double>((*m)->MemoryBytes()) / static_cast<double>((*m)->size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
}
BENCHMARK(BM_LoadCsvIntoMatcher)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_BuildMatcher(benchmark::State& state) {
  const Data& d = D();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<MatchEntry> entries = d.matcher->Entries();
    state.ResumeTiming();
    auto m = Matcher::Build(std::move(entries));
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.matcher->size()));
  state.counters["matcher_bytes_per_entry"] =
      static_cast<double>(d.matcher->MemoryBytes()) / static_cast<double>(d.matcher->size());
}
BENCHMARK(BM_BuildMatcher)->Unit(benchmark::kMillisecond)->Iterations(3);

void RunMatch(benchmark::State& state, const std::vector<std::string>& plates, size_t expect_min) {
  const Matcher& m = *D().matcher;
  std::vector<Hit> hits;
  hits.reserve(64);
  size_t i = 0, found = 0;
  for (auto _ : state) {
    hits.clear();
    found += m.Match(plates[i++ & (kQueries - 1)], kT0 + kMicrosPerDay, &hits);
  }
  if (found < expect_min * static_cast<size_t>(state.iterations()) / 2) {
    state.SkipWithError("fewer hits than expected");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["hits_per_lookup"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}

void BM_MatchExactHit(benchmark::State& state) { RunMatch(state, D().plates, 1); }
BENCHMARK(BM_MatchExactHit);
void BM_MatchMiss(benchmark::State& state) { RunMatch(state, D().misses, 0); }
BENCHMARK(BM_MatchMiss);
void BM_MatchPattern(benchmark::State& state) { RunMatch(state, D().pattern_plates, 1); }
BENCHMARK(BM_MatchPattern);
void BM_MatchPartlyRead(benchmark::State& state) { RunMatch(state, D().partials, 1); }
BENCHMARK(BM_MatchPartlyRead);

// The pipeline's form: 256 records at a time.
void RunBatch(benchmark::State& state, const std::vector<std::string>& plates) {
  const Matcher& m = *D().matcher;
  constexpr size_t kBatch = 256;
  std::vector<std::string_view> views(plates.begin(), plates.end());
  const std::vector<UnixMicros> times(kBatch, kT0 + kMicrosPerDay);
  std::vector<Matcher::BatchHit> hits;
  size_t i = 0, found = 0;
  for (auto _ : state) {
    hits.clear();
    found += m.MatchBatch(std::span(views).subspan(i, kBatch), times, &hits);
    i = (i + kBatch) & (kQueries - 1);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.counters["hits_per_lookup"] =
      static_cast<double>(found) / static_cast<double>(state.iterations() * kBatch);
}
void BM_MatchBatchExactHit(benchmark::State& state) { RunBatch(state, D().plates); }
BENCHMARK(BM_MatchBatchExactHit);
void BM_MatchBatchMiss(benchmark::State& state) { RunBatch(state, D().misses); }
BENCHMARK(BM_MatchBatchMiss);

}  // namespace
}  // namespace quanyu::rules

BENCHMARK_MAIN();
