#include "rules/cap.h"

#include <array>
#include <cstdio>

namespace quanyu::rules {

namespace {

struct TypeText {
  std::string_view chinese;
  std::string_view english;
};
constexpr std::array<TypeText, 3> kTypeTexts = {{
    {"布控命中", "Alert-list hit"},
    {"触圈", "Ring touch"},
    {"入圈", "Ring entry"},
}};

const TypeText& TextOf(AlertType t) { return kTypeTexts[static_cast<size_t>(t)]; }

std::string_view StateChinese(AlertState s) {
  switch (s) {
    case AlertState::kNew:
      return "新告警";
    case AlertState::kAcknowledged:
      return "已签收";
    case AlertState::kDispatched:
      return "已派警";
    case AlertState::kClosed:
      return "已办结";
  }
  return "";
}

std::string_view CategoryChinese(Category c) {
  for (const CategoryInfo& info : Categories()) {
    if (info.category == c) return info.chinese;
  }
  return "";
}

// Characters CAP allows in identifiers and sender: no whitespace, comma, '<' or '&'.
std::string CapToken(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                    c == '-' || c == '_' || c == '.' || c == '@' || c == ':';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

std::string Sender(const CapOptions& o) {
  return CapToken(o.sender.empty() ? "quanyu@" + o.server_id : o.sender);
}

bool IsUpdate(const Alert& a) { return a.count > 1 || a.state != AlertState::kNew; }

std::string_view Urgency(const Alert& a) {
  if (a.state == AlertState::kClosed) return "Past";
  if (a.priority <= 2) return "Immediate";
  if (a.priority == 3) return "Expected";
  return "Future";
}

std::string_view Severity(const Alert& a) {
  if (a.priority <= 1) return "Severe";
  if (a.priority == 2) return "Moderate";
  return "Minor";
}

std::string_view Certainty(const Alert& a) { return a.partial_read ? "Possible" : "Observed"; }

void Element(std::string* out, std::string_view indent, std::string_view name,
             std::string_view text) {
  *out += indent;
  *out += '<';
  *out += name;
  *out += '>';
  *out += XmlEscape(text);
  *out += "</";
  *out += name;
  *out += ">\n";
}

void Parameter(std::string* out, std::string_view name, std::string_view value) {
  *out += "    <parameter>\n";
  Element(out, "      ", "valueName", name);
  Element(out, "      ", "value", value);
  *out += "    </parameter>\n";
}

std::string Decimal(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

std::string_view CapStatusName(CapStatus s) {
  switch (s) {
    case CapStatus::kActual:
      return "Actual";
    case CapStatus::kExercise:
      return "Exercise";
    case CapStatus::kSystem:
      return "System";
    case CapStatus::kTest:
      return "Test";
  }
  return "Actual";
}

std::string FormatCapTime(UnixMicros t, int offset_seconds) {
  // Whole seconds, rounding towards the past.
  UnixMicros secs = t / kMicrosPerSecond;
  if (t < 0 && t % kMicrosPerSecond != 0) --secs;
  std::string s = FormatRfc3339(secs * kMicrosPerSecond, offset_seconds);
  if (!s.empty() && s.back() == 'Z') s.replace(s.size() - 1, 1, "+00:00");
  return s;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          // XML 1.0 allows only tab, line feed and carriage return below 0x20.
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copy it if well-formed (shortest form, no surrogates, at
    // most U+10FFFF, not U+FFFE/U+FFFF), else write U+FFFD for its first byte.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) {
        ok = false;
      } else {
        cp = (cp << 6) | (p[i + k] & 0x3F);
      }
    }
    if (ok) {
      ok = !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string CapIdentifier(const Alert& a, const CapOptions& o) {
  return CapToken("quanyu-" + o.server_id + "-alert-" + std::to_string(a.id));
}

std::string AlertToCap(const Alert& a, const CapOptions& o) {
  const std::string first_id = CapIdentifier(a, o);
  const std::string sender = Sender(o);
  const bool update = IsUpdate(a);
  const UnixMicros created = a.created != 0 ? a.created : a.pass_time;
  const UnixMicros updated = a.updated != 0 ? a.updated : created;
  const TypeText& type = TextOf(a.type);
  const std::string pass_time = FormatCapTime(a.pass_time, o.offset_seconds);
  const std::string place = a.checkpoint_name.empty() ? a.checkpoint_id : a.checkpoint_name;
  const std::string plate = a.plate.empty() ? "无号牌" : a.plate;

  std::string x;
  x.reserve(4096);
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
  Element(
      &x, "  ", "identifier",
      update ? first_id + "-" + std::to_string(a.count) + "-" + std::string(AlertStateName(a.state))
             : first_id);
  Element(&x, "  ", "sender", sender);
  Element(&x, "  ", "sent", FormatCapTime(update ? updated : created, o.offset_seconds));
  Element(&x, "  ", "status", CapStatusName(o.status));
  Element(&x, "  ", "msgType", update ? "Update" : "Alert");
  Element(&x, "  ", "source", "quanyu " + std::string(AlertTypeName(a.type)) + " " + a.rule_id);
  Element(&x, "  ", "scope", "Restricted");
  Element(&x, "  ", "restriction",
          !o.restriction.empty()
              ? o.restriction
              : "仅限公安机关内部使用 / Police use only" +
                    (a.owner_agency.empty() ? std::string()
                                            : " (owner agency: " + a.owner_agency + ")"));
  if (update) {
    Element(&x, "  ", "references",
            sender + "," + first_id + "," + FormatCapTime(created, o.offset_seconds));
  }
  Element(&x, "  ", "incidents", first_id);

  x += "  <info>\n";
  Element(&x, "    ", "language", "zh-CN");
  Element(&x, "    ", "category", "Security");
  Element(&x, "    ", "event", std::string(type.chinese) + " / " + std::string(type.english));
  if (a.state == AlertState::kClosed) Element(&x, "    ", "responseType", "AllClear");
  Element(&x, "    ", "urgency", Urgency(a));
  Element(&x, "    ", "severity", Severity(a));
  Element(&x, "    ", "certainty", Certainty(a));
  Element(&x, "    ", "senderName", o.sender_name);

  std::string headline = std::string(type.chinese) + " " + plate;
  if (a.partial_read) headline += "（部分识别）";
  headline += " @ " + place;
  if (!a.ring_name.empty()) headline += "（" + a.ring_name + "）";
  Element(&x, "    ", "headline", headline);

  std::string d;
  d += "号牌 Plate: " + plate + (a.partial_read ? "（部分识别 / partly read）" : "") + "\n";
  d += "卡口 Checkpoint: " + place + " (" + a.checkpoint_id + ")\n";
  d += "过车时间 Pass time: " + pass_time + "\n";
  d += "布控类别 Category: " + std::string(CategoryChinese(a.category)) + " / " +
       std::string(CategoryName(a.category)) + "\n";
  if (!a.ring_id.empty()) d += "圈层 Ring: " + a.ring_name + " (" + a.ring_id + ")\n";
  d += "优先级 Priority: " + std::to_string(a.priority) + "\n";
  if (a.count > 1) {
    d += "命中次数 Hits: " + std::to_string(a.count) + " (" +
         FormatCapTime(a.first_seen, o.offset_seconds) + " .. " +
         FormatCapTime(a.last_seen, o.offset_seconds) + ")\n";
  }
  d += "状态 State: " + std::string(StateChinese(a.state)) + " / " +
       std::string(AlertStateName(a.state));
  Element(&x, "    ", "description", d);

  std::string instruction;
  if (a.state == AlertState::kClosed) {
    instruction = "告警已办结，无需处置。/ The alert is closed: no action needed.";
  } else if (a.partial_read) {
    instruction =
        "号牌仅部分识别：先调看过车图像核实号牌，再按预案处置。/ The plate was read only in part: "
        "confirm it from the passage images before acting under the standing plan.";
  } else if (a.priority <= 2) {
    instruction =
        "立即按预案组织查控，处置结果及时反馈。/ Act at once under the standing plan and report "
        "the outcome.";
  } else {
    instruction =
        "关注车辆动向，按预案研判。/ Watch the vehicle's movements and assess under "
        "the standing plan.";
  }
  Element(&x, "    ", "instruction", instruction);

  Parameter(&x, "alert_id", std::to_string(a.id));
  Parameter(&x, "type", AlertTypeName(a.type));
  Parameter(&x, "rule", a.rule_id);
  Parameter(&x, "priority", std::to_string(a.priority));
  Parameter(&x, "plate", a.plate);
  Parameter(&x, "partial_read", a.partial_read ? "true" : "false");
  Parameter(&x, "checkpoint_id", a.checkpoint_id);
  Parameter(&x, "record_id", a.record_id);
  Parameter(&x, "category", CategoryName(a.category));
  Parameter(&x, "owner_agency", a.owner_agency);
  if (!a.ring_id.empty()) Parameter(&x, "ring", a.ring_id);
  Parameter(&x, "count", std::to_string(a.count));
  Parameter(&x, "state", AlertStateName(a.state));

  x += "    <area>\n";
  Element(&x, "      ", "areaDesc", place.empty() ? "—" : place);
  // CAP: "latitude,longitude radius" in WGS-84, radius in km.
  Element(&x, "      ", "circle",
          Decimal(a.position.lat, 6) + "," + Decimal(a.position.lng, 6) + " " +
              Decimal(o.radius_km, 3));
  x += "    </area>\n";
  x += "  </info>\n";
  x += "</alert>\n";
  return x;
}

}  // namespace quanyu::rules
