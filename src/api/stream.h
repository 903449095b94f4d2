// StreamHub: fan-out of server events to WebSocket subscribers (`/api/v1/stream`).
//
// Every message is a JSON object {"topic", "seq", "time", "data"}; seq increases per hub so a
// client can tell whether it missed messages. Topics:
//   "ingest"  per-second counts of accepted/duplicate/rejected records and the store backlog
//             (no personal data);
//   "alert"   alerts as they are raised ("event": "raised") and as they change ("event":
//             "updated": folded hits, lifecycle steps); data is the alert (GET /api/v1/alerts/{id}
//             form). Only for callers whose role has alert.read, and only alerts in their scope.
//   "unit"    a unit as it changes (position, status; GET /api/v1/units/{id} form), for
//             unit.read, within the subscriber's scope (an agency-scoped user: its agency's);
//   "incident" an incident as it changes (GET /api/v1/incidents/{id} form), for incident.read,
//             within the subscriber's scope (its agency's, or those its agency's units work on).
//
// A client with unit.report may also send position fixes on the same socket, as
// {"fixes": [...]} in the body form of POST /api/v1/units/positions; the answer comes back as a
// message of topic "fixes" with the same per-fix results.
//
// Choosing what to receive, in the upgrade's query or later in a message:
//   ?topics=alert,ingest&ring=510104,510105&priority=2&type=ring_entry&agency=cdpsb&after=N
//   {"subscribe": ["alert"], "after": N, "filter": {"ring": [...], "priority": 2,
//    "type": [...], "agency": [...]}}
// `priority` keeps alerts of that priority or higher (1 highest). `after` resumes: every
// alert raised after id N that passes the filter is sent first, oldest first, then live ones,
// with no gap (at least once: an alert may arrive twice around the switch). Changes made to
// older alerts while a client was away are not replayed: it reads those with GET /api/v1/alerts.
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/router.h"
#include "rules/alert.h"

namespace quanyu::api {

struct AlertFilter {
  std::set<std::string> rings, types, agencies;  // empty = any
  int max_priority = 0;                          // 0 = any
  bool Matches(const rules::Alert& a) const;
};

class StreamHub {
 public:
  // Alerts with id > after that `who` may see, oldest first, at most `limit`.
  using AlertBacklog = std::function<StatusOr<std::vector<rules::Alert>>(
      const govern::Principal& who, uint64_t after, size_t limit)>;

  // Enables the "alert" topic. `backlog` answers resumes; `offset_seconds` is the zone of the
  // times in alert messages.
  void EnableAlerts(AlertBacklog backlog, int offset_seconds);

  // The WebSocket handler to register on the router.
  WsHandler Handler();
  // Sends `data_json` (a JSON object text) under `topic` to every subscriber of the topic
  // whose role has `permission` (when one is named) and for whom `visible` holds (when given:
  // the subscriber's scope, e.g. a user limited to its agency sees its agency's units).
  using Visible = std::function<bool(const govern::Principal& who)>;
  void Publish(const std::string& topic, const std::string& data_json, const std::string& time,
               const std::string& permission = "", const Visible& visible = {});
  // Accepts {"fixes": [...]} messages from clients whose role has unit.report: `handler`
  // answers with the JSON text of the results.
  using FixesHandler =
      std::function<std::string(const govern::Principal& who, const nlohmann::json& body)>;
  void EnableFixes(FixesHandler handler);
  // Sends an alert to every subscriber of "alert" allowed to see it and whose filter passes.
  void PublishAlert(const rules::Alert& alert, bool is_new, const std::string& time);
  size_t subscribers() const;

 private:
  struct Sub {
    std::weak_ptr<WsConnection> conn;
    std::set<std::string> topics;  // empty = all
    govern::Principal who;
    bool may_read_alerts = false;
    AlertFilter filter;
    bool catching_up = false;
    uint64_t last_alert_sent = 0;   // highest alert id sent while catching up
    std::vector<std::string> held;  // live alert messages held while catching up
    std::vector<uint64_t> held_ids;
    std::vector<bool> held_new;
    bool Wants(const std::string& topic) const { return topics.empty() || topics.count(topic); }
  };
  // Applies a subscription (query parameters or a message); returns the resume id if given.
  static Status Configure(const nlohmann::json& j, Sub* s, std::optional<uint64_t>* after);
  std::string AlertMessage(const rules::Alert& a, bool is_new, const std::string& time);
  // Sends the alerts after `after`, then the ones held meanwhile, then goes live.
  void CatchUp(const std::shared_ptr<Sub>& s, uint64_t after);

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Sub>> subs_;
  uint64_t seq_ = 0;
  AlertBacklog backlog_;
  FixesHandler fixes_;
  int offset_seconds_ = 8 * 3600;
};

}  // namespace quanyu::api
