// EventLog: the durable, append-only, partitioned log that every accepted event passes
// through before it is acknowledged. The in-process backend of the `bus` module (the
// scale-out backend is NATS JetStream).
//
// Layout: DIR/MANIFEST (format version and partition count), DIR/LOCK (flock'ed while open),
// DIR/p<NN>/<first-seq, 20 digits>.log segment files. Each entry is framed as
//   u32 length | u32 crc32 (of type and payload) | u8 type | payload
// little-endian, where length is the payload size in bytes and the checksum is CRC-32C
// (Castagnoli, computed with the SSE4.2 instruction where available). A frame is never split across
// segments; a segment is closed once the next frame would take it past
// EventLogOptions::segment_bytes. Sequence numbers are per partition, dense, starting at 0. Order
// within a partition is the order in which Append calls were enqueued; there is no order across
// partitions.
//
// Durability: Append returns only after its entries are written and fdatasync'ed. Concurrent
// Appends to one partition are group-committed: one writer thread per partition takes all
// pending entries, writes them with one write and syncs once. On Open, a torn tail (a crash
// mid-write) of the last segment is detected by length/crc and truncated; every entry whose
// Append returned is intact. Damage anywhere else (a bad frame in an older segment, a gap
// between segments) makes Open fail with DataLoss.
//
// Usage:
//   ASSIGN_OR_RETURN(auto log, EventLog::Open("data/log", {.partitions = 4}));
//   std::vector<LogEntry> batch = ...;
//   ASSIGN_OR_RETURN(uint64_t first_seq, log->Append(partition, batch));
//   log->Replay(partition, from_seq, [](uint64_t seq, const LogEntry& e) { ...; return true; });
//
// Thread safety: all methods are thread-safe. One directory can be open in only one EventLog
// (of any process) at a time.
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace quanyu::bus {

// Largest payload Append accepts.
inline constexpr uint32_t kMaxLogPayloadBytes = 64u << 20;

struct LogEntry {
  uint8_t type = 0;     // meaning defined by the producer
  std::string payload;  // opaque bytes, at most kMaxLogPayloadBytes
};

struct EventLogOptions {
  // Number of partitions, 1..1024, or 0: as many as the log on disk has, and
  // DefaultLogPartitions() for a new log. Fixed at creation; Open fails with FailedPrecondition
  // if it differs from what is on disk. Default: 4.
  int partitions = 4;
  // A segment is closed and a new one started once the next frame would take it past this
  // size (a single larger frame gets a segment of its own). Default: 64 MiB.
  uint64_t segment_bytes = 64ull << 20;
  // If false, Append does not fsync (tests and benchmarks of everything else only).
  // Default: true.
  bool sync = true;
};

struct EventLogStats {
  uint64_t appended_entries = 0;
  uint64_t appended_bytes = 0;  // bytes written to segments, framing included
  uint64_t syncs = 0;           // fdatasync calls: entries / syncs is the group-commit factor
  uint64_t pending = 0;         // entries waiting for the writer now
};

// Follows one partition of an EventLog from a sequence number on, for a consumer that applies
// the log as it grows (the ingest pipeline's store applier): the entries are read back from the
// segment files, for entries just appended from the page cache, so that nobody holds them in
// memory meanwhile. The segment a tail reads is kept from Release until it moves past it. Not
// thread-safe; the EventLog must outlive it.
class LogTail {
 public:
  virtual ~LogTail() = default;
  // The sequence number of the next entry Read hands out.
  virtual uint64_t next() const = 0;
  // Calls fn(seq, type, payload) for the entries from next() up to (excluding) `upto` or the
  // last durable entry, whichever comes first, in order, until fn returns false (the entry it
  // was given counts as read). `payload` is valid only during the call. Errors: DataLoss (a
  // frame fails its check or is missing), Internal (I/O); next() is then the entry that failed.
  virtual Status Read(
      uint64_t upto,
      const std::function<bool(uint64_t seq, uint8_t type, std::string_view payload)>& fn) = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Opens the log in `dir`, creating it if needed, and recovers it: validates every frame,
  // truncates a torn tail of each partition's last segment (logged as a warning) and rebuilds
  // the next sequence numbers. Errors: InvalidArgument (bad options), FailedPrecondition
  // (partition count differs, or `dir` is open elsewhere), DataLoss (corruption that is not a
  // torn tail; the message names the file and offset), Internal (I/O).
  static StatusOr<std::unique_ptr<EventLog>> Open(const std::string& dir,
                                                  const EventLogOptions& options);

  virtual int partitions() const = 0;

  // Appends `entries` to `partition` as one contiguous run and returns the sequence number of
  // the first (the rest follow densely). Blocks until durable. `entries` is read in place
  // (not copied) while the call blocks. An empty `entries` writes nothing and returns the
  // sequence the next entry will get. REQUIRES: 0 <= partition < partitions().
  // Errors: InvalidArgument (partition out of range, payload too large), Unavailable after
  // Close, Internal if a write or sync failed (the partition then refuses every further
  // Append until the log is reopened).
  virtual StatusOr<uint64_t> Append(int partition, const std::vector<LogEntry>& entries) = 0;

  // Appends to several partitions at once: every batch is queued before any is waited for, so
  // their group commits overlap instead of running one after another. Sets (*firsts)[i] to the
  // first sequence number of batch i once all are durable, or to kNotAppended for a batch that
  // failed; returns the first error met (other batches may still have been appended).
  static constexpr uint64_t kNotAppended = UINT64_MAX;
  virtual Status AppendMany(
      const std::vector<std::pair<int, const std::vector<LogEntry>*>>& batches,
      std::vector<uint64_t>* firsts) = 0;

  // The sequence number the next Append to `partition` will get (with Appends in flight: the
  // number of entries already durable).
  virtual uint64_t NextSequence(int partition) const = 0;

  // Calls fn(seq, entry) for every entry of `partition` with seq >= from, in order, until fn
  // returns false. Sees every entry whose Append has returned before Replay was called; runs
  // concurrently with Appends and Release (and may call Append from fn). If `from` was
  // already deleted by Release, replay starts at the oldest entry still kept. Reads from disk;
  // `entry` is valid only during the call. Errors: InvalidArgument (partition), DataLoss (a
  // frame fails its check), Internal (I/O).
  virtual Status Replay(int partition, uint64_t from,
                        const std::function<bool(uint64_t, const LogEntry&)>& fn) = 0;

  // Deletes whole segments of `partition` all of whose entries have seq < upto (they have
  // been applied to the store). Never deletes the active segment; segments a running Replay
  // has yet to read are kept for a later Release. Unavailable after Close.
  virtual Status Release(int partition, uint64_t upto) = 0;

  // A tail of `partition` whose first Read starts at `from` (at the oldest entry still kept if
  // `from` was released). Errors: InvalidArgument (partition), Unavailable after Close.
  virtual StatusOr<std::unique_ptr<LogTail>> Tail(int partition, uint64_t from) = 0;

  virtual EventLogStats Stats() const = 0;

  // Finishes pending appends, syncs, stops the writers and unlocks the directory.
  // Idempotent; the destructor calls it.
  virtual void Close() = 0;
};

// Partitions of a new log opened with partitions = 0: one per two cores, from 1 to 4. Each
// partition has its writer thread and fsyncs on its own, so on a small machine more partitions
// cost fsyncs and wake-ups without adding parallel work.
int DefaultLogPartitions();

// Partition for a key (plate or record id): a stable hash (FNV-1a 64 with a final mix, the
// same on every platform and run), so that one vehicle's records stay in one partition and
// in order. REQUIRES: partitions > 0.
int PartitionFor(std::string_view key, int partitions);

}  // namespace quanyu::bus
