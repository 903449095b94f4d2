// Alerts: what the rules engine raises when a passage record hits an alert list or a ring rule,
// and the lifecycle a person takes it through (new → acknowledged → dispatched → closed).
//
// An alert names its triggering record, rule, ring, checkpoint and priority. Repeated hits of
// one plate under one rule within the fold window do not raise new alerts: they fold into the
// open one, raising its count and last_seen (and its record to the latest).
//
// Ids are a sequence (1, 2, ...) that only grows, so a stream client resumes "after id N".
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/lnglat.h"
#include "rules/alert_list.h"

namespace quanyu::rules {

enum class AlertType : uint8_t {
  kListHit = 0,    // a listed vehicle seen at any checkpoint (布控命中)
  kRingTouch = 1,  // a listed vehicle seen at a checkpoint of ring R (触圈)
  kRingEntry = 2,  // a listed vehicle entering ring R: at an inbound checkpoint of R after
                   // being seen outside R, or not seen before (入圈)
};
std::string_view AlertTypeName(AlertType t);  // "list_hit", "ring_touch", "ring_entry"
StatusOr<AlertType> ParseAlertType(std::string_view s, std::string_view field = "type");

enum class AlertState : uint8_t { kNew = 0, kAcknowledged = 1, kDispatched = 2, kClosed = 3 };
std::string_view AlertStateName(AlertState s);  // "new", "acknowledged", "dispatched", "closed"
StatusOr<AlertState> ParseAlertState(std::string_view s, std::string_view field = "state");

// One step of the lifecycle, attributed.
struct AlertStep {
  AlertState state = AlertState::kNew;
  UnixMicros time = 0;
  std::string actor;   // "user:li.wei", "system"
  std::string agency;  // the actor's agency
  std::string note;    // the disposition note when closing; optional otherwise

  bool operator==(const AlertStep&) const = default;
};

struct Alert {
  uint64_t id = 0;  // sequence, assigned when stored
  AlertType type = AlertType::kListHit;
  std::string rule_id;  // the rule that raised it ("list_hit", or a ring rule's id)
  int priority = 2;     // 1 highest .. 4 lowest
  // What was seen.
  std::string plate;
  bool partial_read = false;  // the plate was read only in part: a candidate to confirm
  std::string record_id;      // the triggering passage record (the latest, when folded)
  std::string checkpoint_id;
  std::string checkpoint_name;
  std::string division_code;  // the checkpoint's 6-digit division, for district scopes
  geo::LngLat position;       // the checkpoint's, WGS-84
  UnixMicros pass_time = 0;
  // Why it matters.
  std::string list_id;
  std::string entry_id;
  Category category = Category::kWantedInCase;
  std::string owner_agency;  // the list entry's agency: who must act, and who may see it
  std::string case_no;       // the entry's legal basis
  std::string ring_id;       // for ring rules
  std::string ring_name;
  // Folding.
  UnixMicros first_seen = 0;  // pass time of the first hit
  UnixMicros last_seen = 0;   // pass time of the latest hit
  int64_t count = 1;          // hits folded into this alert
  // Lifecycle.
  AlertState state = AlertState::kNew;
  std::vector<AlertStep> history;  // first step: raised (kNew, actor "system")
  UnixMicros created = 0;
  UnixMicros updated = 0;

  bool operator==(const Alert&) const = default;
};

// Whether `from` may go to `to`: forward only (new → acknowledged → dispatched → closed), steps
// may be skipped (new → closed for a false read), nothing leaves closed.
bool CanTransition(AlertState from, AlertState to);

// The API form: times as RFC 3339 with the given offset.
nlohmann::json AlertToJson(const Alert& a, int offset_seconds);
// The same form as text, written directly (members in nlohmann::json's order, so it equals
// AlertToJson(...).dump()): for the live stream, the webhooks and the store, made while an alert
// is raised. Ill-formed UTF-8 becomes U+FFFD.
void AppendAlertJson(const Alert& a, int offset_seconds, std::string* out);
// The form above back (times in any RFC 3339 offset). Errors name the field.
StatusOr<Alert> AlertFromJson(const nlohmann::json& j);

}  // namespace quanyu::rules
