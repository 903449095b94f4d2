// Retention: each class of data is kept for a configured period, then deleted by a background
// job that records every run (class, cut-off, count) in the audit log.
//
// Classes and what a run does today:
//   passages  passage records that hit nothing (default 30 days): whole local days before the
//             cut-off are dropped (Store::DropPassagesBefore). Records tied to an alert will be
//             kept for `passages_alert` once alert lists exist; until then every passage is in
//             this class.
//   tracks    unit position fixes, the AVL track history (default 90 days): every fix taken
//             before the cut-off is dropped (Store::DropUnitFixesBefore).
//   audit     audit records (default 0 = kept for ever): the prefix older than the cut-off is
//             removed and the chain's anchor moved (Store::TrimAuditBefore), so verification
//             still proves the rest.
//   sessions  login sessions that expired more than a day ago (housekeeping, not personal data).
//   incidents closed incidents with their timelines (default 5 years), counted from their
//             closing: dropped by the dispatch service (registered with AddClass).
// Other modules register their classes with AddClass. The periods of `passages_alert` and
// `alerts` are configured and validated, but no module applies them yet.
//
// Thread safety: RunOnce may be called from any thread, one run at a time.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "govern/audit.h"
#include "store/store.h"

namespace quanyu::govern {

struct RetentionPolicy {
  // Class -> period; 0 keeps for ever.
  std::map<std::string, UnixMicros> periods = {
      {"passages", 30 * kMicrosPerDay},
      {"passages_alert", 365 * kMicrosPerDay},
      {"tracks", 90 * kMicrosPerDay},  // unit position fixes
      {"alerts", 365 * kMicrosPerDay},
      {"incidents", 5 * 365 * kMicrosPerDay},
      {"audit", 0},
  };
  // Parses "CLASS=DAYS" (e.g. "passages=30", "audit=0") into periods; errors name "retention".
  Status Set(const std::string& class_equals_days);
  UnixMicros Period(const std::string& data_class) const;
};

struct RetentionRun {
  std::string data_class;
  UnixMicros cutoff = 0;
  int64_t deleted = 0;
};

class RetentionJob {
 public:
  RetentionJob(store::Store* store, AuditLog* audit, const Clock* clock, RetentionPolicy policy);
  ~RetentionJob();

  // Deletes the records of `data_class` older than the cut-off it is given and returns how
  // many it deleted.
  using Dropper = std::function<StatusOr<int64_t>(UnixMicros cutoff)>;
  // A class kept by another module (e.g. "incidents"): run with the others when the policy
  // gives it a period. Call before Start.
  void AddClass(std::string data_class, Dropper drop);

  // One pass over every class with a period; each deletion run is audited (also when it
  // deleted nothing, so that the log shows the job ran).
  StatusOr<std::vector<RetentionRun>> RunOnce();

  // Runs RunOnce now and then every `interval` on a background thread until Stop().
  void Start(UnixMicros interval);
  void Stop();

 private:
  Status Record(const RetentionRun& run, const Status& outcome);

  store::Store* store_;
  AuditLog* audit_;
  const Clock* clock_;
  RetentionPolicy policy_;
  std::vector<std::pair<std::string, Dropper>> classes_;  // registered by other modules
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace quanyu::govern
