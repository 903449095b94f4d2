#include "govern/retention.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "govern/identity.h"

namespace quanyu::govern {

Status RetentionPolicy::Set(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgument("retention",
                           "expected CLASS=DAYS, e.g. passages=30, not \"" + spec + "\"");
  }
  std::string cls = spec.substr(0, eq);
  if (periods.count(cls) == 0) {
    std::string known;
    for (const auto& [k, _] : periods) known += (known.empty() ? "" : ", ") + k;
    return InvalidArgument("retention", "unknown data class \"" + cls + "\"; one of " + known);
  }
  const std::string days = spec.substr(eq + 1);
  char* end = nullptr;
  long n = std::strtol(days.c_str(), &end, 10);
  if (days.empty() || *end != '\0' || n < 0 || n > 100 * 365) {
    return InvalidArgument("retention", "days for " + cls +
                                            " must be a whole number from 0 "
                                            "(keep for ever) to 36500, not \"" +
                                            days + "\"");
  }
  periods[cls] = static_cast<UnixMicros>(n) * kMicrosPerDay;
  return Status::Ok();
}

UnixMicros RetentionPolicy::Period(const std::string& data_class) const {
  auto it = periods.find(data_class);
  return it == periods.end() ? 0 : it->second;
}

RetentionJob::RetentionJob(store::Store* store, AuditLog* audit, const Clock* clock,
                           RetentionPolicy policy)
    : store_(store), audit_(audit), clock_(clock), policy_(std::move(policy)) {}

RetentionJob::~RetentionJob() { Stop(); }

void RetentionJob::AddClass(std::string data_class, Dropper drop) {
  std::lock_guard run_lock(run_mu_);
  classes_.emplace_back(std::move(data_class), std::move(drop));
}

Status RetentionJob::Record(const RetentionRun& run, const Status& outcome) {
  store::AuditRecord r;
  r.actor = "system";
  r.role = "retention";
  r.action = "retention.run";
  r.target = run.data_class;
  r.outcome = outcome.ok() ? "ok" : "error";
  nlohmann::json detail = {{"cutoff", FormatRfc3339(run.cutoff, 8 * 3600)},
                           {"deleted", run.deleted}};
  if (!outcome.ok()) detail["error"] = outcome.ToString();
  r.detail = detail.dump();
  return audit_->Append(std::move(r));
}

StatusOr<std::vector<RetentionRun>> RetentionJob::RunOnce() {
  std::lock_guard run_lock(run_mu_);
  const UnixMicros now = clock_->Now();
  std::vector<RetentionRun> runs;
  Status first_error;

  if (UnixMicros period = policy_.Period("passages"); period > 0) {
    RetentionRun run{"passages", now - period, 0};
    StatusOr<int64_t> n = store_->DropPassagesBefore(run.cutoff);
    if (n.ok()) run.deleted = *n;
    RETURN_IF_ERROR(Record(run, n.status()));
    if (!n.ok() && first_error.ok()) first_error = n.status();
    runs.push_back(run);
  }

  if (UnixMicros period = policy_.Period("tracks"); period > 0) {
    RetentionRun run{"tracks", now - period, 0};
    StatusOr<int64_t> n = store_->DropUnitFixesBefore(run.cutoff);
    if (n.ok()) run.deleted = *n;
    RETURN_IF_ERROR(Record(run, n.status()));
    if (!n.ok() && first_error.ok()) first_error = n.status();
    runs.push_back(run);
  }

  for (const auto& [data_class, drop] : classes_) {
    const UnixMicros period = policy_.Period(data_class);
    if (period <= 0) continue;
    RetentionRun run{data_class, now - period, 0};
    StatusOr<int64_t> n = drop(run.cutoff);
    if (n.ok()) run.deleted = *n;
    RETURN_IF_ERROR(Record(run, n.status()));
    if (!n.ok() && first_error.ok()) first_error = n.status();
    runs.push_back(run);
  }

  if (UnixMicros period = policy_.Period("audit"); period > 0) {
    RetentionRun run{"audit", now - period, 0};
    store::AuditQuery q;
    q.to = run.cutoff;
    q.limit = 1;
    q.newest_first = true;
    Status s;
    StatusOr<std::vector<store::AuditRecord>> last = store_->ListAudit(q);
    if (!last.ok()) {
      s = last.status();
    } else if (!last->empty()) {
      StatusOr<std::optional<store::AuditAnchor>> anchor = store_->GetAuditAnchor();
      const uint64_t first = anchor.ok() && anchor->has_value() ? (*anchor)->seq + 1 : 1;
      const uint64_t upto = last->front().seq;
      s = store_->TrimAuditBefore(upto + 1);
      if (s.ok() && upto >= first) run.deleted = static_cast<int64_t>(upto - first + 1);
    }
    RETURN_IF_ERROR(Record(run, s));
    if (!s.ok() && first_error.ok()) first_error = s;
    runs.push_back(run);
  }

  // Expired login sessions (kept a day past expiry, for the record of recent logins).
  {
    RetentionRun run{"sessions", now - kMicrosPerDay, 0};
    Status s;
    StatusOr<std::vector<store::Document>> docs = store_->ListDocuments(kSessionDoc);
    if (!docs.ok()) {
      s = docs.status();
    } else {
      for (const auto& d : *docs) {
        StatusOr<Session> session = SessionFromDocument(d);
        if (!session.ok() || session->expires >= run.cutoff) continue;
        StatusOr<bool> gone = store_->DeleteDocument(kSessionDoc, d.id);
        if (!gone.ok()) {
          s = gone.status();
          break;
        }
        run.deleted += *gone;
      }
    }
    if (run.deleted > 0 || !s.ok()) RETURN_IF_ERROR(Record(run, s));
    if (!s.ok() && first_error.ok()) first_error = s;
    runs.push_back(run);
  }
  if (!first_error.ok()) return first_error;
  return runs;
}

void RetentionJob::Start(UnixMicros interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto runs = RunOnce();
      if (!runs.ok()) {
        spdlog::error("retention run failed: {}", runs.status().ToString());
      } else {
        for (const auto& r : *runs) {
          if (r.deleted > 0)
            spdlog::info("retention: {} deleted {} before {}", r.data_class, r.deleted,
                         FormatRfc3339(r.cutoff, 8 * 3600));
        }
      }
      lock.lock();
      cv_.wait_for(lock, std::chrono::microseconds(interval), [this] { return stop_; });
    }
  });
}

void RetentionJob::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace quanyu::govern
