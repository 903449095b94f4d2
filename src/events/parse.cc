#include "events/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

// SSE2 is part of baseline x86-64. QUANYU_EVENTS_NO_SIMD selects the portable code that other
// targets use, so that it can be tested on x86-64 too.
#if defined(__SSE2__) && !defined(QUANYU_EVENTS_NO_SIMD)
#include <emmintrin.h>
#endif

#include "core/json_text.h"
#include "core/time_format.h"
#include "events/plate.h"

// How the parsers read JSON: one pass over the body, by hand, where the body lies (no copy).
// The reader (JsonReader) checks the grammar strictly (RFC 8259: brackets, commas, colons,
// escapes, numbers, literals, UTF-8, control characters) as it goes, skipped members included,
// so a malformed body is refused whatever part of it is broken. Member names are looked up as
// they come, and remembered by position (KeyCache): the objects of one batch share a layout.
// Values of known members are read in place (views into the body, unescaped only when they
// hold a backslash) and copied once, into the record. Numbers are kept as written where text
// is wanted, so ids beyond 64 bits arrive intact. Strings are scanned 16 bytes at a time, long
// ones (image data) 64 at a time, with SSE2 (baseline x86-64: no run-time dispatch needed; a
// portable loop elsewhere): well under one instruction per byte.
//
// simdjson was used before. Its DOM parser (the one that validates) refuses integers beyond 64
// bits and alone costs more per record than this whole reader; its on-demand reader, compiled
// here for baseline x86-64, fell back to its slowest kernel and needed a grammar check of its
// own besides.

namespace quanyu::events {
namespace {

// ---------------------------------------------------------------------------------------------
// Field names

enum class Form { kGat1400, kOwn };

enum class Key : uint8_t {
  kUnknown,
  kId,
  kDeviceId,
  kCheckpointId,
  kPassTime,
  kLane,
  kHasPlate,
  kPlateClass,
  kPlateColor,
  kPlate,
  kSpeed,
  kVehicleClass,
  kVehicleColor,
  kDirection,
  kStorageUrl,    // GA/T 1400 StorageUrl1..StorageUrl5
  kSubImageList,  // GA/T 1400 SubImageList
  kImageRefs,     // own form image_refs
  kData,          // image data: never kept
  // Inside SubImageList:
  kSubImageInfo,  // SubImageInfoObject
  kImageId,       // ImageID
  kStoragePath,   // StoragePath
};

// ASCII letters match in either case; everything else exactly.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i], y = b[i];
    if (x == y) continue;
    if ((x ^ y) != 0x20) return false;
    const char lower = static_cast<char>(x | 0x20);
    if (lower < 'a' || lower > 'z') return false;
  }
  return true;
}

inline uint64_t Load64(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// A member name as a template argument, so that its 8-byte words are constants.
template <size_t N>
struct Name {
  char s[N];
  constexpr Name(const char (&text)[N]) {  // NOLINT: implicit by design
    for (size_t i = 0; i < N; ++i) s[i] = text[i];
  }
  static constexpr size_t size() { return N - 1; }
  // The (up to) 8 characters from `at` as a little-endian word, as Load64 reads them.
  constexpr uint64_t Word(size_t at) const {
    uint64_t w = 0;
    for (size_t i = 0; i < 8 && at + i < N - 1; ++i) {
      w |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
    }
    return w;
  }
};

inline uint64_t Load32(const char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}
inline uint64_t Load16(const char* p) {
  uint16_t x;
  std::memcpy(&x, p, 2);
  return x;
}

// True if the key at `k`, whose length the caller has checked to be kName.size(), is kName.
// With kFold, letters match in either case: kName is then lower-case letters and digits, and
// c | 0x20 folds A-Z to a-z and leaves digits as they are. Reads only the key's bytes, in
// (overlapping) words.
template <Name kName, bool kFold>
inline bool Is(const char* k) {
  constexpr size_t n = kName.size();
  static_assert(n >= 2 && n <= 24);
  constexpr uint64_t fold = kFold ? 0x2020202020202020ull : 0;
  if constexpr (n < 4) {
    constexpr uint64_t name = (kName.Word(0) & 0xFFFF) | (kName.Word(n - 2) & 0xFFFF) << 16;
    return ((Load16(k) | Load16(k + n - 2) << 16) | (fold & 0xFFFFFFFF)) == name;
  } else if constexpr (n < 8) {
    constexpr uint64_t name = (kName.Word(0) & 0xFFFFFFFF) | (kName.Word(n - 4) & 0xFFFFFFFF) << 32;
    return ((Load32(k) | Load32(k + n - 4) << 32) | fold) == name;
  } else if constexpr (n <= 16) {
    return (Load64(k) | fold) == kName.Word(0) && (Load64(k + n - 8) | fold) == kName.Word(n - 8);
  } else {
    return (Load64(k) | fold) == kName.Word(0) && (Load64(k + 8) | fold) == kName.Word(8) &&
           (Load64(k + n - 8) | fold) == kName.Word(n - 8);
  }
}

// GA/T 1400 member names. Matched without regard to case: some devices write "PlateNO" or
// "plateNo".
Key LookupGat1400Key(std::string_view key) {
  const char* k = key.data();
  switch (key.size()) {
    case 4:
      if (Is<"data", true>(k)) return Key::kData;
      break;
    case 5:
      if (Is<"speed", true>(k)) return Key::kSpeed;
      break;
    case 6:
      if (Is<"laneno", true>(k)) return Key::kLane;
      break;
    case 7:
      if (Is<"plateno", true>(k)) return Key::kPlate;
      break;
    case 8:
      if (Is<"passtime", true>(k)) return Key::kPassTime;
      if (Is<"deviceid", true>(k)) return Key::kDeviceId;
      if (Is<"hasplate", true>(k)) return Key::kHasPlate;
      break;
    case 9:
      if (Is<"direction", true>(k)) return Key::kDirection;
      break;
    case 10:
      if (Is<"tollgateid", true>(k)) return Key::kCheckpointId;
      if (Is<"platecolor", true>(k)) return Key::kPlateColor;
      if (Is<"plateclass", true>(k)) return Key::kPlateClass;
      break;
    case 11:
      if (k[10] >= '1' && k[10] <= '5' && Is<"storageurl", true>(k)) return Key::kStorageUrl;
      break;
    case 12:
      if (Is<"vehicleclass", true>(k)) return Key::kVehicleClass;
      if (Is<"vehiclecolor", true>(k)) return Key::kVehicleColor;
      if (Is<"subimagelist", true>(k)) return Key::kSubImageList;
      break;
    case 14:
      if (Is<"motorvehicleid", true>(k)) return Key::kId;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// The standard spelling of a GA/T 1400 member that matched `k` without regard to case:
// rejections name fields the way the standard (and the validator) does.
std::string_view Gat1400Name(Key key, std::string_view k) {
  switch (key) {
    case Key::kId:
      return "MotorVehicleID";
    case Key::kDeviceId:
      return "DeviceID";
    case Key::kCheckpointId:
      return "TollgateID";
    case Key::kPassTime:
      return "PassTime";
    case Key::kLane:
      return "LaneNo";
    case Key::kHasPlate:
      return "HasPlate";
    case Key::kPlateClass:
      return "PlateClass";
    case Key::kPlateColor:
      return "PlateColor";
    case Key::kPlate:
      return "PlateNo";
    case Key::kSpeed:
      return "Speed";
    case Key::kVehicleClass:
      return "VehicleClass";
    case Key::kVehicleColor:
      return "VehicleColor";
    case Key::kDirection:
      return "Direction";
    case Key::kStorageUrl: {
      static constexpr std::string_view kUrls[] = {"StorageUrl1", "StorageUrl2", "StorageUrl3",
                                                   "StorageUrl4", "StorageUrl5"};
      return kUrls[k.back() - '1'];  // LookupGat1400Key checked the digit
    }
    case Key::kSubImageList:
      return "SubImageList";
    case Key::kData:
      return "Data";
    default:
      return k;
  }
}

// Members of SubImageList and of its SubImageInfoObjects.
Key LookupSubImageKey(std::string_view key) {
  const char* k = key.data();
  switch (key.size()) {
    case 4:
      if (Is<"data", true>(k)) return Key::kData;
      break;
    case 7:
      if (Is<"imageid", true>(k)) return Key::kImageId;
      break;
    case 11:
      if (Is<"storagepath", true>(k)) return Key::kStoragePath;
      break;
    case 18:
      if (Is<"subimageinfoobject", true>(k)) return Key::kSubImageInfo;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// The platform's own names (parse.h), matched exactly.
Key LookupOwnKey(std::string_view key) {
  const char* k = key.data();
  switch (key.size()) {
    case 2:
      if (Is<"id", false>(k)) return Key::kId;
      break;
    case 4:
      if (Is<"lane", false>(k)) return Key::kLane;
      break;
    case 5:
      if (Is<"plate", false>(k)) return Key::kPlate;
      break;
    case 9:
      if (Is<"device_id", false>(k)) return Key::kDeviceId;
      if (Is<"pass_time", false>(k)) return Key::kPassTime;
      if (Is<"has_plate", false>(k)) return Key::kHasPlate;
      if (Is<"direction", false>(k)) return Key::kDirection;
      if (Is<"speed_kmh", false>(k)) return Key::kSpeed;
      break;
    case 10:
      if (Is<"image_refs", false>(k)) return Key::kImageRefs;
      break;
    case 11:
      if (Is<"plate_color", false>(k)) return Key::kPlateColor;
      if (Is<"plate_class", false>(k)) return Key::kPlateClass;
      break;
    case 13:
      if (Is<"checkpoint_id", false>(k)) return Key::kCheckpointId;
      if (Is<"vehicle_class", false>(k)) return Key::kVehicleClass;
      if (Is<"vehicle_color", false>(k)) return Key::kVehicleColor;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// The own name of a known own-form member (the key as written, since it matched exactly).
std::string_view OwnName(Key key) {
  switch (key) {
    case Key::kId:
      return "id";
    case Key::kDeviceId:
      return "device_id";
    case Key::kCheckpointId:
      return "checkpoint_id";
    case Key::kPassTime:
      return "pass_time";
    case Key::kLane:
      return "lane";
    case Key::kHasPlate:
      return "has_plate";
    case Key::kPlateClass:
      return "plate_class";
    case Key::kPlateColor:
      return "plate_color";
    case Key::kPlate:
      return "plate";
    case Key::kSpeed:
      return "speed_kmh";
    case Key::kVehicleClass:
      return "vehicle_class";
    case Key::kVehicleColor:
      return "vehicle_color";
    case Key::kDirection:
      return "direction";
    case Key::kImageRefs:
      return "image_refs";
    default:
      return "";
  }
}

// ---------------------------------------------------------------------------------------------
// Small text helpers

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

[[gnu::always_inline]] inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

[[gnu::always_inline]] inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  return TrimRight(s);
}

// Values in messages are quoted and cut short: a message must stay readable.
std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  if (s.size() <= kMax) {
    out.append(s);
  } else {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out.append(s.substr(0, cut));
    out += "...";
  }
  out += '"';
  return out;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// A decimal without exponent and with at most 15 digits ("63.5", "-0.25") as a double. The
// digits form an integer below 2^53 and the power of ten is exact, so the one division rounds
// correctly: the result is the one from_chars gives. False for anything else.
bool FastDecimal(std::string_view s, double* out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  uint64_t m = 0;
  int digits = 0, fraction = -1;
  for (; p < end; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9') {
      m = m * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      if (fraction >= 0) ++fraction;
    } else if (c == '.' && fraction < 0 && digits > 0) {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15 || fraction == 0) return false;
  const double d = static_cast<double>(m) / kPow10[fraction < 0 ? 0 : fraction];
  *out = negative ? -d : d;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (FastDecimal(s, out)) return true;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  // from_chars accepts "inf" and "nan"; a reading must be a finite decimal number.
  const char c = s.front();
  if (!((c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(*out);
}

// A JSON number token (grammar already checked) as a double. False if it overflows; a
// number too small for a double is 0.
bool JsonNumberToDouble(std::string_view token, double* out) {
  if (FastDecimal(token, out)) return true;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), *out);
  if (ec == std::errc()) return true;
  if (ec != std::errc::result_out_of_range) return false;
  // Out of range: underflow if the exponent is negative or there is no integer part.
  const size_t e = token.find_first_of("eE");
  const bool negative_exponent = e != std::string_view::npos && token[e + 1] == '-';
  const std::string_view integer = token.substr(token.front() == '-' ? 1 : 0);
  if (negative_exponent || (integer.size() > 1 && integer[0] == '0')) {
    *out = token.front() == '-' ? -0.0 : 0.0;
    return true;
  }
  return false;
}

bool ParseBoolText(std::string_view s, bool* out) {
  static constexpr std::string_view kTrue[] = {"1", "true", "yes", "y", "t", "是", "有"};
  static constexpr std::string_view kFalse[] = {"0", "false", "no", "n", "f", "否", "无"};
  for (auto t : kTrue) {
    if (EqualsIgnoreCase(s, t)) return *out = true, true;
  }
  for (auto f : kFalse) {
    if (EqualsIgnoreCase(s, f)) return *out = false, true;
  }
  return false;
}

// GA/T 1400 PassTime: "yyyyMMddHHmmss" (or with milliseconds). Some devices send
// "yyyy-MM-dd HH:mm:ss" local time; that is accepted too.
StatusOr<UnixMicros> ParseGatTime(std::string_view text, int offset_seconds,
                                  std::string_view field) {
  if (text.size() == 19 && text[4] == '-' && text[7] == '-' &&
      (text[10] == ' ' || text[10] == 'T') && text[13] == ':' && text[16] == ':') {
    char compact[14];
    size_t n = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      if (i == 4 || i == 7 || i == 10 || i == 13 || i == 16) continue;
      compact[n++] = text[i];
    }
    auto t = ParseCompactLocalTime(std::string_view(compact, n), offset_seconds, field);
    if (t.ok()) return t;
  }
  return ParseCompactLocalTime(text, offset_seconds, field);
}

// ---------------------------------------------------------------------------------------------
// Scanning

inline bool IsSpaceByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= ' ' &&
         ((1ull << u) & ((1ull << ' ') | (1ull << '\t') | (1ull << '\n') | (1ull << '\r'))) != 0;
}
inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

inline int CountTrailingZeros(uint32_t x) { return __builtin_ctz(x); }

// For the 16 bytes at `p`: a bit per byte that ends a run of plain string text (a quote, a
// backslash, or a control character, NUL included), and in *high a bit per byte >= 0x80.
#if defined(__SSE2__) && !defined(QUANYU_EVENTS_NO_SIMD)
inline uint32_t StringStops16(const char* p, uint32_t* high) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  // Unsigned x <= 0x1F: min(x, 0x1F) == x.
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x);
  *high = static_cast<uint32_t>(_mm_movemask_epi8(x));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
}
// For the 16 bytes at `p`: a bit per byte that is not plain ASCII string text (a quote, a
// backslash, a control character, NUL included, or a byte >= 0x80). One signed compare finds
// both control characters and bytes >= 0x80.
inline uint32_t AsciiStops16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  const __m128i other = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
  return static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), other)));
}
// True if none of the 64 bytes at `p` stops a string; then *high |= whether any is >= 0x80.
inline bool PlainText64(const char* p, bool* high) {
  const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
  // Most long strings (base64 image data) are ASCII: one signed compare finds both control
  // characters and bytes >= 0x80, and only a hit needs a closer look.
  const __m128i space = _mm_set1_epi8(0x20);
  __m128i ascii_stops = _mm_setzero_si128();
  for (int i = 0; i < 4; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    ascii_stops = _mm_or_si128(
        ascii_stops, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b)),
                                  _mm_cmplt_epi8(x, space)));
  }
  if (_mm_movemask_epi8(ascii_stops) == 0) return true;
  const __m128i c = _mm_set1_epi8(0x1F);
  __m128i stops = _mm_setzero_si128(), any = _mm_setzero_si128();
  for (int i = 0; i < 4; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    stops =
        _mm_or_si128(stops, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, b)),
                                         _mm_cmpeq_epi8(_mm_min_epu8(x, c), x)));
    any = _mm_or_si128(any, x);
  }
  if (_mm_movemask_epi8(stops) != 0) return false;
  *high |= _mm_movemask_epi8(any) != 0;
  return true;
}
#else
inline uint32_t StringStops16(const char* p, uint32_t* high) {
  uint32_t stops = 0, hi = 0;
  for (int i = 0; i < 16; ++i) {
    const auto u = static_cast<unsigned char>(p[i]);
    stops |= static_cast<uint32_t>(u == '"' || u == '\\' || u < 0x20) << i;
    hi |= static_cast<uint32_t>(u >= 0x80) << i;
  }
  *high = hi;
  return stops;
}
inline uint32_t AsciiStops16(const char* p) {
  uint32_t hi;
  const uint32_t stops = StringStops16(p, &hi);
  return stops | hi;
}
inline bool PlainText64(const char* p, bool* high) {
  uint32_t hi = 0;
  for (int i = 0; i < 4; ++i) {
    uint32_t h;
    if (StringStops16(p + 16 * i, &h) != 0) return false;
    hi |= h;
  }
  *high |= hi != 0;
  return true;
}
#endif

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(const unsigned char* s, const unsigned char* end) {
  while (s < end) {
    const unsigned c = *s;
    if (c < 0x80) {
      ++s;
      continue;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - s) < n) return false;
    if (s[1] < lo || s[1] > hi) return false;
    for (size_t i = 2; i < n; ++i) {
      if ((s[i] & 0xC0) != 0x80) return false;
    }
    s += n;
  }
  return true;
}

unsigned Hex4(const char* p) {
  unsigned v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

void PutUtf8(uint32_t c, char*& out) {
  if (c < 0x80) {
    *out++ = static_cast<char>(c);
  } else if (c < 0x800) {
    *out++ = static_cast<char>(0xC0 | (c >> 6));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (c >> 12));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (c >> 18));
    *out++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Unescapes string content whose escapes the reader has checked, into `out` (which has room
// for content.size() bytes: no escape is longer than what it stands for). Returns the end, or
// nullptr for a \u escape that is half of a UTF-16 surrogate pair without the other half.
char* Unescape(std::string_view content, char* out) {
  const char* p = content.data();
  const char* const end = p + content.size();
  while (p < end) {
    const char* bs = static_cast<const char*>(std::memchr(p, '\\', end - p));
    if (bs == nullptr) bs = end;
    std::memcpy(out, p, bs - p);
    out += bs - p;
    p = bs;
    if (p == end) break;
    const char c = p[1];
    p += 2;
    switch (c) {
      case 'b':
        *out++ = '\b';
        break;
      case 'f':
        *out++ = '\f';
        break;
      case 'n':
        *out++ = '\n';
        break;
      case 'r':
        *out++ = '\r';
        break;
      case 't':
        *out++ = '\t';
        break;
      case 'u': {
        uint32_t cp = Hex4(p);
        p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return nullptr;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return nullptr;
          const uint32_t low = Hex4(p + 2);
          if (low < 0xDC00 || low > 0xDFFF) return nullptr;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        }
        PutUtf8(cp, out);
        break;
      }
      default:  // '"', '\\', '/'
        *out++ = c;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The JSON reader

// The kind of a JSON value.
enum class Kind : uint8_t { kString, kNumber, kTrue, kFalse, kNull, kObject, kArray };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
    case Kind::kNumber:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kTrue:
    case Kind::kFalse:
      return "a boolean";
    case Kind::kNull:
      return "null";
  }
  return "a value";
}

// One value as read: its kind and where it lies.
// Set by JsonReader::Read; left uninitialized otherwise (it is made for every member read).
struct Value {
  Kind kind;
  bool escaped;       // a string holding a backslash
  const char* begin;  // the whole value as written, quotes and brackets included
  const char* end;
  std::string_view text;  // a string's content as written (between the quotes); a number
};

using Span = std::pair<const char*, const char*>;

// The member names of the last object of one kind, by position. Devices send every object of
// a batch with the same members in the same order, so the name at position j is usually the
// one seen there before: checking that its bytes match (two or three 8-byte compares) replaces
// scanning the name and looking it up. The bytes of a remembered name were checked when it
// was first read (no escapes, no quote, valid UTF-8), so a match is exact. A mismatch costs a
// few instructions and the name is read the ordinary way.
class KeyCache {
 public:
  // A remembered name is compared with the name, its closing quote and the colon after it,
  // all within three 8-byte words.
  static constexpr size_t kMaxName = 22;
  static constexpr size_t kMaxMembers = 64;

  // If the member name at `p` (just after its opening quote) is the one remembered at `j` and
  // a colon follows its closing quote at once, its key and length.
  // Reads 24 bytes at `p`, which must lie before `limit`; the match must end before `end`.
  [[gnu::always_inline]] bool Match(size_t j, const char* p, const char* end, const char* limit,
                                    Key* key, size_t* len) const {
    if (j >= kMaxMembers || limit - p < 24) return false;
    const Entry& e = entries_[j];
    if (((Load64(p) ^ e.word[0]) & e.mask[0]) != 0 || e.len == 0) return false;
    if (((Load64(p + 8) ^ e.word[1]) & e.mask[1]) != 0) return false;
    if (((Load64(p + 16) ^ e.word[2]) & e.mask[2]) != 0) return false;
    if (p + e.len + 2 > end) return false;
    *key = e.key;
    *len = e.len;
    return true;
  }

  // Remembers `name` (as written, without escapes, followed by '"' and ':') at `j`; an empty
  // view forgets.
  void Remember(size_t j, std::string_view name, Key key) {
    if (j >= kMaxMembers) return;
    Entry& e = entries_[j];
    e = Entry();
    if (name.empty() || name.size() > kMaxName) return;
    char pattern[24] = {};
    std::memcpy(pattern, name.data(), name.size());
    pattern[name.size()] = '"';
    pattern[name.size() + 1] = ':';
    const size_t n = name.size() + 2;
    for (size_t w = 0; w < 3; ++w) {
      e.word[w] = Load64(pattern + 8 * w);
      for (size_t i = 0; i < 8 && 8 * w + i < n; ++i) e.mask[w] |= 0xFFull << (8 * i);
    }
    e.len = static_cast<uint32_t>(name.size());
    e.key = key;
  }

 private:
  struct alignas(64) Entry {
    uint64_t word[3] = {};
    uint64_t mask[3] = {};  // all zero: matches anything, so len == 0 is checked too
    uint32_t len = 0;       // 0: nothing remembered
    Key key = Key::kUnknown;
  };
  Entry entries_[kMaxMembers];
};

// Reads JSON text in [begin, end), where it lies: nothing before or after it is touched. Past
// the end Peek() gives NUL, which is valid nowhere in JSON, so the end needs no checks of its
// own; 16-byte loads are used only where 64 bytes are left, and the last bytes of a string
// are scanned from a copy. Every method that reads returns false on malformed text, with
// Error() saying what and where; the reader is then done. Readers of particular objects (the
// envelope, passages) walk the text with Members and Elements and hand what they do not read to
// Skip, which checks it all the same.
class JsonReader {
 public:
  static constexpr size_t kMaxDepth = 1024;
  // Strings longer than this (quotes included) are noted in long_strings().
  static constexpr size_t kMaxKeptString = 1024;

  // Reads [begin, end); memory up to `limit` (>= end) may be read too, though it is not part
  // of the text (an NDJSON line is read up to its end, but its body goes on after it).
  void Start(const char* begin, const char* end, const char* limit = nullptr) {
    begin_ = p_ = begin;
    end_ = end;
    limit_ = limit != nullptr ? limit : end;
    error_ = nullptr;
    depth_ = 0;
    stack_.clear();
    long_strings_.clear();
    scratch_used_ = 0;
  }

  const char* pos() const { return p_; }
  // The byte at p_, or NUL at the end. A NUL is valid nowhere in JSON text, so every check
  // that expects something in particular fails at the end as it would on a wrong byte.
  [[gnu::always_inline]] char Peek() const { return p_ < end_ ? *p_ : '\0'; }
  char At(const char* q) const { return q < end_ ? *q : '\0'; }
  [[gnu::always_inline]] void SkipSpace() {
    // Most bodies are compact: one compare usually settles it.
    if (p_ == end_ || static_cast<unsigned char>(*p_) > ' ') return;
    while (p_ < end_ && IsSpaceByte(*p_)) ++p_;
  }
  // After the last value: only whitespace may follow.
  bool End() {
    SkipSpace();
    return p_ == end_ || Fail("unexpected content after the value");
  }

  bool Fail(const char* why) {
    error_ = why;
    error_at_ = p_;
    return false;
  }
  // "what is wrong at byte N".
  std::string Error() const {
    if (error_ == nullptr) return "malformed";
    return std::string(error_) + " at byte " + std::to_string(error_at_ - begin_);
  }

  // Strings longer than kMaxKeptString read since the last ClearLongStrings, in order of
  // their end.
  std::vector<Span>& long_strings() { return long_strings_; }

  // Any value, described in *v. p_ is at its first byte, and after it on return.
  [[gnu::always_inline]] bool Read(Value* v) {
    v->begin = p_;
    switch (Peek()) {
      case '"':
        v->kind = Kind::kString;
        if (!String(&v->text, &v->escaped)) return false;
        break;
      case '{':
        v->kind = Kind::kObject;
        if (!SkipContainer()) return false;
        break;
      case '[':
        v->kind = Kind::kArray;
        if (!SkipContainer()) return false;
        break;
      case 't':
        v->kind = Kind::kTrue;
        if (!Literal("true", 4)) return false;
        break;
      case 'f':
        v->kind = Kind::kFalse;
        if (!Literal("false", 5)) return false;
        break;
      case 'n':
        v->kind = Kind::kNull;
        if (!Literal("null", 4)) return false;
        break;
      default:
        v->kind = Kind::kNumber;
        if (!Number()) return false;
        v->text = std::string_view(v->begin, p_ - v->begin);
        break;
    }
    v->end = p_;
    return true;
  }

  // Any value, checked and passed over.
  [[gnu::always_inline]] bool Skip() {
    if (Peek() == '"') {
      std::string_view s;
      bool escaped;
      return String(&s, &escaped);
    }
    return SkipOther();
  }

  // The object at p_ (the caller has seen '{'): calls member(key, escaped) with p_ at each
  // member's value, which member must read (or Skip); member returns false on malformed text.
  // `key` is the name as written, between the quotes.
  template <typename F>
  bool Members(F&& member) {
    if (++depth_ > kMaxDepth) return Fail("nested too deeply");
    ++p_;
    SkipSpace();
    if (Peek() == '}') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      if (Peek() != '"') return Fail("expected a member name in quotes");
      std::string_view key;
      bool escaped;
      if (!String(&key, &escaped)) return false;
      if (Peek() != ':') {
        SkipSpace();
        if (Peek() != ':') return Fail("expected ':' after a member name");
      }
      ++p_;
      SkipSpace();
      if (!member(key, escaped)) return false;
      if (Peek() != ',') SkipSpace();
      if (Peek() == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (Peek() == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return Fail("expected ',' or '}' after an object member");
    }
  }

  // Like Members, for objects whose member names are looked up: calls member(key, name) with
  // the key `lookup` gives for the (unescaped) name, using and updating `cache`.
  template <typename Lookup, typename F>
  bool KeyedMembers(KeyCache* cache, Lookup lookup, F&& member) {
    if (++depth_ > kMaxDepth) return Fail("nested too deeply");
    ++p_;
    SkipSpace();
    if (Peek() == '}') {
      ++p_;
      --depth_;
      return true;
    }
    for (size_t j = 0;; ++j) {
      if (Peek() != '"') return Fail("expected a member name in quotes");
      Key k;
      std::string_view name;
      size_t len;
      if (cache->Match(j, p_ + 1, end_, limit_, &k, &len)) {
        name = std::string_view(p_ + 1, len);
        p_ += len + 3;  // the quotes and the colon
      } else {
        bool escaped;
        if (!String(&name, &escaped)) return false;
        if (!escaped) {
          k = lookup(name);
          // Remembered only as compact JSON writes it: the colon right after the name.
          cache->Remember(j, Peek() == ':' ? name : std::string_view(), k);
        } else {
          // No known name contains a backslash: only the unescaped name can match one.
          k = Unescaped(name, &name) ? lookup(name) : Key::kUnknown;
          cache->Remember(j, {}, k);
        }
        if (Peek() != ':') {
          SkipSpace();
          if (Peek() != ':') return Fail("expected ':' after a member name");
        }
        ++p_;
      }
      SkipSpace();
      if (!member(k, name)) return false;
      if (Peek() != ',') SkipSpace();
      if (Peek() == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (Peek() == '}') {
        ++p_;
        --depth_;
        return true;
      }
      return Fail("expected ',' or '}' after an object member");
    }
  }

  // The array at p_ (the caller has seen '['): calls element() with p_ at each element.
  template <typename F>
  bool Elements(F&& element) {
    if (++depth_ > kMaxDepth) return Fail("nested too deeply");
    ++p_;
    SkipSpace();
    if (Peek() == ']') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      if (!element()) return false;
      if (Peek() != ',') SkipSpace();
      if (Peek() == ',') {
        ++p_;
        SkipSpace();
        continue;
      }
      if (Peek() == ']') {
        ++p_;
        --depth_;
        return true;
      }
      return Fail("expected ',' or ']' after an array element");
    }
  }

  // A string's content with its escapes replaced, in a buffer that lives until the next
  // Start. False for an escaped half of a UTF-16 surrogate pair.
  bool Unescaped(std::string_view content, std::string_view* out) {
    if (scratch_used_ + content.size() > scratch_cap_) {
      // Views handed out before stay valid: the old buffer is kept until ReleaseRetired.
      const size_t cap = std::max<size_t>(4096, 2 * content.size() + scratch_cap_);
      retired_.push_back(std::move(scratch_));
      scratch_ = std::make_unique_for_overwrite<char[]>(cap);
      scratch_cap_ = cap;
      scratch_used_ = 0;
    }
    char* const begin = scratch_.get() + scratch_used_;
    char* const end = Unescape(content, begin);
    if (end == nullptr) return false;
    scratch_used_ = static_cast<size_t>(end - scratch_.get());
    *out = std::string_view(begin, end - begin);
    return true;
  }

  // Frees buffers retired by Unescaped; views it handed out are then invalid.
  void ReleaseRetired() { retired_.clear(); }

  // A string: p_ at the opening quote, after the closing one on return. The common case, a
  // short string of plain ASCII, is handled here, anything else by StringSlow.
  [[gnu::always_inline]] bool String(std::string_view* content, bool* escaped) {
    const char* const start = p_ + 1;
    const char* p = start;
    // Up to 64 bytes of ASCII without escapes, away from the end of memory; StringSlow does
    // the rest, and strings that would end past the end of the text.
    for (int n = 0; n < 4 && limit_ - start >= 64; ++n, p += 16) {
      const uint32_t stops = AsciiStops16(p);
      if (stops == 0) continue;
      const int i = CountTrailingZeros(stops);
      if (p[i] != '"' || p + i >= end_) break;
      *content = std::string_view(start, static_cast<size_t>(p + i - start));
      *escaped = false;
      p_ = p + i + 1;
      return true;
    }
    return StringSlow(content, escaped);
  }

 private:
  [[gnu::noinline]] bool SkipOther() {
    if (Peek() == '{' || Peek() == '[') return SkipContainer();
    Value v;
    return Read(&v);
  }

  [[gnu::noinline]] bool StringSlow(std::string_view* content, bool* escaped) {
    const char* const start = p_ + 1;
    const char* p = start;
    bool esc = false;
    bool high = false;
    int blocks = 0;
    for (;;) {
      uint32_t hi;
      const uint32_t stops = end_ - p >= 16 ? StringStops16(p, &hi) : TailStops(p, &hi);
      if (stops == 0) {
        high |= hi != 0;
        p += 16;
        // A long string (image data): 64 bytes a step until something stops it.
        if (++blocks == 4) {
          while (end_ - p >= 64 && PlainText64(p, &high)) p += 64;
        }
        continue;
      }
      const int i = CountTrailingZeros(stops);
      high |= (hi & ((1u << i) - 1)) != 0;
      p += i;
      const char c = At(p);
      if (c == '"') break;
      if (c == '\\') {
        esc = true;
        switch (At(p + 1)) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            p += 2;
            blocks = 0;
            continue;
          case 'u':
            if (!IsHex(At(p + 2)) || !IsHex(At(p + 3)) || !IsHex(At(p + 4)) || !IsHex(At(p + 5))) {
              p_ = p;
              return Fail("invalid \\u escape");
            }
            p += 6;
            blocks = 0;
            continue;
          default:
            p_ = p;
            return Fail(p + 1 >= end_ ? "unterminated string" : "invalid escape in a string");
        }
      }
      p_ = p;
      return Fail(p >= end_ ? "unterminated string" : "unescaped control character in a string");
    }
    if (high && !IsValidUtf8(reinterpret_cast<const unsigned char*>(start),
                             reinterpret_cast<const unsigned char*>(p))) {
      p_ = start - 1;
      return Fail("invalid UTF-8 in a string");
    }
    *content = std::string_view(start, p - start);
    *escaped = esc;
    p_ = p + 1;
    if (static_cast<size_t>(p_ - (start - 1)) > kMaxKeptString) {
      long_strings_.emplace_back(start - 1, p_);
    }
    return true;
  }

  // StringStops16 for the last bytes of the text (fewer than 16 left): the end stops it.
  uint32_t TailStops(const char* p, uint32_t* high) const {
    char tail[16] = {};
    std::memcpy(tail, p, static_cast<size_t>(end_ - p));
    return StringStops16(tail, high);
  }

  bool Literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
      return Fail("invalid literal (expected true, false or null)");
    p_ += n;
    return true;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number() {
    const char* p = p_;
    if (At(p) == '-') ++p;
    if (At(p) == '0') {
      ++p;
    } else if (IsDigit(At(p))) {
      while (IsDigit(At(p))) ++p;
    } else {
      return Fail("expected a value");
    }
    if (At(p) == '.') {
      ++p;
      if (!IsDigit(At(p))) {
        p_ = p;
        return Fail("invalid number: digits must follow '.'");
      }
      while (IsDigit(At(p))) ++p;
    }
    if (At(p) == 'e' || At(p) == 'E') {
      ++p;
      if (At(p) == '+' || At(p) == '-') ++p;
      if (!IsDigit(At(p))) {
        p_ = p;
        return Fail("invalid number: digits must follow the exponent");
      }
      while (IsDigit(At(p))) ++p;
    }
    p_ = p;
    return true;
  }

  // An object or array nobody reads, checked without recursion: stack_ holds '{' or '[' per
  // open container.
  [[gnu::noinline]] bool SkipContainer() {
    const size_t base = stack_.size();
    for (;;) {
      // At a value.
      switch (Peek()) {
        case '{':
        case '[': {
          const char open = Peek();
          ++p_;
          SkipSpace();
          if (Peek() == (open == '{' ? '}' : ']')) {
            ++p_;
            break;
          }
          if (depth_ + stack_.size() + 1 > kMaxDepth) return Fail("nested too deeply");
          stack_.push_back(open);
          if (open == '{' && !KeyAndColon()) return false;
          continue;
        }
        case '"': {
          std::string_view s;
          bool escaped;
          if (!String(&s, &escaped)) return false;
          break;
        }
        case 't':
          if (!Literal("true", 4)) return false;
          break;
        case 'f':
          if (!Literal("false", 5)) return false;
          break;
        case 'n':
          if (!Literal("null", 4)) return false;
          break;
        default:
          if (!Number()) return false;
          break;
      }
      // After a value: close containers, or go on to the next member or element.
      for (;;) {
        if (stack_.size() == base) return true;
        SkipSpace();
        const char c = Peek();
        if (c == ',') {
          ++p_;
          SkipSpace();
          if (stack_.back() == '{' && !KeyAndColon()) return false;
          break;
        }
        if (c == (stack_.back() == '{' ? '}' : ']')) {
          ++p_;
          stack_.pop_back();
          continue;
        }
        return Fail(stack_.back() == '{' ? "expected ',' or '}' after an object member"
                                         : "expected ',' or ']' after an array element");
      }
    }
  }

  // A member name and its colon; leaves p_ at the value.
  bool KeyAndColon() {
    if (Peek() != '"') return Fail("expected a member name in quotes");
    std::string_view s;
    bool escaped;
    if (!String(&s, &escaped)) return false;
    SkipSpace();
    if (Peek() != ':') return Fail("expected ':' after a member name");
    ++p_;
    SkipSpace();
    return true;
  }

  const char* begin_ = nullptr;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  const char* limit_ = nullptr;  // end of readable memory, >= end_
  const char* error_ = nullptr;
  const char* error_at_ = nullptr;
  size_t depth_ = 0;   // objects and arrays open in Members and Elements
  std::string stack_;  // containers open in SkipContainer
  std::vector<Span> long_strings_;
  std::unique_ptr<char[]> scratch_;  // unescaped strings
  size_t scratch_cap_ = 0;
  size_t scratch_used_ = 0;
  std::vector<std::unique_ptr<char[]>> retired_;
};

// ---------------------------------------------------------------------------------------------
// One object

// The outcome of reading one value.
enum class Got { kValue, kAbsent, kBad };

// Member names by position (KeyCache) for each kind of object read.
struct KeyCaches {
  KeyCache gat;         // MotorVehicleObject
  KeyCache image_list;  // SubImageList
  KeyCache image;       // SubImageInfoObject
  KeyCache own;         // the own form
};

// Reads one passage object (GA/T 1400 MotorVehicleObject or the own form) into a ParsedItem.
// Conversion problems become the item's Rejection; malformed JSON makes Read return false
// (the reader says what is wrong) and ends the parse.
class ObjectReader {
 public:
  ObjectReader(Form form, const ParseOptions& opts, JsonReader* rd, KeyCaches* caches,
               ParsedItem* item, std::vector<Span>* omit)
      : form_(form), opts_(opts), rd_(*rd), caches_(*caches), item_(item), omit_(omit) {}

  // Reads the object at the reader's position (a '{').
  bool Read() {
    const bool ok =
        form_ == Form::kGat1400
            ? rd_.KeyedMembers(&caches_.gat, LookupGat1400Key,
                               [this](Key k, std::string_view key) { return GatMember(k, key); })
            : rd_.KeyedMembers(&caches_.own, LookupOwnKey,
                               [this](Key k, std::string_view key) { return OwnMember(k, key); });
    if (!ok) return false;
    Finish();
    return true;
  }

 private:
  bool GatMember(Key k, std::string_view key) {
    switch (k) {
      case Key::kUnknown:
        return rd_.Skip();  // vendor fields: checked, not read
      case Key::kSubImageList:
        return ReadSubImageList(Gat1400Name(k, key));
      case Key::kData:
        return Omit();
      default:
        return ReadMember(k, Gat1400Name(k, key));
    }
  }

  bool OwnMember(Key k, std::string_view) {
    switch (k) {
      case Key::kUnknown:
        return rd_.Skip();
      case Key::kImageRefs:
        return ReadImageRefs(OwnName(k));
      default:
        return ReadMember(k, OwnName(k));
    }
  }

  // Rejections are rare: they are built out of line, so that the paths that read good values
  // stay small.
  [[gnu::cold, gnu::noinline]] void Fail(std::string_view code, std::string_view field,
                                         std::string message) {
    if (failed_) return;
    failed_ = true;
    item_->rejection.code = code;
    item_->rejection.field = field;
    item_->rejection.message = std::move(message);
  }
  // "<expected>, got <kind>".
  [[gnu::cold, gnu::noinline]] Got FailKind(std::string_view code, std::string_view field,
                                            std::string_view expected, Kind kind) {
    Fail(code, field, std::string(expected) + ", got " + KindName(kind));
    return Got::kBad;
  }
  // "<expected>, got "<text>"".
  [[gnu::cold, gnu::noinline]] Got FailText(std::string_view code, std::string_view field,
                                            std::string_view expected, std::string_view text) {
    Fail(code, field, std::string(expected) + ", got " + Quoted(text));
    return Got::kBad;
  }

  // A string's content, unescaped if need be. False (and the item rejected) for an escaped
  // half of a UTF-16 surrogate pair.
  [[gnu::noinline]] bool Unescape(const Value& v, std::string_view field, std::string_view code,
                                  std::string_view expected, std::string_view* out) {
    if (rd_.Unescaped(v.text, out)) return true;
    Fail(code, field,
         "expected " + std::string(expected) + ": unpaired UTF-16 surrogate in a \\u escape");
    return false;
  }
  bool Content(const Value& v, std::string_view field, std::string_view code,
               std::string_view expected, std::string_view* out) {
    if (!v.escaped) {
      *out = v.text;
      return true;
    }
    return Unescape(v, field, code, expected, out);
  }

  // A scalar as text: strings as they are, numbers as written. null and "" are absent.
  [[gnu::always_inline]] Got ReadText(const Value& v, std::string_view field, std::string_view* out,
                                      std::string_view code = "invalid_field") {
    if (v.kind == Kind::kString && !v.escaped) {
      *out = v.text;
      return out->empty() ? Got::kAbsent : Got::kValue;
    }
    return ReadTextSlow(v, field, out, code);
  }
  [[gnu::noinline]] Got ReadTextSlow(const Value& v, std::string_view field, std::string_view* out,
                                     std::string_view code) {
    switch (v.kind) {
      case Kind::kString:
        if (!Content(v, field, code, "text", out)) return Got::kBad;
        return out->empty() ? Got::kAbsent : Got::kValue;
      case Kind::kNumber:
        *out = v.text;  // as written: ids can exceed 64 bits
        return Got::kValue;
      case Kind::kNull:
        return Got::kAbsent;
      default:
        return FailKind(code, field, "expected text", v.kind);
    }
  }

  // A number, sent as a JSON number or as a numeric string. null and "" are absent.
  Got ReadDouble(const Value& v, std::string_view field, std::string_view code, double* out) {
    switch (v.kind) {
      case Kind::kNumber:
        if (!JsonNumberToDouble(v.text, out)) {
          Fail(code, field, "expected a number: " + std::string(v.text) + " is out of range");
          return Got::kBad;
        }
        return Got::kValue;
      case Kind::kString: {
        std::string_view s;
        if (!Content(v, field, code, "a number", &s)) return Got::kBad;
        s = Trim(s);
        if (s.empty()) return Got::kAbsent;
        if (!ParseDouble(s, out)) return FailText(code, field, "expected a number", s);
        return Got::kValue;
      }
      case Kind::kNull:
        return Got::kAbsent;
      default:
        return FailKind(code, field, "expected a number", v.kind);
    }
  }

  // An integer within int32, sent as a number or a string; "2.0" is 2.
  Got ReadInt(const Value& v, std::string_view field, std::string_view code, int32_t* out) {
    std::string_view shown;
    int64_t i = 0;
    switch (v.kind) {
      case Kind::kNumber: {
        shown = v.text;
        auto [end, ec] = std::from_chars(shown.data(), shown.data() + shown.size(), i);
        if (ec == std::errc() && end == shown.data() + shown.size()) break;
        double d;
        if (!JsonNumberToDouble(shown, &d) || d != std::floor(d) || std::fabs(d) > 1e15) {
          Fail(code, field, "expected an integer, got " + std::string(shown));
          return Got::kBad;
        }
        i = static_cast<int64_t>(d);
        break;
      }
      case Kind::kString: {
        if (!Content(v, field, code, "an integer", &shown)) return Got::kBad;
        shown = Trim(shown);
        if (shown.empty()) return Got::kAbsent;
        if (!ParseInt64(shown, &i)) {
          double d;
          if (!ParseDouble(shown, &d) || d != std::floor(d) || std::fabs(d) > 1e15) {
            return FailText(code, field, "expected an integer", shown);
          }
          i = static_cast<int64_t>(d);
        }
        break;
      }
      case Kind::kNull:
        return Got::kAbsent;
      default:
        return FailKind(code, field, "expected an integer", v.kind);
    }
    if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) {
      Fail(code, field, "integer out of range: " + std::string(shown));
      return Got::kBad;
    }
    *out = static_cast<int32_t>(i);
    return Got::kValue;
  }

  // HasPlate: true/false, 1/0, "1"/"0", "true"/"false" (and a few spellings of yes/no).
  Got ReadBool(const Value& v, std::string_view field, bool* out) {
    std::string_view s;
    switch (v.kind) {
      case Kind::kTrue:
      case Kind::kFalse:
        *out = v.kind == Kind::kTrue;
        return Got::kValue;
      case Kind::kNumber:
      case Kind::kString: {
        Got g = ReadText(v, field, &s);
        if (g != Got::kValue) return g;
        s = Trim(s);
        if (ParseBoolText(s, out)) return Got::kValue;
        return FailText("invalid_field", field, "expected 1/0 or true/false", s);
      }
      case Kind::kNull:
        return Got::kAbsent;
      default:
        return FailKind("invalid_field", field, "expected 1/0 or true/false", v.kind);
    }
  }

  // Image data: checked, and its span noted so that it is cut from the raw text.
  bool Omit() {
    Value v;
    if (!rd_.Read(&v)) return false;
    omit_->emplace_back(v.begin, v.end);
    return true;
  }

  void AddImageRef(std::string_view ref) {
    for (const auto& r : item_->record.image_refs) {
      if (r == ref) return;
    }
    item_->record.image_refs.emplace_back(ref);
  }

  // SubImageList: {"SubImageInfoObject": [{"ImageID", "StoragePath", "Data", ...}, ...]}.
  // Some devices send the array (or one object) directly.
  bool ReadSubImageList(std::string_view field) {
    switch (rd_.Peek()) {
      case '[':
        return ReadSubImages();
      case '{':
        return rd_.KeyedMembers(&caches_.image_list, LookupSubImageKey,
                                [this](Key k, std::string_view) {
                                  if (k != Key::kSubImageInfo) return rd_.Skip();
                                  switch (rd_.Peek()) {
                                    case '[':
                                      return ReadSubImages();
                                    case '{':
                                      return ReadSubImage();
                                    default:
                                      return rd_.Skip();
                                  }
                                });
      default: {
        Value v;
        if (!rd_.Read(&v)) return false;
        if (v.kind != Kind::kNull) FailKind("invalid_field", field, "expected an object", v.kind);
        return true;
      }
    }
  }

  bool ReadSubImages() {
    return rd_.Elements([this] {
      if (rd_.Peek() == '{') return ReadSubImage();
      return rd_.Skip();  // not an image description: nothing to keep
    });
  }

  // One SubImageInfoObject: keeps StoragePath (else ImageID) as a reference, cuts Data.
  bool ReadSubImage() {
    std::string_view path, image_id;
    const bool ok =
        rd_.KeyedMembers(&caches_.image, LookupSubImageKey, [&](Key k, std::string_view) {
          if (k == Key::kData) return Omit();
          if (k != Key::kImageId && k != Key::kStoragePath) return rd_.Skip();
          Value v;
          if (!rd_.Read(&v)) return false;
          if (k == Key::kImageId) {
            ReadText(v, "SubImageList.ImageID", &image_id);
          } else {
            ReadText(v, "SubImageList.StoragePath", &path);
          }
          return true;
        });
    if (!ok) return false;
    path = Trim(path);
    image_id = Trim(image_id);
    if (!path.empty()) {
      AddImageRef(path);
    } else if (!image_id.empty()) {
      AddImageRef(image_id);
    }
    return true;
  }

  // Own form image_refs: an array of strings.
  bool ReadImageRefs(std::string_view field) {
    if (rd_.Peek() != '[') {
      Value v;
      if (!rd_.Read(&v)) return false;
      if (v.kind != Kind::kNull) {
        FailKind("invalid_field", field, "expected an array of strings", v.kind);
      }
      return true;
    }
    return rd_.Elements([&] {
      Value v;
      if (!rd_.Read(&v)) return false;
      if (v.kind != Kind::kString) {
        Fail("invalid_field", field,
             "expected an array of strings, found " + std::string(KindName(v.kind)));
        return true;
      }
      std::string_view s;
      if (ReadText(v, field, &s) == Got::kValue) AddImageRef(s);
      return true;
    });
  }

  // A scalar member.
  bool ReadMember(Key k, std::string_view field) {
    Value v;
    if (!rd_.Read(&v)) return false;
    PassageRecord& r = item_->record;
    std::string_view s;
    switch (k) {
      case Key::kId:
        if (ReadText(v, field, &s) == Got::kValue) r.id.assign(s);
        break;
      case Key::kDeviceId:
        if (ReadText(v, field, &s) == Got::kValue) r.device_id.assign(s);
        break;
      case Key::kCheckpointId:
        if (ReadText(v, field, &s) == Got::kValue) r.checkpoint_id.assign(s);
        break;
      case Key::kPassTime:
        if (ReadText(v, field, &s) == Got::kValue) ReadPassTime(Trim(s), field);
        break;
      case Key::kLane: {
        int32_t lane = 0;
        if (ReadInt(v, field, "invalid_field", &lane) == Got::kValue) r.lane = lane;
        break;
      }
      case Key::kHasPlate: {
        bool b = true;
        if (ReadBool(v, field, &b) == Got::kValue) has_plate_ = b;
        break;
      }
      case Key::kPlateClass:
        if (ReadText(v, field, &s) == Got::kValue) r.plate_class.assign(s);
        break;
      case Key::kPlateColor:
        ReadPlateColor(v, field);
        break;
      case Key::kPlate:
        if (ReadText(v, field, &s, "invalid_plate") != Got::kBad) {
          plate_text_ = s;
          plate_field_ = field;
        }
        break;
      case Key::kSpeed: {
        double d = -1;
        if (ReadDouble(v, field, "invalid_speed", &d) == Got::kValue) r.speed_kmh = d;
        break;
      }
      case Key::kVehicleClass:
        if (ReadText(v, field, &s) == Got::kValue) r.vehicle_class.assign(s);
        break;
      case Key::kVehicleColor:
        if (ReadText(v, field, &s) == Got::kValue) r.vehicle_color.assign(s);
        break;
      case Key::kDirection:
        if (ReadText(v, field, &s) == Got::kValue) r.direction.assign(s);
        break;
      case Key::kStorageUrl:
        if (ReadText(v, field, &s) == Got::kValue && !Trim(s).empty()) AddImageRef(Trim(s));
        break;
      default:  // handled by the callers
        break;
    }
    return true;
  }

  void ReadPassTime(std::string_view s, std::string_view field) {
    auto t = form_ == Form::kGat1400 ? ParseGatTime(s, opts_.local_offset_seconds, field)
                                     : ParseRfc3339(s, field);
    if (t.ok()) {
      item_->record.pass_time = *t;
    } else {
      Fail("invalid_field", field, t.status().message());
    }
  }

  // PlateColor: a code (5, "5") or a name ("blue", "蓝", "蓝色"). Codes outside the table are
  // kept for the validator to reject with its reason.
  void ReadPlateColor(const Value& v, std::string_view field) {
    if (v.kind == Kind::kNumber) {
      int32_t code = 0;
      if (ReadInt(v, field, "invalid_plate_color", &code) == Got::kValue) {
        item_->record.plate_color = code;
      }
      return;
    }
    std::string_view s;
    if (ReadText(v, field, &s, "invalid_plate_color") != Got::kValue) return;
    s = Trim(s);
    if (s.empty()) return;
    int64_t code;
    if (ParseInt64(s, &code)) {
      if (code < 0 || code > 999) {
        Fail("invalid_plate_color", field, Quoted(s) + " is not a plate colour code");
      } else {
        item_->record.plate_color = static_cast<int32_t>(code);
      }
      return;
    }
    if (auto c = ParsePlateColor(s)) {
      item_->record.plate_color = *c;
    } else {
      Fail("invalid_plate_color", field,
           Quoted(s) + " is not a plate colour (a code such as 5, or a name such as blue or 蓝)");
    }
  }

  void Finish() {
    PassageRecord& r = item_->record;
    // TollgateID names the checkpoint; devices that send none are their own checkpoint.
    if (form_ == Form::kGat1400 && r.checkpoint_id.empty()) r.checkpoint_id = r.device_id;
    PlateCheck plate = CheckPlate(plate_text_, has_plate_);
    if (!plate.error.empty()) {
      std::string_view field = plate_field_;
      if (field.empty()) field = form_ == Form::kGat1400 ? "PlateNo" : "plate";
      Fail("invalid_plate", field, Quoted(plate_text_) + " is not a plate number: " + plate.error);
    } else {
      r.plate_status = plate.status;
      r.plate = std::move(plate.normalized);
    }
    r.received = opts_.received;
    item_->record_id = r.id;
    item_->ok = !failed_;
  }

  const Form form_;
  const ParseOptions& opts_;
  JsonReader& rd_;
  KeyCaches& caches_;
  ParsedItem* item_;
  std::vector<Span>* omit_;
  bool failed_ = false;
  std::optional<bool> has_plate_;
  std::string_view plate_text_;
  std::string_view plate_field_;
};

// A problem with the envelope of a body that is valid JSON.
struct EnvelopeError {
  bool set = false;
  std::string field;
  std::string message;
  void Set(std::string_view f, std::string m) {
    if (set) return;
    set = true;
    field = f;
    message = std::move(m);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser::Impl {
  JsonReader rd;
  KeyCaches caches;

  // Spans of image data (Data members) inside the current object, cut from its raw text.
  std::vector<Span> omit;
  std::vector<Span> spans;  // SetRaw's work list

  // The body is read where it lies (no copy): less a UTF-8 byte-order mark.
  static std::string_view WithoutBom(std::string_view body) {
    if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
    return body;
  }

  static constexpr std::string_view kOmitted = "\"<omitted>\"";

  // The object's text as received, with image data replaced by "<omitted>": the Data members
  // found while reading and, in case a device puts pictures elsewhere, any string longer
  // than JsonReader::kMaxKeptString.
  void SetRaw(const char* begin, const char* end, std::string* raw) {
    std::vector<Span>& longs = rd.long_strings();
    if (omit.empty() && longs.empty()) {
      raw->assign(begin, end);
      return;
    }
    spans.clear();
    for (const Span& s : omit) spans.push_back(s);
    for (const Span& s : longs) spans.push_back(s);
    std::sort(spans.begin(), spans.end());
    raw->clear();
    const char* at = begin;
    for (const auto& [b, e] : spans) {
      if (b < at || b < begin || e > end) continue;  // inside a span already cut
      raw->append(at, b);
      raw->append(kOmitted);
      at = e;
    }
    raw->append(at, end);
  }

  // Reads one element of an array of passage objects, at the reader's position.
  bool ReadElement(Form form, std::string_view kind, const ParseOptions& opts, ParsedItems* out) {
    const char* const begin = rd.pos();
    ParsedItem& item = out->Add();
    if (rd.Peek() != '{') {
      Value v;
      if (!rd.Read(&v)) return false;
      item.raw.assign(v.begin, v.end);
      item.rejection = {"invalid_field", std::string(kind),
                        "expected an object, got " + std::string(KindName(v.kind))};
      return true;
    }
    omit.clear();
    rd.long_strings().clear();
    ObjectReader reader(form, opts, &rd, &caches, &item, &omit);
    if (!reader.Read()) return false;
    SetRaw(begin, rd.pos(), &item.raw);
    return true;
  }

  // Reads an array of passage objects, or a single object.
  bool ReadList(Form form, std::string_view kind, const ParseOptions& opts, ParsedItems* out,
                EnvelopeError* error) {
    switch (rd.Peek()) {
      case '{':
        return ReadElement(form, kind, opts, out);
      case '[':
        return rd.Elements([&] { return ReadElement(form, kind, opts, out); });
      default:
        error->Set(kind, "expected an array of objects");
        return rd.Skip();
    }
  }
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

Status Parser::ParseGat1400MotorVehicles(std::string_view body, const ParseOptions& opts,
                                         ParsedItems* out) {
  Impl& im = *impl_;
  body = Impl::WithoutBom(body);
  JsonReader& rd = im.rd;
  rd.Start(body.data(), body.data() + body.size());
  const size_t first = out->size();
  auto fail = [&](Status s) {
    out->Truncate(first);
    rd.ReleaseRetired();
    return s;
  };
  rd.SkipSpace();
  if (rd.Peek() != '{') {
    Value v;
    if (rd.pos() == body.data() + body.size()) {
      return fail(InvalidArgument("", "body is not valid JSON: the body is empty"));
    }
    if (!rd.Read(&v) || !rd.End()) {
      return fail(InvalidArgument("", "body is not valid JSON: " + rd.Error()));
    }
    return fail(InvalidArgument("", "body is " + std::string(KindName(v.kind)) +
                                        ", not a JSON object with MotorVehicleListObject"));
  }
  // {"MotorVehicleListObject":{"MotorVehicleObject":[...]}}, or {"MotorVehicleObject":...}:
  // the first of each, and the list if both are there.
  bool have_list = false, have_single = false;
  EnvelopeError error;
  const bool ok = rd.Members([&](std::string_view key, bool) {
    if (key == "MotorVehicleListObject" && !have_list) {
      have_list = true;
      out->Truncate(first);  // the list wins over a MotorVehicleObject read before it
      error = EnvelopeError();
      if (rd.Peek() != '{') {
        error.Set("MotorVehicleListObject", "MotorVehicleListObject must be an object");
        return rd.Skip();
      }
      bool found = false;
      if (!rd.Members([&](std::string_view inner, bool) {
            if (inner != "MotorVehicleObject" || found) return rd.Skip();
            found = true;
            return im.ReadList(Form::kGat1400, "MotorVehicleListObject.MotorVehicleObject", opts,
                               out, &error);
          })) {
        return false;
      }
      if (!found) {
        error.Set("MotorVehicleListObject.MotorVehicleObject",
                  "MotorVehicleListObject has no MotorVehicleObject member");
      }
      return true;
    }
    if (key == "MotorVehicleObject" && !have_list && !have_single) {
      have_single = true;
      return im.ReadList(Form::kGat1400, "MotorVehicleObject", opts, out, &error);
    }
    return rd.Skip();
  }) && rd.End();
  if (!ok) return fail(InvalidArgument("", "body is not valid JSON: " + rd.Error()));
  if (!have_list && !have_single) {
    return fail(InvalidArgument("MotorVehicleListObject",
                                "missing MotorVehicleListObject: expected "
                                "{\"MotorVehicleListObject\":{\"MotorVehicleObject\":[...]}}"));
  }
  if (error.set) return fail(InvalidArgument(error.field, error.message));
  rd.ReleaseRetired();
  return Status::Ok();
}

Status Parser::ParsePassagesJson(std::string_view body, const ParseOptions& opts,
                                 ParsedItems* out) {
  Impl& im = *impl_;
  body = Impl::WithoutBom(body);
  JsonReader& rd = im.rd;
  const size_t first = out->size();
  const char* const begin = body.data();
  const char* const end = begin + body.size();
  const char* p = begin;
  while (p < end && IsJsonSpace(*p)) ++p;
  if (p == end) return InvalidArgument("", "empty body: expected a JSON array or NDJSON");

  if (*p == '[') {
    rd.Start(begin, end);
    rd.SkipSpace();
    const bool ok =
        rd.Elements([&] { return im.ReadElement(Form::kOwn, "record", opts, out); }) && rd.End();
    rd.ReleaseRetired();
    if (!ok) {
      out->Truncate(first);
      return InvalidArgument("", "body is not valid JSON: " + rd.Error());
    }
    return Status::Ok();
  }

  // NDJSON: one object per line. A broken line is quarantined, the others go on.
  size_t line_no = 0;
  size_t objects = 0;
  std::string first_error;
  for (const char* line = begin; line < end;) {
    const char* eol = static_cast<const char*>(std::memchr(line, '\n', end - line));
    if (eol == nullptr) eol = end;
    ++line_no;
    const std::string_view text = Trim(std::string_view(line, eol - line));
    line = eol + 1;
    if (text.empty()) continue;
    const char* const text_end = text.data() + text.size();

    ParsedItem& item = out->Add();
    rd.Start(text.data(), text_end, end);
    im.omit.clear();
    bool ok;
    bool object = rd.Peek() == '{';
    if (object) {
      ObjectReader reader(Form::kOwn, opts, &rd, &im.caches, &item, &im.omit);
      ok = reader.Read() && rd.End();
    } else {
      Value v;
      ok = rd.Read(&v) && rd.End();
    }
    if (ok && object) {
      ++objects;
      im.SetRaw(text.data(), text_end, &item.raw);
      continue;
    }
    std::string message = "line " + std::to_string(line_no) + " is not a JSON object: " +
                          (ok ? "another kind of JSON value" : rd.Error());
    if (first_error.empty()) first_error = message;
    item = ParsedItem();
    item.raw.assign(text);
    item.rejection = {"invalid_json", "", std::move(message)};
  }
  rd.ReleaseRetired();
  if (objects == 0 && out->size() > first) {
    out->Truncate(first);
    return InvalidArgument("", "body is neither a JSON array nor NDJSON: " + first_error);
  }
  return Status::Ok();
}

Status Parser::ParseGat1400MotorVehicles(std::string_view body, const ParseOptions& opts,
                                         std::vector<ParsedItem>* out) {
  ParsedItems items;
  Status s = ParseGat1400MotorVehicles(body, opts, &items);
  items.MoveTo(out);
  return s;
}

Status Parser::ParsePassagesJson(std::string_view body, const ParseOptions& opts,
                                 std::vector<ParsedItem>* out) {
  ParsedItems items;
  Status s = ParsePassagesJson(body, opts, &items);
  items.MoveTo(out);
  return s;
}

ParsedItem& ParsedItems::Add() {
  if (size_ == slots_.size()) {
    slots_.emplace_back();
    return slots_[size_++];
  }
  ParsedItem& item = slots_[size_++];
  // Every member back to its default, the strings emptied in place.
  PassageRecord& r = item.record;
  std::string id = std::move(r.id), device_id = std::move(r.device_id),
              checkpoint_id = std::move(r.checkpoint_id);
  r = PassageRecord();
  r.id = std::move(id);
  r.id.clear();
  r.device_id = std::move(device_id);
  r.device_id.clear();
  r.checkpoint_id = std::move(checkpoint_id);
  r.checkpoint_id.clear();
  item.ok = false;
  item.rejection = Rejection();
  item.raw.clear();
  item.record_id.clear();
  return item;
}

void ParsedItems::ShrinkTo(size_t n) {
  if (slots_.size() <= n) return;
  slots_.resize(n);
  slots_.shrink_to_fit();
  size_ = std::min(size_, n);
}

void ParsedItems::MoveTo(std::vector<ParsedItem>* out) {
  for (size_t i = 0; i < size_; ++i) out->push_back(std::move(slots_[i]));
  size_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Writing the own form

namespace {

void AppendKey(std::string_view key, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendStringMember(std::string_view key, std::string_view value, std::string* out) {
  AppendKey(key, out);
  AppendJsonString(value, out);
}

template <typename T>
void AppendNumberMember(std::string_view key, T value, std::string* out) {
  AppendKey(key, out);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip form
  (void)ec;
  out->append(buf, end);
}

}  // namespace

std::string PassageToJson(const PassageRecord& r, int offset_seconds) {
  std::string out;
  out.reserve(256);
  out.push_back('{');
  AppendStringMember("id", r.id, &out);
  AppendStringMember("checkpoint_id", r.checkpoint_id, &out);
  AppendStringMember("pass_time", FormatRfc3339(r.pass_time, offset_seconds), &out);
  if (!r.device_id.empty()) AppendStringMember("device_id", r.device_id, &out);
  if (r.lane != 0) AppendNumberMember("lane", r.lane, &out);
  AppendStringMember("plate", r.plate, &out);
  AppendStringMember("plate_status", PlateStatusName(r.plate_status), &out);
  if (r.plate_status == PlateStatus::kAbsent) {
    AppendKey("has_plate", &out);
    out.append("false");
  }
  if (r.plate_color != 0) AppendNumberMember("plate_color", r.plate_color, &out);
  if (!r.plate_class.empty()) AppendStringMember("plate_class", r.plate_class, &out);
  if (r.speed_kmh != -1) AppendNumberMember("speed_kmh", r.speed_kmh, &out);
  if (!r.vehicle_class.empty()) AppendStringMember("vehicle_class", r.vehicle_class, &out);
  if (!r.vehicle_color.empty()) AppendStringMember("vehicle_color", r.vehicle_color, &out);
  if (!r.direction.empty()) AppendStringMember("direction", r.direction, &out);
  if (!r.image_refs.empty()) {
    AppendKey("image_refs", &out);
    out.push_back('[');
    for (size_t i = 0; i < r.image_refs.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(r.image_refs[i], &out);
    }
    out.push_back(']');
  }
  if (r.received != 0) {
    AppendStringMember("received", FormatRfc3339(r.received, offset_seconds), &out);
  }
  out.push_back('}');
  return out;
}

}  // namespace quanyu::events
