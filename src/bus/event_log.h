// EventLog: the durable, append-only, partitioned log that every accepted event passes
// through before it is acknowledged. The in-process backend of the `bus` module (the
// scale-out backend is NATS JetStream).
//
// Layout: DIR/p<NN>/<first-seq, 20 digits>.log segment files. Each entry is framed as
//   u32 length | u32 crc32 (of type and payload) | u8 type | payload
// Sequence numbers are per partition, dense, starting at 0. Order within a partition is the
// order of Append calls that returned; there is no order across partitions.
//
// Durability: Append returns only after its entries are written and fdatasync'ed. Concurrent
// Appends to one partition are group-committed: one writer thread per partition takes all
// pending entries, writes them with one write and syncs once. On Open, a torn tail (a crash
// mid-write) is detected by length/crc and truncated; every entry whose Append returned is
// intact.
//
// Usage:
//   ASSIGN_OR_RETURN(auto log, EventLog::Open("data/log", {.partitions = 4}));
//   std::vector<LogEntry> batch = ...;
//   ASSIGN_OR_RETURN(uint64_t first_seq, log->Append(partition, batch));
//   log->Replay(partition, from_seq, [](uint64_t seq, const LogEntry& e) { ...; return true; });
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace quanyu::bus {

struct LogEntry {
  uint8_t type = 0;     // meaning defined by the producer
  std::string payload;  // opaque bytes
};

struct EventLogOptions {
  // Number of partitions. Fixed at creation; Open fails if it differs from what is on disk.
  // Default: 4.
  int partitions = 4;
  // A segment is closed and a new one started past this size. Default: 64 MiB.
  uint64_t segment_bytes = 64ull << 20;
  // If false, Append does not fsync (tests and benchmarks of everything else only).
  // Default: true.
  bool sync = true;
};

struct EventLogStats {
  uint64_t appended_entries = 0;
  uint64_t appended_bytes = 0;
  uint64_t syncs = 0;        // fdatasync calls: entries / syncs is the group-commit factor
  uint64_t pending = 0;      // entries waiting for the writer now
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  static StatusOr<std::unique_ptr<EventLog>> Open(const std::string& dir,
                                                  const EventLogOptions& options);

  virtual int partitions() const = 0;

  // Appends `entries` to `partition` as one contiguous run and returns the sequence number of
  // the first (the rest follow densely). Blocks until durable. REQUIRES: 0 <= partition <
  // partitions(). Unavailable after Close.
  virtual StatusOr<uint64_t> Append(int partition, const std::vector<LogEntry>& entries) = 0;

  // The sequence number the next Append to `partition` will get.
  virtual uint64_t NextSequence(int partition) const = 0;

  // Calls fn(seq, entry) for every entry of `partition` with seq >= from, in order, until fn
  // returns false. Sees every entry whose Append has returned.
  virtual Status Replay(int partition, uint64_t from,
                        const std::function<bool(uint64_t, const LogEntry&)>& fn) = 0;

  // Deletes whole segments of `partition` all of whose entries have seq < upto (they have
  // been applied to the store). Never deletes the active segment.
  virtual Status Release(int partition, uint64_t upto) = 0;

  virtual EventLogStats Stats() const = 0;

  // Finishes pending appends, syncs, and stops the writers. Idempotent.
  virtual void Close() = 0;
};

// Partition for a key (plate or record id): a stable hash, so that one vehicle's records stay
// in one partition and in order.
int PartitionFor(std::string_view key, int partitions);

}  // namespace quanyu::bus
