// The tamper-evident audit log: every write and every personal read appends a record (who,
// agency, role, action, target, purpose, case number, time, request id, outcome), and the
// records form a hash chain so that editing, removing, inserting or reordering stored records
// is detected by VerifyAudit.
//
//   hash(r) = SHA-256(bytes(r.prev_hash) || CanonicalAuditContent(r))
//
// where bytes() decodes the 64 hex digits to 32 bytes, and r.prev_hash is the previous
// record's hash, kGenesisHash for record 1, or the store's anchor hash for the first record
// after a retention trim (Store::TrimAuditBefore).
//
// What a chain cannot show: that records were removed from its end. Removing the newest
// records leaves a shorter chain that is still valid. AuditLog therefore also writes the head
// of the chain (seq and hash of the newest record) to a separate file, DIR/audit.head, after
// every commit, and VerifyAudit compares the chain with it. Keep that file where the database's
// attacker cannot also rewrite it (another volume, or copied off the machine) for the check to
// mean something; someone who can rewrite both can rewrite the whole chain too.
//
// Usage:
//   ASSIGN_OR_RETURN(auto log, govern::AuditLog::Open(store, SystemClock::Get(), data_dir));
//   RETURN_IF_ERROR(log->Append(record));   // returns once the record is committed
//   log->AppendAsync(record);              // or queue it; Flush() waits for the queue
//
// Thread safety: AuditLog's methods may be called from any thread. The free functions are
// thread-compatible.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace quanyu::govern {

// The prev_hash of record 1: 64 zeros.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The name of the head file in the directory given to AuditLog::Open.
inline constexpr std::string_view kAuditHeadFile = "audit.head";

// Every field of r except hash, in a fixed order, each length-prefixed (seq and time as
// 8-byte big-endian integers, each string as its 8-byte big-endian length and its bytes), after
// a version tag, so that no two different records encode the same.
std::string CanonicalAuditContent(const store::AuditRecord& r);

// The hash r should carry, as lower-case hex. InvalidArgument (field "prev_hash") if
// r.prev_hash is not 64 lower-case hex digits.
StatusOr<std::string> ComputeAuditHash(const store::AuditRecord& r);

// The newest record of the chain, as kept in the head file.
struct AuditHead {
  uint64_t seq = 0;
  std::string hash;

  bool operator==(const AuditHead& other) const = default;
};

// Reads DIR/audit.head. nullopt if the file does not exist; DataLoss if it is malformed.
StatusOr<std::optional<AuditHead>> ReadAuditHead(const std::string& dir);

// Appends records to the store's audit log, chaining them. Many threads appending at once
// share one transaction (a writer thread takes everything queued as one batch).
class AuditLog {
 public:
  // Continues the chain from the store's last record (or its anchor). If head_dir is not
  // empty, the head file there is written after every commit; if it exists at open and says
  // the chain went further than the store's last record, Open fails (DataLoss) rather than
  // overwrite that evidence of removed records. REQUIRES: store and clock outlive the log, and
  // no other writer appends to the store's audit log meanwhile (one that does makes the next
  // batch fail once and be retried after the chain's end is reloaded).
  static StatusOr<std::unique_ptr<AuditLog>> Open(store::Store* store, const Clock* clock,
                                                  std::string head_dir = {});
  // Flushes the queue.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Assigns r's seq, prev_hash and hash (and its time, from the clock, if it is 0) and returns
  // once r is committed. InvalidArgument (field "actor", "action" or "outcome") for a record
  // the store would refuse; other errors are the store's, and r is then not in the log.
  Status Append(store::AuditRecord r);
  // Queues r (time taken now, if 0) without waiting. An invalid record, or a batch the store
  // refuses, is logged, dropped and reported by the next Flush.
  void AppendAsync(store::AuditRecord r);
  // Waits until everything queued before the call is committed or has failed. Returns the
  // first error of an AppendAsync record since the last Flush, or OK.
  Status Flush();

  // The newest committed record's seq and hash (seq 0 and kGenesisHash for an empty log).
  AuditHead head() const;
  // Transactions committed so far; fewer than records when appends arrive together.
  uint64_t commits() const;

 private:
  struct Waiter {
    bool done = false;
    Status status;
  };
  struct Pending {
    store::AuditRecord record;
    Waiter* waiter;  // null for AppendAsync
  };

  AuditLog(store::Store* store, const Clock* clock, std::string head_dir, AuditHead head);
  static StatusOr<AuditHead> LoadHead(store::Store* store);
  uint64_t Enqueue(store::AuditRecord r, Waiter* waiter);
  void WriterLoop();
  // Chains and commits one batch. Runs on the writer thread only.
  Status Commit(std::deque<Pending>& batch);
  Status WriteHeadFile(const AuditHead& head);

  store::Store* const store_;
  const Clock* const clock_;
  const std::string head_dir_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for records or stop_
  std::condition_variable done_cv_;  // callers wait for their records
  std::deque<Pending> queue_;        // guarded by mu_
  uint64_t enqueued_ = 0;            // records ever queued; guarded by mu_
  uint64_t finished_ = 0;            // records ever committed or failed; guarded by mu_
  Status async_error_;               // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  // Queued records someone waits for (Append, Flush): the writer then commits at once instead
  // of lingering for more records to share the transaction. Guarded by mu_.
  int urgent_ = 0;
  bool lingering_ = false;  // guarded by mu_: the writer waits for more records
  AuditHead head_;          // guarded by mu_; written by the writer thread only
  uint64_t commits_ = 0;    // guarded by mu_

  std::thread writer_;
};

// The outcome of VerifyAudit.
struct VerifyReport {
  uint64_t records_checked = 0;  // records that passed every check
  uint64_t first_seq = 0;        // the first and last stored seq (0 if none)
  uint64_t last_seq = 0;
  bool ok = true;
  uint64_t first_broken_seq = 0;  // when !ok: the first record found inconsistent (or missing)
  std::string reason;             // when !ok: what is wrong there
};

// Walks the store's audit chain from its start (the anchor, or genesis) in seq order and
// checks each record: its seq follows the previous one, its prev_hash is the previous hash,
// and its hash matches its content. With expected_head (from ReadAuditHead), also that the
// chain reaches that head: a shorter chain means records were removed from its end. The first
// failure ends the walk. Errors are the store's (the chain could not be read).
StatusOr<VerifyReport> VerifyAudit(store::Store& store,
                                   const std::optional<AuditHead>& expected_head = std::nullopt);

}  // namespace quanyu::govern
