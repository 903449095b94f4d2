#include "core/time_format.h"

#include <cstdio>

namespace quanyu {
namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` ASCII digits at `pos`; false if any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Civil date from days since epoch (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

Status CheckFields(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
                   std::string_view field, std::string_view text) {
  auto bad = [&](const char* what) {
    return InvalidArgument(std::string(field),
                           std::string(what) + " out of range in \"" + std::string(text) + "\"");
  };
  if (y < 1970 || y > 9999) return bad("year");
  if (mo < 1 || mo > 12) return bad("month");
  if (d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) return bad("day");
  if (h > 23) return bad("hour");
  if (mi > 59) return bad("minute");
  if (s > 60) return bad("second");  // 60: a leap second, folded into the next minute
  return Status::Ok();
}

UnixMicros Compose(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60 * kMicrosPerSecond + s * kMicrosPerSecond;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

StatusOr<UnixMicros> ParseCompactLocalTime(std::string_view text, int offset_seconds,
                                           std::string_view field) {
  if (text.size() != 14 && text.size() != 17) {
    return InvalidArgument(std::string(field), "expected yyyyMMddHHmmss (14 digits), got \"" +
                                                   std::string(text) + "\"");
  }
  int64_t y, mo, d, h, mi, s, ms = 0;
  if (!Digits(text, 0, 4, &y) || !Digits(text, 4, 2, &mo) || !Digits(text, 6, 2, &d) ||
      !Digits(text, 8, 2, &h) || !Digits(text, 10, 2, &mi) || !Digits(text, 12, 2, &s) ||
      (text.size() == 17 && !Digits(text, 14, 3, &ms))) {
    return InvalidArgument(std::string(field), "expected only digits (yyyyMMddHHmmss), got \"" +
                                                   std::string(text) + "\"");
  }
  RETURN_IF_ERROR(CheckFields(y, mo, d, h, mi, s, field, text));
  return Compose(y, mo, d, h, mi, s) + ms * 1000 -
         static_cast<int64_t>(offset_seconds) * kMicrosPerSecond;
}

StatusOr<UnixMicros> ParseRfc3339(std::string_view text, std::string_view field) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(std::string(field), why +
                                                   " (expected RFC 3339 such as "
                                                   "2026-11-29T08:30:00+08:00), got \"" +
                                                   std::string(text) + "\"");
  };
  int64_t y, mo, d, h, mi, s;
  if (text.size() < 20 || !Digits(text, 0, 4, &y) || text[4] != '-' || !Digits(text, 5, 2, &mo) ||
      text[7] != '-' || !Digits(text, 8, 2, &d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !Digits(text, 11, 2, &h) ||
      text[13] != ':' || !Digits(text, 14, 2, &mi) || text[16] != ':' || !Digits(text, 17, 2, &s)) {
    return bad("malformed time");
  }
  RETURN_IF_ERROR(CheckFields(y, mo, d, h, mi, s, field, text));
  size_t pos = 19;
  int64_t frac_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      frac_us += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
  }
  if (pos >= text.size()) return bad("missing zone offset");
  int64_t offset = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos] == '-' ? -1 : 1;
    int64_t oh, om;
    if (!Digits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !Digits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad("malformed zone offset");
    }
    offset = sign * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return bad("missing zone offset");
  }
  if (pos != text.size()) return bad("trailing characters");
  return Compose(y, mo, d, h, mi, s) + frac_us - offset * kMicrosPerSecond;
}

std::string FormatRfc3339(UnixMicros t, int offset_seconds) {
  UnixMicros local = t + static_cast<int64_t>(offset_seconds) * kMicrosPerSecond;
  int64_t secs =
      local >= 0 ? local / kMicrosPerSecond : (local - kMicrosPerSecond + 1) / kMicrosPerSecond;
  int64_t micros = local - secs * kMicrosPerSecond;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(sod / 3600),
                        static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (micros % 1000 == 0 && micros != 0) {
    n = std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(micros / 1000));
    out.append(buf, static_cast<size_t>(n));
  } else if (micros != 0) {
    n = std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(micros));
    out.append(buf, static_cast<size_t>(n));
  }
  if (offset_seconds == 0) {
    out += 'Z';
  } else {
    int off = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    n = std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_seconds < 0 ? '-' : '+', off / 3600,
                      off / 60 % 60);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string FormatCompactLocalTime(UnixMicros t, int offset_seconds) {
  std::string iso = FormatRfc3339(t, offset_seconds == 0 ? 0 : offset_seconds);
  // iso: yyyy-MM-ddTHH:mm:ss...
  std::string out;
  out.reserve(14);
  for (size_t i = 0; i < 19; ++i) {
    if (iso[i] >= '0' && iso[i] <= '9') out += iso[i];
  }
  return out;
}

}  // namespace quanyu
