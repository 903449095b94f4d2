// Throughput of the passage ingest path: parse + validate of GA/T 1400 bodies and of the own
// JSON form in batches of 500, the binary codec, and plate checks.
//
// Target: parse + validate >= 1,000,000 records/s per core from JSON (items_per_second).
// Build in Release: cmake -DCMAKE_BUILD_TYPE=Release -DQUANYU_BENCH=ON; run
// `events_bench --benchmark_filter=ParseValidate`.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time_format.h"
#include "events/codec.h"
#include "events/parse.h"
#include "events/plate.h"
#include "events/validator.h"

namespace quanyu::events {
namespace {

constexpr int kBatch = 500;
constexpr int kCheckpoints = 40;

const char* const kProvinces[] = {"川", "渝", "陕", "贵", "云", "京", "粤", "鄂"};
const char kSerial[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

std::string CheckpointId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "511702000012100%05d", 10000 + i % kCheckpoints);
  return buf;
}

std::string DeviceId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "511702000011900%05d", 10000 + i % kCheckpoints);
  return buf;
}

// A plate that differs per record; one in ten is new-energy, one in fifty unread.
std::string Plate(int i) {
  if (i % 50 == 7) return "未识别";
  std::string p = kProvinces[i % 8];
  p += static_cast<char>('A' + i % 20 + (i % 20 >= 8 ? 1 : 0));  // skip I
  int n = i * 7919;
  const int len = i % 10 == 3 ? 6 : 5;
  for (int k = 0; k < len; ++k) {
    char c = k == 0 && len == 6 ? 'D' : kSerial[(n >> (k * 3)) % (k < 2 ? 34 : 10)];
    if (c == 'I' || c == 'O') c = '1';
    p += c;
  }
  return p;
}

std::string PassTimeCompact(int i) {
  // 2026-11-29 08:00:00 local plus i seconds
  return FormatCompactLocalTime(*ParseRfc3339("2026-11-29T08:00:00+08:00", "t") +
                                i * kMicrosPerSecond);
}

// One MotorVehicleObject as a Hikvision/Dahua-style camera sends it: numbers as strings,
// vendor members, image references (and optionally image data).
std::string GatObject(int i, size_t image_bytes) {
  std::string id = "511702000012100000010220261129" + std::to_string(100000000 + i);
  std::string o = "{";
  o += "\"MotorVehicleID\":\"" + id + "\",";
  o += "\"InfoKind\":\"1\",";
  o += "\"SourceID\":\"" + id.substr(0, 41) + "\",";
  o += "\"DeviceID\":\"" + DeviceId(i) + "\",";
  o += "\"TollgateID\":\"" + CheckpointId(i) + "\",";
  o += "\"LeftTopX\":\"0\",\"LeftTopY\":\"0\",\"RightBtmX\":\"1920\",\"RightBtmY\":\"1080\",";
  o += "\"PassTime\":\"" + PassTimeCompact(i) + "\",";
  o += "\"LaneNo\":\"" + std::to_string(1 + i % 4) + "\",";
  o += "\"HasPlate\":\"1\",\"PlateClass\":\"02\",";
  o += "\"PlateColor\":\"" + std::string(i % 10 == 3 ? "9" : "5") + "\",";
  o += "\"PlateNo\":\"" + Plate(i) + "\",";
  o += "\"PlateReliability\":\"96\",";
  o += "\"Speed\":\"" + std::to_string(30 + i % 60) + ".5\",";
  o += "\"Direction\":\"" + std::to_string(1 + i % 4) + "\",";
  o += "\"VehicleClass\":\"K33\",\"VehicleBrand\":\"11\",\"VehicleModel\":\"0\",";
  o += "\"VehicleColor\":\"A\",\"VehicleLength\":\"4800\",";
  o += "\"StorageUrl1\":\"http://10.23.4.17:6120/pic?=d5=i8b*2e4e" + std::to_string(i) + "\",";
  o += "\"SubImageList\":{\"SubImageInfoObject\":[{\"ImageID\":\"" + id.substr(0, 41) +
       "\",\"EventSort\":10,\"DeviceID\":\"" + CheckpointId(i) +
       "\",\"StoragePath\":\"http://10.23.4.17:6120/pic?=d5=i8b*2e4e" + std::to_string(i) +
       "\",\"Type\":\"02\",\"FileFormat\":\"Jpeg\",\"ShotTime\":\"" + PassTimeCompact(i) +
       "\",\"Width\":\"1920\",\"Height\":\"1080\"";
  if (image_bytes > 0) {
    std::string data(image_bytes, 'A');
    for (size_t k = 0; k < data.size(); ++k)
      data[k] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh+/"[k * 7 % 36];
    o += ",\"Data\":\"" + data + "\"";
  }
  o += "}]}}";
  return o;
}

std::string GatBody(size_t image_bytes) {
  std::string body = "{\"MotorVehicleListObject\":{\"MotorVehicleObject\":[";
  for (int i = 0; i < kBatch; ++i) {
    if (i > 0) body += ",";
    body += GatObject(i, image_bytes);
  }
  body += "]}}";
  return body;
}

PassageRecord OwnRecord(int i) {
  PassageRecord r;
  r.id = "511702000012100000010220261129" + std::to_string(100000000 + i);
  r.device_id = DeviceId(i);
  r.checkpoint_id = CheckpointId(i);
  r.pass_time = *ParseRfc3339("2026-11-29T08:00:00+08:00", "t") + i * kMicrosPerSecond;
  r.lane = 1 + i % 4;
  PlateCheck plate = CheckPlate(Plate(i));
  r.plate_status = plate.status;
  r.plate = plate.normalized;
  r.plate_color = i % 10 == 3 ? 9 : 5;
  // Move-assigned: assigning literals here trips GCC 12's -Wrestrict false positive.
  r.plate_class = std::string("02");
  r.speed_kmh = 30.5 + i % 60;
  r.vehicle_class = std::string("K33");
  r.vehicle_color = std::string("A");
  r.direction = std::string(1, static_cast<char>('1' + i % 4));
  r.image_refs = {"http://10.23.4.17:6120/pic?=d5=i8b*2e4e" + std::to_string(i)};
  return r;
}

std::string OwnBody(bool ndjson) {
  std::string body = ndjson ? "" : "[";
  for (int i = 0; i < kBatch; ++i) {
    if (!ndjson && i > 0) body += ",\n";
    body += PassageToJson(OwnRecord(i));
    if (ndjson) body += "\n";
  }
  if (!ndjson) body += "]";
  return body;
}

// The registry cache as the ingest pipeline would hold it: a hash map keyed by id.
class MapLookup : public CheckpointLookup {
 public:
  MapLookup() {
    for (int i = 0; i < kCheckpoints; ++i) states_[CheckpointId(i)] = CheckpointState::kActive;
  }
  CheckpointState Lookup(std::string_view id) const override {
    auto it = states_.find(id);
    return it == states_.end() ? CheckpointState::kUnknown : it->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, CheckpointState, Hash, std::equal_to<>> states_;
};

const UnixMicros kNow = *ParseRfc3339("2026-11-29T09:00:00+08:00", "now");

enum class Body { kGat1400, kGat1400WithImages, kOwnArray, kNdjson };

// One batch: parse (and validate) `body`. Returns the number of records accepted, or -1 if the
// body was refused. Not inlined, so that `valgrind --tool=callgrind
// --toggle-collect='*ParseValidateBatch*'` counts the instructions of exactly the measured work
// (divide by the calls times kBatch for instructions per record).
[[gnu::noinline]] int ParseValidateBatch(Parser& parser, std::string_view body, bool gat,
                                         bool validate, const ParseOptions& popts,
                                         const ValidationOptions& vopts, const MapLookup& lookup,
                                         ParsedItems* items, Status* status) {
  items->Clear();
  *status = gat ? parser.ParseGat1400MotorVehicles(body, popts, items)
                : parser.ParsePassagesJson(body, popts, items);
  if (!status->ok()) return -1;
  int accepted = 0;
  if (validate) {
    for (const ParsedItem& item : *items) {
      if (!item.ok) continue;
      auto rej = ValidatePassage(item.record, vopts, lookup, kNow, gat ? kGat1400Names : kApiNames);
      accepted += rej ? 0 : 1;
    }
  }
  return accepted;
}

void ParseValidate(benchmark::State& state, Body kind, bool validate) {
  std::string body;
  switch (kind) {
    case Body::kGat1400:
      body = GatBody(0);
      break;
    case Body::kGat1400WithImages:
      body = GatBody(static_cast<size_t>(state.range(0)));
      break;
    case Body::kOwnArray:
      body = OwnBody(false);
      break;
    case Body::kNdjson:
      body = OwnBody(true);
      break;
  }
  const bool gat = kind == Body::kGat1400 || kind == Body::kGat1400WithImages;
  Parser parser;
  MapLookup lookup;
  ValidationOptions vopts;
  ParseOptions popts;
  popts.received = kNow;
  ParsedItems items;  // reused from batch to batch, as the server's handlers do
  size_t accepted = 0;
  for (auto _ : state) {
    Status s;
    const int n = ParseValidateBatch(parser, body, gat, validate, popts, vopts, lookup, &items, &s);
    if (n < 0) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    accepted += static_cast<size_t>(n);
    benchmark::DoNotOptimize(items.begin());
  }
  if (validate && accepted != static_cast<size_t>(state.iterations()) * kBatch) {
    state.SkipWithError("not every record was accepted: the fixture is wrong");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_Gat1400ParseValidate(benchmark::State& s) { ParseValidate(s, Body::kGat1400, true); }
void BM_Gat1400ParseOnly(benchmark::State& s) { ParseValidate(s, Body::kGat1400, false); }
void BM_Gat1400WithImageDataParseValidate(benchmark::State& s) {
  ParseValidate(s, Body::kGat1400WithImages, true);
}
void BM_OwnJsonArrayParseValidate(benchmark::State& s) { ParseValidate(s, Body::kOwnArray, true); }
void BM_NdjsonParseValidate(benchmark::State& s) { ParseValidate(s, Body::kNdjson, true); }

BENCHMARK(BM_Gat1400ParseValidate);
BENCHMARK(BM_Gat1400ParseOnly);
// Image data of 8 KiB and 64 KiB per object (a plate crop, a scene picture), cut while parsing.
BENCHMARK(BM_Gat1400WithImageDataParseValidate)->Arg(8 << 10)->Arg(64 << 10);
BENCHMARK(BM_OwnJsonArrayParseValidate);
BENCHMARK(BM_NdjsonParseValidate);

void BM_EncodePassage(benchmark::State& state) {
  std::vector<PassageRecord> records;
  for (int i = 0; i < kBatch; ++i) records.push_back(OwnRecord(i));
  std::string buf;
  for (auto _ : state) {
    buf.clear();
    for (const auto& r : records) EncodePassage(r, &buf);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_EncodePassage);

void BM_DecodePassage(benchmark::State& state) {
  std::vector<std::string> encoded;
  for (int i = 0; i < kBatch; ++i) {
    encoded.emplace_back();
    EncodePassage(OwnRecord(i), &encoded.back());
  }
  PassageRecord r;
  for (auto _ : state) {
    for (const auto& e : encoded) {
      if (!DecodePassage(e, &r)) state.SkipWithError("decode failed");
    }
    benchmark::DoNotOptimize(&r);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DecodePassage);

void BM_CheckPlate(benchmark::State& state) {
  std::vector<std::string> plates;
  for (int i = 0; i < kBatch; ++i) plates.push_back(Plate(i));
  for (auto _ : state) {
    for (const auto& p : plates) benchmark::DoNotOptimize(CheckPlate(p));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_CheckPlate);

}  // namespace
}  // namespace quanyu::events

BENCHMARK_MAIN();
