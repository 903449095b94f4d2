// Compact binary encoding of events for the durable event log. Little-endian, versioned by
// a leading byte so that old log segments stay readable. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "events/passage.h"

namespace quanyu::events {

void EncodePassage(const PassageRecord& r, std::string* out);  // appends
bool DecodePassage(std::string_view in, PassageRecord* r);     // false on malformed input

void EncodeQuarantine(const QuarantineEntry& q, std::string* out);  // appends
bool DecodeQuarantine(std::string_view in, QuarantineEntry* q);

}  // namespace quanyu::events
