#include "store/write_batching_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace quanyu::store::internal {
namespace {

constexpr int kFrameHeaderBytes = 24;  // a WAL frame header; bytes 4..7: size after commit

std::atomic<int64_t> g_writes_requested{0};
std::atomic<int64_t> g_writes_issued{0};

sqlite3_vfs* g_base = nullptr;  // the wrapped VFS, set once by WriteBatchingVfsName
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

// A database file or WAL opened through the VFS. SQLite allocates szOsFile bytes for it: this
// struct, then the wrapped VFS's own file object at `base_file`.
struct File {
  sqlite3_file file;  // first: SQLite's view of it
  sqlite3_file* base_file;
  bool wal;
  bool flush_after_next_write;  // the last write was a commit frame's header
  char* buffer;                 // kWriteBufferBytes, allocated at the first write
  sqlite3_int64 buffer_offset;  // where buffer[0] goes in the file
  size_t buffered;              // bytes waiting in buffer
};

constexpr int AlignedFileSize() {
  return static_cast<int>((sizeof(File) + alignof(std::max_align_t) - 1) /
                          alignof(std::max_align_t) * alignof(std::max_align_t));
}

File* AsFile(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* Base(sqlite3_file* f) { return AsFile(f)->base_file; }

int Issue(sqlite3_file* base, const void* data, int n, sqlite3_int64 offset) {
  g_writes_issued.fetch_add(1, std::memory_order_relaxed);
  return base->pMethods->xWrite(base, data, n, offset);
}

// Writes out what is buffered. On an error the buffered bytes are dropped and the error is
// returned to SQLite, which treats the operation at hand as failed (a commit or checkpoint it
// was part of then fails as a whole).
int Flush(File* f) {
  if (f->buffered == 0) return SQLITE_OK;
  auto n = static_cast<int>(f->buffered);
  f->buffered = 0;
  return Issue(f->base_file, f->buffer, n, f->buffer_offset);
}

int FlushFile(sqlite3_file* pf) { return Flush(AsFile(pf)); }

int Close(sqlite3_file* pf) {
  File* f = AsFile(pf);
  int rc = Flush(f);
  int close_rc = f->base_file->pMethods->xClose(f->base_file);
  std::free(f->buffer);
  f->buffer = nullptr;
  return rc != SQLITE_OK ? rc : close_rc;
}

int Write(sqlite3_file* pf, const void* data, int n, sqlite3_int64 offset) {
  File* f = AsFile(pf);
  g_writes_requested.fetch_add(1, std::memory_order_relaxed);
  if (f->buffered > 0 && offset != f->buffer_offset + static_cast<sqlite3_int64>(f->buffered)) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (f->buffer == nullptr) f->buffer = static_cast<char*>(std::malloc(kWriteBufferBytes));
  if (static_cast<size_t>(n) > kWriteBufferBytes || f->buffer == nullptr) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
    f->flush_after_next_write = false;
    return Issue(f->base_file, data, n, offset);
  }
  if (f->buffered + n > kWriteBufferBytes) {
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  if (f->buffered == 0) f->buffer_offset = offset;
  std::memcpy(f->buffer + f->buffered, data, n);
  f->buffered += n;
  if (!f->wal) return SQLITE_OK;
  if (f->flush_after_next_write) {
    f->flush_after_next_write = false;
    return Flush(f);
  }
  if (n == kFrameHeaderBytes) {
    const auto* h = static_cast<const unsigned char*>(data);
    f->flush_after_next_write = (h[4] | h[5] | h[6] | h[7]) != 0;
  }
  return SQLITE_OK;
}

// Forward<&sqlite3_io_methods::xM>: the wrapped file's xM, called directly (Call) or after the
// buffer is written out (FlushThenCall).
template <auto M>
struct Forward;
template <typename R, typename... A, R (*sqlite3_io_methods::*M)(sqlite3_file*, A...)>
struct Forward<M> {
  static R Call(sqlite3_file* pf, A... a) { return (Base(pf)->pMethods->*M)(Base(pf), a...); }
  static R FlushThenCall(sqlite3_file* pf, A... a) {
    if (int rc = FlushFile(pf); rc != SQLITE_OK) return rc;
    return Call(pf, a...);
  }
};

// Shared memory is the wrapped VFS's (SQLite's unix VFS has it); without it, WAL mode fails
// to open with an I/O error.
bool HasShm(sqlite3_file* pf) {
  return Base(pf)->pMethods->iVersion >= 2 && Base(pf)->pMethods->xShmMap != nullptr;
}

int ShmMap(sqlite3_file* pf, int region, int size, int extend, void volatile** out) {
  if (!HasShm(pf)) return SQLITE_IOERR_SHMMAP;
  return Forward<&sqlite3_io_methods::xShmMap>::FlushThenCall(pf, region, size, extend, out);
}

void ShmBarrier(sqlite3_file* pf) {
  (void)FlushFile(pf);  // nothing is buffered here in practice: see xShmLock and xFileControl
  Forward<&sqlite3_io_methods::xShmBarrier>::Call(pf);
}

// Memory-mapped reads exist only where the wrapped VFS has them; otherwise SQLite reads.
int Fetch(sqlite3_file* pf, sqlite3_int64 offset, int n, void** out) {
  if (Base(pf)->pMethods->iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return Forward<&sqlite3_io_methods::xFetch>::FlushThenCall(pf, offset, n, out);
}

int Unfetch(sqlite3_file* pf, sqlite3_int64 offset, void* p) {
  if (Base(pf)->pMethods->iVersion < 3) return SQLITE_OK;
  return Forward<&sqlite3_io_methods::xUnfetch>::Call(pf, offset, p);
}

// Database files and WALs are wrapped; every other file (rollback journals, temporary files)
// is the wrapped VFS's own object, opened in place, since nothing gains from buffering them.
int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* pf, int flags, int* out_flags) {
  if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) == 0) {
    return g_base->xOpen(g_base, name, pf, flags, out_flags);
  }
  File* f = AsFile(pf);
  f->file.pMethods = nullptr;
  f->base_file = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(pf) + AlignedFileSize());
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->flush_after_next_write = false;
  f->buffer = nullptr;
  f->buffer_offset = 0;
  f->buffered = 0;
  int rc = g_base->xOpen(g_base, name, f->base_file, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->base_file->pMethods != nullptr) f->base_file->pMethods->xClose(f->base_file);
    return rc;
  }
  f->file.pMethods = &g_methods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_base->xDelete(g_base, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_base->xFullPathname(g_base, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*DlSym(sqlite3_vfs*, void* lib, const char* symbol))(void) {
  return g_base->xDlSym(g_base, lib, symbol);
}
void DlClose(sqlite3_vfs*, void* lib) { g_base->xDlClose(g_base, lib); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int Sleep(sqlite3_vfs*, int micros) { return g_base->xSleep(g_base, micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_base->xGetLastError(g_base, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}

void Register() {
  sqlite3_initialize();
  g_base = sqlite3_vfs_find(nullptr);
  if (g_base == nullptr || g_base->iVersion < 2) std::abort();  // every SQLite 3.7+ has v2+

  g_methods.iVersion = 3;
  using M = sqlite3_io_methods;
  g_methods.xClose = Close;
  g_methods.xRead = Forward<&M::xRead>::FlushThenCall;
  g_methods.xWrite = Write;
  g_methods.xTruncate = Forward<&M::xTruncate>::FlushThenCall;
  g_methods.xSync = Forward<&M::xSync>::FlushThenCall;
  g_methods.xFileSize = Forward<&M::xFileSize>::FlushThenCall;
  g_methods.xLock = Forward<&M::xLock>::FlushThenCall;
  g_methods.xUnlock = Forward<&M::xUnlock>::FlushThenCall;
  g_methods.xCheckReservedLock = Forward<&M::xCheckReservedLock>::Call;
  g_methods.xFileControl = Forward<&M::xFileControl>::FlushThenCall;
  g_methods.xSectorSize = Forward<&M::xSectorSize>::Call;
  g_methods.xDeviceCharacteristics = Forward<&M::xDeviceCharacteristics>::Call;
  g_methods.xShmMap = ShmMap;
  g_methods.xShmLock = Forward<&M::xShmLock>::FlushThenCall;
  g_methods.xShmBarrier = ShmBarrier;
  g_methods.xShmUnmap = Forward<&M::xShmUnmap>::FlushThenCall;
  g_methods.xFetch = Fetch;
  g_methods.xUnfetch = Unfetch;

  g_vfs.iVersion = 2;
  g_vfs.szOsFile = AlignedFileSize() + g_base->szOsFile;
  g_vfs.mxPathname = g_base->mxPathname;
  g_vfs.zName = "quanyu-write-batching";
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_vfs.xAccess = Access;
  g_vfs.xFullPathname = FullPathname;
  g_vfs.xDlOpen = DlOpen;
  g_vfs.xDlError = DlError;
  g_vfs.xDlSym = DlSym;
  g_vfs.xDlClose = DlClose;
  g_vfs.xRandomness = Randomness;
  g_vfs.xSleep = Sleep;
  g_vfs.xCurrentTime = CurrentTime;
  g_vfs.xGetLastError = GetLastError;
  g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) != SQLITE_OK) std::abort();
}

}  // namespace

const char* WriteBatchingVfsName() {
  static std::once_flag once;
  std::call_once(once, Register);
  return g_vfs.zName;
}

WriteBatchingStats GetWriteBatchingStats() {
  return {g_writes_requested.load(std::memory_order_relaxed),
          g_writes_issued.load(std::memory_order_relaxed)};
}

}  // namespace quanyu::store::internal
