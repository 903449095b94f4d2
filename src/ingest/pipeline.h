// The ingest pipeline: validate → deduplicate → rules stage → durable event log → acknowledge →
// store.
//
// Every passage record that reaches quanyu goes through Pipeline::Submit. A record is either
//   - accepted: appended to the event log (fsynced, group-committed) before Submit returns,
//     then applied to the store by a background applier thread;
//   - a duplicate: its MotorVehicleID was accepted before; acknowledged, not stored twice;
//   - rejected: kept in quarantine with its reason and original payload (also through the
//     log, so a rejection is as durable as an acceptance), listable and replayable.
// Nothing received is lost. On Open the pipeline replays the log from the positions the store
// recorded, so a crash at any point leaves the store with every acknowledged record.
//
// Records are partitioned by plate (or by id when there is no plate), so one vehicle's
// records stay in one partition, in order.
//
// Thread safety: Submit, Replay, Discard, Flush and the checkpoint methods are thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bus/event_log.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "core/string_map.h"
#include "events/parse.h"
#include "events/validator.h"
#include "ingest/u64_set.h"
#include "registry/checkpoint.h"
#include "store/store.h"

namespace quanyu::ingest {

struct PipelineOptions {
  events::ValidationOptions validation;
  // How long accepted ids are remembered in memory to answer resends as duplicates. Older
  // resends are still never stored twice (the store ignores them). Default: 2 days.
  UnixMicros dedup_window = 2 * kMicrosPerDay;
  // Records accepted but not yet applied to the store, beyond which Submit answers
  // ResourceExhausted (back-pressure). Default: 500,000.
  size_t max_queue = 500'000;
  // Largest store transaction. Default: 10,000 records.
  size_t apply_batch = 10'000;
  // How long records may wait for more to join them in a store transaction smaller than
  // apply_batch. Fewer, larger transactions cost the store much less per record (each writes
  // its index runs and the pages it touches once), at the price of the store lagging the log by
  // up to this much. Flush and Close do not wait for it. Default: 50 ms.
  std::chrono::milliseconds apply_linger{50};
  // Called with the accepted records of each Submit (and replay) after validation and
  // deduplication and before they are appended to the log — the rules engine's place in the
  // pipeline, so that alerts do not wait for the fsync — and at Open with the records found in
  // the log that the store did not have yet (`recovered`, which may have been evaluated before
  // a crash). Because the applier never stores a record before this call returns, whatever it
  // stores for a record (alerts) is either stored or redone at recovery. If the append then
  // fails, Submit reports the error and the sender resends. Called from the submitting thread;
  // must not call back into the pipeline. Default: none.
  std::function<void(std::span<const events::PassageRecord* const> records, bool recovered)>
      on_accepted;
  // Called on the applier's thread before each store transaction, and at Open before the
  // recovered records are stored: waits until what on_accepted began for the records about to
  // be stored is itself stored (the alerts' write-behind), so that the store's log position
  // never passes a record whose alerts could still be lost. Default: none.
  std::function<void()> before_apply;
};

enum class Outcome { kAccepted, kDuplicate, kRejected };
std::string_view OutcomeName(Outcome o);  // "accepted", "duplicate", "rejected"

struct ItemResult {
  std::string id;  // record id as read (may be empty for unreadable input)
  Outcome outcome = Outcome::kAccepted;
  events::Rejection rejection;  // when kRejected
  std::string quarantine_id;    // when kRejected
};

struct PipelineStats {
  uint64_t accepted = 0, duplicates = 0, rejected = 0;
  uint64_t queued = 0;   // accepted or quarantined, not yet in the store
  uint64_t applied = 0;  // log entries applied to the store since start
};

class Pipeline : public events::CheckpointLookup {
 public:
  // Opens the pipeline over an open store and event log (both must outlive it), loads the
  // checkpoint registry, replays the log tail into the store and starts the applier.
  static StatusOr<std::unique_ptr<Pipeline>> Open(store::Store* store, bus::EventLog* log,
                                                  const Clock* clock, PipelineOptions options,
                                                  Metrics* metrics = &Metrics::Default());
  ~Pipeline() override;

  // Validates, deduplicates and durably logs `items` (from events::Parser), filling one
  // result per item, in order. Returns ResourceExhausted without taking anything if the store
  // is too far behind, Unavailable after Close, or an error of the log (then nothing of this
  // call was acknowledged).
  Status Submit(events::Source source, std::span<events::ParsedItem> items,
                std::vector<ItemResult>* results);
  // What Submit would answer before taking anything: Unavailable after Close, ResourceExhausted
  // while the store is more than max_queue records behind, else OK. Lets a handler refuse a
  // batch before parsing it; Submit checks again.
  Status CanTake() const;

  // Runs quarantine entry `quarantine_id` through validation again: with `corrected` (an
  // object in the entry's original form, GA/T 1400 or the own form) if given, else with its
  // original payload. If accepted (or a duplicate), the entry is marked "replayed"; if it is
  // rejected again, the entry stays open and the result carries the new reason.
  StatusOr<ItemResult> Replay(const std::string& quarantine_id,
                              const std::optional<std::string>& corrected, const std::string& note);
  // Marks an open entry "discarded" with a note (kept, never deleted).
  Status Discard(const std::string& quarantine_id, const std::string& note);

  // Blocks until everything logged before the call is applied to the store.
  Status Flush();

  // Stops taking records, applies everything logged, stops the applier. Idempotent.
  void Close();

  PipelineStats Stats() const;

  // The checkpoint registry as the validator sees it. Writers of checkpoints call these after
  // changing the store.
  events::CheckpointState Lookup(std::string_view checkpoint_id) const override;
  void OnCheckpointChanged(const registry::Checkpoint& c);
  void OnCheckpointDeleted(const std::string& id);

 private:
  Pipeline(store::Store* store, bus::EventLog* log, const Clock* clock, PipelineOptions options,
           Metrics* metrics);
  Status Recover();
  Status ReloadCheckpoints() const;
  void ApplierLoop();
  // Starts a new generation of the duplicate filter every dedup_window / 2.
  // REQUIRES: dedup_mu_ held.
  void RotateDedup(UnixMicros now);
  // An accepted item whose id hash the duplicate filter had seen.
  struct Suspect {
    size_t item = 0;
    uint64_t hash = 0;
    bool unapplied = false;  // the hash was among those not yet in the store
  };
  // Decides each suspect against the store (and the ids taken earlier in the same call):
  // a duplicate, or another id with the same hash, which is taken (its hash appended to
  // `confirmed_new`). REQUIRES: dedup_mu_ not held.
  Status ConfirmResends(std::span<events::ParsedItem> items, std::span<const Suspect> suspects,
                        std::span<const size_t> taken_items, std::vector<ItemResult>* results,
                        std::vector<uint64_t>* confirmed_new);
  // Undoes what a failed Submit took into the duplicate filter.
  void ForgetTaken(std::span<const uint64_t> taken_hashes, std::span<const uint64_t> confirmed_new);
  std::string NextQuarantineId(UnixMicros now);
  // Appends the entries per partition, then tells the applier how far each partition's log
  // now reaches. The applier reads the entries back from the log (LogTail): nothing holds
  // them in memory meanwhile.
  Status LogAndQueue(const std::vector<std::pair<int, const std::vector<bus::LogEntry>*>>& batches);
  // Logs a quarantine entry's replay or discard.
  Status LogResolution(const store::QuarantineResolution& r);
  // REQUIRES: the entries [first, first + count) of `partition` are durable.
  void EnqueueForApply(int partition, uint64_t first, uint64_t count);
  // Batches are reused, records and all, so that decoding reuses their strings' storage.
  // StartBatch empties a batch for a new round (its passages become slots to decode into);
  // DecodeInto decodes a log entry into it, a passage into slot *used (then ++*used);
  // ParkUnused moves the slots beyond `used` aside for later batches, so that the batch holds
  // only this round's records. REQUIRES: the applier's thread, or Open before it starts.
  void StartBatch(store::ApplyBatch* batch, size_t* used);
  void DecodeInto(uint8_t type, std::string_view payload, store::ApplyBatch* batch, size_t* used);
  void ParkUnused(store::ApplyBatch* batch, size_t used);
  // Entries appended but not yet in the store: the sum over partitions of appended_upto_ -
  // applied_upto_. REQUIRES: q_mu_ held.
  uint64_t QueuedLocked() const;
  // After a round of the applier: the store's positions, and `entries` more applied.
  void SettleApplied(const std::map<int, uint64_t>& positions, size_t entries);
  // Deletes the event-log segments all of whose entries the store holds in a state that
  // survives a power failure (Store::SyncLogPositions), if anything was applied since the last
  // time. The releaser thread runs it every kReleaseInterval, and Close once more. Deleting a
  // file can take milliseconds (a file system mounted with discard trims its blocks at once),
  // which is why this is not the applier's work.
  void ReleaseSynced();
  void ReleaseLoop();

  store::Store* const store_;
  bus::EventLog* const log_;
  const Clock* const clock_;
  const PipelineOptions options_;

  // Checkpoint registry cache.
  mutable std::shared_mutex cp_mu_;
  mutable StringMap<events::CheckpointState> checkpoints_;
  mutable std::atomic<int64_t> last_reload_nanos_{0};

  // Duplicate filter: two generations of id hashes rotated every dedup_window / 2, plus the
  // hashes of the ids taken but not yet in the store. A hit is confirmed against the store,
  // after waiting for the applier if the hash is unapplied: a hash collision never drops a
  // record. Two copies of one new record submitted at the same moment in two calls may both
  // be taken; the store keeps one.
  std::mutex dedup_mu_;
  U64Set dedup_current_, dedup_previous_;
  UnixMicros dedup_rotated_ = 0;
  U64Set unapplied_;

  // What the applier has to do, per partition (indexed by partition): the log's end as far as
  // Submit has told it (appended_upto_: every entry before it is durable), and the store's
  // position (applied_upto_).
  mutable std::mutex q_mu_;
  std::condition_variable q_cv_, q_done_cv_;
  std::vector<uint64_t> appended_upto_, applied_upto_;
  uint64_t applied_total_ = 0;
  std::chrono::steady_clock::time_point oldest_queued_;  // when QueuedLocked() last left 0
  uint64_t flush_requests_ = 0;                          // Flush calls: end a linger early
  bool stopping_ = false;
  bool closed_ = false;
  bool applier_gave_up_ = false;  // closing, it could not read the rest of the log
  std::thread applier_;
  // The releaser thread (ReleaseLoop), and what ReleaseSynced saw the last time it ran.
  std::mutex release_mu_;
  std::condition_variable release_cv_;
  bool release_stop_ = false;  // guarded by release_mu_
  std::thread releaser_;
  // applied_total_ at the last release (none yet: the first pass releases what a restart
  // replayed). Used by the releaser thread, then by Close once it has joined it.
  uint64_t released_applied_ = UINT64_MAX;
  // The applier's own: a tail of each partition, from the store's position; its batch, the
  // records parked by ParkUnused and scratch, kept between rounds.
  std::vector<std::unique_ptr<bus::LogTail>> tails_;
  std::vector<uint64_t> apply_targets_;
  size_t next_partition_ = 0;  // where the next round starts reading, for fairness
  store::ApplyBatch apply_batch_;
  std::vector<events::PassageRecord> spare_records_;
  std::vector<uint64_t> applied_hashes_;

  std::atomic<uint64_t> quarantine_counter_{0};
  std::atomic<bool> accepting_{true};

  Metrics* metrics_;
  // quanyu_records_accepted_total by source (events::Source), looked up on first use.
  Counter* AcceptedCounter(events::Source source);
  std::array<std::atomic<Counter*>, 3> m_accepted_{};
  Counter* m_dup_;
  Histogram* m_apply_seconds_;
  Counter* m_applied_;
  std::atomic<uint64_t> n_accepted_{0}, n_dup_{0}, n_rejected_{0};
};

}  // namespace quanyu::ingest
