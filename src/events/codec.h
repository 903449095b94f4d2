// Compact binary encoding of events for the durable event log. Little-endian, versioned by
// a leading byte so that old log segments stay readable: 0x01 a PassageRecord (format 1),
// 0x81 a QuarantineEntry (format 1). Integers are LEB128 varints (signed ones zig-zag
// encoded), strings a varint length and the bytes, doubles 8 bytes IEEE 754.
// One call encodes or decodes exactly one value; framing several is the caller's business.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "events/passage.h"

namespace quanyu::events {

void EncodePassage(const PassageRecord& r, std::string* out);  // appends
// Decoding accepts exactly one encoded value: false on a wrong leading byte, truncated or
// trailing bytes and out-of-range fields; *r / *q are left untouched then.
bool DecodePassage(std::string_view in, PassageRecord* r);

void EncodeQuarantine(const QuarantineEntry& q, std::string* out);  // appends
bool DecodeQuarantine(std::string_view in, QuarantineEntry* q);

}  // namespace quanyu::events
