// AlertLists: the alert lists (布控) of a store, their entries, the matcher over the current
// entries, hit counts and the transparency report. Every change is written to the store and
// then to the audit log (govern::AuditLog), with the acting principal and the entry's case
// number:
//
//   action               target              when
//   alert_list.create    alert_list:ID       CreateList
//   alert_entry.add      alert_entry:ID      AddEntry
//   alert_entry.import   alert_list:ID       AddEntries (one record for the batch: count, ids)
//   alert_entry.remove   alert_entry:ID      RemoveEntry (soft: the entry keeps its history)
//   alert_entry.expire   alert_entry:ID      ExpireDue, once per entry, actor "system"
//
// Store documents: "alert_list" and "alert_entry" (alert_list.h), and "alert_hits", one per
// local day (id "YYYYMMDD"), whose body maps entry ids to that day's hit count.
//
// Memory: only the matcher is kept for the entries (about 80 bytes an entry, see
// docs/PERFORMANCE.md); listing, removal and the report read the store.
//
// Expiry: Match never returns an entry outside its window, whether or not ExpireDue has run.
// ExpireDue records the expiries that are due in the audit log and drops those entries from
// the matcher; call it at NextExpiry() (the pipeline's timer) so that each record is written at
// the moment the entry stops matching.
//
// Agency scope: a user whose scope is "agency" may act on, and read, only lists owned by its
// own agency (PermissionDenied otherwise). Permissions (alert_list.read / alert_list.write)
// are the caller's to check, as the API router does for every route.
//
// Thread safety: all methods may be called from any thread. Changes are serialized; matcher()
// is a lock-free snapshot read, RecordHit takes a short lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/time_format.h"
#include "govern/audit.h"
#include "govern/identity.h"
#include "rules/alert_list.h"
#include "rules/matcher.h"
#include "store/store.h"

namespace quanyu::rules {

inline constexpr char kAlertHitsDoc[] = "alert_hits";

struct AlertListsOptions {
  EntryRules rules;  // Default: windows of at most 90 days.
  // Local time for the days hit counts are kept by. Default: China (UTC+8).
  int offset_seconds = kChinaOffsetSeconds;
};

// One period of a transparency report, [from, to).
struct ReportPeriod {
  UnixMicros from = 0, to = 0;
  int64_t active = 0;   // entries in force at some moment of the period
  int64_t added = 0;    // entries created in it
  int64_t expired = 0;  // entries whose window ended in it (not removed before)
  int64_t removed = 0;  // entries removed in it
  int64_t hits = 0;     // hits of the list's entries on the days starting in it

  bool operator==(const ReportPeriod&) const = default;
};

struct ListReport {
  AlertList list;
  UnixMicros from = 0, to = 0, bucket = 0;
  std::vector<ReportPeriod> periods;
};

class AlertLists {
 public:
  // REQUIRES: store, audit and clock outlive this object. Call Load before anything else.
  AlertLists(store::Store* store, govern::AuditLog* audit, const Clock* clock,
             AlertListsOptions options = {});

  // Reads the lists and entries and builds the matcher from the entries still in force
  // (neither removed nor with their expiry recorded). DataLoss for an unreadable document.
  Status Load();

  // Creates a list (created and created_by are set here). AlreadyExists if the id is taken;
  // InvalidArgument from ValidateList.
  StatusOr<AlertList> CreateList(const govern::Principal& who, AlertList list);
  StatusOr<std::vector<AlertList>> Lists(const govern::Principal& who) const;
  StatusOr<AlertList> GetList(const govern::Principal& who, const std::string& id) const;

  // Adds one entry to e.list_id (NotFound if no such list): assigns id, created, created_by
  // (who.Actor()) and, if empty, owner_agency (the list's); validates (ValidateEntry, so no
  // entry without legal basis or expiry is created); stores, audits and swaps in a new matcher.
  StatusOr<AlertEntry> AddEntry(const govern::Principal& who, AlertEntry e);
  // Adds many entries to one list with one store transaction and one audit record. The
  // entries must be valid (ParseAlertCsv validates them); the first invalid one fails the whole
  // call (its field prefixed "entries[i]."). Returns the entries as stored.
  StatusOr<std::vector<AlertEntry>> AddEntries(const govern::Principal& who,
                                               const std::string& list_id,
                                               std::vector<AlertEntry> entries);
  // Soft-deletes an entry: it stops matching at once and keeps its history. The reason is
  // required (InvalidArgument "reason"). NotFound for an unknown id, FailedPrecondition if it is
  // already removed.
  Status RemoveEntry(const govern::Principal& who, const std::string& entry_id,
                     const std::string& reason);
  // A list's entries in id (creation) order: those in force now, or all ever added.
  StatusOr<std::vector<AlertEntry>> Entries(const govern::Principal& who,
                                            const std::string& list_id,
                                            bool include_inactive = false) const;

  // Records in the audit log every expiry due by the clock's now that is not yet recorded,
  // marks those entries, and drops them from the matcher. Returns how many expired.
  StatusOr<size_t> ExpireDue();
  // When ExpireDue next has something to do; nullopt if no entry is in force.
  std::optional<UnixMicros> NextExpiry() const;

  // The current matcher: a snapshot that stays valid as long as the caller holds it.
  std::shared_ptr<const Matcher> matcher() const { return matcher_.load(); }

  // Counts one hit of an entry at `time` (the passage time), in memory until FlushHits.
  void RecordHit(std::string_view entry_id, UnixMicros time);
  // Adds the counts recorded since the last flush to the day documents. Counts not yet flushed
  // are lost if the process ends; the pipeline flushes periodically and Report flushes first.
  Status FlushHits();

  // The transparency report of a list over [from, to) in periods of `bucket` (a whole number
  // of days, since hits are counted per day; the last period may be shorter). InvalidArgument
  // ("to", "bucket") for an empty range, a bucket that is not whole days, or more than 1000
  // periods.
  StatusOr<ListReport> Report(const govern::Principal& who, const std::string& list_id,
                              UnixMicros from, UnixMicros to, UnixMicros bucket);

 private:
  StatusOr<AlertList> ListInScope(const govern::Principal& who, const std::string& id) const;
  std::string NewEntryId(UnixMicros now);
  StatusOr<std::vector<AlertEntry>> ListEntries(const std::string& list_id) const;
  // Builds a matcher from `entries` and swaps it in. REQUIRES: mu_ held.
  Status Swap(std::vector<MatchEntry> entries);
  Status Audit(const govern::Principal& who, std::string action, std::string target,
               std::string case_no, std::string detail);
  std::string DayId(UnixMicros t) const;

  store::Store* const store_;
  govern::AuditLog* const audit_;
  const Clock* const clock_;
  const AlertListsOptions options_;

  mutable std::mutex mu_;                   // serializes changes
  std::map<std::string, AlertList> lists_;  // guarded by mu_
  std::atomic<std::shared_ptr<const Matcher>> matcher_;
  std::atomic<uint32_t> id_counter_{0};

  std::mutex hits_mu_;
  // day id -> entry id -> hits not yet flushed; guarded by hits_mu_.
  std::map<std::string, std::unordered_map<std::string, int64_t>> pending_hits_;
};

}  // namespace quanyu::rules
