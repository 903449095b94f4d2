// The rules stage in process: records parsed (or decoded), validated and evaluated against
// the alert lists and the rings, per core. 1,000,000 simulated exact entries and 1,000
// patterns; 2,000 simulated checkpoints of which 200 guard rings (inbound, outbound or both);
// records with simulated plates, one in a thousand listed. Batches of 1,000 records, as the
// pipeline evaluates a submission.
//
//   BM_EvalBinary   decode the event log's binary record + validate + evaluate
//   BM_EvalJson     parse the platform's NDJSON + validate + evaluate
//   BM_EvalGat1400  parse a GA/T 1400 MotorVehicleListObject + validate + evaluate
//
// Targets (issue 4): >= 3,000,000 records/s per core from a binary record, >= 1,000,000 from
// JSON (items_per_second). Ring work per record is a hash lookup of the checkpoint for hits
// only: which rings a checkpoint guards and lies in is computed when checkpoints or rings
// change, not per record. Build in Release with -DQUANYU_BENCH=ON and run
// `bench/eval_bench` from the build directory.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_plates.h"
#include "core/time_format.h"
#include "events/codec.h"
#include "events/parse.h"
#include "events/validator.h"
#include "rules/engine.h"
#include "rules/matcher.h"

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z
constexpr size_t kEntries = 1'000'000;
constexpr size_t kPatterns = 1'000;
constexpr size_t kCheckpoints = 2'000;
constexpr size_t kBatch = 1'000;
constexpr size_t kBatches = 64;

class AllActive : public events::CheckpointLookup {
 public:
  events::CheckpointState Lookup(std::string_view) const override {
    return events::CheckpointState::kActive;
  }
};

struct Data {
  std::shared_ptr<const Matcher> matcher;
  registry::RingContext rings;
  std::vector<std::string> binary;   // per batch: length-prefixed encoded records
  std::vector<std::string> ndjson;   // per batch
  std::vector<std::string> gat1400;  // per batch
};

std::string CheckpointId(size_t i) { return "5117020000" + std::to_string(1000000000 + i); }

const Data& D() {
  static const Data* d = [] {
    auto* d = new Data();
    std::mt19937_64 rng(7);
    std::vector<MatchEntry> entries;
    std::vector<std::string> listed;
    for (size_t i = 0; i < kEntries + kPatterns; ++i) {
      MatchEntry e;
      e.entry_id = std::to_string(100000000000 + i);
      e.list_id = "wanted";
      e.plate = bench::RandomPlate(rng);
      if (i >= kEntries) {
        e.kind = EntryKind::kPattern;
        e.plate[e.plate.size() - 3] = '?';
      } else if (i % 1000 == 0) {
        listed.push_back(e.plate);
      }
      e.valid_from = kT0 - kMicrosPerDay;
      e.valid_until = kT0 + 60 * kMicrosPerDay;
      entries.push_back(std::move(e));
    }
    d->matcher = *Matcher::Build(std::move(entries));
    d->rings.tree = std::make_shared<const geo::RingTree>();
    for (size_t i = 0; i < kCheckpoints; ++i) {
      std::string id = CheckpointId(i);
      d->rings.inside[id] = {"511700", "5117" + std::to_string(i % 8)};
      if (i % 10 == 0) {
        d->rings.guards[id] = {{"5117" + std::to_string(i % 8), i % 20 == 0, i % 30 == 0, false}};
      }
    }
    const std::string now = FormatRfc3339(kT0, kChinaOffsetSeconds);
    const std::string compact = FormatCompactLocalTime(kT0);
    for (size_t b = 0; b < kBatches; ++b) {
      std::string bin, nd, gat = R"({"MotorVehicleListObject":{"MotorVehicleObject":[)";
      for (size_t i = 0; i < kBatch; ++i) {
        events::PassageRecord r;
        r.id = "V" + std::to_string(b * kBatch + i);
        r.checkpoint_id = CheckpointId(rng() % kCheckpoints);
        r.device_id = r.checkpoint_id;
        r.pass_time = kT0;
        r.lane = 1 + static_cast<int>(rng() % 4);
        r.plate = i % 1000 == 7 ? listed[rng() % listed.size()] : bench::RandomPlate(rng);
        r.plate_color = 2;
        r.speed_kmh = 60;
        std::string one;
        events::EncodePassage(r, &one);
        uint32_t n = static_cast<uint32_t>(one.size());
        bin.append(reinterpret_cast<const char*>(&n), sizeof n);
        bin += one;
        nd += R"({"id":")" + r.id + R"(","checkpoint_id":")" + r.checkpoint_id +
              R"(","pass_time":")" + now + R"(","plate":")" + r.plate +
              R"(","plate_color":2,"lane":)" + std::to_string(r.lane) + R"(,"speed_kmh":60})" +
              "\n";
        gat += std::string(i ? "," : "") + R"({"MotorVehicleID":")" + r.id + R"(","DeviceID":")" +
               r.device_id + R"(","TollgateID":")" + r.checkpoint_id + R"(","PassTime":")" +
               compact + R"(","LaneNo":")" + std::to_string(r.lane) +
               R"(","HasPlate":"1","PlateClass":"02","PlateColor":"2","PlateNo":")" + r.plate +
               R"(","Speed":"60","VehicleClass":"K33","VehicleColor":"A","Direction":"1",)" +
               R"("StorageUrl1":"http://img.example/)" + r.id + R"(.jpg"})";
      }
      gat += "]}}";
      d->binary.push_back(std::move(bin));
      d->ndjson.push_back(std::move(nd));
      d->gat1400.push_back(std::move(gat));
    }
    return d;
  }();
  return *d;
}

// Validates and evaluates parsed items; returns the triggers.
size_t ValidateAndEvaluate(Engine& engine, events::ParsedItems& items,
                           std::vector<const events::PassageRecord*>* ptrs,
                           std::vector<Trigger>* triggers) {
  static const AllActive lookup;
  events::ValidationOptions vo;
  ptrs->clear();
  for (events::ParsedItem& it : items) {
    if (!it.ok) continue;
    if (events::ValidatePassage(it.record, vo, lookup, kT0 + kMicrosPerSecond)) continue;
    ptrs->push_back(&it.record);
  }
  triggers->clear();
  return engine.Evaluate(*ptrs, *D().matcher, D().rings, triggers);
}

void BM_EvalBinary(benchmark::State& state) {
  const Data& d = D();
  Engine engine;
  static const AllActive lookup;
  events::ValidationOptions vo;
  std::vector<events::PassageRecord> recs(kBatch);
  std::vector<const events::PassageRecord*> ptrs;
  std::vector<Trigger> triggers;
  size_t b = 0, fired = 0;
  for (auto _ : state) {
    const std::string& bin = d.binary[b++ % kBatches];
    ptrs.clear();
    size_t pos = 0, i = 0;
    while (pos < bin.size()) {
      uint32_t n;
      std::memcpy(&n, bin.data() + pos, sizeof n);
      pos += sizeof n;
      events::PassageRecord& r = recs[i++];
      if (events::DecodePassage(std::string_view(bin).substr(pos, n), &r) &&
          !events::ValidatePassage(r, vo, lookup, kT0 + kMicrosPerSecond)) {
        ptrs.push_back(&r);
      }
      pos += n;
    }
    triggers.clear();
    fired += engine.Evaluate(ptrs, *d.matcher, d.rings, &triggers);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.counters["triggers_per_batch"] =
      static_cast<double>(fired) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EvalBinary);

void RunJson(benchmark::State& state, const std::vector<std::string>& bodies, bool gat) {
  D();
  Engine engine;
  events::Parser parser;
  events::ParseOptions po;
  events::ParsedItems items;
  std::vector<const events::PassageRecord*> ptrs;
  std::vector<Trigger> triggers;
  size_t b = 0, fired = 0;
  for (auto _ : state) {
    items.Clear();
    const std::string& body = bodies[b++ % kBatches];
    Status st = gat ? parser.ParseGat1400MotorVehicles(body, po, &items)
                    : parser.ParsePassagesJson(body, po, &items);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
    fired += ValidateAndEvaluate(engine, items, &ptrs, &triggers);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.counters["triggers_per_batch"] =
      static_cast<double>(fired) / static_cast<double>(state.iterations());
}
void BM_EvalJson(benchmark::State& state) { RunJson(state, D().ndjson, false); }
BENCHMARK(BM_EvalJson);
void BM_EvalGat1400(benchmark::State& state) { RunJson(state, D().gat1400, true); }
BENCHMARK(BM_EvalGat1400);

}  // namespace
}  // namespace quanyu::rules

BENCHMARK_MAIN();
