// Alerting: the rules stage of the ingest pipeline, wired. For every batch of accepted records
// (validated and new, on their way to the event log) it takes the current alert-list matcher and
// ring snapshot, lets the engine find the rules that fire, counts the hits per list entry, folds
// the triggers into alerts, which go to the WebSocket stream (and any other listener) and are
// stored.
//
// Records recovered from the event log at start-up may have been evaluated before a crash:
// their triggers are dropped when an alert already names the record.
//
// What an alert shows of its checkpoint (name, district, position) is read from the store once
// and kept: a store read under the alert service's lock was the slowest part of raising an
// alert. Checkpoint details are read again after kCheckpointInfoSeconds, or at once after
// OnCheckpointChanged. What it shows of the list entry (owner agency, case number) comes with
// the matcher's hit, so the first hit of an entry reads nothing either.
//
// Thread safety: OnAccepted may be called from any number of threads; SetRings at any time.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

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

  // A checkpoint was changed or deleted: alerts read its details afresh.
  void OnCheckpointChanged(const std::string& checkpoint_id);

  static constexpr int64_t kCheckpointInfoSeconds = 10;

 private:
  std::optional<rules::CheckpointInfo> CheckpointInfo(std::string_view id);

  store::Store* const store_;
  rules::AlertLists* const lists_;
  rules::Alerts* const alerts_;
  rules::Engine engine_;
  std::atomic<std::shared_ptr<const registry::RingContext>> rings_;
  Counter* m_alerts_raised_;
  Counter* m_alert_failures_;
  Counter* m_hits_;

  struct CachedCheckpoint {
    std::optional<rules::CheckpointInfo> info;
    int64_t read_nanos = 0;  // MonotonicNanos
  };
  static constexpr size_t kMaxCached = 100'000;  // the cache is emptied beyond this
  std::mutex cache_mu_;
  std::unordered_map<std::string, CachedCheckpoint> checkpoints_;  // guarded by cache_mu_
};

}  // namespace quanyu::api
