// Writing JSON text by hand on hot paths, where building a document tree first would cost more
// than the answer itself (a GA/T 1400 reply of 500 statuses, say).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace quanyu {

// Length of the well-formed UTF-8 sequence starting at s[i] (a non-ASCII lead byte), or 0 if
// the bytes there are not one (overlong forms, surrogates and code points above U+10FFFF are
// not well-formed).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Appends s to *out with every byte sequence that is not well-formed UTF-8 replaced by U+FFFD.
void AppendSanitizedUtf8(std::string_view s, std::string* out);

// Appends s as a JSON string literal (RFC 8259): quoted, with '"', '\\' and control characters
// escaped and ill-formed UTF-8 replaced by U+FFFD, so the result is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace quanyu
