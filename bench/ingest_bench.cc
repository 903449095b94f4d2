// CPU of the ingest request path without HTTP and without the fsync: what a GA/T 1400 request
// costs a server thread from its body to the log append (parse, validate, deduplicate, encode,
// frame and queue for the log writer), in batches of 500 simulated records with distinct ids.
//
//   BM_Submit        Pipeline::Submit of batches parsed beforehand
//   BM_ParseSubmit   Parser::ParseGat1400MotorVehicles + Pipeline::Submit of the raw bodies
//
// The event log runs without fsync (EventLogOptions::sync = false), and the store applier is
// held back until the benchmark ends, so that neither shares the cores with what is measured.
// The store is SQLite in memory with the 40 checkpoints the records name. Each benchmark runs a
// fixed number of batches (kBatches), since every record may be submitted only once.
//
//   build/release/bench/ingest_bench [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bus/event_log.h"
#include "core/clock.h"
#include "events/parse.h"
#include "ingest/pipeline.h"
#include "registry/checkpoint.h"
#include "sim/traffic.h"
#include "store/store.h"

namespace quanyu::ingest {
namespace {

constexpr size_t kBatch = 500;
constexpr int kBatches = 400;  // 200,000 records per run
constexpr int kCheckpoints = 40;

std::string CheckpointId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "511702000012100%05d", 10000 + i);
  return buf;
}

// A store with the checkpoints, a log without fsync and a pipeline whose applier waits.
class Rig {
 public:
  Rig() {
    char pattern[] = "/tmp/quanyu-ingest-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) std::abort();
    dir_ = pattern;
    store_ = Check(store::Store::Open({.url = "sqlite::memory:"}));
    for (int i = 0; i < kCheckpoints; ++i) {
      registry::Checkpoint cp;
      cp.id = CheckpointId(i);
      cp.name = "卡口 " + std::to_string(i);
      cp.position = {104.07 + i * 0.01, 30.67};
      ids_.push_back(cp.id);
      if (!store_->PutCheckpoint(cp).ok()) std::abort();
    }
    bus::EventLogOptions lo;
    lo.partitions = 1;
    lo.sync = false;
    log_ = Check(bus::EventLog::Open((dir_ / "log").string(), lo));
    PipelineOptions po;
    po.max_queue = 100'000'000;
    po.apply_batch = 100'000'000;
    po.apply_linger = std::chrono::hours(1);
    pipeline_ = Check(Pipeline::Open(store_.get(), log_.get(), SystemClock::Get(), po));
  }
  ~Rig() {
    pipeline_.reset();  // applies what the benchmark queued
    log_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::vector<std::string>& checkpoint_ids() const { return ids_; }
  Pipeline& pipeline() { return *pipeline_; }

 private:
  template <class T>
  static T Check(StatusOr<T> v) {
    if (!v.ok()) {
      std::fprintf(stderr, "ingest_bench: %s\n", v.status().ToString().c_str());
      std::abort();
    }
    return std::move(v).value();
  }
  std::filesystem::path dir_;
  std::vector<std::string> ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bus::EventLog> log_;
  std::unique_ptr<Pipeline> pipeline_;
};

// kBatches GA/T 1400 bodies of kBatch records, passing now, ids unique to this run.
std::vector<std::string> Bodies(const std::vector<std::string>& checkpoints, uint64_t seed) {
  sim::TrafficOptions to;
  to.seed = seed;
  to.run_tag = "IB" + std::to_string(SystemClock::Get()->Now() % 100000000) + "-" +
               std::to_string(seed) + "-";
  sim::TrafficGenerator gen(checkpoints, to);
  std::vector<std::string> bodies;
  const UnixMicros now = SystemClock::Get()->Now();
  for (int i = 0; i < kBatches; ++i) bodies.push_back(gen.Gat1400Body(kBatch, now));
  return bodies;
}

events::ParseOptions Options() {
  events::ParseOptions po;
  po.local_offset_seconds = 8 * 3600;
  po.received = SystemClock::Get()->Now();
  return po;
}

void Count(benchmark::State& state, size_t accepted) {
  if (accepted != kBatch * static_cast<size_t>(kBatches)) {
    state.SkipWithError("not every record was accepted");
  }
  state.SetItemsProcessed(static_cast<int64_t>(kBatch) * state.iterations());
}

void BM_Submit(benchmark::State& state) {
  static uint64_t seed = 0;
  Rig rig;
  std::vector<std::string> bodies = Bodies(rig.checkpoint_ids(), ++seed);
  events::Parser parser;
  std::vector<events::ParsedItems> batches(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    if (!parser.ParseGat1400MotorVehicles(bodies[i], Options(), &batches[i]).ok()) std::abort();
  }
  std::vector<ItemResult> results;
  size_t next = 0, accepted = 0;
  for (auto _ : state) {
    if (!rig.pipeline().Submit(events::Source::kGat1400, batches[next++].span(), &results).ok()) {
      state.SkipWithError("Submit failed");
      break;
    }
    for (const ItemResult& r : results) accepted += r.outcome == Outcome::kAccepted;
  }
  Count(state, accepted);
}
BENCHMARK(BM_Submit)->Iterations(kBatches)->Unit(benchmark::kMicrosecond);

void BM_ParseSubmit(benchmark::State& state) {
  static uint64_t seed = 1000;
  Rig rig;
  std::vector<std::string> bodies = Bodies(rig.checkpoint_ids(), ++seed);
  events::Parser parser;
  events::ParsedItems items;
  std::vector<ItemResult> results;
  size_t next = 0, accepted = 0;
  for (auto _ : state) {
    items.Clear();  // the parser appends, as the server's handler clears its per-thread list
    if (!parser.ParseGat1400MotorVehicles(bodies[next++], Options(), &items).ok() ||
        !rig.pipeline().Submit(events::Source::kGat1400, items.span(), &results).ok()) {
      state.SkipWithError("parse or Submit failed");
      break;
    }
    for (const ItemResult& r : results) accepted += r.outcome == Outcome::kAccepted;
  }
  Count(state, accepted);
}
BENCHMARK(BM_ParseSubmit)->Iterations(kBatches)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace quanyu::ingest

BENCHMARK_MAIN();
