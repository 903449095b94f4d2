// Alerting: the rules stage of the ingest pipeline, wired. For every batch of accepted records
// (validated and new, on their way to the event log) it takes the current alert-list matcher and
// ring snapshot, lets the engine find the rules that fire, counts the hits per list entry, folds
// the triggers into alerts, which go to the WebSocket stream (and any other listener) and are
// stored.
//
// Records recovered from the event log at start-up may have been evaluated before a crash:
// their triggers are dropped when an alert already names the record.
//
// Thread safety: OnAccepted may be called from any number of threads; SetRings at any time.
#pragma once

#include <atomic>
#include <memory>
#include <span>

#include "core/clock.h"
#include "core/metrics.h"
#include "events/passage.h"
#include "registry/ring_assignment.h"
#include "rules/alert_lists.h"
#include "rules/alerts.h"
#include "rules/engine.h"
#include "store/store.h"

namespace quanyu::api {

inline constexpr char kAlertRulesDoc[] = "alert_rules";  // store document kind, id "current"

class Alerting {
 public:
  // REQUIRES: every pointer outlives this object; call Load before OnAccepted.
  Alerting(store::Store* store, rules::AlertLists* lists, rules::Alerts* alerts,
           Metrics* metrics = &Metrics::Default());

  // Reads the configured rules (defaults if none are stored).
  Status Load();

  // The pipeline's on_accepted hook.
  void OnAccepted(std::span<const events::PassageRecord* const> records, bool recovered);

  // The ring snapshot the engine reads (an empty one until set).
  void SetRings(std::shared_ptr<const registry::RingContext> rings);
  std::shared_ptr<const registry::RingContext> rings() const { return rings_.load(); }

  // The rules in force; SetRules validates, stores and applies them.
  std::vector<rules::Rule> Rules() const { return engine_.rules(); }
  Status SetRules(std::vector<rules::Rule> rules, UnixMicros now);

  rules::Engine& engine() { return engine_; }

 private:
  store::Store* const store_;
  rules::AlertLists* const lists_;
  rules::Alerts* const alerts_;
  rules::Engine engine_;
  std::atomic<std::shared_ptr<const registry::RingContext>> rings_;
  Counter* m_alerts_raised_;
  Counter* m_alert_failures_;
  Counter* m_hits_;
};

}  // namespace quanyu::api
