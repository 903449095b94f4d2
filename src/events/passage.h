// Vehicle passage records (过车记录): one vehicle seen by one checkpoint at one time.
//
// This is the platform's own form. GA/T 1400 MotorVehicleObject and the JSON/NDJSON bulk form
// are parsed into it (parse.h); it is what the event log stores and what the
// rules see. Times are UTC microseconds. Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace quanyu::events {

// What the plate reader made of the plate.
enum class PlateStatus : uint8_t {
  kValid = 0,       // a well-formed Chinese plate number
  kPartial = 1,     // read in part: some characters unknown ('?' / '*' / '_'), kept as read
  kUnreadable = 2,  // the device saw a plate but could not read it ("未识别", empty, ...)
  kAbsent = 3,      // the vehicle carries no plate (HasPlate = 0, "无牌")
};
std::string_view PlateStatusName(PlateStatus s);  // "valid", "partial", "unreadable", "absent"

struct PassageRecord {
  std::string id;             // MotorVehicleID: globally unique, the idempotency key
  std::string device_id;      // DeviceID of the camera, may be empty
  std::string checkpoint_id;  // TollgateID (卡口编号); must name a known, active checkpoint
  UnixMicros pass_time = 0;   // when the vehicle passed, UTC
  int32_t lane = 0;           // LaneNo, 0 = unknown
  PlateStatus plate_status = PlateStatus::kValid;
  std::string plate;          // normalized: upper case, no separators ("川A12345"); may be empty
  int32_t plate_color = 0;    // GA/T 1400 ColorType code, 0 = unknown (see plate.h)
  std::string plate_class;    // PlateClass code as sent (GA 24.7), may be empty
  double speed_kmh = -1;      // Speed, -1 = unknown
  std::string vehicle_class;  // VehicleClass code as sent
  std::string vehicle_color;  // VehicleColor code as sent
  std::string direction;      // Direction code as sent
  std::vector<std::string> image_refs;  // StorageUrl1..5 / image references; never image data
  UnixMicros received = 0;              // when quanyu received it, UTC

  bool operator==(const PassageRecord&) const = default;
};

// Where a record came from.
enum class Source : uint8_t { kGat1400 = 0, kApi = 1, kReplay = 2 };
std::string_view SourceName(Source s);  // "gat1400", "api", "replay"

// A record that failed validation, kept with its reason and original payload so it can be
// listed, corrected and replayed (nothing received is lost).
struct QuarantineEntry {
  std::string id;  // assigned by the ingest pipeline, unique
  UnixMicros received = 0;
  Source source = Source::kApi;
  std::string record_id;  // MotorVehicleID if one could be read, else empty
  std::string code;       // machine-readable reason ("invalid_plate", "unknown_checkpoint", ...)
  std::string field;      // the field at fault, in the submitter's naming ("PlateNo")
  std::string message;    // human-readable reason
  std::string payload;    // the original object, as JSON text
  // Lifecycle: "open" until replayed successfully ("replayed") or discarded ("discarded").
  std::string state = "open";
  UnixMicros resolved = 0;
  std::string resolution_note;

  bool operator==(const QuarantineEntry&) const = default;
};

}  // namespace quanyu::events
