// Alerts: turns the engine's triggers into stored alerts and takes them through their
// lifecycle.
//
// Raise folds each trigger into the open alert of the same plate, rule, ring and list entry
// whose last hit lies within the fold window (count + 1, last_seen, latest record), or opens a
// new alert with the next id; the changed alerts are handed to the listeners (the WebSocket
// stream, webhooks) in trigger order and queued for the service's writer thread, which stores
// what is queued in one transaction at a time, in the order of the changes. Neither delivery
// nor the caller waits for the store's single writer, which may be busy applying a batch of
// passages for tens of milliseconds. WaitWritten waits for everything queued so far: the
// ingest pipeline calls it before it stores records, so that a record is never in the store
// without its alerts (recovery re-evaluates the records the store does not have). If a write
// fails, the failure handler hears of it and the alerts stay in memory, to be stored whole
// with their next change (a fold or a lifecycle step). Transition moves an alert forward (new →
// acknowledged → dispatched → closed; closing needs a disposition note), each step attributed
// to the person and written to the audit log, then stored, before it is answered. A closed
// alert folds nothing: the next hit opens a new one.
//
// Scope: a user whose scope is their agency sees the alerts of their agency's list entries; a
// district scope limits alerts to checkpoints in those districts.
//
// Thread safety: all methods are thread-safe; listeners are called under the service's lock,
// in the order the changes were stored, and must not call back into it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/time_format.h"
#include "govern/audit.h"
#include "govern/identity.h"
#include "registry/ring_assignment.h"
#include "rules/alert.h"
#include "rules/engine.h"
#include "store/store.h"

namespace quanyu::rules {

struct AlertsOptions {
  // Hits of one plate under one rule (and ring and entry) this close fold into one alert.
  // Default: 10 minutes.
  UnixMicros fold_window = 10 * kMicrosPerMinute;
  // Open alerts kept in memory for folding and transitions (older ones are read from the
  // store when needed). Default: 100,000.
  size_t max_cached = 100'000;
};

// What an alert shows of its checkpoint.
struct CheckpointInfo {
  std::string name;
  std::string division_code;
  geo::LngLat position;
};
// Where Raise looks up names; any member may be empty.
struct RaiseContext {
  std::function<std::optional<CheckpointInfo>(std::string_view checkpoint_id)> checkpoint;
  const registry::RingContext* rings = nullptr;  // for ring names
};

class Alerts {
 public:
  // REQUIRES: store, audit and clock outlive this object. Call Load first. Starts the writer.
  Alerts(store::Store* store, govern::AuditLog* audit, const Clock* clock,
         AlertsOptions options = {});
  // Close()s.
  ~Alerts();
  Alerts(const Alerts&) = delete;
  Alerts& operator=(const Alerts&) = delete;

  // Reads the last id and the open alerts that may still fold.
  Status Load();

  // Called with each alert raised or folded (`is_new` for a raised one), just before it is
  // stored, and with each lifecycle step after it is stored.
  using Listener = std::function<void(const Alert& alert, bool is_new)>;
  void AddListener(Listener listener);
  // Called on the writer thread when a queued write fails, with the number of alerts it held.
  // Set before the first Raise.
  using WriteFailureHandler = std::function<void(size_t alerts, const Status& status)>;
  void SetWriteFailureHandler(WriteFailureHandler handler);

  // Folds or raises one alert per trigger and queues them to be stored, filling names from
  // `context`. Returns the alerts after the whole call, one per trigger in trigger order (an
  // alert folded twice in one call appears twice, both times with its final count).
  StatusOr<std::vector<Alert>> Raise(std::span<const Trigger> triggers,
                                     const RaiseContext& context);

  // Moves alert `id` to `to`. InvalidArgument ("state") for a step backwards or from closed,
  // ("note") when closing without a note; NotFound; PermissionDenied outside the caller's scope.
  StatusOr<Alert> Transition(const govern::Principal& who, uint64_t id, AlertState to,
                             const std::string& note);

  StatusOr<Alert> Get(const govern::Principal& who, uint64_t id) const;
  // Alerts matching q within the caller's scope (an agency scope forces owner_agency), read
  // from the store once every alert already delivered to the listeners is stored.
  StatusOr<std::vector<Alert>> List(const govern::Principal& who, store::AlertQuery q) const;
  // Whether `who` may see `a` (agency and district scope).
  static bool Visible(const govern::Principal& who, const Alert& a);

  uint64_t last_id() const;

  // Blocks until every change queued before the call has been written (or its write failed).
  void WaitWritten() const;
  // Writes what is queued and stops the writer. Idempotent; Raise afterwards stores nothing.
  void Close();

 private:
  static std::string FoldKey(std::string_view plate, const Trigger& t);
  Status Persist(std::span<const Alert* const> alerts);
  void WriterLoop();
  void WaitWrittenLocked(std::unique_lock<std::mutex>& w) const;  // REQUIRES: w holds w_mu_
  void Remember(const Alert& a);                                  // REQUIRES: mu_ held
  StatusOr<Alert> Load(uint64_t id) const;
  StatusOr<Alert> FindLocked(uint64_t id) const;  // REQUIRES: mu_ held

  store::Store* const store_;
  govern::AuditLog* const audit_;
  const Clock* const clock_;
  const AlertsOptions options_;

  mutable std::mutex mu_;
  uint64_t last_id_ = 0;                            // guarded by mu_
  std::map<uint64_t, Alert> open_;                  // guarded by mu_: not closed, by id
  std::unordered_map<std::string, uint64_t> fold_;  // guarded by mu_: key -> open alert id
  std::vector<Listener> listeners_;                 // guarded by mu_

  // The write queue: changes are queued under mu_ (so in the order of the changes), taken
  // by the writer thread. Lock order: mu_, then w_mu_.
  mutable std::mutex w_mu_;
  mutable std::condition_variable w_work_cv_, w_done_cv_;
  std::deque<std::vector<Alert>> w_queue_;  // guarded by w_mu_
  uint64_t w_queued_ = 0, w_done_ = 0;      // guarded by w_mu_: changes queued, finished
  bool w_stop_ = false;                     // guarded by w_mu_
  WriteFailureHandler on_write_failure_;
  std::thread writer_;
};

}  // namespace quanyu::rules
