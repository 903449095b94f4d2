#include "sim/traffic.h"

#include <fmt/format.h>

#include "core/time_format.h"
#include "events/parse.h"

namespace quanyu::sim {
namespace {

// Where vehicles seen in Sichuan come from: mostly Sichuan (川A Chengdu, 川S Dazhou, ...),
// some from neighbouring provinces.
struct Origin {
  const char* prefix;
  int weight;
};
constexpr Origin kOrigins[] = {
    {"川A", 40}, {"川S", 12}, {"川B", 4}, {"川F", 3}, {"川R", 3}, {"川Y", 3}, {"川X", 2},
    {"川J", 2},  {"川L", 2},  {"川Q", 2}, {"川T", 2}, {"渝A", 5}, {"渝B", 2}, {"陕A", 2},
    {"贵A", 2},  {"云A", 1},  {"粤B", 1}, {"京A", 1}, {"鄂A", 1}, {"湘A", 1},
};
constexpr char kSerialChars[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
constexpr char kDigits[] = "0123456789";

}  // namespace

TrafficGenerator::TrafficGenerator(std::vector<std::string> checkpoint_ids, TrafficOptions options)
    : checkpoints_(std::move(checkpoint_ids)), options_(std::move(options)), rng_(options_.seed) {
  if (options_.run_tag.empty()) options_.run_tag = fmt::format("{:06x}", options_.seed & 0xffffff);
  plates_.reserve(options_.vehicles);
  for (size_t i = 0; i < std::max<size_t>(1, options_.vehicles); ++i)
    plates_.push_back(MakePlate());
}

std::string TrafficGenerator::MakePlate() {
  int total = 0;
  for (const auto& o : kOrigins) total += o.weight;
  int pick = static_cast<int>(rng_() % static_cast<uint64_t>(total));
  const char* prefix = kOrigins[0].prefix;
  for (const auto& o : kOrigins) {
    if (pick < o.weight) {
      prefix = o.prefix;
      break;
    }
    pick -= o.weight;
  }
  std::string p = prefix;
  uint64_t kind = rng_() % 100;
  if (kind < 18) {  // new-energy small car: D/F + 5 digits
    p += (rng_() % 2) ? 'D' : 'F';
    for (int i = 0; i < 5; ++i) p += kDigits[rng_() % 10];
  } else if (kind < 20) {  // new-energy large: 5 digits + D
    for (int i = 0; i < 5; ++i) p += kDigits[rng_() % 10];
    p += 'D';
  } else {
    for (int i = 0; i < 5; ++i) {
      // Mostly digits, with a letter or two as real serials have.
      p += (rng_() % 4 == 0) ? kSerialChars[rng_() % 24] : kDigits[rng_() % 10];
    }
  }
  return p;
}

events::PassageRecord TrafficGenerator::Next(UnixMicros t) {
  events::PassageRecord r;
  const std::string& cp =
      checkpoints_.empty() ? std::string("UNKNOWN") : checkpoints_[rng_() % checkpoints_.size()];
  r.checkpoint_id = cp;
  r.device_id = cp;
  r.pass_time = t - static_cast<UnixMicros>(rng_() % 2000) * 1000;  // up to 2 s of delay
  r.id = fmt::format("{}{}{:010}", options_.run_tag, FormatCompactLocalTime(t), counter_++);
  r.lane = 1 + static_cast<int>(rng_() % 4);
  r.speed_kmh = 20 + static_cast<double>(rng_() % 700) / 10.0;
  r.vehicle_class = "K33";
  r.vehicle_color = std::to_string(1 + rng_() % 12);
  r.direction = std::to_string(1 + rng_() % 8);
  double u = static_cast<double>(rng_() % 1'000'000) / 1e6;
  last_invalid_ = false;
  last_listed_ = false;
  if (u < options_.unreadable_share) {
    r.plate_status = events::PlateStatus::kUnreadable;
    r.plate = "";
    r.plate_color = 0;
  } else {
    r.plate = plates_[rng_() % plates_.size()];
    if (!options_.listed_plates.empty() &&
        static_cast<double>(rng_() % 1'000'000) / 1e6 < options_.listed_share) {
      r.plate = options_.listed_plates[rng_() % options_.listed_plates.size()];
      last_listed_ = true;
    }
    r.plate_status = events::PlateStatus::kValid;
    bool nev = r.plate.size() > 9;  // 6 characters after the 3-byte province (5 + 1 letter)
    r.plate_color = nev ? 9 : 5;    // green or blue
  }
  if (u > 1.0 - options_.invalid_share) {
    last_invalid_ = true;
    last_listed_ = false;
    switch (rng_() % 3) {
      case 0:
        r.plate = "川A12";
        r.plate_status = events::PlateStatus::kValid;
        break;
      case 1:
        r.checkpoint_id = "NO-SUCH-CHECKPOINT";
        break;
      default:
        r.pass_time = t + 3 * kMicrosPerHour;
        break;  // a device clock far ahead
    }
  }
  r.image_refs = {fmt::format("http://img.local/{}/{}.jpg", cp, r.id)};
  return r;
}

std::string TrafficGenerator::Gat1400Body(size_t n, UnixMicros t, int offset_seconds,
                                          std::vector<std::string>* listed_ids) {
  std::string out = R"({"MotorVehicleListObject":{"MotorVehicleObject":[)";
  out.reserve(n * 420);
  for (size_t i = 0; i < n; ++i) {
    events::PassageRecord r = Next(t);
    if (listed_ids != nullptr && last_listed_) listed_ids->push_back(r.id);
    if (i) out += ',';
    // As devices send them: numbers as strings, vendor fields.
    fmt::format_to(std::back_inserter(out),
                   R"({{"MotorVehicleID":"{}","InfoKind":1,"SourceID":"{}","DeviceID":"{}",)"
                   R"("TollgateID":"{}","PassTime":"{}","LaneNo":"{}","HasPlate":"{}",)"
                   R"("PlateClass":"02","PlateColor":"{}","PlateNo":"{}","Speed":"{:.1f}",)"
                   R"("VehicleClass":"{}","VehicleColor":"{}","Direction":"{}",)"
                   R"("StorageUrl1":"{}","VendorExt":{{"Confidence":"0.97"}}}})",
                   r.id, r.id, r.device_id, r.checkpoint_id,
                   FormatCompactLocalTime(r.pass_time, offset_seconds), r.lane,
                   r.plate_status == events::PlateStatus::kValid ? 1 : 0, r.plate_color,
                   r.plate.empty() ? "未识别" : r.plate, r.speed_kmh, r.vehicle_class,
                   r.vehicle_color, r.direction, r.image_refs[0]);
  }
  out += "]}}";
  return out;
}

std::string TrafficGenerator::NdjsonBody(size_t n, UnixMicros t, int offset_seconds,
                                         std::vector<std::string>* listed_ids) {
  std::string out;
  out.reserve(n * 400);
  for (size_t i = 0; i < n; ++i) {
    events::PassageRecord r = Next(t);
    if (listed_ids != nullptr && last_listed_) listed_ids->push_back(r.id);
    out += events::PassageToJson(r, offset_seconds);
    out += '\n';
  }
  return out;
}

}  // namespace quanyu::sim
