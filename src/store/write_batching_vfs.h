// An SQLite VFS that wraps the platform's default one and gathers consecutive writes to a
// database file and its WAL into large ones (private to the store module).
//
// SQLite writes a WAL frame as two calls (its 24-byte header, then the page) and a checkpoint
// copies the WAL into the database one page per call. Under steady ingest that is hundreds of
// thousands of small pwrite(2)s a second, whose system-call cost is most of the applier's kernel
// time. Through this VFS, writes that continue where the previous one ended are copied into a
// buffer (kWriteBufferBytes, 31 frames of a 4 KiB page) and reach the file as one call.
//
// When the buffer goes out, which is what keeps other connections correct:
//   - WAL: after the page of a commit frame (a frame header whose "database size after
//     commit" field is not zero). SQLite publishes a commit to readers, in the shared-memory
//     index, only after it has written the commit frame, so every frame a reader can see is in
//     the file; and an error writing it fails the commit, as it would without the buffer.
//   - Database file: when a checkpoint has copied its pages (SQLITE_FCNTL_CKPT_DONE, which
//     SQLite issues before it records the copy in the shared-memory index), and before a lock
//     changes (rollback-journal mode).
//   - Either: before any other operation on the same file (read, sync, truncate, size, lock,
//     file control, shared memory, close), before a write elsewhere in the file, and when
//     full.
// Frames of a transaction not yet committed may wait in the buffer; no other connection reads
// them, and this connection's own reads of the file flush first.
#pragma once

#include <cstddef>
#include <cstdint>

namespace quanyu::store::internal {

// Less than 128 KiB: SQLite's unix VFS takes at most 128 KiB - 1 bytes in one write (it masks
// the length passed to pwrite with 0x1ffff), and a flush is one write.
inline constexpr size_t kWriteBufferBytes = 124 << 10;

// The name to pass to sqlite3_open_v2. Registers the VFS (not as the default) on first use.
// Thread-safe.
const char* WriteBatchingVfsName();

// Counts since the process started, over every file opened through the VFS: the writes SQLite
// asked for and the writes that reached the files.
struct WriteBatchingStats {
  int64_t writes_requested = 0;
  int64_t writes_issued = 0;
};
WriteBatchingStats GetWriteBatchingStats();

}  // namespace quanyu::store::internal
