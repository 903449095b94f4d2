// Alerts as OASIS Common Alerting Protocol 1.2 messages (CAP, docs.oasis-open.org/emergency/
// cap/v1.2), for systems that take alerts in that form (webhooks of format "cap", other
// platforms' CAP feeds). The output validates against the CAP 1.2 schema (api/cap-v1.2.xsd).
//
// One alert gives one <alert> with one <info> (language zh-CN, category Security). Mapping:
//
//   priority   urgency     severity     (a closed alert: urgency Past, responseType AllClear)
//   1          Immediate   Severe
//   2          Immediate   Moderate
//   3          Expected    Minor
//   4          Future      Minor
//
//   certainty: Observed when the plate was read in full, Possible for a partly read plate
//   (a candidate to confirm before acting).
//
// Messages and updates: CAP identifies each message, not each incident. The first message of
// an alert (count 1, state new) is msgType Alert with identifier "quanyu-<server>-alert-<id>"
// and sent = the alert's creation time. Every later form of the alert (more hits folded in, or
// a lifecycle step) is msgType Update with its own identifier, "<first identifier>-<count>-
// <state>" (both only grow, so each form has its own), sent = the alert's last update, and
// <references> naming the first message as "sender,identifier,sent", so that a CAP consumer
// replaces what it shows instead of raising a second incident. <incidents> carries the first
// identifier too, grouping every message of one alert.
//
// Text is XML-escaped; control characters XML cannot carry are dropped and invalid UTF-8 is
// replaced by U+FFFD, so any alert gives a well-formed document. Identifiers and sender hold
// no spaces, commas, '<' or '&' (CAP 1.2 §3.2.1): other characters become '_'.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/time_format.h"
#include "rules/alert.h"

namespace quanyu::rules {

// The CAP <status> of the messages: real alerts, or exercises and tests that recipients must
// not act on.
enum class CapStatus : uint8_t { kActual, kExercise, kSystem, kTest };
std::string_view CapStatusName(CapStatus s);  // "Actual", "Exercise", "System", "Test"

struct CapOptions {
  // Names this server in identifiers, so that two servers' alert ids never collide.
  // Default: "quanyu".
  std::string server_id = "quanyu";
  // The <sender>. Default (empty): "quanyu@<server_id>".
  std::string sender;
  // The <senderName>, shown to people. Default: "quanyu 全域".
  std::string sender_name = "quanyu 全域";
  CapStatus status = CapStatus::kActual;
  // The <restriction> text (scope is always Restricted). Default (empty): police use only,
  // naming the alert's owner agency.
  std::string restriction;
  // Times (sent) are written with this offset east of UTC. Default: China, +08:00.
  int offset_seconds = kChinaOffsetSeconds;
  // Radius of the <circle> around the checkpoint, km. Default: 1 km.
  double radius_km = 1.0;
};

// The identifier of the alert's first CAP message.
std::string CapIdentifier(const Alert& a, const CapOptions& options = {});

// The CAP 1.2 <alert> document (with XML declaration), UTF-8.
std::string AlertToCap(const Alert& a, const CapOptions& options = {});

// CAP's dateTime: seconds precision and an explicit offset, "2026-11-29T08:30:00+08:00"
// (never "Z", never fractions: the schema's pattern allows neither).
std::string FormatCapTime(UnixMicros t, int offset_seconds);

// Escapes text for XML character data and attribute values (& < > " '), drops characters
// XML 1.0 cannot carry and replaces invalid UTF-8 with U+FFFD.
std::string XmlEscape(std::string_view text);

}  // namespace quanyu::rules
