// Conversions between UTC microseconds and the textual times quanyu meets at its edges.
//
// China uses one zone without daylight saving (Asia/Shanghai, UTC+08:00), and GA/T 1400
// devices send local time without a zone, so local time here is a fixed offset in seconds
// (default kChinaOffsetSeconds). All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace quanyu {

constexpr int kChinaOffsetSeconds = 8 * 3600;

// Days since 1970-01-01 of a proleptic Gregorian date (any year).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// Parses GA/T 1400's "yyyyMMddHHmmss" (14 digits; "yyyyMMddHHmmssSSS" with milliseconds also
// accepted) as local time at `offset_seconds` east of UTC. Checks ranges (month 1-12, day in
// month, hour < 24, ...). Errors are InvalidArgument with field `field`.
StatusOr<UnixMicros> ParseCompactLocalTime(std::string_view text, int offset_seconds,
                                           std::string_view field = "PassTime");

// Parses RFC 3339 / ISO 8601 with an explicit offset or Z ("2026-11-29T08:30:00+08:00",
// "2026-11-29T00:30:00.125Z"). A time without an offset is rejected: it would be ambiguous.
StatusOr<UnixMicros> ParseRfc3339(std::string_view text, std::string_view field);

// Formats as RFC 3339 with the given offset: "2026-11-29T08:30:00+08:00" (milliseconds are
// added only if non-zero). offset 0 gives "Z".
std::string FormatRfc3339(UnixMicros t, int offset_seconds = 0);

// Formats as GA/T 1400 "yyyyMMddHHmmss" local time.
std::string FormatCompactLocalTime(UnixMicros t, int offset_seconds = kChinaOffsetSeconds);

}  // namespace quanyu
