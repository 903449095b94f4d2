// Store: quanyu's system of record. One abstract interface; backends: SQLite (embedded
// default, WAL mode) and, for scale-out, PostgreSQL. Callers never see which one they use.
//
// Usage:
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open({.url = "sqlite:data/quanyu.db"}));
//   RETURN_IF_ERROR(store->PutCheckpoint(cp));
//
// Schema migrations are versioned and applied by Open; Open refuses (FailedPrecondition) to
// run against a schema newer than this build knows.
//
// Passage records and quarantine entries are written only by the ingest pipeline through
// ApplyBatch, which also records how far each event-log partition has been applied, in the
// same transaction: after a crash the pipeline replays the log from there.
//
// The audit log is append-only: records are added by AppendAudit (the govern module assigns
// their sequence numbers and hash chain) and removed only as a prefix by TrimAuditBefore, which
// leaves an anchor saying where the remaining chain starts.
//
// Thread safety: every method may be called from any thread; a backend serializes writes
// internally. Reads do not block on writes (WAL).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "events/passage.h"
#include "registry/checkpoint.h"

namespace quanyu::store {

struct StoreOptions {
  // "sqlite:PATH" (a file, created if missing; "sqlite:///abs/path" also works),
  // "sqlite::memory:" for tests (a private database that lives as long as the Store), or
  // "postgresql://..." / "postgres://..." once that backend exists (Unimplemented until then).
  // REQUIRES: non-empty.
  std::string url;
  // SQLite: synchronous=FULL if true, NORMAL if false. The event log, not the store, is what
  // makes acknowledged records durable, so NORMAL is the default.
  bool sync_full = false;
  // Opens an existing database for reading only (a file url; not ":memory:"): no migration,
  // no file is created, and every write method fails. Another process (a running server)
  // may write the same database meanwhile. FailedPrecondition if the schema is not this
  // build's latest. Default: false.
  bool read_only = false;
};

struct CheckpointQuery {
  std::optional<registry::CheckpointStatus> status;  // only this status
  std::string after_id;                              // keyset pagination: ids > after_id
  size_t limit = 1000;
};

struct PassageQuery {
  std::string plate;          // exact normalized plate; empty = any
  std::string checkpoint_id;  // empty = any
  UnixMicros from = 0;        // pass_time >= from
  UnixMicros to = INT64_MAX;  // pass_time < to
  size_t limit = 1000;        // newest first (by pass_time; order among equal times unspecified)
};

struct QuarantineQuery {
  std::string state;     // "open", "replayed", "discarded"; empty = any
  std::string code;      // reason code; empty = any
  std::string after_id;  // pagination: entries with id > after_id (ids sort by time)
  size_t limit = 100;
};

struct PassageStats {
  int64_t passages = 0;                               // stored passage records
  int64_t quarantined_open = 0;                       // quarantine entries still open
  int64_t quarantined_total = 0;                      // all quarantine entries ever kept
  std::map<std::string, int64_t> quarantine_by_code;  // open entries by reason code
  std::optional<UnixMicros> oldest_pass_time, newest_pass_time;
};

// One entry of the audit log: who did what to which thing, why, and how it ended. Times are
// UTC microseconds; hashes are lower-case hex SHA-256 (see govern/audit.h for the chain).
struct AuditRecord {
  uint64_t seq = 0;        // 1, 2, 3, ... assigned by the audit log, no gaps
  UnixMicros time = 0;     // when the action happened
  std::string actor;       // "user:NAME", "device:ID" or "system"
  std::string agency;      // the actor's agency (unit code or name)
  std::string role;        // the role the actor acted in
  std::string action;      // "passages.search", "user.add", "retention.run", ...
  std::string target;      // what was acted on ("plate:川A12345", "user:li.wei"); may be empty
  std::string purpose;     // the stated reason for a personal read; may be empty
  std::string case_no;     // the case the action belongs to; may be empty
  std::string request_id;  // the HTTP request id, for matching with server logs; may be empty
  std::string outcome;     // "ok", "denied" or "error"
  std::string detail;      // JSON text or empty
  std::string prev_hash;   // the previous record's hash (see govern/audit.h for the first)
  std::string hash;        // SHA-256 of prev_hash and this record's content

  bool operator==(const AuditRecord& other) const = default;
};

// Where the stored audit chain starts after TrimAuditBefore removed a prefix: the seq and hash
// of the last record removed. The first remaining record has seq + 1 and prev_hash == hash.
struct AuditAnchor {
  uint64_t seq = 0;
  std::string hash;

  bool operator==(const AuditAnchor& other) const = default;
};

struct AuditQuery {
  uint64_t after_seq = 0;            // seq > after_seq
  uint64_t before_seq = UINT64_MAX;  // seq < before_seq (pages when newest_first)
  UnixMicros from = INT64_MIN;       // time >= from
  UnixMicros to = INT64_MAX;         // time < to
  std::string actor;                 // exact; empty = any
  std::string action;                // exact; empty = any
  std::string target;                // exact; empty = any
  size_t limit = 100;
  bool newest_first = true;  // by seq
};

// A change to a quarantine entry's state (replayed or discarded).
struct QuarantineResolution {
  std::string id;
  std::string state;  // "replayed" or "discarded"
  UnixMicros resolved = 0;
  std::string note;
};

// A governance record (an agency, a user, a device credential, a login session) kept as a
// JSON document: few, small, read by id. The govern module owns their shape; the store only
// keeps them. Kinds are short names ("agency", "user", "device", "session").
struct Document {
  std::string kind;
  std::string id;
  std::string body;  // JSON text
  UnixMicros updated = 0;
};

// An alert as the store keeps it. The rules module owns its shape (body, JSON); the store
// indexes the fields alerts are queried and resumed by. Ids are the rules module's sequence.
struct AlertRow {
  uint64_t id = 0;  // > 0
  UnixMicros created = 0;
  UnixMicros updated = 0;
  std::string state;  // "new", "acknowledged", "dispatched", "closed"
  std::string type;
  int priority = 0;
  std::string ring_id;
  std::string owner_agency;
  std::string plate;
  std::string record_id;
  std::string body;  // JSON

  bool operator==(const AlertRow&) const = default;
};

struct AlertQuery {
  uint64_t after_id = 0;                                      // only ids > after_id (stream resume)
  std::vector<std::string> states;                            // empty = any
  std::string type, ring_id, owner_agency, plate, record_id;  // "" = any
  int max_priority = 0;                                       // 0 = any; else priority <= it
  UnixMicros from = 0, to = 0;  // created in [from, to); 0 = unbounded
  size_t limit = 100;
  bool newest_first = false;  // by id
};

// One AVL position report of a unit (a vehicle's track history).
struct UnitFix {
  std::string unit_id;
  UnixMicros time = 0;      // when the fix was taken (device time)
  double lng = 0, lat = 0;  // WGS-84
  double heading = -1;      // degrees, -1 unknown
  double speed_kmh = -1;    // -1 unknown
  std::string status;       // unit status at the fix ("" if not reported)

  bool operator==(const UnitFix&) const = default;
};

struct UnitFixQuery {
  std::string unit_id;          // "" = every unit
  UnixMicros from = 0, to = 0;  // time in [from, to); 0 = unbounded
  size_t limit = 10000;
};

// One unit of work from the ingest pipeline, applied atomically and idempotently, in this
// order: passages are inserted (a passage whose id is already stored with a pass_time on the
// same local day, UTC+8, is ignored, whatever else its content: a resent record has the same
// pass_time, and ids are unique per day), quarantine entries are inserted (an entry whose id
// is already stored is ignored, so it keeps any resolution it has), resolutions are applied,
// log positions are upserted. Applying the same batch twice leaves the store as applying it
// once.
struct ApplyBatch {
  std::vector<events::PassageRecord> passages;  // duplicates by id are ignored
  std::vector<events::QuarantineEntry> quarantine;
  std::vector<QuarantineResolution> resolutions;
  std::map<int, uint64_t> log_positions;  // partition -> next sequence to apply
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the backend named by options.url and migrates its schema.
  static StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // The schema version in effect, and the newest one this build knows. Versions are shared by
  // all backends: version N means the same logical schema everywhere.
  virtual int SchemaVersion() = 0;
  static int LatestSchemaVersion();

  // --- checkpoints ---
  // Inserts or replaces by id. created is kept from an existing row.
  virtual Status PutCheckpoint(const registry::Checkpoint& c) = 0;
  // Inserts many in one transaction; the whole call fails or succeeds.
  virtual Status PutCheckpoints(const std::vector<registry::Checkpoint>& cs) = 0;
  // NotFound if absent.
  virtual StatusOr<registry::Checkpoint> GetCheckpoint(const std::string& id) = 0;
  // In id order.
  virtual StatusOr<std::vector<registry::Checkpoint>> ListCheckpoints(const CheckpointQuery& q) = 0;
  // NotFound if absent.
  virtual Status DeleteCheckpoint(const std::string& id) = 0;

  // --- passages and quarantine (written by the ingest pipeline only) ---
  // Applies the whole batch in one transaction, or nothing of it. InvalidArgument (field
  // "passages[i].id", "quarantine[i].state", "resolutions[i].state", ...) for an empty id or
  // an unknown state. A resolution naming an entry that is neither stored nor in the batch is
  // ignored, not an error: callers retry a failed Apply, and a replay (e.g. over a store
  // restored from a backup) must not stall on it. Any other error is the environment's
  // (disk full, I/O), worth retrying.
  virtual Status Apply(const ApplyBatch& batch) = 0;
  // Partition -> next log sequence to apply, as recorded by the last Apply.
  virtual StatusOr<std::map<int, uint64_t>> LogPositions() = 0;
  // Makes everything applied so far survive a power failure, and returns the positions of
  // that state (LogPositions as of the call). Until then an applied batch may survive only a
  // crash of the process: the SQLite backend commits with synchronous=NORMAL, which puts the
  // WAL on disk only at checkpoints. The ingest pipeline deletes event-log segments only up to
  // these positions. An in-memory store, which nothing survives, returns LogPositions.
  virtual StatusOr<std::map<int, uint64_t>> SyncLogPositions() = 0;
  virtual StatusOr<std::vector<events::PassageRecord>> FindPassages(const PassageQuery& q) = 0;
  // Looks through the days stored, newest first: finding a recent passage is quick, a miss
  // costs one index lookup per day (the store is organized for lookups by plate, checkpoint
  // and time, and GetPassage serves the ingest pipeline's check of suspected resends).
  virtual StatusOr<std::optional<events::PassageRecord>> GetPassage(const std::string& id) = 0;
  // Ids of passages with pass_time >= since, for warming the duplicate filter at start-up, in
  // no particular order. The view is valid only during the call. REQUIRES: fn does not call
  // this Store (a backend may hold a connection or a lock while it runs).
  virtual Status ForEachPassageIdSince(UnixMicros since,
                                       const std::function<void(std::string_view)>& fn) = 0;
  virtual StatusOr<PassageStats> GetPassageStats() = 0;
  // Retention: removes every passage whose local day (UTC+8) ends at or before `cutoff`, and
  // none with pass_time >= cutoff. Passages before the cutoff on the day that contains it may
  // stay until a later call (the SQLite backend drops whole day tables). Returns how many were
  // removed. Quarantine entries and log positions stay. A removed id may be stored again.
  virtual StatusOr<int64_t> DropPassagesBefore(UnixMicros cutoff) = 0;

  // --- alerts ---
  // Inserts or replaces each row by id, all in one transaction. InvalidArgument
  // ("alerts[i].id") for id 0.
  virtual Status PutAlerts(std::span<const AlertRow> rows) = 0;
  virtual StatusOr<std::optional<AlertRow>> GetAlert(uint64_t id) = 0;
  virtual StatusOr<std::vector<AlertRow>> ListAlerts(const AlertQuery& q) = 0;
  // The largest id stored (0 if none); ids are never reused, even after retention.
  virtual StatusOr<uint64_t> MaxAlertId() = 0;
  // Retention: removes closed alerts last updated before `cutoff`; returns how many.
  virtual StatusOr<int64_t> DropClosedAlertsBefore(UnixMicros cutoff) = 0;

  // --- unit position fixes (AVL track history) ---
  // Stores the fixes in one transaction, or none of them; a fix with the same (unit_id, time)
  // as a stored one replaces it. InvalidArgument ("fixes[i].unit_id", "fixes[i].lng",
  // "fixes[i].lat") for an empty unit id or a position outside -180..180, -90..90.
  virtual Status AppendUnitFixes(std::span<const UnitFix> fixes) = 0;
  // Fixes matching the query, ordered by time, then unit_id; at most q.limit of them.
  virtual StatusOr<std::vector<UnitFix>> ListUnitFixes(const UnitFixQuery& q) = 0;
  // Retention: removes every fix with time < cutoff; returns how many.
  virtual StatusOr<int64_t> DropUnitFixesBefore(UnixMicros cutoff) = 0;

  // --- governance documents ---
  // Inserts; AlreadyExists if (kind, id) is taken.
  virtual Status CreateDocument(const Document& d) = 0;
  // Inserts or replaces.
  virtual Status PutDocument(const Document& d) = 0;
  // Inserts or replaces many in one transaction: all of them are written or none.
  // InvalidArgument ("documents[i].id", "documents[i].kind") for an empty kind or id.
  virtual Status PutDocuments(const std::vector<Document>& ds) = 0;
  // NotFound if absent.
  virtual StatusOr<Document> GetDocument(const std::string& kind, const std::string& id) = 0;
  // In id order.
  virtual StatusOr<std::vector<Document>> ListDocuments(const std::string& kind) = 0;
  // Whether one was there.
  virtual StatusOr<bool> DeleteDocument(const std::string& kind, const std::string& id) = 0;

  // Entries in id order (ids sort by time), filtered and paginated as the query says.
  virtual StatusOr<std::vector<events::QuarantineEntry>> ListQuarantine(
      const QuarantineQuery& q) = 0;
  // NotFound if absent.
  virtual StatusOr<events::QuarantineEntry> GetQuarantine(const std::string& id) = 0;

  // --- audit log (written by govern::AuditLog only)
  // Appends the records in one transaction, or none of them. They must continue the stored
  // chain: seqs consecutive from the last stored record's seq + 1 (or the anchor's, or 1 when
  // the log has never held a record), each prev_hash equal to the hash before it (the first
  // one's to the last stored record's or the anchor's hash; when the log has never held a
  // record it is not checked). FailedPrecondition if they do not (another writer appended
  // meanwhile); InvalidArgument ("records[i].outcome", ...) for an empty actor or action, an
  // outcome other than "ok", "denied" or "error", an empty hash, a seq of 0, or records that
  // do not chain to each other ("records[i].prev_hash").
  virtual Status AppendAudit(std::span<const AuditRecord> records) = 0;
  // The record with the highest seq, if any is stored.
  virtual StatusOr<std::optional<AuditRecord>> LastAudit() = 0;
  // Records matching every filter of the query, by seq (newest or oldest first), at most
  // q.limit of them.
  virtual StatusOr<std::vector<AuditRecord>> ListAudit(const AuditQuery& q) = 0;
  // Calls fn with every record whose seq >= from_seq, in seq order, over one snapshot; stops at
  // and returns fn's first error. REQUIRES: fn does not call this Store.
  virtual Status ForEachAudit(uint64_t from_seq,
                              const std::function<Status(const AuditRecord&)>& fn) = 0;
  // Retention: removes every record with seq < `seq` (all of them if `seq` is past the last)
  // and, in the same transaction, moves the anchor to the last record removed. Nothing
  // happens if no stored record is below `seq`. The only way records leave the log.
  virtual Status TrimAuditBefore(uint64_t seq) = 0;
  // The anchor, if a trim has ever removed records.
  virtual StatusOr<std::optional<AuditAnchor>> GetAuditAnchor() = 0;
};

}  // namespace quanyu::store
