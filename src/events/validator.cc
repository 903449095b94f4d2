#include "events/validator.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__) && !defined(QUANYU_EVENTS_NO_SIMD)
#include <emmintrin.h>
#endif

#include "core/time_format.h"
#include "events/plate.h"  // IsPlateColorCode

namespace quanyu::events {

const FieldNames kGat1400Names = {"MotorVehicleID", "TollgateID", "PassTime", "PlateNo",
                                  "PlateColor",     "Speed",      "LaneNo"};
const FieldNames kApiNames = {"id",          "checkpoint_id", "pass_time", "plate",
                              "plate_color", "speed_kmh",     "lane"};

namespace {

constexpr size_t kMaxIdLength = 64;
constexpr int kMaxLane = 64;

Rejection Reject(std::string_view code, std::string_view field, std::string message) {
  return Rejection{std::string(code), std::string(field), std::move(message)};
}

// A byte below 0x20 or equal to 0x7F is a control character. Sixteen bytes at a time with
// SSE2 (baseline x86-64), else eight at a time (SWAR).
bool HasControlChar(std::string_view s) {
  size_t i = 0;
#if defined(__SSE2__) && !defined(QUANYU_EVENTS_NO_SIMD)
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    // Unsigned x < 0x20: max(x, 0x20) != x.
    const __m128i below_space = _mm_xor_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, space), x),
                                              _mm_set1_epi8(static_cast<char>(0xFF)));
    if (_mm_movemask_epi8(_mm_or_si128(below_space, _mm_cmpeq_epi8(x, del))) != 0) return true;
  }
#endif
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, 8);
    const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHigh;
    const uint64_t y = x ^ (kOnes * 0x7F);
    const uint64_t is_del = (y - kOnes) & ~y & kHigh;
    if ((below_space | is_del) != 0) return true;
  }
  for (; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

// "2h 5m 30s", "45s", "1.5s": a duration for people to read.
std::string FormatDuration(UnixMicros d) {
  if (d < 0) d = -d;
  if (d < kMicrosPerSecond) return std::to_string(d / 1000) + "ms";
  const int64_t total = d / kMicrosPerSecond;
  const int64_t days = total / 86400, hours = total / 3600 % 24, minutes = total / 60 % 60,
                seconds = total % 60;
  std::string out;
  auto part = [&](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v);
    out += unit;
  };
  part(days, "d");
  part(hours, "h");
  part(minutes, "m");
  if (days == 0) part(seconds, "s");
  return out;
}

std::string FormatSpeed(double v) {
  std::string s = std::to_string(v);  // "63.500000"
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Checks an identifier field (record or checkpoint id): length and control characters.
std::optional<Rejection> CheckId(std::string_view value, std::string_view field,
                                 std::string_view what) {
  if (value.empty()) {
    return Reject("missing_field", field, std::string(what) + " is missing");
  }
  if (value.size() > kMaxIdLength) {
    return Reject("invalid_field", field,
                  std::string(what) + " is " + std::to_string(value.size()) +
                      " bytes long; at most " + std::to_string(kMaxIdLength) + " are allowed");
  }
  if (HasControlChar(value)) {
    return Reject("invalid_field", field, std::string(what) + " contains control characters");
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> ValidatePassage(const PassageRecord& r, const ValidationOptions& opts,
                                         const CheckpointLookup& checkpoints, UnixMicros now,
                                         const FieldNames& names) {
  if (auto bad = CheckId(r.id, names.id, "record id")) return bad;
  if (auto bad = CheckId(r.checkpoint_id, names.checkpoint_id, "checkpoint id")) return bad;
  if (r.pass_time == 0) {
    return Reject("missing_field", names.pass_time, "pass time is missing");
  }

  // The plate was classified by the parser (CheckPlate), which rejects text that is not a
  // plate with "invalid_plate"; here only the classification's consistency is checked.
  switch (r.plate_status) {
    case PlateStatus::kValid:
    case PlateStatus::kPartial:
      if (r.plate.empty()) {
        return Reject("invalid_plate", names.plate,
                      std::string("plate marked ") + std::string(PlateStatusName(r.plate_status)) +
                          " but empty");
      }
      break;
    case PlateStatus::kUnreadable:
    case PlateStatus::kAbsent:
      break;
    default:
      return Reject("invalid_plate", names.plate, "unknown plate status");
  }

  if (r.plate_color != 0 && !IsPlateColorCode(r.plate_color)) {
    return Reject(
        "invalid_plate_color", names.plate_color,
        std::to_string(r.plate_color) + " is not a plate colour code (1-13 or 99, 0 for unknown)");
  }
  if (std::isnan(r.speed_kmh) || (r.speed_kmh < 0 && r.speed_kmh != -1)) {
    return Reject("invalid_speed", names.speed,
                  "speed " + FormatSpeed(r.speed_kmh) + " km/h is negative (-1 means unknown)");
  }
  if (r.speed_kmh > opts.max_speed_kmh) {
    return Reject("invalid_speed", names.speed,
                  "speed " + FormatSpeed(r.speed_kmh) + " km/h is above the plausible maximum of " +
                      FormatSpeed(opts.max_speed_kmh) + " km/h");
  }
  if (r.lane < 0 || r.lane > kMaxLane) {
    return Reject("invalid_field", names.lane,
                  "lane " + std::to_string(r.lane) + " is outside 0-" + std::to_string(kMaxLane) +
                      " (0 means unknown)");
  }

  switch (checkpoints.Lookup(r.checkpoint_id)) {
    case CheckpointState::kActive:
      break;
    case CheckpointState::kFaulty:
      return Reject("inactive_checkpoint", names.checkpoint_id,
                    "checkpoint " + r.checkpoint_id +
                        " is marked faulty; its data is not accepted until it is active again");
    case CheckpointState::kRetired:
      return Reject("inactive_checkpoint", names.checkpoint_id,
                    "checkpoint " + r.checkpoint_id + " is retired");
    case CheckpointState::kUnknown:
    default:
      return Reject("unknown_checkpoint", names.checkpoint_id,
                    "no checkpoint " + r.checkpoint_id + " is registered");
  }

  if (r.pass_time > now + opts.max_clock_skew) {
    return Reject("future_time", names.pass_time,
                  "pass time " + FormatRfc3339(r.pass_time, kChinaOffsetSeconds) + " is " +
                      FormatDuration(r.pass_time - now) +
                      " ahead of the server clock (allowed clock skew: " +
                      FormatDuration(opts.max_clock_skew) + ")");
  }
  if (r.pass_time < now - opts.retention) {
    return Reject("expired_time", names.pass_time,
                  "pass time " + FormatRfc3339(r.pass_time, kChinaOffsetSeconds) + " is " +
                      FormatDuration(now - r.pass_time) + " old, beyond the retention period of " +
                      FormatDuration(opts.retention));
  }
  return std::nullopt;
}

}  // namespace quanyu::events
