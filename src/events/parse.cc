#include "events/parse.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "core/time_format.h"
#include "events/plate.h"

namespace quanyu::events {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

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

// True if `k` is `name` (lower-case letters and digits) with letters in either case:
// c | 0x20 folds A-Z to a-z and leaves digits as they are.
template <size_t N>
inline bool IsName(std::string_view k, const char (&name)[N]) {
  if (k.size() != N - 1) return false;
  for (size_t i = 0; i + 1 < N; ++i) {
    if ((k[i] | 0x20) != name[i]) return false;
  }
  return true;
}

// GA/T 1400 member names. Matched without regard to case: some devices write "PlateNO" or
// "plateNo".
Key LookupGat1400Key(std::string_view k) {
  switch (k.size()) {
    case 4:
      if (IsName(k, "data")) return Key::kData;
      break;
    case 5:
      if (IsName(k, "speed")) return Key::kSpeed;
      break;
    case 6:
      if (IsName(k, "laneno")) return Key::kLane;
      break;
    case 7:
      if (IsName(k, "plateno")) return Key::kPlate;
      break;
    case 8:
      if (IsName(k, "passtime")) return Key::kPassTime;
      if (IsName(k, "deviceid")) return Key::kDeviceId;
      if (IsName(k, "hasplate")) return Key::kHasPlate;
      break;
    case 9:
      if (IsName(k, "direction")) return Key::kDirection;
      break;
    case 10:
      if (IsName(k, "tollgateid")) return Key::kCheckpointId;
      if (IsName(k, "platecolor")) return Key::kPlateColor;
      if (IsName(k, "plateclass")) return Key::kPlateClass;
      break;
    case 11:
      if (k[10] >= '1' && k[10] <= '5' && IsName(k.substr(0, 10), "storageurl")) {
        return Key::kStorageUrl;
      }
      break;
    case 12:
      if (IsName(k, "vehicleclass")) return Key::kVehicleClass;
      if (IsName(k, "vehiclecolor")) return Key::kVehicleColor;
      if (IsName(k, "subimagelist")) return Key::kSubImageList;
      break;
    case 14:
      if (IsName(k, "motorvehicleid")) return Key::kId;
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
Key LookupSubImageKey(std::string_view k) {
  switch (k.size()) {
    case 4:
      if (IsName(k, "data")) return Key::kData;
      break;
    case 7:
      if (IsName(k, "imageid")) return Key::kImageId;
      break;
    case 11:
      if (IsName(k, "storagepath")) return Key::kStoragePath;
      break;
    case 18:
      if (IsName(k, "subimageinfoobject")) return Key::kSubImageInfo;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// True if `k` is exactly `name`; memcmp of a constant size compiles to a few compares.
template <size_t N>
inline bool IsExact(std::string_view k, const char (&name)[N]) {
  return k.size() == N - 1 && std::memcmp(k.data(), name, N - 1) == 0;
}

// The platform's own names (parse.h).
Key LookupOwnKey(std::string_view k) {
  switch (k.size()) {
    case 2:
      if (IsExact(k, "id")) return Key::kId;
      break;
    case 4:
      if (IsExact(k, "lane")) return Key::kLane;
      break;
    case 5:
      if (IsExact(k, "plate")) return Key::kPlate;
      break;
    case 9:
      if (IsExact(k, "device_id")) return Key::kDeviceId;
      if (IsExact(k, "pass_time")) return Key::kPassTime;
      if (IsExact(k, "has_plate")) return Key::kHasPlate;
      if (IsExact(k, "direction")) return Key::kDirection;
      if (IsExact(k, "speed_kmh")) return Key::kSpeed;
      break;
    case 10:
      if (IsExact(k, "image_refs")) return Key::kImageRefs;
      break;
    case 11:
      if (IsExact(k, "plate_color")) return Key::kPlateColor;
      if (IsExact(k, "plate_class")) return Key::kPlateClass;
      break;
    case 13:
      if (IsExact(k, "checkpoint_id")) return Key::kCheckpointId;
      if (IsExact(k, "vehicle_class")) return Key::kVehicleClass;
      if (IsExact(k, "vehicle_color")) return Key::kVehicleColor;
      break;
    default:
      break;
  }
  return Key::kUnknown;
}

// ---------------------------------------------------------------------------------------------
// Small text helpers

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
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

bool ParseDouble(std::string_view s, double* out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  // from_chars accepts "inf" and "nan"; a reading must be a finite decimal number.
  const char c = s.front();
  if (!((c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(*out);
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

// Errors that leave the JSON iterator usable: the value was of another kind or malformed as
// a scalar. Anything else means the document itself is broken.
bool IsValueError(error_code e) {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::STRING_ERROR:
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return true;
    default:
      return false;
  }
}

const char* KindName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "a value";
}

// A member's key as written, escapes and all: a view into the document. The key ends at the
// last quote before the ':' that precedes the value (only whitespace lies between them).
std::string_view RawKey(od::field& f) {
  const char* const begin = f.key().raw();  // just after the opening quote
  const char* end = f.value().raw_json_token().data();
  while (*--end != ':') {
  }
  while (*--end != '"') {
  }
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

// Looks `f`'s key up with `lookup`; a key that matches nothing is unescaped and looked up
// again (no known name contains a backslash, so a match needs no unescaping).
template <typename Lookup>
error_code KeyOf(od::field& f, Lookup lookup, std::string_view* key, Key* k) {
  *key = RawKey(f);
  *k = lookup(*key);
  if (*k == Key::kUnknown && key->find('\\') != std::string_view::npos) {
    if (auto e = f.unescaped_key().get(*key)) return e;
    *k = lookup(*key);
  }
  return simdjson::SUCCESS;
}

// A string value: a view into the document when it holds no escapes (the common case),
// else unescaped into the parser's string buffer. Valid until the next parse.
error_code StringOf(od::value& v, std::string_view* out) {
  const std::string_view token = TrimRight(v.raw_json_token());
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') {
    const std::string_view content = token.substr(1, token.size() - 2);
    if (content.find('\\') == std::string_view::npos) {
      *out = content;
      return simdjson::SUCCESS;
    }
  }
  return v.get_string().get(*out);
}

// ---------------------------------------------------------------------------------------------
// One object

// The outcome of reading one value.
enum class Got { kValue, kAbsent, kBad };

// Reads one passage object (GA/T 1400 MotorVehicleObject or the own form) into a ParsedItem.
// Conversion problems become the item's Rejection; a broken document is reported through
// `fatal` and ends the parse.
class ObjectReader {
 public:
  ObjectReader(Form form, const ParseOptions& opts, od::document* doc, ParsedItem* item,
               std::vector<std::pair<const char*, const char*>>* omit)
      : form_(form), opts_(opts), doc_(doc), item_(item), omit_(omit) {}

  error_code fatal() const { return fatal_; }

  // Reads all members of `obj`. Returns a fatal error, or SUCCESS (the item may be !ok).
  error_code Read(od::object& obj) {
    for (auto member : obj) {
      od::field field;
      if (auto e = std::move(member).get(field)) return fatal_ = e;
      std::string_view key;
      Key k;
      if (auto e = form_ == Form::kGat1400 ? KeyOf(field, LookupGat1400Key, &key, &k)
                                           : KeyOf(field, LookupOwnKey, &key, &k)) {
        return fatal_ = e;
      }
      if (k == Key::kUnknown) continue;  // vendor fields: skipped unread
      if (form_ == Form::kGat1400) key = Gat1400Name(k, key);
      od::value v = field.value();
      ReadMember(k, key, v);
      if (Dead()) return fatal_;
    }
    if (Dead()) return fatal_;
    Finish();
    return fatal_;
  }

 private:
  // simdjson 3.0's on-demand loops end quietly after a structural error, leaving the iterator
  // dead; every loop is therefore followed by this check. True (and fatal_ set) if broken.
  bool Dead() {
    if (!fatal_ && !doc_->is_alive()) fatal_ = simdjson::TAPE_ERROR;
    return fatal_ != simdjson::SUCCESS;
  }

  void Fail(std::string_view code, std::string_view field, std::string message) {
    if (failed_) return;
    failed_ = true;
    item_->rejection.code = code;
    item_->rejection.field = field;
    item_->rejection.message = std::move(message);
  }

  // Turns a simdjson error while reading a value into a rejection, or records it as fatal.
  Got ValueError(error_code e, std::string_view field, std::string_view code,
                 std::string_view expected) {
    if (!IsValueError(e)) {
      fatal_ = e;
      return Got::kBad;
    }
    std::string message = simdjson::error_message(e);
    if (!expected.empty()) message = "expected " + std::string(expected) + ": " + message;
    Fail(code, field, std::move(message));
    return Got::kBad;
  }

  // A scalar as text: strings as they are, numbers as written. null and "" are absent.
  Got ReadText(od::value& v, std::string_view field, std::string_view* out,
               std::string_view code = "invalid_field") {
    od::json_type t;
    if (auto e = v.type().get(t)) return ValueError(e, field, code, "text");
    switch (t) {
      case od::json_type::string: {
        if (auto e = StringOf(v, out)) return ValueError(e, field, code, "text");
        return out->empty() ? Got::kAbsent : Got::kValue;
      }
      case od::json_type::number: {
        // Kept as written (JsonChecker checked its syntax): ids can exceed 64 bits.
        *out = TrimRight(v.raw_json_token());
        return Got::kValue;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return ValueError(e, field, code, "text");
        if (!is_null) return ValueError(simdjson::N_ATOM_ERROR, field, code, "text");
        return Got::kAbsent;
      }
      default:
        Fail(code, field, "expected text, got " + std::string(KindName(t)));
        return Got::kBad;
    }
  }

  // A number, sent as a JSON number or as a numeric string. null and "" are absent.
  Got ReadDouble(od::value& v, std::string_view field, std::string_view code, double* out) {
    od::json_type t;
    if (auto e = v.type().get(t)) return ValueError(e, field, code, "a number");
    switch (t) {
      case od::json_type::number:
        if (auto e = v.get_double().get(*out)) return ValueError(e, field, code, "a number");
        return Got::kValue;
      case od::json_type::string: {
        std::string_view s;
        if (auto e = StringOf(v, &s)) return ValueError(e, field, code, "a number");
        s = Trim(s);
        if (s.empty()) return Got::kAbsent;
        if (!ParseDouble(s, out)) {
          Fail(code, field, "expected a number, got " + Quoted(s));
          return Got::kBad;
        }
        return Got::kValue;
      }
      case od::json_type::null:
        return ReadText(v, field, &null_text_, code);
      default:
        Fail(code, field, "expected a number, got " + std::string(KindName(t)));
        return Got::kBad;
    }
  }

  // An integer within int32, sent as a number or a string; "2.0" is 2.
  Got ReadInt(od::value& v, std::string_view field, std::string_view code, int32_t* out) {
    od::json_type t;
    if (auto e = v.type().get(t)) return ValueError(e, field, code, "an integer");
    std::string_view shown;
    int64_t i = 0;
    switch (t) {
      case od::json_type::number: {
        shown = TrimRight(v.raw_json_token());
        if (v.get_int64().get(i) == simdjson::SUCCESS) break;  // else not consumed: try double
        double d;
        if (auto e = v.get_double().get(d)) return ValueError(e, field, code, "an integer");
        if (d != std::floor(d) || std::fabs(d) > 1e15) {
          Fail(code, field, "expected an integer, got " + std::string(shown));
          return Got::kBad;
        }
        i = static_cast<int64_t>(d);
        break;
      }
      case od::json_type::string: {
        if (auto e = StringOf(v, &shown)) return ValueError(e, field, code, "an integer");
        shown = Trim(shown);
        if (shown.empty()) return Got::kAbsent;
        if (!ParseInt64(shown, &i)) {
          double d;
          if (!ParseDouble(shown, &d) || d != std::floor(d) || std::fabs(d) > 1e15) {
            Fail(code, field, "expected an integer, got " + Quoted(shown));
            return Got::kBad;
          }
          i = static_cast<int64_t>(d);
        }
        break;
      }
      case od::json_type::null:
        return ReadText(v, field, &null_text_, code);
      default:
        Fail(code, field, "expected an integer, got " + std::string(KindName(t)));
        return Got::kBad;
    }
    if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) {
      Fail(code, field, "integer out of range: " + std::string(shown));
      return Got::kBad;
    }
    *out = static_cast<int32_t>(i);
    return Got::kValue;
  }

  // HasPlate: true/false, 1/0, "1"/"0", "true"/"false" (and a few spellings of yes/no).
  Got ReadBool(od::value& v, std::string_view field, bool* out) {
    od::json_type t;
    if (auto e = v.type().get(t)) return ValueError(e, field, "invalid_field", "a boolean");
    std::string_view s;
    switch (t) {
      case od::json_type::boolean:
        if (auto e = v.get_bool().get(*out)) {
          return ValueError(e, field, "invalid_field", "a boolean");
        }
        return Got::kValue;
      case od::json_type::number:
      case od::json_type::string: {
        Got g = ReadText(v, field, &s);
        if (g != Got::kValue) return g;
        s = Trim(s);
        if (ParseBoolText(s, out)) return Got::kValue;
        Fail("invalid_field", field, "expected 1/0 or true/false, got " + Quoted(s));
        return Got::kBad;
      }
      case od::json_type::null:
        return ReadText(v, field, &s);
      default:
        Fail("invalid_field", field, "expected 1/0 or true/false, got " + std::string(KindName(t)));
        return Got::kBad;
    }
  }

  // Remembers the span of an image's data so that it is cut from the raw text.
  void Omit(od::value& v) {
    od::json_type t;
    if (auto e = v.type().get(t)) {
      if (!IsValueError(e)) fatal_ = e;
      return;
    }
    std::string_view span;
    error_code e = simdjson::SUCCESS;
    if (t == od::json_type::object) {
      od::object o;
      e = v.get_object().get(o);
      if (!e) e = o.raw_json().get(span);
    } else if (t == od::json_type::array) {
      od::array a;
      e = v.get_array().get(a);
      if (!e) e = a.raw_json().get(span);
    } else {
      span = v.raw_json_token();
    }
    if (e) {
      if (!IsValueError(e)) fatal_ = e;
      return;
    }
    span = TrimRight(span);
    omit_->emplace_back(span.data(), span.data() + span.size());
  }

  void AddImageRef(std::string_view ref) {
    for (const auto& r : item_->record.image_refs) {
      if (r == ref) return;
    }
    item_->record.image_refs.emplace_back(ref);
  }

  // SubImageList: {"SubImageInfoObject": [{"ImageID", "StoragePath", "Data", ...}, ...]}.
  // Some devices send the array (or one object) directly.
  void ReadSubImageList(od::value& v, std::string_view field) {
    od::json_type t;
    if (auto e = v.type().get(t)) {
      ValueError(e, field, "invalid_field", "an object");
      return;
    }
    if (t == od::json_type::null) return;
    if (t == od::json_type::array) {
      od::array a;
      if (auto e = v.get_array().get(a)) return void(ValueError(e, field, "invalid_field", ""));
      ReadSubImages(a, field);
      return;
    }
    if (t != od::json_type::object) {
      Fail("invalid_field", field, "expected an object, got " + std::string(KindName(t)));
      return;
    }
    od::object list;
    if (auto e = v.get_object().get(list)) return void(ValueError(e, field, "invalid_field", ""));
    for (auto member : list) {
      od::field f;
      if (auto e = std::move(member).get(f)) return void(fatal_ = e);
      std::string_view key;
      Key k;
      if (auto e = KeyOf(f, LookupSubImageKey, &key, &k)) return void(fatal_ = e);
      if (k != Key::kSubImageInfo) continue;
      od::value infos = f.value();
      if (auto e = infos.type().get(t)) return void(ValueError(e, field, "invalid_field", ""));
      if (t == od::json_type::array) {
        od::array a;
        if (auto e = infos.get_array().get(a)) {
          return void(ValueError(e, field, "invalid_field", ""));
        }
        ReadSubImages(a, field);
      } else if (t == od::json_type::object) {
        od::object o;
        if (auto e = infos.get_object().get(o)) {
          return void(ValueError(e, field, "invalid_field", ""));
        }
        ReadSubImage(o);
      }
      if (Dead()) return;
    }
    Dead();
  }

  void ReadSubImages(od::array& a, std::string_view field) {
    for (auto element : a) {
      od::value info;
      if (auto e = std::move(element).get(info)) return void(fatal_ = e);
      od::json_type t;
      if (auto e = info.type().get(t)) return void(ValueError(e, field, "invalid_field", ""));
      if (t != od::json_type::object) continue;  // not an image description: nothing to keep
      od::object o;
      if (auto e = info.get_object().get(o)) return void(ValueError(e, field, "invalid_field", ""));
      ReadSubImage(o);
      if (Dead()) return;
    }
    Dead();
  }

  // One SubImageInfoObject: keeps StoragePath (else ImageID) as a reference, cuts Data.
  void ReadSubImage(od::object& o) {
    std::string_view path, image_id;
    for (auto member : o) {
      od::field f;
      if (auto e = std::move(member).get(f)) return void(fatal_ = e);
      std::string_view key;
      Key k;
      if (auto e = KeyOf(f, LookupSubImageKey, &key, &k)) return void(fatal_ = e);
      od::value v = f.value();
      switch (k) {
        case Key::kData:
          Omit(v);
          break;
        case Key::kImageId:
          ReadText(v, "SubImageList.ImageID", &image_id);
          break;
        case Key::kStoragePath:
          ReadText(v, "SubImageList.StoragePath", &path);
          break;
        default:
          break;
      }
      if (Dead()) return;
    }
    if (Dead()) return;
    path = Trim(path);
    image_id = Trim(image_id);
    if (!path.empty()) {
      AddImageRef(path);
    } else if (!image_id.empty()) {
      AddImageRef(image_id);
    }
  }

  // Own form image_refs: an array of strings.
  void ReadImageRefs(od::value& v, std::string_view field) {
    od::json_type t;
    if (auto e = v.type().get(t)) return void(ValueError(e, field, "invalid_field", "an array"));
    if (t == od::json_type::null) return;
    if (t != od::json_type::array) {
      Fail("invalid_field", field, "expected an array of strings, got " + std::string(KindName(t)));
      return;
    }
    od::array a;
    if (auto e = v.get_array().get(a)) return void(ValueError(e, field, "invalid_field", ""));
    for (auto element : a) {
      od::value ref;
      if (auto e = std::move(element).get(ref)) return void(fatal_ = e);
      std::string_view s;
      od::json_type et;
      if (auto e = ref.type().get(et)) return void(ValueError(e, field, "invalid_field", ""));
      if (et != od::json_type::string) {
        Fail("invalid_field", field,
             "expected an array of strings, found " + std::string(KindName(et)));
        continue;
      }
      if (ReadText(ref, field, &s) == Got::kValue) AddImageRef(s);
      if (Dead()) return;
    }
    Dead();
  }

  void ReadMember(Key k, std::string_view field, od::value& v) {
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
      case Key::kPassTime: {
        if (ReadText(v, field, &s) != Got::kValue) break;
        auto t = form_ == Form::kGat1400 ? ParseGatTime(Trim(s), opts_.local_offset_seconds, field)
                                         : ParseRfc3339(Trim(s), field);
        if (t.ok()) {
          r.pass_time = *t;
        } else {
          Fail("invalid_field", field, t.status().message());
        }
        break;
      }
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
      case Key::kSubImageList:
        ReadSubImageList(v, field);
        break;
      case Key::kImageRefs:
        ReadImageRefs(v, field);
        break;
      case Key::kData:
        Omit(v);
        break;
      case Key::kUnknown:
      case Key::kSubImageInfo:
      case Key::kImageId:
      case Key::kStoragePath:
        break;
    }
  }

  // PlateColor: a code (5, "5") or a name ("blue", "蓝", "蓝色"). Codes outside the table are
  // kept for the validator to reject with its reason.
  void ReadPlateColor(od::value& v, std::string_view field) {
    od::json_type t;
    if (auto e = v.type().get(t)) {
      ValueError(e, field, "invalid_plate_color", "a colour code");
      return;
    }
    if (t == od::json_type::number) {
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
  od::document* doc_;
  ParsedItem* item_;
  std::vector<std::pair<const char*, const char*>>* omit_;
  error_code fatal_ = simdjson::SUCCESS;
  bool failed_ = false;
  std::optional<bool> has_plate_;
  std::string_view plate_text_;
  std::string_view plate_field_;
  std::string_view null_text_;
};

std::string BodyError(error_code e) {
  return std::string("body is not valid JSON: ") + simdjson::error_message(e);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Strict JSON grammar check

// Checks that [begin, end) is one JSON value (RFC 8259) between whitespace. It complements
// simdjson's stage 1, which has already checked UTF-8, unterminated strings and unescaped
// control characters: this checks the grammar (brackets that match, commas and colons in
// their places), escapes, numbers and literals. It is needed because the on-demand reader
// only looks at what it is asked for and, in simdjson 3.0, accepts some malformed documents
// while skipping ('}' closing an array, ':' between array elements). Long strings (image
// data) are skipped with memchr. Numbers may be of any size.
class JsonChecker {
 public:
  // Returns nullptr if valid, else what is wrong; *offset is then the byte offset.
  const char* Check(const char* begin, const char* end, size_t* offset) {
    begin_ = begin;
    p_ = begin;
    end_ = end;
    stack_.clear();
    const char* error = Run();
    *offset = static_cast<size_t>(p_ - begin);
    return error;
  }

 private:
  static constexpr size_t kMaxDepth = 1024;

  char At() const { return p_ < end_ ? *p_ : '\0'; }
  void SkipSpace() {
    while (p_ < end_ && IsJsonSpace(*p_)) ++p_;
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsHex(char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  const char* Run() {
    SkipSpace();
    for (;;) {
      // A value.
      switch (At()) {
        case '{':
          ++p_;
          SkipSpace();
          if (At() == '}') {
            ++p_;
            break;
          }
          if (stack_.size() == kMaxDepth) return "nested too deeply";
          stack_.push_back('{');
          if (const char* e = Key()) return e;
          continue;
        case '[':
          ++p_;
          SkipSpace();
          if (At() == ']') {
            ++p_;
            break;
          }
          if (stack_.size() == kMaxDepth) return "nested too deeply";
          stack_.push_back('[');
          continue;
        case '"':
          if (const char* e = String()) return e;
          break;
        case 't':
          if (const char* e = Literal("true")) return e;
          break;
        case 'f':
          if (const char* e = Literal("false")) return e;
          break;
        case 'n':
          if (const char* e = Literal("null")) return e;
          break;
        default:
          if (const char* e = Number()) return e;
          break;
      }
      // After a value: close containers, or go on to the next member or element.
      for (;;) {
        SkipSpace();
        if (stack_.empty()) return p_ == end_ ? nullptr : "unexpected content after the value";
        const char c = At();
        if (c == ',') {
          ++p_;
          SkipSpace();
          if (stack_.back() == '{') {
            if (const char* e = Key()) return e;
          }
          break;
        }
        if (c == (stack_.back() == '{' ? '}' : ']')) {
          ++p_;
          stack_.pop_back();
          continue;
        }
        return stack_.back() == '{' ? "expected ',' or '}' after an object member"
                                    : "expected ',' or ']' after an array element";
      }
    }
  }

  // A member name and its colon; leaves p_ at the value.
  const char* Key() {
    if (At() != '"') return "expected a member name in quotes";
    if (const char* e = String()) return e;
    SkipSpace();
    if (At() != ':') return "expected ':' after a member name";
    ++p_;
    SkipSpace();
    return nullptr;
  }

  const char* String() {
    ++p_;  // the opening quote
    for (;;) {
      // Most strings are short: look byte by byte first, then hand long ones (image data) to
      // memchr.
      const char* const limit = end_ - p_ > 32 ? p_ + 32 : end_;
      while (p_ < limit && *p_ != '"' && *p_ != '\\') ++p_;
      if (p_ == limit) {
        if (p_ == end_) return "unterminated string";
        const auto* quote = static_cast<const char*>(std::memchr(p_, '"', end_ - p_));
        if (quote == nullptr) return "unterminated string";
        const auto* escape = static_cast<const char*>(std::memchr(p_, '\\', quote - p_));
        p_ = escape != nullptr ? escape : quote;
      }
      if (*p_ == '"') {
        ++p_;
        return nullptr;
      }
      ++p_;  // the backslash
      switch (At()) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          ++p_;
          break;
        case 'u':
          if (end_ - p_ < 5 || !IsHex(p_[1]) || !IsHex(p_[2]) || !IsHex(p_[3]) || !IsHex(p_[4])) {
            return "invalid \\u escape";
          }
          p_ += 5;
          break;
        default:
          return "invalid escape in a string";
      }
    }
  }

  const char* Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return "invalid literal (expected true, false or null)";
    }
    p_ += word.size();
    return nullptr;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  const char* Number() {
    if (At() == '-') ++p_;
    if (At() == '0') {
      ++p_;
    } else if (IsDigit(At())) {
      while (IsDigit(At())) ++p_;
    } else {
      return "expected a value";
    }
    if (At() == '.') {
      ++p_;
      if (!IsDigit(At())) return "invalid number: digits must follow '.'";
      while (IsDigit(At())) ++p_;
    }
    if (At() == 'e' || At() == 'E') {
      ++p_;
      if (At() == '+' || At() == '-') ++p_;
      if (!IsDigit(At())) return "invalid number: digits must follow the exponent";
      while (IsDigit(At())) ++p_;
    }
    return nullptr;
  }

  const char* begin_ = nullptr;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  std::string stack_;  // '{' or '[' per open container
};

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser::Impl {
  od::parser parser;
  JsonChecker checker;

  // Starts reading [begin, end) (inside `buf`): simdjson's stage 1, then the grammar check
  // (see JsonChecker). On a grammar error, *message says what and where.
  error_code Start(const char* begin, const char* end, od::document* doc, std::string* message) {
    if (auto e = parser.iterate(View(begin, end)).get(*doc)) {
      *message = simdjson::error_message(e);
      return e;
    }
    size_t offset = 0;
    if (const char* why = checker.Check(begin, end, &offset)) {
      *message = std::string(why) + " at byte " + std::to_string(offset);
      return simdjson::TAPE_ERROR;
    }
    return simdjson::SUCCESS;
  }

  // The body, copied with the padding simdjson needs. Reused between calls.
  std::unique_ptr<char[]> buf;
  size_t cap = 0;
  size_t len = 0;
  // Spans of image data inside the current object, cut from its raw text.
  std::vector<std::pair<const char*, const char*>> omit;

  // Copies `body`, less a UTF-8 byte-order mark, into the padded buffer.
  void Load(std::string_view body) {
    if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
    const size_t need = body.size() + simdjson::SIMDJSON_PADDING;
    if (need > cap) {
      cap = std::max(need, cap + cap / 2);
      buf = std::make_unique<char[]>(cap);
    }
    std::memcpy(buf.get(), body.data(), body.size());
    // Spaces, not garbage, after the end: scalars at the end of a truncated document stop there.
    std::memset(buf.get() + body.size(), ' ', simdjson::SIMDJSON_PADDING);
    len = body.size();
  }

  simdjson::padded_string_view View(const char* begin, const char* end) const {
    return simdjson::padded_string_view(begin, static_cast<size_t>(end - begin),
                                        cap - static_cast<size_t>(begin - buf.get()));
  }

  // The object's text as received, with image data replaced by "<omitted>": the Data members
  // found while reading and, in case a device puts pictures elsewhere, any string longer
  // than kMaxKeptString.
  void SetRaw(const char* begin, const char* end, std::string* raw) {
    if (omit.empty() && static_cast<size_t>(end - begin) <= kMaxKeptString) {
      raw->assign(begin, end);
      return;
    }
    if (static_cast<size_t>(end - begin) > kMaxKeptString) FindLongStrings(begin, end);
    raw->clear();
    const char* at = begin;
    for (const auto& [b, e] : omit) {
      if (b < at || e > end) continue;  // overlapping spans: the first one covers it
      raw->append(at, b);
      raw->append(kOmitted);
      at = e;
    }
    raw->append(at, end);
    omit.clear();
  }

  // Adds the spans of string literals longer than kMaxKeptString to `omit`, in order. The text
  // is valid JSON (checked), so every quote outside a string opens one. Spans already in
  // `omit` are jumped over.
  void FindLongStrings(const char* begin, const char* end) {
    std::vector<std::pair<const char*, const char*>> spans;
    size_t next_omit = 0;
    const char* p = begin;
    for (;;) {
      p = static_cast<const char*>(std::memchr(p, '"', end - p));
      if (p == nullptr) break;
      while (next_omit < omit.size() && omit[next_omit].second <= p) ++next_omit;
      if (next_omit < omit.size() && omit[next_omit].first <= p) {
        p = omit[next_omit].second;  // inside an omitted value
        continue;
      }
      // The closing quote: the next one not escaped by an odd run of backslashes.
      const char* q = p + 1;
      for (;;) {
        q = static_cast<const char*>(std::memchr(q, '"', end - q));
        if (q == nullptr) return;  // cannot happen in checked text
        const char* b = q;
        while (b > p + 1 && b[-1] == '\\') --b;
        if ((q - b) % 2 == 0) break;
        ++q;
      }
      if (static_cast<size_t>(q + 1 - p) > kMaxKeptString) spans.emplace_back(p, q + 1);
      p = q + 1;
    }
    if (spans.empty()) return;
    spans.insert(spans.end(), omit.begin(), omit.end());
    std::sort(spans.begin(), spans.end());
    omit = std::move(spans);
  }

  static constexpr size_t kMaxKeptString = 1024;
  static constexpr std::string_view kOmitted = "\"<omitted>\"";

  // Reads one element of an array of passage objects. `fatal` is set on a broken document.
  error_code ReadElement(od::value element, Form form, std::string_view kind,
                         const ParseOptions& opts, od::document& doc,
                         std::vector<ParsedItem>* out) {
    const std::string_view token = element.raw_json_token();
    ParsedItem& item = out->emplace_back();
    od::json_type t;
    if (auto e = element.type().get(t)) return e;
    if (t != od::json_type::object) {
      std::string_view raw = TrimRight(token);
      if (t == od::json_type::array) {
        od::array a;
        if (auto e = element.get_array().get(a)) return e;
        if (auto e = a.raw_json().get(raw)) return e;
        raw = TrimRight(raw);
      }
      item.raw.assign(raw);
      item.rejection = {"invalid_field", std::string(kind),
                        "expected an object, got " + std::string(KindName(t))};
      return simdjson::SUCCESS;
    }
    od::object obj;
    if (auto e = element.get_object().get(obj)) return e;
    omit.clear();
    ObjectReader reader(form, opts, &doc, &item, &omit);
    if (auto e = reader.Read(obj)) return e;
    // The object ends before the token that follows it (',' or ']' in a list).
    const char* end;
    if (auto e = doc.current_location().get(end)) return e;
    const std::string_view text = TrimRight(std::string_view(token.data(), end - token.data()));
    if (text.size() < 2 || text.back() != '}') return simdjson::TAPE_ERROR;
    SetRaw(text.data(), text.data() + text.size(), &item.raw);
    return simdjson::SUCCESS;
  }

  // Reads an array of passage objects, or a single object.
  error_code ReadList(od::value list, Form form, std::string_view kind, const ParseOptions& opts,
                      od::document& doc, std::vector<ParsedItem>* out) {
    od::json_type t;
    if (auto e = list.type().get(t)) return e;
    if (t == od::json_type::object) return ReadElement(list, form, kind, opts, doc, out);
    if (t != od::json_type::array) return simdjson::INCORRECT_TYPE;
    od::array arr;
    if (auto e = list.get_array().get(arr)) return e;
    for (auto element : arr) {
      od::value v;
      if (auto e = std::move(element).get(v)) return e;
      if (auto e = ReadElement(v, form, kind, opts, doc, out)) return e;
      if (!doc.is_alive()) return simdjson::TAPE_ERROR;
    }
    // A loop that ends on a structural error leaves the iterator dead (see ObjectReader).
    return doc.is_alive() ? simdjson::SUCCESS : simdjson::TAPE_ERROR;
  }
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

Status Parser::ParseGat1400MotorVehicles(std::string_view body, const ParseOptions& opts,
                                         std::vector<ParsedItem>* out) {
  Impl& im = *impl_;
  im.Load(body);
  const size_t first = out->size();
  auto fail = [&](Status s) {
    out->resize(first);
    return s;
  };
  od::document doc;
  std::string why;
  if (im.Start(im.buf.get(), im.buf.get() + im.len, &doc, &why)) {
    return fail(InvalidArgument("", "body is not valid JSON: " + why));
  }
  od::object root;
  if (auto e = doc.get_object().get(root)) {
    od::json_type t;
    if (e == simdjson::INCORRECT_TYPE && doc.type().get(t) == simdjson::SUCCESS) {
      return fail(InvalidArgument("", "body is " + std::string(KindName(t)) +
                                          ", not a JSON object with MotorVehicleListObject"));
    }
    return fail(
        InvalidArgument("", BodyError(e == simdjson::INCORRECT_TYPE ? simdjson::TAPE_ERROR : e)));
  }
  od::value list;
  std::string_view kind = "MotorVehicleListObject.MotorVehicleObject";
  od::value envelope;
  error_code e = root.find_field_unordered("MotorVehicleListObject").get(envelope);
  if (e == simdjson::SUCCESS) {
    od::object envelope_obj;
    if (auto e2 = envelope.get_object().get(envelope_obj)) {
      return fail(
          InvalidArgument("MotorVehicleListObject", e2 == simdjson::INCORRECT_TYPE
                                                        ? "MotorVehicleListObject must be an object"
                                                        : BodyError(e2)));
    }
    e = envelope_obj.find_field_unordered("MotorVehicleObject").get(list);
    if (e == simdjson::NO_SUCH_FIELD) {
      return fail(InvalidArgument("MotorVehicleListObject.MotorVehicleObject",
                                  "MotorVehicleListObject has no MotorVehicleObject member"));
    }
  } else if (e == simdjson::NO_SUCH_FIELD) {
    kind = "MotorVehicleObject";
    e = root.find_field_unordered("MotorVehicleObject").get(list);
    if (e == simdjson::NO_SUCH_FIELD) {
      return fail(InvalidArgument("MotorVehicleListObject",
                                  "missing MotorVehicleListObject: expected "
                                  "{\"MotorVehicleListObject\":{\"MotorVehicleObject\":[...]}}"));
    }
  }
  if (e) return fail(InvalidArgument("", BodyError(e)));
  if (auto e2 = im.ReadList(list, Form::kGat1400, kind, opts, doc, out)) {
    if (e2 == simdjson::INCORRECT_TYPE) {
      return fail(InvalidArgument(std::string(kind), "expected an array of objects"));
    }
    return fail(InvalidArgument("", BodyError(e2)));
  }
  return Status::Ok();
}

Status Parser::ParsePassagesJson(std::string_view body, const ParseOptions& opts,
                                 std::vector<ParsedItem>* out) {
  Impl& im = *impl_;
  im.Load(body);
  const size_t first = out->size();
  const char* const begin = im.buf.get();
  const char* const end = begin + im.len;
  const char* p = begin;
  while (p < end && IsJsonSpace(*p)) ++p;
  if (p == end) return InvalidArgument("", "empty body: expected a JSON array or NDJSON");

  if (*p == '[') {
    od::document doc;
    std::string why;
    error_code e = im.Start(begin, end, &doc, &why);
    if (e) return InvalidArgument("", "body is not valid JSON: " + why);
    od::value root;
    if (!e) e = doc.get_value().get(root);
    if (!e) e = im.ReadList(root, Form::kOwn, "record", opts, doc, out);
    if (!e) {
      const char* rest;
      if (doc.current_location().get(rest) == simdjson::SUCCESS) e = simdjson::TRAILING_CONTENT;
    }
    if (e) {
      out->resize(first);
      return InvalidArgument("", BodyError(e));
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

    ParsedItem& item = out->emplace_back();
    od::document doc;
    od::object obj;
    im.omit.clear();
    std::string why;
    error_code e = im.Start(text.data(), text.data() + text.size(), &doc, &why);
    if (!e) e = doc.get_object().get(obj);
    if (!e) {
      ObjectReader reader(Form::kOwn, opts, &doc, &item, &im.omit);
      e = reader.Read(obj);
    }
    if (!e) {
      const char* rest;
      if (doc.current_location().get(rest) == simdjson::SUCCESS) e = simdjson::TRAILING_CONTENT;
    }
    if (!e) {
      ++objects;
      im.SetRaw(text.data(), text.data() + text.size(), &item.raw);
      continue;
    }
    std::string message =
        "line " + std::to_string(line_no) + " is not a JSON object: " +
        (!why.empty()                    ? why
         : e == simdjson::INCORRECT_TYPE ? std::string("another kind of JSON value")
                                         : std::string(simdjson::error_message(e)));
    if (first_error.empty()) first_error = message;
    item = ParsedItem();
    item.raw.assign(text);
    item.rejection = {"invalid_json", "", std::move(message)};
  }
  if (objects == 0 && out->size() > first) {
    out->resize(first);
    return InvalidArgument("", "body is neither a JSON array nor NDJSON: " + first_error);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Writing the own form

namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 0xF]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

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
