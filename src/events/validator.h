// Validation of passage records: the one gate every record passes before it touches state.
//
// Validation is pure given its inputs (options, a checkpoint lookup and "now"); duplicate
// detection is stateful and lives in the ingest pipeline. Thread safety: ValidatePassage is
// safe to call concurrently if the CheckpointLookup is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "events/passage.h"

namespace quanyu::events {

// Why a record was rejected. `code` is a stable slug used in quarantine and metrics;
// `field` names the input field in the submitter's naming (GA/T 1400 names for /VIID).
struct Rejection {
  std::string code;  // "invalid_plate", "invalid_plate_color", "unknown_checkpoint",
                     // "inactive_checkpoint", "future_time", "expired_time", "invalid_speed",
                     // "missing_field", "invalid_field", "duplicate_in_batch", "unsupported"
  std::string field;
  std::string message;
  bool operator==(const Rejection&) const = default;
};

struct ValidationOptions {
  // How far into the future a pass time may lie (device clock skew). Default: 5 minutes.
  UnixMicros max_clock_skew = 5 * kMicrosPerMinute;
  // Records older than this are rejected: they would be deleted at once by retention.
  // Default: 30 days, the retention of passages that hit nothing.
  UnixMicros retention = 30 * kMicrosPerDay;
  // Plausible speed range; above this a reading is a sensor error. Default: 250 km/h.
  double max_speed_kmh = 250;
};

enum class CheckpointState { kUnknown, kActive, kFaulty, kRetired };

// Answers whether a checkpoint id is known and active. Implemented by the ingest pipeline
// over its registry cache.
class CheckpointLookup {
 public:
  virtual ~CheckpointLookup() = default;
  virtual CheckpointState Lookup(std::string_view checkpoint_id) const = 0;
};

// Names of the fields a record came in with, so a rejection names the field as the sender
// wrote it. kGat1400Names for /VIID, kApiNames for /api/v1/passages.
struct FieldNames {
  std::string_view id, checkpoint_id, pass_time, plate, plate_color, speed, lane;
};
extern const FieldNames kGat1400Names;
extern const FieldNames kApiNames;

// Checks a parsed record. Returns nullopt if it is acceptable. The record's plate must
// already have been classified by CheckPlate (parsers do this, and reject text that is not a
// plate with "invalid_plate"); here "invalid_plate" only means a contradictory classification
// (valid or partial without text). In order: id (missing, > 64 bytes, control characters),
// checkpoint_id (same), pass_time missing, plate, plate_color (0 or a code), speed (-1 or
// 0..max_speed_kmh), lane (0..64), checkpoint known and active (a faulty checkpoint's data is
// refused too), pass_time within [now - retention, now + max_clock_skew].
std::optional<Rejection> ValidatePassage(const PassageRecord& r, const ValidationOptions& opts,
                                         const CheckpointLookup& checkpoints, UnixMicros now,
                                         const FieldNames& names = kApiNames);

}  // namespace quanyu::events
