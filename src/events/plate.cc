#include "events/plate.h"

#include <array>
#include <charconv>
#include <string>

namespace quanyu::events {
namespace {

// Single-character suffixes: police, learner, trailer, consulate, Hong Kong, Macau, test,
// oversize.
constexpr std::u32string_view kSuffixes = U"警学挂领港澳试超";
// First serial character of small new-energy plates: D A B C E electric, F G H J K hybrid.
constexpr std::u32string_view kSmallNewEnergyFirst = U"DABCEFGHJK";

// The 31 province-level abbreviations used on civil plates:
// 京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼.
bool IsProvince(char32_t c) {
  switch (c) {
    case U'京':
    case U'津':
    case U'沪':
    case U'渝':
    case U'冀':
    case U'豫':
    case U'云':
    case U'辽':
    case U'黑':
    case U'湘':
    case U'皖':
    case U'鲁':
    case U'新':
    case U'苏':
    case U'浙':
    case U'赣':
    case U'鄂':
    case U'桂':
    case U'甘':
    case U'晋':
    case U'蒙':
    case U'陕':
    case U'吉':
    case U'闽':
    case U'贵':
    case U'粤':
    case U'青':
    case U'藏':
    case U'川':
    case U'宁':
    case U'琼':
      return true;
    default:
      return false;
  }
}
bool IsSuffix(char32_t c) { return kSuffixes.find(c) != std::u32string_view::npos; }
bool IsUpper(char32_t c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsWildcard(char32_t c) { return c == '?' || c == '*' || c == '_'; }
// A character of a plate serial: digits and letters other than I and O.
bool IsSerialChar(char32_t c) { return IsDigit(c) || (IsUpper(c) && c != 'I' && c != 'O'); }

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string Utf8(std::u32string_view s) {
  size_t bytes = 0;
  for (char32_t c : s) bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  std::string out;
  out.reserve(bytes);
  for (char32_t c : s) AppendUtf8(c, &out);
  return out;
}

// Decodes one UTF-8 sequence at `*pos`; false on malformed input (overlong forms,
// surrogates and truncated sequences included).
bool DecodeUtf8(std::string_view s, size_t* pos, char32_t* out) {
  const auto b0 = static_cast<unsigned char>(s[*pos]);
  if (b0 < 0x80) {
    *out = b0;
    ++*pos;
    return true;
  }
  size_t n;
  char32_t c;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (*pos + n > s.size()) return false;
  for (size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[*pos + i]);
    if ((b & 0xC0) != 0x80) return false;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  *out = c;
  *pos += n;
  return true;
}

// Separators that plate readers and people put inside plate numbers.
bool IsSeparator(char32_t c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '-':
    case '.':
    case 0x00A0:  // no-break space
    case 0x00B7:  // '·' middle dot, as printed on plates
    case 0x2022:  // '•' bullet
    case 0x2027:  // '‧' hyphenation point
    case 0x30FB:  // '・' katakana middle dot (CJK input methods)
    case 0x3000:  // ideographic space
    case 0xFF0D:  // '－' full-width hyphen-minus
    case 0xFF0E:  // '．' full-width full stop
      return true;
    default:
      return false;
  }
}

// Full-width ASCII forms (U+FF01..U+FF5E) to ASCII, then ASCII letters to upper case.
char32_t Fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c = c - 0xFF01 + 0x21;
  if (c >= 'a' && c <= 'z') c = c - 'a' + 'A';
  return c;
}

std::string Quote(char32_t c) {
  std::string out = "'";
  if (c < 0x20 || c == 0x7F) {
    char buf[8];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<uint32_t>(c), 16);
    (void)ec;
    out += "\\x";
    out.append(buf, end);
  } else {
    AppendUtf8(c, &out);
  }
  out += '\'';
  return out;
}

// Text that devices send when they saw a plate they could not read.
bool IsUnreadableMarker(std::u32string_view s) {
  static constexpr std::array<std::u32string_view, 8> kMarkers = {
      U"", U"未识别", U"未知", U"无法识别", U"识别失败", U"车牌", U"UNKNOWN", U"NULL"};
  for (auto m : kMarkers) {
    if (s == m) return true;
  }
  return false;
}

bool IsAllZeros(std::u32string_view s) {
  for (char32_t c : s) {
    if (c != '0') return false;
  }
  return !s.empty();
}

// Text that devices send for a vehicle without plates.
bool IsAbsentMarker(std::u32string_view s) {
  return s == U"无牌" || s == U"无车牌" || s == U"无牌车" || s == U"无号牌";
}

PlateCheck Error(std::string why) {
  PlateCheck r;
  r.error = std::move(why);
  return r;
}

// Checks the serial part of a civil plate: everything after province + authority letter.
// `prefix` is that head ("川A"), for messages.
std::string CheckSerial(std::u32string_view serial, std::u32string_view prefix) {
  auto head = [prefix] { return Utf8(prefix); };  // for messages only
  auto check_chars = [&](std::u32string_view part) -> std::string {
    for (char32_t c : part) {
      if (c == 'I' || c == 'O') {
        return "letter " + Quote(c) + " does not occur in plate serials (after " + head() + ")";
      }
      if (!IsSerialChar(c)) {
        return "unexpected character " + Quote(c) + " in the serial after " + head();
      }
    }
    return {};
  };
  const size_t n = serial.size();
  // 应急 (emergency) plates: 4 characters + 应急.
  if (n >= 2 && serial.substr(n - 2) == U"应急") {
    if (n - 2 != 4) {
      return "expected 4 characters between " + head() + " and 应急, got " + std::to_string(n - 2);
    }
    return check_chars(serial.substr(0, 4));
  }
  if (n >= 1 && IsSuffix(serial.back())) {
    if (n - 1 != 4) {
      return "expected 4 characters between " + head() + " and " + Utf8(serial.substr(n - 1)) +
             ", got " + std::to_string(n - 1);
    }
    return check_chars(serial.substr(0, 4));
  }
  if (n == 5) return check_chars(serial);
  if (n == 6) {
    // New energy: small vehicles carry the energy letter first, large ones last.
    if (kSmallNewEnergyFirst.find(serial[0]) != std::u32string_view::npos) {
      return check_chars(serial.substr(1));
    }
    if (serial[5] == 'D' || serial[5] == 'F') return check_chars(serial.substr(0, 5));
    return "6 characters after " + head() +
           " make a new-energy plate, which must start with one of D A B C E F G H J K or end "
           "with D or F";
  }
  // Report the first character that cannot be in a serial at all: it explains more than a
  // count does ("川A1234X" is more likely a misread suffix than a short plate).
  for (char32_t c : serial) {
    if (!IsSerialChar(c) && c != 'I' && c != 'O') {
      return "unexpected character " + Quote(c) + " in the serial after " + head();
    }
  }
  if (n > 6) {
    return "expected 5 characters (6 for new-energy plates) after " + head() + ", got " +
           std::to_string(n);
  }
  return "expected 5 characters after " + head() + ", got " + std::to_string(n);
}

// Armed police: "WJ" + optional province + 4-5 characters.
std::string CheckArmedPolice(std::u32string_view rest) {
  if (!rest.empty() && IsProvince(rest[0])) rest.remove_prefix(1);
  if (rest.size() != 4 && rest.size() != 5) {
    return "expected 4 or 5 characters in an armed-police (WJ) plate after the province, got " +
           std::to_string(rest.size());
  }
  for (char32_t c : rest) {
    if (!IsDigit(c) && !IsUpper(c)) {
      return "unexpected character " + Quote(c) + " in an armed-police (WJ) plate";
    }
  }
  return {};
}

std::string CheckFull(std::u32string_view s) {
  if (s.size() >= 2 && s[0] == 'W' && s[1] == 'J') return CheckArmedPolice(s.substr(2));
  const char32_t first = s[0];
  if (!IsProvince(first)) {
    bool any_province = false;
    for (char32_t c : s) any_province = any_province || IsProvince(c);
    if ((IsUpper(first) || IsDigit(first)) && !any_province) {
      return "missing province abbreviation: a plate starts with one such as 川 or 京, got " +
             Quote(first);
    }
    return "unknown province abbreviation " + Quote(first);
  }
  if (s.size() < 2 || !IsUpper(s[1])) {
    if (s.size() < 2) return "plate ends after the province abbreviation " + Quote(first);
    return "expected the issuing-authority letter (A-Z) after " + Utf8(s.substr(0, 1)) + ", got " +
           Quote(s[1]);
  }
  return CheckSerial(s.substr(2), s.substr(0, 2));
}

// A partial read: only characters that may occur in a plate, at most as long as the longest
// plate.
std::string CheckPartial(std::u32string_view s) {
  constexpr size_t kMaxPlateChars = 9;
  if (s.size() > kMaxPlateChars) {
    return "too long for a plate number (" + std::to_string(s.size()) + " characters)";
  }
  for (char32_t c : s) {
    if (!IsWildcard(c) && !IsDigit(c) && !IsUpper(c) && !IsProvince(c) && !IsSuffix(c) &&
        c != U'应' && c != U'急') {
      return "unexpected character " + Quote(c) + " in a partly read plate";
    }
  }
  return {};
}

// The form nearly every plate arrives in: province + issuing-authority letter + 5 serial
// characters (6 for new-energy plates), ASCII upper case and digits, no separators. Such text
// is valid and already normalized; this says so without decoding it, with the same verdict as
// the general path below (which handles everything else, errors included).
bool IsCanonicalCivilPlate(std::string_view raw) {
  if (raw.size() != 9 && raw.size() != 10) return false;
  size_t pos = 0;
  char32_t province;
  if (!DecodeUtf8(raw, &pos, &province) || pos != 3 || !IsProvince(province)) return false;
  if (!IsUpper(static_cast<unsigned char>(raw[3]))) return false;
  const std::string_view serial = raw.substr(4);
  for (char c : serial) {
    if (!IsSerialChar(static_cast<unsigned char>(c))) return false;
  }
  if (serial.size() == 5) return true;
  // New energy: small vehicles carry the energy letter first, large ones D or F last.
  return kSmallNewEnergyFirst.find(static_cast<unsigned char>(serial[0])) !=
             std::u32string_view::npos ||
         serial[5] == 'D' || serial[5] == 'F';
}

}  // namespace

PlateCheck CheckPlate(std::string_view raw, std::optional<bool> has_plate) {
  PlateCheck result;
  if (has_plate.has_value() && !*has_plate) {
    result.status = PlateStatus::kAbsent;
    return result;
  }
  if (IsCanonicalCivilPlate(raw)) {
    result.normalized = std::string(raw);
    return result;
  }
  // No plate text, separators included, comes near this; refusing longer text up front keeps
  // the work on the stack.
  constexpr size_t kMaxRawBytes = 64;
  if (raw.size() > kMaxRawBytes) {
    return Error("too long for a plate number (" + std::to_string(raw.size()) + " bytes)");
  }
  // Normalize: decode, drop separators, fold full-width and lower-case forms.
  char32_t buf[kMaxRawBytes];
  size_t len = 0;
  bool changed = false;  // whether normalization changed anything
  for (size_t pos = 0; pos < raw.size();) {
    char32_t c;
    if (!DecodeUtf8(raw, &pos, &c)) return Error("not valid UTF-8 text");
    const char32_t folded = Fold(c);
    changed |= folded != c;
    if (IsSeparator(folded)) {
      changed = true;
      continue;
    }
    buf[len++] = folded;
  }
  const std::u32string_view s(buf, len);
  constexpr size_t kLongestMarker = 7;  // "UNKNOWN"
  if (len <= kLongestMarker) {
    if (IsAbsentMarker(s)) {
      result.status = PlateStatus::kAbsent;
      return result;
    }
    if (IsUnreadableMarker(s)) {
      result.status = PlateStatus::kUnreadable;
      return result;
    }
  }
  if (IsAllZeros(s)) {
    result.status = PlateStatus::kUnreadable;
    return result;
  }
  size_t wildcards = 0;
  for (char32_t c : s) wildcards += IsWildcard(c) ? 1 : 0;
  if (wildcards == s.size()) {
    result.status = PlateStatus::kUnreadable;
    return result;
  }
  if (wildcards > 0) {
    result.error = CheckPartial(s);
    if (result.error.empty()) {
      result.status = PlateStatus::kPartial;
      result.normalized = changed ? Utf8(s) : std::string(raw);
    }
    return result;
  }
  result.error = CheckFull(s);
  if (result.error.empty()) result.normalized = changed ? Utf8(s) : std::string(raw);
  return result;
}

namespace {

struct ColorName {
  int code;
  std::string_view english;
  std::string_view chinese;
};
constexpr std::array<ColorName, 14> kColors = {{
    {1, "black", "黑"},
    {2, "white", "白"},
    {3, "grey", "灰"},
    {4, "red", "红"},
    {5, "blue", "蓝"},
    {6, "yellow", "黄"},
    {7, "orange", "橙"},
    {8, "brown", "棕"},
    {9, "green", "绿"},
    {10, "purple", "紫"},
    {11, "cyan", "青"},
    {12, "pink", "粉"},
    {13, "transparent", "透明"},
    {99, "other", "其他"},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool IsPlateColorCode(int code) { return (code >= 1 && code <= 13) || code == 99; }

std::string_view PlateColorName(int code) {
  for (const auto& c : kColors) {
    if (c.code == code) return c.english;
  }
  return "unknown";
}

std::optional<int> ParsePlateColor(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text[0] >= '0' && text[0] <= '9') {
    int code = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (code == 0 || IsPlateColorCode(code)) return code;
    return std::nullopt;
  }
  if (EqualsIgnoreCase(text, "gray")) return 3;
  if (EqualsIgnoreCase(text, "unknown") || text == "未知") return 0;
  // "蓝色" and "蓝" alike.
  std::string_view chinese = text;
  if (chinese.size() > 3 && chinese.substr(chinese.size() - 3) == "色") {
    chinese.remove_suffix(3);
  }
  for (const auto& c : kColors) {
    if (EqualsIgnoreCase(text, c.english) || chinese == c.chinese) return c.code;
  }
  if (chinese == "其它") return 99;
  return std::nullopt;
}

}  // namespace quanyu::events
