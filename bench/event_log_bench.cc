// Throughput of the durable event log (bus/event_log.h).
//
// BM_Append: group-committed appends with fdatasync on, to one partition, from 1 or 4 threads,
// in batches of 1, 100 or 500 entries of 150-byte payloads. items_per_second counts entries,
// bytes_per_second payload bytes; entries_per_sync is the group-commit factor.
// BM_AppendNoSync: the same without fdatasync (the CPU cost of the hot path).
// BM_Replay: reading back a 500,000-entry partition from the page cache.
//
//   build/release/bench/event_log_bench --benchmark_filter=Append
// The log lives in a temporary directory under $TMPDIR (default /tmp), removed afterwards.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bus/event_log.h"

namespace {

using quanyu::bus::EventLog;
using quanyu::bus::EventLogOptions;
using quanyu::bus::LogEntry;

constexpr size_t kPayloadBytes = 150;

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/quanyu-log-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

// Distinct 150-byte payloads that look like passage records.
std::vector<LogEntry> MakeBatch(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<LogEntry> batch(n);
  for (LogEntry& e : batch) {
    e.type = 1;
    e.payload = "{\"plate\":\"京A" + std::to_string(10000 + rng() % 90000) + "\",\"kk\":\"" +
                std::to_string(rng()) +
                "\",\"t\":1735689600123,\"speed\":" + std::to_string(rng() % 120) +
                ",\"lane\":2,\"dir\":\"N\",\"img\":\"";
    while (e.payload.size() < kPayloadBytes - 2) e.payload += static_cast<char>('a' + rng() % 26);
    e.payload += "\"}";
  }
  return batch;
}

// Shared by the threads of one run; set up and torn down by thread 0 outside the timed loop
// (the loop starts and ends with a barrier).
std::string g_dir;
std::unique_ptr<EventLog> g_log;

void AppendBenchmark(benchmark::State& state, bool sync) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  if (state.thread_index() == 0) {
    g_dir = MakeTempDir();
    auto log = EventLog::Open(g_dir + "/log", EventLogOptions{.partitions = 1, .sync = sync});
    if (!log.ok()) {
      state.SkipWithError(log.status().ToString().c_str());
      return;
    }
    g_log = std::move(log).value();
  }
  const std::vector<LogEntry> batch = MakeBatch(batch_size, state.thread_index() + 1);
  for (auto _ : state) {
    auto seq = g_log->Append(0, batch);
    if (!seq.ok()) {
      state.SkipWithError(seq.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch_size));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch_size * kPayloadBytes));
  if (state.thread_index() == 0) {
    if (g_log != nullptr) {
      const auto stats = g_log->Stats();
      if (stats.syncs > 0) {
        state.counters["entries_per_sync"] =
            static_cast<double>(stats.appended_entries) / static_cast<double>(stats.syncs);
      }
      g_log.reset();
    }
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
  }
}

void BM_Append(benchmark::State& state) { AppendBenchmark(state, /*sync=*/true); }
BENCHMARK(BM_Append)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(100)
    ->Arg(500)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime();

void BM_AppendNoSync(benchmark::State& state) { AppendBenchmark(state, /*sync=*/false); }
BENCHMARK(BM_AppendNoSync)->ArgName("batch")->Arg(500)->Threads(1)->Threads(4)->UseRealTime();

void BM_Replay(benchmark::State& state) {
  constexpr size_t kEntries = 500000;
  const std::string dir = MakeTempDir();
  {
    auto log = EventLog::Open(dir + "/log", EventLogOptions{.partitions = 1, .sync = false});
    if (!log.ok()) {
      state.SkipWithError(log.status().ToString().c_str());
      return;
    }
    const std::vector<LogEntry> batch = MakeBatch(1000, 7);
    for (size_t i = 0; i < kEntries; i += batch.size()) {
      if (!(*log)->Append(0, batch).ok()) std::abort();
    }
  }
  auto log = EventLog::Open(dir + "/log", EventLogOptions{.partitions = 1});
  if (!log.ok()) std::abort();
  uint64_t bytes = 0;
  for (auto _ : state) {
    uint64_t n = 0;
    auto s = (*log)->Replay(0, 0, [&](uint64_t, const LogEntry& e) {
      bytes += e.payload.size();
      ++n;
      return true;
    });
    if (!s.ok() || n != kEntries) state.SkipWithError("replay failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kEntries));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  log->reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
