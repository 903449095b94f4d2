#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/prefetch.h"
#include "core/string_map.h"
#include "core/thread.h"
#include "core/zeroed_array.h"
#include "store/migration.h"
#include "store/passage_layout.h"
#include "store/write_batching_vfs.h"

namespace quanyu::store {
namespace {

using events::PassageRecord;
using events::QuarantineEntry;
using internal::DayTime;
using internal::IndexEntry;
using internal::IndexKind;
using registry::Checkpoint;
using registry::CheckpointStatus;

constexpr int kBusyTimeoutMillis = 10'000;
// Reader connections kept open when idle; more are opened while many threads read at once.
constexpr size_t kMaxIdleReaders = 4;
// Entries per index block: 3,840 bytes, so that a block row fits in one 4 KiB page.
constexpr size_t kIndexBlockEntries = 320;
// Days whose set of id hashes the writer keeps in memory (see IdSet): today, yesterday and
// one more for late records.
constexpr size_t kMaxIdSets = 3;

// Maps an SQLite result code to a Status. `db` may be null.
Status SqliteError(int rc, std::string_view what, sqlite3* db) {
  std::string message = "sqlite: " + std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Unavailable(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLoss(std::move(message));
    case SQLITE_FULL:
      return ResourceExhausted(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

int64_t ClampLimit(size_t limit) {
  return static_cast<int64_t>(std::min<uint64_t>(limit, static_cast<uint64_t>(INT64_MAX)));
}

// "list[i].field", the name of a field of one item of a list in an error.
std::string ItemField(std::string_view list, size_t i, std::string_view field) {
  std::string out(list);
  out.push_back('[');
  out.append(std::to_string(i));
  out.append("].");
  out.append(field);
  return out;
}

// --- Enum names. Kept here so that the store needs only the headers of events and registry.

std::string_view CheckpointStatusText(CheckpointStatus s) {
  switch (s) {
    case CheckpointStatus::kActive:
      return "active";
    case CheckpointStatus::kFaulty:
      return "faulty";
    case CheckpointStatus::kRetired:
      return "retired";
  }
  return "active";
}

std::optional<CheckpointStatus> CheckpointStatusFromText(std::string_view s) {
  if (s == "active") return CheckpointStatus::kActive;
  if (s == "faulty") return CheckpointStatus::kFaulty;
  if (s == "retired") return CheckpointStatus::kRetired;
  return std::nullopt;
}

std::string_view SourceText(events::Source s) {
  switch (s) {
    case events::Source::kGat1400:
      return "gat1400";
    case events::Source::kApi:
      return "api";
    case events::Source::kReplay:
      return "replay";
  }
  return "api";
}

std::optional<events::Source> SourceFromText(std::string_view s) {
  if (s == "gat1400") return events::Source::kGat1400;
  if (s == "api") return events::Source::kApi;
  if (s == "replay") return events::Source::kReplay;
  return std::nullopt;
}

bool IsQuarantineState(std::string_view s) {
  return s == "open" || s == "replayed" || s == "discarded";
}

// --- JSON arrays in TEXT columns: checkpoint directions, and the image refs of schema 1
// (read once, when migration 2 moves passages into day tables).

std::string EncodeIntArray(const std::vector<int>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(std::to_string(v[i]));
  }
  out.push_back(']');
  return out;
}

// Reads 4 hex digits at s[i..i+4).
bool ReadHex4(std::string_view s, size_t i, uint32_t* out) {
  if (i + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  *out = v;
  return true;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Parses a JSON array of strings (what EncodeStringArray writes, or any JSON array of strings
// with whitespace and escapes). On the read path of every passage, so no general JSON parser.
bool DecodeStringArray(std::string_view s, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= s.size() || s[i] != '[') return false;
  ++i;
  skip_ws();
  if (i < s.size() && s[i] == ']') {
    ++i;
    skip_ws();
    return i == s.size();
  }
  while (true) {
    skip_ws();
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    std::string& v = out->emplace_back();
    while (true) {
      size_t run = i;
      while (i < s.size() && s[i] != '"' && s[i] != '\\') ++i;
      v.append(s.substr(run, i - run));
      if (i >= s.size()) return false;
      if (s[i] == '"') {
        ++i;
        break;
      }
      if (++i >= s.size()) return false;  // after the backslash
      char e = s[i++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          v.push_back(e);
          break;
        case 'b':
          v.push_back('\b');
          break;
        case 'f':
          v.push_back('\f');
          break;
        case 'n':
          v.push_back('\n');
          break;
        case 'r':
          v.push_back('\r');
          break;
        case 't':
          v.push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!ReadHex4(s, i, &cp)) return false;
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
            uint32_t lo = 0;
            if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u' || !ReadHex4(s, i + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF) {
              return false;
            }
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(cp, &v);
          break;
        }
        default:
          return false;
      }
    }
    skip_ws();
    if (i >= s.size()) return false;
    if (s[i] == ']') {
      ++i;
      skip_ws();
      return i == s.size();
    }
    if (s[i] != ',') return false;
    ++i;
  }
}

bool DecodeIntArray(std::string_view text, std::vector<int>* out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) return false;
  out->clear();
  for (const auto& e : j) {
    if (!e.is_number_integer()) return false;
    out->push_back(e.get<int>());
  }
  return true;
}
// --- Connections and statements.

// Read-only descriptors of a database file and its WAL, for starting the kernel's writeback of
// their dirty pages (SqliteStore::StartWriteback) and for syncing the WAL
// (SqliteStore::SyncLogPositions). Every store of this process on a file holds
// one of these handles from before it opens a connection until after it has closed them all; the
// descriptors, one pair per file, are opened at their first use and closed only when the last
// handle on the file goes. Closing any descriptor of a file drops every POSIX lock the process
// holds on it, SQLite's included, and a store that lost its lock could see its WAL checkpointed
// and deleted under it by another process.
class WritebackFiles {
 public:
  explicit WritebackFiles(const std::string& path) {
    std::lock_guard lock(Mu());
    it_ = Files().try_emplace(Key(path)).first;  // valid until the last handle erases it
    if (it_->second.users++ == 0) it_->second.path = path;
  }
  WritebackFiles(const WritebackFiles&) = delete;
  WritebackFiles& operator=(const WritebackFiles&) = delete;
  ~WritebackFiles() {
    std::lock_guard lock(Mu());
    if (--it_->second.users > 0) return;
    for (int fd : it_->second.fds) {
      if (fd >= 0) ::close(fd);
    }
    Files().erase(it_);
  }

  // Starts writeback of whatever is dirty in both files, without waiting for it.
  void Start() {
    // This handle keeps the descriptors open.
    for (int fd : Fds()) {
      if (fd >= 0) (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
  }

  // Waits until everything written to the WAL is on disk. Without a WAL there is nothing to
  // wait for: SQLite creates it with the first transaction and, in WAL mode, deletes it only
  // after copying it into the database file and syncing that.
  Status SyncWal() {
    const int fd = Fds()[0];
    if (fd < 0) return Status::Ok();
    if (::fdatasync(fd) != 0) {
      return Internal("fdatasync of \"" + it_->second.path + "-wal\": " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  struct File {
    std::string path;  // as the first store named it
    int users = 0;
    std::array<int, 2> fds{-1, -1};  // the WAL, the database; -1 until opened
  };
  // The descriptors of the WAL and the database, each opened at the first call that finds
  // its file (the WAL exists from the first transaction on).
  std::array<int, 2> Fds() {
    std::lock_guard lock(Mu());
    File& f = it_->second;
    if (f.fds[0] < 0) f.fds[0] = ::open((f.path + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fds[1] < 0) f.fds[1] = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    return f.fds;
  }
  static std::string Key(const std::string& path) {
    std::error_code ec;
    std::string key = std::filesystem::weakly_canonical(path, ec).string();
    return ec ? path : key;
  }
  static std::mutex& Mu() {
    static std::mutex mu;
    return mu;
  }
  static std::map<std::string, File>& Files() {
    static std::map<std::string, File> files;
    return files;
  }
  std::map<std::string, File>::iterator it_;  // its File is guarded by Mu()
};

// One SQLite connection with its cache of prepared statements. Used by one thread at a time
// (opened with SQLITE_OPEN_NOMUTEX; the store guarantees exclusive use).
class Connection {
 public:
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX,
                             internal::WriteBatchingVfsName());
    if (rc != SQLITE_OK) {
      Status s = SqliteError(rc, "opening \"" + path + "\"", db);
      sqlite3_close_v2(db);
      return s;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMillis);
    return std::unique_ptr<Connection>(new Connection(db));
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // Runs one or more statements whose results are not needed (pragmas, DDL), uncached.
  Status Exec(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string what = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return SqliteError(rc, what, nullptr);
    }
    return Status::Ok();
  }

  // A prepared statement for `sql`, cached for the life of the connection. REQUIRES: the
  // previous user of the same statement has reset it (Stmt does).
  StatusOr<sqlite3_stmt*> Prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(rc, "preparing statement", db_);
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  // Finalizes every cached statement (after tables they name were dropped).
  void ClearCache() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
  }

  // Runs a cached statement without parameters or results ("BEGIN", "COMMIT", ...).
  Status Run(std::string_view sql) {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(rc, sql, db_);
    return Status::Ok();
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  StringMap<sqlite3_stmt*> cache_;

 public:
  // The store's drop generation when the cache was last cleared (see SqliteStore::Reader).
  uint64_t drop_generation = 0;
};

// A borrowed cached statement: binds by 1-based index, reads by 0-based column, and resets on
// destruction so that a read never keeps its snapshot open. Text is bound without copying:
// the bound strings must outlive the step.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void Int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Double(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void Null(int i) { sqlite3_bind_null(s_, i); }
  void Text(int i, std::string_view v) {
    // A null data pointer would bind NULL; an empty view must stay an empty string.
    sqlite3_bind_text(s_, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                      SQLITE_STATIC);
  }
  void Blob(int i, std::string_view v) {
    sqlite3_bind_blob(s_, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                      SQLITE_STATIC);
  }
  void TextOrNull(int i, std::string_view v) {
    if (v.empty()) {
      Null(i);
    } else {
      Text(i, v);
    }
  }

  int Step() { return sqlite3_step(s_); }
  void Reset() { sqlite3_reset(s_); }

  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t ColInt(int col) const { return sqlite3_column_int64(s_, col); }
  double ColDouble(int col) const { return sqlite3_column_double(s_, col); }
  // Valid until the next Step or Reset.
  std::string_view ColView(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    if (p == nullptr) return {};
    return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
  }
  std::string ColText(int col) const { return std::string(ColView(col)); }
  // Valid until the next Step or Reset.
  std::string_view ColBlob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    if (p == nullptr) return {};
    return {static_cast<const char*>(p), static_cast<size_t>(n)};
  }

 private:
  sqlite3_stmt* s_;
};

// Ends a transaction on destruction by rolling back unless Commit succeeded.
class Transaction {
 public:
  explicit Transaction(Connection* c) : c_(c) {}
  ~Transaction() {
    if (open_ && sqlite3_get_autocommit(c_->db()) == 0) {
      (void)c_->Run("ROLLBACK");
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Writers begin IMMEDIATE (take the write lock now); readers begin DEFERRED (a snapshot).
  Status Begin(bool write) {
    RETURN_IF_ERROR(c_->Run(write ? "BEGIN IMMEDIATE" : "BEGIN"));
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    RETURN_IF_ERROR(c_->Run("COMMIT"));
    open_ = false;
    return Status::Ok();
  }

 private:
  Connection* c_;
  bool open_ = false;
};

// Declares `var` as a Stmt for `sql` on connection `conn`, or returns the error.
#define QY_STMT(var, conn, sql)                                    \
  ASSIGN_OR_RETURN(sqlite3_stmt* var##_raw_, (conn).Prepare(sql)); \
  Stmt var(var##_raw_)

Status StepDone(Stmt& st, Connection& c, std::string_view what) {
  int rc = st.Step();
  if (rc != SQLITE_DONE) return SqliteError(rc, what, c.db());
  return Status::Ok();
}

Status CheckDocument(const Document& d) {
  if (d.kind.empty()) return InvalidArgument("kind", "document kind is empty");
  if (d.id.empty()) return InvalidArgument("id", d.kind + " id is empty");
  return Status::Ok();
}

void BindDocument(Stmt& st, const Document& d) {
  st.Text(1, d.kind);
  st.Text(2, d.id);
  st.Text(3, d.body);
  st.Int(4, d.updated);
}

// --- Rows.

constexpr std::string_view kCheckpointColumns =
    "id, name, lng, lat, directions, lanes, status, division_code, created, updated";

Status ReadCheckpoint(const Stmt& st, Checkpoint* c) {
  c->id = st.ColText(0);
  c->name = st.ColText(1);
  c->position = {st.ColDouble(2), st.ColDouble(3)};
  if (!DecodeIntArray(st.ColView(4), &c->directions)) {
    return DataLoss("checkpoint \"" + c->id + "\": stored directions are not a JSON array");
  }
  c->lanes = static_cast<int>(st.ColInt(5));
  std::optional<CheckpointStatus> status = CheckpointStatusFromText(st.ColView(6));
  if (!status) {
    return DataLoss("checkpoint \"" + c->id + "\": unknown stored status \"" + st.ColText(6) +
                    "\"");
  }
  c->status = *status;
  c->division_code = st.ColText(7);
  c->created = st.ColInt(8);
  c->updated = st.ColInt(9);
  return Status::Ok();
}

// A row of the schema-1 passages table (read once, by migration 2).
constexpr std::string_view kPassageColumnsV1 =
    "id, device_id, checkpoint_id, pass_time, lane, plate_status, plate, plate_color, "
    "plate_class, speed_kmh, vehicle_class, vehicle_color, direction, image_refs, received";

Status ReadPassageV1(const Stmt& st, PassageRecord* p) {
  p->id = st.ColText(0);
  p->device_id = st.ColText(1);
  p->checkpoint_id = st.ColText(2);
  p->pass_time = st.ColInt(3);
  p->lane = static_cast<int32_t>(st.ColInt(4));
  int64_t plate_status = st.ColInt(5);
  if (plate_status < 0 || plate_status > static_cast<int64_t>(events::PlateStatus::kAbsent)) {
    return DataLoss("passage \"" + p->id + "\": unknown stored plate status " +
                    std::to_string(plate_status));
  }
  p->plate_status = static_cast<events::PlateStatus>(plate_status);
  p->plate = st.ColText(6);  // NULL reads as empty
  p->plate_color = static_cast<int32_t>(st.ColInt(7));
  p->plate_class = st.ColText(8);
  p->speed_kmh = st.ColDouble(9);
  p->vehicle_class = st.ColText(10);
  p->vehicle_color = st.ColText(11);
  p->direction = st.ColText(12);
  p->image_refs.clear();
  if (!st.IsNull(13) && !DecodeStringArray(st.ColView(13), &p->image_refs)) {
    return DataLoss("passage \"" + p->id + "\": stored image_refs are not a JSON array");
  }
  p->received = st.ColInt(14);
  return Status::Ok();
}

constexpr std::string_view kQuarantineColumns =
    "id, received, source, record_id, code, field, message, payload, state, resolved, "
    "resolution_note";

Status ReadQuarantine(const Stmt& st, QuarantineEntry* q) {
  q->id = st.ColText(0);
  q->received = st.ColInt(1);
  std::optional<events::Source> source = SourceFromText(st.ColView(2));
  if (!source) {
    return DataLoss("quarantine entry \"" + q->id + "\": unknown stored source \"" + st.ColText(2) +
                    "\"");
  }
  q->source = *source;
  q->record_id = st.ColText(3);
  q->code = st.ColText(4);
  q->field = st.ColText(5);
  q->message = st.ColText(6);
  q->payload = st.ColText(7);
  q->state = st.ColText(8);
  q->resolved = st.ColInt(9);
  q->resolution_note = st.ColText(10);
  return Status::Ok();
}

// --- SQL.

const std::string kSelectCheckpoint =
    "SELECT " + std::string(kCheckpointColumns) + " FROM checkpoints WHERE id = ?1";
const std::string kListCheckpoints = "SELECT " + std::string(kCheckpointColumns) +
                                     " FROM checkpoints WHERE id > ?1 ORDER BY id LIMIT ?3";
const std::string kListCheckpointsByStatus =
    "SELECT " + std::string(kCheckpointColumns) +
    " FROM checkpoints WHERE id > ?1 AND status = ?2 ORDER BY id LIMIT ?3";
constexpr std::string_view kUpsertCheckpoint =
    "INSERT INTO checkpoints (id, name, lng, lat, directions, lanes, status, division_code, "
    "created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, lng = excluded.lng, "
    "lat = excluded.lat, directions = excluded.directions, lanes = excluded.lanes, "
    "status = excluded.status, division_code = excluded.division_code, "
    "updated = excluded.updated";
constexpr std::string_view kDeleteCheckpoint = "DELETE FROM checkpoints WHERE id = ?1";

constexpr std::string_view kInsertQuarantine =
    "INSERT OR IGNORE INTO quarantine (id, received, source, record_id, code, field, message, "
    "payload, state, resolved, resolution_note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr std::string_view kResolveQuarantine =
    "UPDATE quarantine SET state = ?2, resolved = ?3, resolution_note = ?4 WHERE id = ?1";
constexpr std::string_view kUpsertLogPosition =
    "INSERT INTO log_positions (log_partition, next_seq) VALUES (?1, ?2) "
    "ON CONFLICT (log_partition) DO UPDATE SET next_seq = excluded.next_seq";
constexpr std::string_view kSelectLogPositions =
    "SELECT log_partition, next_seq FROM log_positions ORDER BY log_partition";

constexpr std::string_view kOpenQuarantineByCode =
    "SELECT code, count(*) FROM quarantine WHERE state = 'open' GROUP BY code";
constexpr std::string_view kQuarantineStats =
    "SELECT (SELECT count(*) FROM quarantine), "
    "(SELECT count(*) FROM quarantine WHERE state = 'open')";

const std::string kSelectQuarantine =
    "SELECT " + std::string(kQuarantineColumns) + " FROM quarantine WHERE id = ?1";

// Passages (schema 2). Partitions, the name dictionary, index runs and blocks.
constexpr std::string_view kSelectPartition = "SELECT name FROM passage_partitions WHERE day = ?1";
constexpr std::string_view kInsertPartition =
    "INSERT INTO passage_partitions (day, name, passages) VALUES (?1, ?2, 0)";
constexpr std::string_view kAddPartitionRows =
    "UPDATE passage_partitions SET passages = passages + ?2 WHERE day = ?1";
// ?1 <= day <= ?2, newest first / oldest first.
constexpr std::string_view kPartitionsDesc =
    "SELECT day, name FROM passage_partitions WHERE day BETWEEN ?1 AND ?2 ORDER BY day DESC";
constexpr std::string_view kPartitionsAsc =
    "SELECT day, name FROM passage_partitions WHERE day BETWEEN ?1 AND ?2 ORDER BY day";
constexpr std::string_view kPartitionsBefore =
    "SELECT day, name, passages FROM passage_partitions WHERE day < ?1 ORDER BY day";
constexpr std::string_view kDeletePartition = "DELETE FROM passage_partitions WHERE day = ?1";
constexpr std::string_view kPassageCount =
    "SELECT coalesce(sum(passages), 0) FROM passage_partitions";
constexpr std::string_view kSelectNameNum = "SELECT num FROM passage_names WHERE name = ?1";
constexpr std::string_view kSelectNameText = "SELECT name FROM passage_names WHERE num = ?1";
constexpr std::string_view kInsertName = "INSERT INTO passage_names (name) VALUES (?1)";
constexpr std::string_view kSelectRuns =
    "SELECT run, entries FROM passage_runs WHERE day = ?1 AND kind = ?2";
constexpr std::string_view kInsertRun =
    "INSERT INTO passage_runs (day, kind, entries) VALUES (?1, ?2, ?3)";
constexpr std::string_view kDeleteRun = "DELETE FROM passage_runs WHERE run = ?1";
constexpr std::string_view kInsertBlock =
    "INSERT INTO passage_blocks (run, last_key, last_k, entries) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteBlocks = "DELETE FROM passage_blocks WHERE run = ?1";
constexpr std::string_view kDeleteDayRuns = "DELETE FROM passage_runs WHERE day = ?1";
constexpr std::string_view kDeleteDayBlocks =
    "DELETE FROM passage_blocks WHERE run IN (SELECT run FROM passage_runs WHERE day = ?1)";
// A run's blocks in order.
constexpr std::string_view kRunBlocks =
    "SELECT entries FROM passage_blocks WHERE run = ?1 ORDER BY last_key, last_k";
// For each run of day ?1's index of kind ?2: the first block that may hold (key ?3, k ?4),
// NULL if none. Blocks are keyed by their last entry.
constexpr std::string_view kFirstBlocks =
    "SELECT r.run, (SELECT b.entries FROM passage_blocks b WHERE b.run = r.run AND "
    "(b.last_key, b.last_k) >= (?3, ?4) ORDER BY b.last_key, b.last_k LIMIT 1) "
    "FROM passage_runs r WHERE r.day = ?1 AND r.kind = ?2";
// A run's blocks after the one that ends with (key ?2, k ?3).
constexpr std::string_view kRunBlocksAfter =
    "SELECT entries FROM passage_blocks WHERE run = ?1 AND (last_key, last_k) > (?2, ?3) "
    "ORDER BY last_key, last_k";
// Every id key of a day (to fill the writer's IdSet).
constexpr std::string_view kDayIdBlocks =
    "SELECT b.entries FROM passage_runs r JOIN passage_blocks b ON b.run = r.run "
    "WHERE r.day = ?1 AND r.kind = 0";

// Audit log (schema 3).
constexpr std::string_view kAuditColumns =
    "seq, time, actor, agency, role, action, target, purpose, case_no, request_id, outcome, "
    "detail, prev_hash, hash";
constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_log (seq, time, actor, agency, role, action, target, purpose, case_no, "
    "request_id, outcome, detail, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
const std::string kLastAudit =
    "SELECT " + std::string(kAuditColumns) + " FROM audit_log ORDER BY seq DESC LIMIT 1";
const std::string kAuditFrom =
    "SELECT " + std::string(kAuditColumns) + " FROM audit_log WHERE seq >= ?1 ORDER BY seq";
constexpr std::string_view kSelectAuditAnchor = "SELECT seq, hash FROM audit_anchor WHERE id = 1";
constexpr std::string_view kUpsertAuditAnchor =
    "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2) "
    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";
constexpr std::string_view kDeleteAuditThrough = "DELETE FROM audit_log WHERE seq <= ?1";
// The last record below ?1.
constexpr std::string_view kLastAuditBelow =
    "SELECT seq, hash FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1";

// ListAudit: ?1 after_seq, ?2 before_seq, ?3 from, ?4 to, ?5 actor, ?6 action, ?7 target,
// ?8 limit. One statement per combination of filters, so that each can use its index.
std::string ListAuditSql(bool by_actor, bool by_action, bool by_target, bool newest_first) {
  std::string sql = "SELECT " + std::string(kAuditColumns) +
                    " FROM audit_log WHERE seq > ?1 AND seq < ?2 AND time >= ?3 AND time < ?4";
  if (by_actor) sql += " AND actor = ?5";
  if (by_action) sql += " AND action = ?6";
  if (by_target) sql += " AND target = ?7";
  sql += newest_first ? " ORDER BY seq DESC LIMIT ?8" : " ORDER BY seq LIMIT ?8";
  return sql;
}

void ReadAudit(const Stmt& st, AuditRecord* r) {
  r->seq = static_cast<uint64_t>(st.ColInt(0));
  r->time = st.ColInt(1);
  r->actor = st.ColText(2);
  r->agency = st.ColText(3);
  r->role = st.ColText(4);
  r->action = st.ColText(5);
  r->target = st.ColText(6);
  r->purpose = st.ColText(7);
  r->case_no = st.ColText(8);
  r->request_id = st.ColText(9);
  r->outcome = st.ColText(10);
  r->detail = st.ColText(11);
  r->prev_hash = st.ColText(12);
  r->hash = st.ColText(13);
}

// Rows the store inserts with one statement (see SqliteStore::FlushRows).
constexpr size_t kRowsPerInsert = 64;

// Statements on one day table.
struct PartitionSql {
  std::string insert;       // ?1 k, ?2 id, ?3 plate, ?4 cp, ?5 rest
  std::string insert_many;  // kRowsPerInsert rows of the five columns of insert
  std::string by_k;         // one row by k
  std::string range;        // ?1 <= k < ?2, newest first, at most ?3
  std::string ids_since;    // ids with k >= ?1
  std::string min_k, max_k;
};
constexpr std::string_view kRowColumns = "k, id, plate, cp, rest";
PartitionSql MakePartitionSql(const std::string& table) {
  PartitionSql s;
  s.insert =
      "INSERT OR IGNORE INTO " + table + " (k, id, plate, cp, rest) VALUES (?1, ?2, ?3, ?4, ?5)";
  s.insert_many = "INSERT OR IGNORE INTO " + table + " (k, id, plate, cp, rest) VALUES ";
  for (size_t r = 0; r < kRowsPerInsert; ++r) {
    s.insert_many += r == 0 ? "(?,?,?,?,?)" : ",(?,?,?,?,?)";
  }
  s.by_k = "SELECT " + std::string(kRowColumns) + " FROM " + table + " WHERE k = ?1";
  s.range = "SELECT " + std::string(kRowColumns) + " FROM " + table +
            " WHERE k >= ?1 AND k < ?2 ORDER BY k DESC LIMIT ?3";
  s.ids_since = "SELECT id FROM " + table + " WHERE k >= ?1";
  s.min_k = "SELECT min(k) FROM " + table;
  s.max_k = "SELECT max(k) FROM " + table;
  return s;
}

// ListQuarantine: ?1 after_id, ?2 state, ?3 code, ?4 limit.
std::string ListQuarantineSql(bool by_state, bool by_code) {
  std::string sql = "SELECT " + std::string(kQuarantineColumns) + " FROM quarantine WHERE id > ?1";
  if (by_state) sql += " AND state = ?2";
  if (by_code) sql += " AND code = ?3";
  sql += " ORDER BY id LIMIT ?4";
  return sql;
}
const std::string kListQuarantine[2][2] = {
    {ListQuarantineSql(false, false), ListQuarantineSql(false, true)},
    {ListQuarantineSql(true, false), ListQuarantineSql(true, true)},
};

// --- The store.

// The ids stored in one day, as a set of KeyHash values, kept by the writer so that Apply
// tells a new id from a resend without a lookup. A hit is only a hint (hashes collide): Apply
// then looks the id up in the day's index runs. Open addressing over 32-bit values, at most
// half full: 8 to 16 bytes per id (40 MB for a day of 2.5 million passages).
class IdSet {
 public:
  IdSet() : slots_(kMinSlots) {}

  bool Contains(uint32_t h) const {
    if (h == 0) return has_zero_;
    for (size_t i = Slot(h);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == h) return true;
      if (slots_[i] == 0) return false;
    }
  }
  // Starts loading the cache line where Contains(h) or Insert(h) begins: a day's set is
  // larger than the cache, and Apply overlaps those misses by prefetching a few ids ahead.
  void Prefetch(uint32_t h) const { PrefetchLine(slots_.data() + Slot(h)); }
  void Insert(uint32_t h) {
    if (h == 0) {
      has_zero_ = true;
      return;
    }
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Slot(h);
    while (slots_[i] != 0) {
      if (slots_[i] == h) return;
      i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = h;
    ++size_;
  }

 private:
  static constexpr size_t kMinSlots = 1024;

  size_t Slot(uint32_t h) const {
    return static_cast<size_t>((uint64_t{h} * 0x9E3779B97F4A7C15ULL) >> 32) & (slots_.size() - 1);
  }
  void Grow() {
    ZeroedArray<uint32_t> old = std::move(slots_);
    slots_ = ZeroedArray<uint32_t>(old.size() * 2);
    size_ = 0;
    for (uint32_t h : old) {
      if (h != 0) Insert(h);
    }
  }
  ZeroedArray<uint32_t> slots_;
  size_t size_ = 0;
  bool has_zero_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, bool memory, bool read_only)
      : path_(std::move(path)), memory_(memory), read_only_(read_only) {}

  ~SqliteStore() override {
    if (wal_checkpoint_thread_.joinable()) {
      {
        std::lock_guard lock(wal_ckpt_mu_);
        wal_ckpt_stop_ = true;
      }
      wal_ckpt_cv_.notify_one();
      wal_checkpoint_thread_.join();
    }
    std::lock_guard lock(write_mu_);
    if (writer_ != nullptr && !read_only_) (void)writer_->Exec("PRAGMA optimize");
  }

  Status Init(const StoreOptions& options) {
    std::lock_guard lock(write_mu_);
    sync_full_ = options.sync_full;
    if (!memory_) writeback_.emplace(path_);
    if (read_only_) {
      if (memory_) {
        return InvalidArgument("read_only", "an in-memory store cannot be opened read-only");
      }
      // The "writer" only reads here: writes fail with SQLITE_READONLY.
      ASSIGN_OR_RETURN(writer_, Connection::Open(path_, SQLITE_OPEN_READONLY));
      RETURN_IF_ERROR(writer_->Exec("PRAGMA query_only = ON"));
      return CheckSchemaReadOnly();
    }
    ASSIGN_OR_RETURN(writer_, Connection::Open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    if (!memory_) {
      QY_STMT(st, *writer_, "PRAGMA journal_mode = WAL");
      int rc = st.Step();
      if (rc != SQLITE_ROW) return SqliteError(rc, "opening \"" + path_ + "\"", writer_->db());
      if (st.ColView(0) != "wal") {
        return FailedPrecondition("sqlite: cannot put \"" + path_ + "\" in WAL mode (mode is " +
                                  st.ColText(0) + ")");
      }
    }
    RETURN_IF_ERROR(writer_->Exec(options.sync_full ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL"));
    RETURN_IF_ERROR(
        writer_->Exec("PRAGMA foreign_keys = ON;"
                      "PRAGMA temp_store = MEMORY;"
                      "PRAGMA cache_size = -65536;"            // 64 MiB of page cache
                      "PRAGMA journal_size_limit = 67108864;"  // truncate the WAL to 64 MiB
                      // Some builds (Debian's) zero every freed page, which doubles the writes
                      // of merging index runs and makes dropping a day table rewrite it all.
                      // FAST zeroes freed content only where that costs no extra I/O.
                      "PRAGMA secure_delete = FAST;"));
    RETURN_IF_ERROR(Migrate());
    if (!memory_) RETURN_IF_ERROR(StartWalCheckpointer(options));
    return Status::Ok();
  }

  int SchemaVersion() override { return schema_version_; }

  // --- checkpoints

  Status PutCheckpoint(const Checkpoint& c) override {
    if (c.id.empty()) return InvalidArgument("id", "checkpoint id is empty");
    std::lock_guard lock(write_mu_);
    return UpsertCheckpoint(c);
  }

  Status PutCheckpoints(const std::vector<Checkpoint>& cs) override {
    for (size_t i = 0; i < cs.size(); ++i) {
      if (cs[i].id.empty()) {
        return InvalidArgument(ItemField("", i, "id"), "checkpoint id is empty");
      }
    }
    std::lock_guard lock(write_mu_);
    Transaction txn(writer_.get());
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    for (const Checkpoint& c : cs) RETURN_IF_ERROR(UpsertCheckpoint(c));
    return txn.Commit();
  }

  StatusOr<Checkpoint> GetCheckpoint(const std::string& id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kSelectCheckpoint);
    st.Text(1, id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return NotFound("checkpoint \"" + id + "\" not found");
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading checkpoint", lease.conn().db());
    Checkpoint c;
    RETURN_IF_ERROR(ReadCheckpoint(st, &c));
    return c;
  }

  StatusOr<std::vector<Checkpoint>> ListCheckpoints(const CheckpointQuery& q) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), q.status ? kListCheckpointsByStatus : kListCheckpoints);
    st.Text(1, q.after_id);
    if (q.status) st.Text(2, CheckpointStatusText(*q.status));
    st.Int(3, ClampLimit(q.limit));
    std::vector<Checkpoint> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      RETURN_IF_ERROR(ReadCheckpoint(st, &out.emplace_back()));
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing checkpoints", lease.conn().db());
    return out;
  }

  Status DeleteCheckpoint(const std::string& id) override {
    std::lock_guard lock(write_mu_);
    QY_STMT(st, *writer_, kDeleteCheckpoint);
    st.Text(1, id);
    RETURN_IF_ERROR(StepDone(st, *writer_, "deleting checkpoint"));
    if (sqlite3_changes(writer_->db()) == 0) {
      return NotFound("checkpoint \"" + id + "\" not found");
    }
    return Status::Ok();
  }

  // --- passages and quarantine

  Status Apply(const ApplyBatch& b) override {
    RETURN_IF_ERROR(CheckBatch(b));
    std::lock_guard lock(write_mu_);
    Status s = ApplyLocked(b);
    if (!s.ok()) {
      ForgetPassageCaches();  // they may name tables or names that the rollback removed
    } else {
      EvictDays();
    }
    return s;
  }

  StatusOr<std::map<int, uint64_t>> LogPositions() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kSelectLogPositions);
    std::map<int, uint64_t> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      out[static_cast<int>(st.ColInt(0))] = static_cast<uint64_t>(st.ColInt(1));
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "reading log positions", lease.conn().db());
    return out;
  }

  StatusOr<std::map<int, uint64_t>> SyncLogPositions() override {
    ASSIGN_OR_RETURN(auto positions, LogPositions());
    // With synchronous=FULL every commit was synced already.
    if (writeback_ && !read_only_ && !sync_full_) RETURN_IF_ERROR(writeback_->SyncWal());
    return positions;
  }

  StatusOr<std::vector<PassageRecord>> FindPassages(const PassageQuery& q) override {
    std::vector<PassageRecord> out;
    if (q.limit == 0 || q.from >= q.to) return out;
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);  // one snapshot: runs may be merged meanwhile
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    std::optional<int64_t> cp;
    if (!q.checkpoint_id.empty()) {
      QY_STMT(st, c, kSelectNameNum);
      st.Text(1, q.checkpoint_id);
      int rc = st.Step();
      if (rc == SQLITE_DONE) return out;  // no passage ever named it
      if (rc != SQLITE_ROW) return SqliteError(rc, "finding passages", c.db());
      cp = st.ColInt(0);
    }
    const DayTime from = internal::SplitPassTime(q.from);
    const DayTime to = internal::SplitPassTime(q.to);  // exclusive
    ASSIGN_OR_RETURN(std::vector<Partition> days, Partitions(c, from.day, to.day, /*desc=*/true));
    std::vector<int64_t> ks;
    for (const Partition& day : days) {
      const int64_t klo = day.day == from.day ? internal::FirstRowKey(from.offset) : INT64_MIN;
      const int64_t khi = day.day == to.day ? internal::FirstRowKey(to.offset) : INT64_MAX;
      if (klo >= khi) continue;
      const PartitionSql sql = MakePartitionSql(day.table);
      if (q.plate.empty() && !cp) {
        QY_STMT(st, c, sql.range);
        st.Int(1, klo);
        st.Int(2, khi);
        st.Int(3, ClampLimit(q.limit - out.size()));
        int rc;
        while ((rc = st.Step()) == SQLITE_ROW) {
          RETURN_IF_ERROR(ReadRow(c, day.day, st, &out.emplace_back()));
        }
        if (rc != SQLITE_DONE) return SqliteError(rc, "finding passages", c.db());
      } else {
        // Keys from the more selective index, newest first; rows checked against the query
        // (a plate hash may collide).
        ks.clear();
        if (!q.plate.empty()) {
          RETURN_IF_ERROR(CollectRunKeys(c, day.day, IndexKind::kPlate, internal::KeyHash(q.plate),
                                         klo, khi, &ks));
        } else {
          RETURN_IF_ERROR(CollectRunKeys(c, day.day, IndexKind::kCheckpoint,
                                         static_cast<uint32_t>(*cp), klo, khi, &ks));
        }
        std::sort(ks.begin(), ks.end(), std::greater<>());
        QY_STMT(st, c, sql.by_k);
        for (int64_t k : ks) {
          st.Int(1, k);
          int rc = st.Step();
          if (rc == SQLITE_ROW && (q.plate.empty() || st.ColView(2) == q.plate) &&
              (!cp || st.ColInt(3) == *cp)) {
            RETURN_IF_ERROR(ReadRow(c, day.day, st, &out.emplace_back()));
            if (out.size() >= q.limit) break;
          } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            return SqliteError(rc, "finding passages", c.db());
          }
          st.Reset();
        }
      }
      if (out.size() >= q.limit) break;
    }
    RETURN_IF_ERROR(txn.Commit());
    return out;
  }

  // Looks in every day, newest first: a resend is usually recent.
  StatusOr<std::optional<PassageRecord>> GetPassage(const std::string& id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    ASSIGN_OR_RETURN(std::vector<Partition> days,
                     Partitions(c, INT64_MIN, INT64_MAX, /*desc=*/true));
    const uint32_t key = internal::KeyHash(id);
    std::vector<int64_t> ks;
    for (const Partition& day : days) {
      ks.clear();
      RETURN_IF_ERROR(CollectRunKeys(c, day.day, IndexKind::kId, key, INT64_MIN, INT64_MAX, &ks));
      if (ks.empty()) continue;
      QY_STMT(st, c, MakePartitionSql(day.table).by_k);
      for (int64_t k : ks) {
        st.Int(1, k);
        int rc = st.Step();
        if (rc == SQLITE_ROW && st.ColView(1) == id) {
          std::optional<PassageRecord> p(std::in_place);
          RETURN_IF_ERROR(ReadRow(c, day.day, st, &*p));
          st.Reset();
          RETURN_IF_ERROR(txn.Commit());
          return p;
        }
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
          return SqliteError(rc, "reading passage", c.db());
        }
        st.Reset();
      }
    }
    RETURN_IF_ERROR(txn.Commit());
    return std::optional<PassageRecord>();
  }

  Status ForEachPassageIdSince(UnixMicros since,
                               const std::function<void(std::string_view)>& fn) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    const DayTime from = internal::SplitPassTime(since);
    ASSIGN_OR_RETURN(std::vector<Partition> days,
                     Partitions(c, from.day, INT64_MAX, /*desc=*/false));
    for (const Partition& day : days) {
      QY_STMT(st, c, MakePartitionSql(day.table).ids_since);
      st.Int(1, day.day == from.day ? internal::FirstRowKey(from.offset) : INT64_MIN);
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) fn(st.ColView(0));
      if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage ids", c.db());
    }
    return txn.Commit();
  }

  StatusOr<PassageStats> GetPassageStats() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);  // one snapshot for every statement
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    PassageStats stats;
    {
      QY_STMT(st, c, kPassageCount);
      int rc = st.Step();
      if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage stats", c.db());
      stats.passages = st.ColInt(0);
    }
    ASSIGN_OR_RETURN(std::vector<Partition> days,
                     Partitions(c, INT64_MIN, INT64_MAX, /*desc=*/false));
    // The first and last days with a row (a day table is never left empty, but be sure).
    for (auto it = days.begin(); it != days.end() && !stats.oldest_pass_time; ++it) {
      ASSIGN_OR_RETURN(stats.oldest_pass_time, EdgePassTime(c, *it, /*newest=*/false));
    }
    for (auto it = days.rbegin(); it != days.rend() && !stats.newest_pass_time; ++it) {
      ASSIGN_OR_RETURN(stats.newest_pass_time, EdgePassTime(c, *it, /*newest=*/true));
    }
    {
      QY_STMT(st, c, kQuarantineStats);
      int rc = st.Step();
      if (rc != SQLITE_ROW) return SqliteError(rc, "reading quarantine stats", c.db());
      stats.quarantined_total = st.ColInt(0);
      stats.quarantined_open = st.ColInt(1);
    }
    {
      QY_STMT(st, c, kOpenQuarantineByCode);
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        stats.quarantine_by_code[st.ColText(0)] = st.ColInt(1);
      }
      if (rc != SQLITE_DONE) return SqliteError(rc, "reading quarantine stats", c.db());
    }
    RETURN_IF_ERROR(txn.Commit());
    return stats;
  }

  // Drops whole day tables: every day that ends at or before the cutoff.
  StatusOr<int64_t> DropPassagesBefore(UnixMicros cutoff) override {
    const int64_t cut_day = internal::SplitPassTime(cutoff).day;
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    int64_t dropped = 0;
    size_t tables = 0;
    Status s = [&]() -> Status {
      Transaction txn(&c);
      RETURN_IF_ERROR(txn.Begin(/*write=*/true));
      RETURN_IF_ERROR(NoticeOtherWriters());
      std::vector<std::pair<Partition, int64_t>> days;
      {
        QY_STMT(st, c, kPartitionsBefore);
        st.Int(1, cut_day);
        int rc;
        while ((rc = st.Step()) == SQLITE_ROW) {
          days.push_back({{st.ColInt(0), st.ColText(1)}, st.ColInt(2)});
        }
        if (rc != SQLITE_DONE) return SqliteError(rc, "listing passage days", c.db());
      }
      for (const auto& [day, rows] : days) {
        RETURN_IF_ERROR(c.Exec("DROP TABLE " + day.table));
        for (std::string_view sql : {kDeleteDayBlocks, kDeleteDayRuns, kDeletePartition}) {
          QY_STMT(st, c, sql);
          st.Int(1, day.day);
          RETURN_IF_ERROR(StepDone(st, c, "dropping passages of " + day.table));
        }
        dropped += rows;
        ++tables;
      }
      return txn.Commit();
    }();
    if (tables > 0 || !s.ok()) {
      // Statements on the dropped tables must go: this connection's now, readers' when next
      // leased.
      ForgetPassageCaches();
      writer_->ClearCache();
      drop_generation_.fetch_add(1);
      writer_->drop_generation = drop_generation_.load();
    }
    if (!s.ok()) return s;
    return dropped;
  }

  StatusOr<std::vector<QuarantineEntry>> ListQuarantine(const QuarantineQuery& q) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kListQuarantine[!q.state.empty()][!q.code.empty()]);
    st.Text(1, q.after_id);
    st.Text(2, q.state);
    st.Text(3, q.code);
    st.Int(4, ClampLimit(q.limit));
    std::vector<QuarantineEntry> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      RETURN_IF_ERROR(ReadQuarantine(st, &out.emplace_back()));
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing quarantine", lease.conn().db());
    return out;
  }

  Status PutAlerts(std::span<const AlertRow> rows) override {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].id == 0) return InvalidArgument(ItemField("alerts", i, "id"), "must be > 0");
    }
    if (rows.empty()) return Status::Ok();
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    QY_STMT(st, c,
            "INSERT INTO alerts (id, created, updated, state, type, priority, ring_id, "
            "owner_agency, plate, record_id, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
            "?10, ?11) ON CONFLICT (id) DO UPDATE SET created = excluded.created, "
            "updated = excluded.updated, state = excluded.state, type = excluded.type, "
            "priority = excluded.priority, ring_id = excluded.ring_id, "
            "owner_agency = excluded.owner_agency, plate = excluded.plate, "
            "record_id = excluded.record_id, body = excluded.body");
    uint64_t max_id = 0;
    for (const AlertRow& r : rows) {
      st.Reset();
      st.Int(1, static_cast<int64_t>(r.id));
      st.Int(2, r.created);
      st.Int(3, r.updated);
      st.Text(4, r.state);
      st.Text(5, r.type);
      st.Int(6, r.priority);
      st.Text(7, r.ring_id);
      st.Text(8, r.owner_agency);
      st.Text(9, r.plate);
      st.Text(10, r.record_id);
      st.Text(11, r.body);
      RETURN_IF_ERROR(StepDone(st, c, "writing alert " + std::to_string(r.id)));
      max_id = std::max(max_id, r.id);
    }
    QY_STMT(hw, c,
            "INSERT INTO alert_high_water (one, max_id) VALUES (1, ?1) ON CONFLICT (one) DO "
            "UPDATE SET max_id = max(max_id, excluded.max_id)");
    hw.Int(1, static_cast<int64_t>(max_id));
    RETURN_IF_ERROR(StepDone(hw, c, "writing the alert high-water mark"));
    return txn.Commit();
  }

  static void ReadAlert(const Stmt& st, AlertRow* r) {
    r->id = static_cast<uint64_t>(st.ColInt(0));
    r->created = st.ColInt(1);
    r->updated = st.ColInt(2);
    r->state = st.ColText(3);
    r->type = st.ColText(4);
    r->priority = static_cast<int>(st.ColInt(5));
    r->ring_id = st.ColText(6);
    r->owner_agency = st.ColText(7);
    r->plate = st.ColText(8);
    r->record_id = st.ColText(9);
    r->body = st.ColText(10);
  }

  StatusOr<std::optional<AlertRow>> GetAlert(uint64_t id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(),
            "SELECT id, created, updated, state, type, priority, ring_id, owner_agency, plate, "
            "record_id, body FROM alerts WHERE id = ?1");
    st.Int(1, static_cast<int64_t>(id));
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<AlertRow>();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading alert", lease.conn().db());
    AlertRow r;
    ReadAlert(st, &r);
    return std::optional<AlertRow>(std::move(r));
  }

  StatusOr<std::vector<AlertRow>> ListAlerts(const AlertQuery& q) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
#define QY_ALERT_QUERY(ORDER)                                                                 \
  "SELECT id, created, updated, state, type, priority, ring_id, owner_agency, plate, "        \
  "record_id, body FROM alerts WHERE id > ?1 AND (?2 = '' OR instr(?2, ',' || state || ',') " \
  "> 0) AND (?3 = '' OR type = ?3) AND (?4 = '' OR ring_id = ?4) AND (?5 = '' OR "            \
  "owner_agency = ?5) AND (?6 = '' OR plate = ?6) AND (?7 = '' OR record_id = ?7) AND (?8 = " \
  "0 OR priority <= ?8) AND (?9 = 0 OR created >= ?9) AND (?10 = 0 OR created < ?10) "        \
  "ORDER BY id " ORDER " LIMIT ?11"
    QY_STMT(asc, lease.conn(), QY_ALERT_QUERY("ASC"));
    QY_STMT(desc, lease.conn(), QY_ALERT_QUERY("DESC"));
#undef QY_ALERT_QUERY
    Stmt& st = q.newest_first ? desc : asc;
    std::string states;
    for (const std::string& s : q.states) states += "," + s;
    if (!states.empty()) states += ",";
    st.Int(1, static_cast<int64_t>(std::min<uint64_t>(q.after_id, INT64_MAX)));
    st.Text(2, states);
    st.Text(3, q.type);
    st.Text(4, q.ring_id);
    st.Text(5, q.owner_agency);
    st.Text(6, q.plate);
    st.Text(7, q.record_id);
    st.Int(8, q.max_priority);
    st.Int(9, q.from);
    st.Int(10, q.to);
    st.Int(11, ClampLimit(q.limit));
    std::vector<AlertRow> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) ReadAlert(st, &out.emplace_back());
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing alerts", lease.conn().db());
    return out;
  }

  StatusOr<uint64_t> MaxAlertId() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(),
            "SELECT max(coalesce((SELECT max(id) FROM alerts), 0), coalesce((SELECT max_id FROM "
            "alert_high_water), 0))");
    int rc = st.Step();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading the last alert id", lease.conn().db());
    return static_cast<uint64_t>(st.ColInt(0));
  }

  StatusOr<int64_t> DropClosedAlertsBefore(UnixMicros cutoff) override {
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    QY_STMT(st, c, "DELETE FROM alerts WHERE state = 'closed' AND updated < ?1");
    st.Int(1, cutoff);
    RETURN_IF_ERROR(StepDone(st, c, "dropping closed alerts"));
    return static_cast<int64_t>(sqlite3_changes(c.db()));
  }

  Status AppendUnitFixes(std::span<const UnitFix> fixes) override {
    for (size_t i = 0; i < fixes.size(); ++i) {
      const UnitFix& f = fixes[i];
      if (f.unit_id.empty()) return InvalidArgument(ItemField("fixes", i, "unit_id"), "is empty");
      if (!(f.lng >= -180 && f.lng <= 180)) {
        return InvalidArgument(ItemField("fixes", i, "lng"), "must be in -180..180");
      }
      if (!(f.lat >= -90 && f.lat <= 90)) {
        return InvalidArgument(ItemField("fixes", i, "lat"), "must be in -90..90");
      }
    }
    if (fixes.empty()) return Status::Ok();
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    QY_STMT(st, c,
            "INSERT INTO unit_fixes (unit_id, time, lng, lat, heading, speed_kmh, status) VALUES "
            "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (unit_id, time) DO UPDATE SET "
            "lng = excluded.lng, lat = excluded.lat, heading = excluded.heading, "
            "speed_kmh = excluded.speed_kmh, status = excluded.status");
    for (const UnitFix& f : fixes) {
      st.Reset();
      st.Text(1, f.unit_id);
      st.Int(2, f.time);
      st.Double(3, f.lng);
      st.Double(4, f.lat);
      st.Double(5, f.heading);
      st.Double(6, f.speed_kmh);
      st.Text(7, f.status);
      RETURN_IF_ERROR(StepDone(st, c, "writing a fix of unit " + f.unit_id));
    }
    return txn.Commit();
  }

  StatusOr<std::vector<UnitFix>> ListUnitFixes(const UnitFixQuery& q) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    // One statement per shape, so that SQLite picks the (unit_id, time) key for one unit and
    // the time index for all of them; an unbounded side is bound as the extreme value (the
    // window then excludes a fix at exactly INT64_MAX, which no clock reports).
    QY_STMT(by_unit, lease.conn(),
            "SELECT unit_id, time, lng, lat, heading, speed_kmh, status FROM unit_fixes "
            "WHERE unit_id = ?1 AND time >= ?2 AND time < ?3 ORDER BY time LIMIT ?4");
    QY_STMT(all, lease.conn(),
            "SELECT unit_id, time, lng, lat, heading, speed_kmh, status FROM unit_fixes "
            "WHERE time >= ?2 AND time < ?3 ORDER BY time, unit_id LIMIT ?4");
    Stmt& st = q.unit_id.empty() ? all : by_unit;
    st.Text(1, q.unit_id);
    st.Int(2, q.from != 0 ? q.from : INT64_MIN);
    st.Int(3, q.to != 0 ? q.to : INT64_MAX);
    st.Int(4, ClampLimit(q.limit));
    std::vector<UnitFix> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      UnitFix& f = out.emplace_back();
      f.unit_id = st.ColText(0);
      f.time = st.ColInt(1);
      f.lng = st.ColDouble(2);
      f.lat = st.ColDouble(3);
      f.heading = st.ColDouble(4);
      f.speed_kmh = st.ColDouble(5);
      f.status = st.ColText(6);
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing unit fixes", lease.conn().db());
    return out;
  }

  StatusOr<int64_t> DropUnitFixesBefore(UnixMicros cutoff) override {
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    QY_STMT(st, c, "DELETE FROM unit_fixes WHERE time < ?1");
    st.Int(1, cutoff);
    RETURN_IF_ERROR(StepDone(st, c, "dropping unit fixes"));
    return static_cast<int64_t>(sqlite3_changes(c.db()));
  }

  Status CreateDocument(const Document& d) override {
    RETURN_IF_ERROR(CheckDocument(d));
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    QY_STMT(st, c,
            "INSERT INTO documents (kind, id, body, updated) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (kind, id) DO NOTHING");
    BindDocument(st, d);
    RETURN_IF_ERROR(StepDone(st, c, "creating " + d.kind));
    if (sqlite3_changes(c.db()) == 0) {
      return AlreadyExists(d.kind + " \"" + d.id + "\" already exists");
    }
    return Status::Ok();
  }

  Status PutDocument(const Document& d) override {
    RETURN_IF_ERROR(CheckDocument(d));
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    QY_STMT(st, c,
            "INSERT INTO documents (kind, id, body, updated) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, "
            "updated = excluded.updated");
    BindDocument(st, d);
    return StepDone(st, c, "writing " + d.kind);
  }

  Status PutDocuments(const std::vector<Document>& ds) override {
    for (size_t i = 0; i < ds.size(); ++i) {
      Status st = CheckDocument(ds[i]);
      if (!st.ok()) return st.WithFieldPrefix(ItemField("documents", i, ""));
    }
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    QY_STMT(st, c,
            "INSERT INTO documents (kind, id, body, updated) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, "
            "updated = excluded.updated");
    for (const Document& d : ds) {
      st.Reset();
      BindDocument(st, d);
      RETURN_IF_ERROR(StepDone(st, c, "writing " + d.kind));
    }
    return txn.Commit();
  }

  StatusOr<Document> GetDocument(const std::string& kind, const std::string& id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), "SELECT body, updated FROM documents WHERE kind = ?1 AND id = ?2");
    st.Text(1, kind);
    st.Text(2, id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return NotFound(kind + " \"" + id + "\" not found");
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading " + kind, lease.conn().db());
    return Document{kind, id, st.ColText(0), st.ColInt(1)};
  }

  StatusOr<std::vector<Document>> ListDocuments(const std::string& kind) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(),
            "SELECT id, body, updated FROM documents WHERE kind = ?1 ORDER BY id");
    st.Text(1, kind);
    std::vector<Document> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      out.push_back(Document{kind, st.ColText(0), st.ColText(1), st.ColInt(2)});
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing " + kind, lease.conn().db());
    return out;
  }

  StatusOr<bool> DeleteDocument(const std::string& kind, const std::string& id) override {
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    QY_STMT(st, c, "DELETE FROM documents WHERE kind = ?1 AND id = ?2");
    st.Text(1, kind);
    st.Text(2, id);
    RETURN_IF_ERROR(StepDone(st, c, "deleting " + kind));
    return sqlite3_changes(c.db()) > 0;
  }

  StatusOr<QuarantineEntry> GetQuarantine(const std::string& id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kSelectQuarantine);
    st.Text(1, id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return NotFound("quarantine entry \"" + id + "\" not found");
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading quarantine entry", lease.conn().db());
    QuarantineEntry q;
    RETURN_IF_ERROR(ReadQuarantine(st, &q));
    return q;
  }

  // --- audit log

  Status AppendAudit(std::span<const AuditRecord> records) override {
    for (size_t i = 0; i < records.size(); ++i) {
      const AuditRecord& r = records[i];
      if (r.actor.empty()) {
        return InvalidArgument(ItemField("records", i, "actor"), "audit record actor is empty");
      }
      if (r.action.empty()) {
        return InvalidArgument(ItemField("records", i, "action"), "audit record action is empty");
      }
      if (r.outcome != "ok" && r.outcome != "denied" && r.outcome != "error") {
        return InvalidArgument(
            ItemField("records", i, "outcome"),
            "audit outcome must be \"ok\", \"denied\" or \"error\", not \"" + r.outcome + "\"");
      }
      if (r.hash.empty()) {
        return InvalidArgument(ItemField("records", i, "hash"), "audit record hash is empty");
      }
      if (r.seq == 0 || r.seq > static_cast<uint64_t>(INT64_MAX)) {
        return InvalidArgument(ItemField("records", i, "seq"), "audit seq out of range");
      }
      if (i > 0 && (r.seq != records[i - 1].seq + 1 || r.prev_hash != records[i - 1].hash)) {
        return InvalidArgument(ItemField("records", i, "prev_hash"),
                               "audit records do not form a chain: record seq " +
                                   std::to_string(r.seq) + " does not follow seq " +
                                   std::to_string(records[i - 1].seq));
      }
    }
    if (records.empty()) return Status::Ok();
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    // The chain's end: the last stored record, else the anchor.
    std::optional<std::pair<uint64_t, std::string>> end;
    {
      QY_STMT(st, c, kLastAudit);
      int rc = st.Step();
      if (rc == SQLITE_ROW) {
        end.emplace(static_cast<uint64_t>(st.ColInt(0)), st.ColText(13));
      } else if (rc != SQLITE_DONE) {
        return SqliteError(rc, "reading the audit log", c.db());
      }
    }
    if (!end) {
      ASSIGN_OR_RETURN(std::optional<AuditAnchor> anchor, AuditAnchorOn(c));
      if (anchor) end.emplace(anchor->seq, anchor->hash);
    }
    const AuditRecord& first = records.front();
    const uint64_t want_seq = end ? end->first + 1 : 1;
    if (first.seq != want_seq || (end && first.prev_hash != end->second)) {
      return FailedPrecondition(
          "audit records do not continue the stored chain: the first has seq " +
          std::to_string(first.seq) + ", the log expects seq " + std::to_string(want_seq) +
          (first.seq == want_seq ? " with the last record's hash" : "") +
          " (did another writer append?)");
    }
    QY_STMT(st, c, kInsertAudit);
    for (const AuditRecord& r : records) {
      st.Int(1, static_cast<int64_t>(r.seq));
      st.Int(2, r.time);
      st.Text(3, r.actor);
      st.Text(4, r.agency);
      st.Text(5, r.role);
      st.Text(6, r.action);
      st.Text(7, r.target);
      st.Text(8, r.purpose);
      st.Text(9, r.case_no);
      st.Text(10, r.request_id);
      st.Text(11, r.outcome);
      st.Text(12, r.detail);
      st.Text(13, r.prev_hash);
      st.Text(14, r.hash);
      RETURN_IF_ERROR(StepDone(st, c, "appending audit record " + std::to_string(r.seq)));
      st.Reset();
    }
    return txn.Commit();
  }

  StatusOr<std::optional<AuditRecord>> LastAudit() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kLastAudit);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<AuditRecord>();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading the audit log", lease.conn().db());
    std::optional<AuditRecord> r(std::in_place);
    ReadAudit(st, &*r);
    return r;
  }

  StatusOr<std::vector<AuditRecord>> ListAudit(const AuditQuery& q) override {
    std::vector<AuditRecord> out;
    if (q.limit == 0 || q.from >= q.to || q.after_seq >= q.before_seq) return out;
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    static const std::string kSql[2][2][2][2] = {
#define QY_AUDIT_SQL(a, b, c) {ListAuditSql(a, b, c, false), ListAuditSql(a, b, c, true)}
        {{QY_AUDIT_SQL(false, false, false), QY_AUDIT_SQL(false, false, true)},
         {QY_AUDIT_SQL(false, true, false), QY_AUDIT_SQL(false, true, true)}},
        {{QY_AUDIT_SQL(true, false, false), QY_AUDIT_SQL(true, false, true)},
         {QY_AUDIT_SQL(true, true, false), QY_AUDIT_SQL(true, true, true)}},
#undef QY_AUDIT_SQL
    };
    QY_STMT(st, lease.conn(),
            kSql[!q.actor.empty()][!q.action.empty()][!q.target.empty()][q.newest_first]);
    st.Int(1, static_cast<int64_t>(std::min<uint64_t>(q.after_seq, INT64_MAX)));
    st.Int(2, static_cast<int64_t>(std::min<uint64_t>(q.before_seq, INT64_MAX)));
    st.Int(3, q.from);
    st.Int(4, q.to);
    st.Text(5, q.actor);
    st.Text(6, q.action);
    st.Text(7, q.target);
    st.Int(8, ClampLimit(q.limit));
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) ReadAudit(st, &out.emplace_back());
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing the audit log", lease.conn().db());
    return out;
  }

  Status ForEachAudit(uint64_t from_seq,
                      const std::function<Status(const AuditRecord&)>& fn) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    {
      QY_STMT(st, c, kAuditFrom);
      st.Int(1, static_cast<int64_t>(std::min<uint64_t>(from_seq, INT64_MAX)));
      AuditRecord r;
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        ReadAudit(st, &r);
        RETURN_IF_ERROR(fn(r));
      }
      if (rc != SQLITE_DONE) return SqliteError(rc, "reading the audit log", c.db());
    }
    return txn.Commit();
  }

  Status TrimAuditBefore(uint64_t seq) override {
    std::lock_guard lock(write_mu_);
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    uint64_t last_removed = 0;
    std::string hash;
    {
      QY_STMT(st, c, kLastAuditBelow);
      st.Int(1, static_cast<int64_t>(std::min<uint64_t>(seq, INT64_MAX)));
      int rc = st.Step();
      if (rc == SQLITE_DONE) return Status::Ok();  // nothing below seq
      if (rc != SQLITE_ROW) return SqliteError(rc, "trimming the audit log", c.db());
      last_removed = static_cast<uint64_t>(st.ColInt(0));
      hash = st.ColText(1);
    }
    // The anchor first: the delete trigger lets only records at or below it go.
    {
      QY_STMT(st, c, kUpsertAuditAnchor);
      st.Int(1, static_cast<int64_t>(last_removed));
      st.Text(2, hash);
      RETURN_IF_ERROR(StepDone(st, c, "moving the audit anchor"));
    }
    {
      QY_STMT(st, c, kDeleteAuditThrough);
      st.Int(1, static_cast<int64_t>(last_removed));
      RETURN_IF_ERROR(StepDone(st, c, "trimming the audit log"));
    }
    return txn.Commit();
  }

  StatusOr<std::optional<AuditAnchor>> GetAuditAnchor() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    return AuditAnchorOn(lease.conn());
  }

 private:
  static StatusOr<std::optional<AuditAnchor>> AuditAnchorOn(Connection& c) {
    QY_STMT(st, c, kSelectAuditAnchor);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<AuditAnchor>();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading the audit anchor", c.db());
    return std::optional<AuditAnchor>(
        AuditAnchor{static_cast<uint64_t>(st.ColInt(0)), st.ColText(1)});
  }

  // A connection to read with: a pooled reader connection for a file, or the writer
  // connection (with the write lock held) for an in-memory database.
  class ReadLease {
   public:
    ReadLease(SqliteStore* store, std::unique_ptr<Connection> conn)
        : store_(store), owned_(std::move(conn)), conn_(owned_.get()) {}
    ReadLease(std::unique_lock<std::mutex> lock, Connection* conn)
        : lock_(std::move(lock)), conn_(conn) {}
    ReadLease(ReadLease&&) = default;
    ReadLease& operator=(ReadLease&&) = delete;
    ~ReadLease() {
      if (owned_ != nullptr) store_->ReturnReader(std::move(owned_));
    }
    Connection& conn() { return *conn_; }

   private:
    SqliteStore* store_ = nullptr;
    std::unique_ptr<Connection> owned_;
    std::unique_lock<std::mutex> lock_;
    Connection* conn_;
  };

  StatusOr<ReadLease> Reader() {
    if (memory_) return ReadLease(std::unique_lock(write_mu_), writer_.get());
    const uint64_t generation = drop_generation_.load();
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_readers_.empty()) {
        std::unique_ptr<Connection> c = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        if (c->drop_generation != generation) {
          c->ClearCache();  // it may hold statements on dropped day tables
          c->drop_generation = generation;
        }
        return ReadLease(this, std::move(c));
      }
    }
    ASSIGN_OR_RETURN(
        std::unique_ptr<Connection> c,
        Connection::Open(path_, read_only_ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE));
    RETURN_IF_ERROR(c->Exec("PRAGMA query_only = ON"));
    c->drop_generation = generation;
    return ReadLease(this, std::move(c));
  }

  void ReturnReader(std::unique_ptr<Connection> c) {
    std::lock_guard lock(pool_mu_);
    if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(c));
  }

  // WAL checkpoints (copying committed pages from the WAL into the database file, with an
  // fsync) run on a background thread with its own connection, so that Apply never waits for
  // them: SQLite's automatic checkpoint, which runs inside the committing writer, is replaced
  // by a WAL hook that wakes the thread once the WAL holds kWalCheckpointBytes. Should the
  // thread fall behind until the WAL holds kMaxWalBytes, the writer checkpoints itself.
  static constexpr int64_t kWalCheckpointBytes = 64 << 20;
  // How much the commits add to the WAL between two starts of its writeback (StartWriteback).
  static constexpr int64_t kWritebackBytes = 1 << 20;
  static constexpr int64_t kMaxWalBytes = 1 << 30;

  // REQUIRES: write_mu_ held; a file database, migrated.
  Status StartWalCheckpointer(const StoreOptions& options) {
    int64_t page_size = 4096;
    {
      QY_STMT(st, *writer_, "PRAGMA page_size");
      if (st.Step() == SQLITE_ROW && st.ColInt(0) > 0) page_size = st.ColInt(0);
    }
    wal_checkpoint_pages_ = static_cast<int>(kWalCheckpointBytes / page_size);
    writeback_pages_ = static_cast<int>(kWritebackBytes / page_size);
    max_wal_pages_ = static_cast<int>(kMaxWalBytes / page_size);
    ASSIGN_OR_RETURN(wal_checkpointer_, Connection::Open(path_, SQLITE_OPEN_READWRITE));
    // synchronous is per connection; the checkpointer is the one that syncs.
    RETURN_IF_ERROR(wal_checkpointer_->Exec(options.sync_full ? "PRAGMA synchronous = FULL"
                                                              : "PRAGMA synchronous = NORMAL"));
    sqlite3_wal_hook(writer_->db(), &SqliteStore::OnWalCommit, this);
    wal_checkpoint_thread_ = std::thread([this] { WalCheckpointLoop(); });
    return Status::Ok();
  }

  // Called by SQLite in the writer's thread after each commit, with the WAL's size in pages.
  static int OnWalCommit(void* self_arg, sqlite3* db, const char* /*schema*/, int wal_pages) {
    auto* self = static_cast<SqliteStore*>(self_arg);
    self->StartWriteback(wal_pages);
    if (wal_pages >= self->max_wal_pages_) {
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (wal_pages >= self->wal_checkpoint_pages_) {
      {
        std::lock_guard lock(self->wal_ckpt_mu_);
        self->wal_ckpt_requested_ = true;
      }
      self->wal_ckpt_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // Starts the kernel's writeback of what the commits wrote to the WAL and the checkpointer
  // copied into the database file, without waiting for it. Left alone, the kernel keeps those
  // pages dirty until a checkpoint's fsync pushes 64 MB to disk at once, and the event log's
  // fdatasync on the same disk waits behind it: group commits of 100 ms and more, while every
  // device waits for its answer. Started at each commit, the same bytes go out in slices (as
  // RocksDB's bytes_per_sync and PostgreSQL's checkpoint_flush_after do). Durability does not
  // rest on it: the checkpoint still syncs. Runs in the writer's thread (the WAL hook), once
  // kWritebackBytes have been added to the WAL since the last start (or the WAL was
  // restarted), so that small commits (the audit log's, one per request under a load of
  // single-record requests) do not each cost two system calls and a trickle of small writes.
  void StartWriteback(int wal_pages) {
    if (!writeback_) return;
    if (wal_pages >= writeback_wal_pages_ && wal_pages - writeback_wal_pages_ < writeback_pages_) {
      return;
    }
    writeback_wal_pages_ = wal_pages;
    writeback_->Start();
  }

  void WalCheckpointLoop() {
    NameThisThread("qy-wal-ckpt");
    LowerThisThreadPriority(kBackgroundNice);
    std::unique_lock lock(wal_ckpt_mu_);
    while (true) {
      wal_ckpt_cv_.wait(lock, [this] { return wal_ckpt_requested_ || wal_ckpt_stop_; });
      if (wal_ckpt_stop_) return;
      wal_ckpt_requested_ = false;
      lock.unlock();
      CheckpointWal();
      lock.lock();
    }
  }

  // Runs on the checkpoint thread. A failure (busy, I/O) is left for the next request: the
  // data is safe in the WAL.
  void CheckpointWal() {
    sqlite3* db = wal_checkpointer_->db();
    // PASSIVE copies what no reader still needs and never blocks the writer or readers.
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) !=
        SQLITE_OK) {
      return;
    }
    // SQLite starts the WAL over only if it was wholly copied when the next write transaction
    // began; under steady ingest the writer has always begun its next one by then, and the WAL
    // would grow without end. So copy the rest (what was committed meanwhile: little) with
    // writers held off; the next transaction then writes from the start of the WAL again.
    std::lock_guard lock(write_mu_);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

  // A read-only store cannot migrate: it serves only a database at this build's schema.
  // REQUIRES: write_mu_ held.
  Status CheckSchemaReadOnly() {
    Connection& c = *writer_;
    int current = 0;
    {
      QY_STMT(st, c, "SELECT coalesce(max(version), 0) FROM schema_migrations");
      int rc = st.Step();
      if (rc != SQLITE_ROW) {
        return SqliteError(rc, "reading the schema version of \"" + path_ + "\"", c.db());
      }
      current = static_cast<int>(st.ColInt(0));
    }
    if (current != kLatestSchemaVersion) {
      return FailedPrecondition(
          "database schema version " + std::to_string(current) + " is not this build's (" +
          std::to_string(kLatestSchemaVersion) +
          "); a read-only open cannot migrate it: open it once read-write (quanyu serve) or use "
          "a matching build");
    }
    schema_version_ = current;
    return Status::Ok();
  }

  // REQUIRES: write_mu_ held.
  Status Migrate() {
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    RETURN_IF_ERROR(
        c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version INTEGER PRIMARY KEY NOT NULL,"
               " description TEXT NOT NULL,"
               " applied INTEGER NOT NULL)"));  // UTC microseconds
    int current = 0;
    {
      QY_STMT(st, c, "SELECT coalesce(max(version), 0) FROM schema_migrations");
      int rc = st.Step();
      if (rc != SQLITE_ROW) return SqliteError(rc, "reading schema version", c.db());
      current = static_cast<int>(st.ColInt(0));
    }
    if (current > kLatestSchemaVersion) {
      return FailedPrecondition("database schema version " + std::to_string(current) +
                                " is newer than this build supports (" +
                                std::to_string(kLatestSchemaVersion) + "); upgrade quanyu");
    }
    for (const Migration& m : SqliteMigrations()) {
      if (m.version <= current) continue;
      Status s = c.Exec(m.sql);
      if (s.ok() && m.version == 2) s = MoveVersion1Passages();
      if (!s.ok()) {
        return Status(s.code(), "schema migration " + std::to_string(m.version) + " (" +
                                    std::string(m.description) + "): " + s.message());
      }
      QY_STMT(st, c,
              "INSERT INTO schema_migrations (version, description, applied) "
              "VALUES (?1, ?2, ?3)");
      st.Int(1, m.version);
      st.Text(2, m.description);
      st.Int(3, SystemClock::Get()->Now());
      RETURN_IF_ERROR(StepDone(st, c, "recording schema migration"));
      current = m.version;
    }
    RETURN_IF_ERROR(txn.Commit());
    schema_version_ = current;
    return Status::Ok();
  }

  // REQUIRES: write_mu_ held.
  Status UpsertCheckpoint(const Checkpoint& cp) {
    QY_STMT(st, *writer_, kUpsertCheckpoint);
    std::string directions = EncodeIntArray(cp.directions);
    st.Text(1, cp.id);
    st.Text(2, cp.name);
    st.Double(3, cp.position.lng);
    st.Double(4, cp.position.lat);
    st.Text(5, directions);
    st.Int(6, cp.lanes);
    st.Text(7, CheckpointStatusText(cp.status));
    st.Text(8, cp.division_code);
    st.Int(9, cp.created);
    st.Int(10, cp.updated);
    return StepDone(st, *writer_, "writing checkpoint " + cp.id);
  }

  // --- passages: the write path. Everything here REQUIRES write_mu_ held.

  // A day table as the writer knows it: its statements (cached on writer_) and the set of id
  // hashes stored in it.
  struct DayState {
    std::string table;
    PartitionSql sql;
    sqlite3_stmt* insert = nullptr;
    sqlite3_stmt* insert_many = nullptr;  // kRowsPerInsert rows in one statement
    IdSet ids;
    uint64_t last_used = 0;
  };

  // Index entries of the rows one Apply inserted into one day.
  struct PendingDay {
    std::array<std::vector<IndexEntry>, internal::kIndexKinds> entries;
    int64_t added = 0;
  };

  // A row InsertPassages has given its key, waiting to be inserted (FlushRows).
  struct PendingRow {
    int64_t k;
    const PassageRecord* p;
    int64_t cp;
    size_t rest_at, rest_size;  // its rest blob in rests_
  };

  Status ApplyLocked(const ApplyBatch& b) {
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));
    RETURN_IF_ERROR(NoticeOtherWriters());
    RETURN_IF_ERROR(InsertPassages(b.passages));

    if (!b.quarantine.empty()) {
      QY_STMT(st, c, kInsertQuarantine);
      for (const QuarantineEntry& q : b.quarantine) {
        st.Text(1, q.id);
        st.Int(2, q.received);
        st.Text(3, SourceText(q.source));
        st.Text(4, q.record_id);
        st.Text(5, q.code);
        st.Text(6, q.field);
        st.Text(7, q.message);
        st.Text(8, q.payload);
        st.Text(9, q.state);
        st.Int(10, q.resolved);
        st.Text(11, q.resolution_note);
        int rc = st.Step();
        if (rc != SQLITE_DONE) {
          return SqliteError(rc, "inserting quarantine entry " + q.id, c.db());
        }
        st.Reset();
      }
    }

    if (!b.resolutions.empty()) {
      QY_STMT(st, c, kResolveQuarantine);
      for (const QuarantineResolution& r : b.resolutions) {
        st.Text(1, r.id);
        st.Text(2, r.state);
        st.Int(3, r.resolved);
        st.Text(4, r.note);
        int rc = st.Step();
        if (rc != SQLITE_DONE) {
          return SqliteError(rc, "resolving quarantine entry " + r.id, c.db());
        }
        st.Reset();  // no such entry: ignored (see store.h)
      }
    }

    if (!b.log_positions.empty()) {
      QY_STMT(st, c, kUpsertLogPosition);
      for (const auto& [partition, next_seq] : b.log_positions) {
        st.Int(1, partition);
        st.Int(2, static_cast<int64_t>(next_seq));
        RETURN_IF_ERROR(StepDone(st, c, "recording log position"));
        st.Reset();
      }
    }
    return txn.Commit();
  }

  // The writer's caches (days_, name_nums_) describe the database as of its last transaction;
  // another connection (another process) may have written since. REQUIRES: in a write
  // transaction.
  Status NoticeOtherWriters() {
    QY_STMT(st, *writer_, "PRAGMA data_version");
    int rc = st.Step();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading data_version", writer_->db());
    int64_t version = st.ColInt(0);
    if (version != data_version_) {
      ForgetPassageCaches();
      data_version_ = version;
    }
    return Status::Ok();
  }

  void ForgetPassageCaches() {
    rows_.clear();
    rests_.clear();
    rows_day_ = nullptr;
    days_.clear();
    last_day_ = nullptr;
    name_nums_.clear();
  }

  // Keeps the kMaxIdSets most recently used days.
  void EvictDays() {
    while (days_.size() > kMaxIdSets) {
      auto oldest = days_.begin();
      for (auto it = days_.begin(); it != days_.end(); ++it) {
        if (it->second->last_used < oldest->second->last_used) oldest = it;
      }
      if (oldest->second.get() == last_day_) last_day_ = nullptr;
      days_.erase(oldest);
    }
  }

  // Inserts the passages whose id the day does not hold yet, then writes the index runs of
  // what it inserted and the days' counts. REQUIRES: in a write transaction.
  Status InsertPassages(std::span<const PassageRecord> ps) {
    if (ps.empty()) return Status::Ok();
    pending_.clear();
    row_keys_.clear();
    for (const PassageRecord& p : ps) {
      row_keys_.push_back({internal::SplitPassTime(p.pass_time), internal::KeyHash(p.id)});
    }
    // How many records ahead the day's id set is prefetched.
    constexpr size_t kPrefetchAhead = 16;
    for (size_t i = 0; i < ps.size(); ++i) {
      const PassageRecord& p = ps[i];
      const auto [dt, id_key] = row_keys_[i];
      ASSIGN_OR_RETURN(DayState * day, Day(dt.day));
      if (i + kPrefetchAhead < ps.size() && row_keys_[i + kPrefetchAhead].first.day == dt.day) {
        day->ids.Prefetch(row_keys_[i + kPrefetchAhead].second);
      }
      if (day != rows_day_) RETURN_IF_ERROR(FlushRows());
      if (day->ids.Contains(id_key)) {
        RETURN_IF_ERROR(FlushRows());  // IdStored reads the rows inserted so far
        ASSIGN_OR_RETURN(bool stored, IdStored(dt.day, *day, id_key, p.id));
        if (stored) continue;
      }
      ASSIGN_OR_RETURN(int64_t cp, NameNum(p.checkpoint_id));
      ASSIGN_OR_RETURN(int64_t device, NameNum(p.device_id));
      const size_t rest_at = rests_.size();
      internal::EncodePassageRest(p, device, &rest_buf_);
      rests_ += rest_buf_;
      const int64_t k = internal::RowKey(dt.offset, seq_++);
      rows_.push_back({k, &p, cp, rest_at, rest_buf_.size()});
      rows_day_ = day;
      day->ids.Insert(id_key);
      PendingDay& pending = pending_[dt.day];
      pending.entries[static_cast<int>(IndexKind::kId)].push_back({id_key, k});
      if (!p.plate.empty()) {
        pending.entries[static_cast<int>(IndexKind::kPlate)].push_back(
            {internal::KeyHash(p.plate), k});
      }
      pending.entries[static_cast<int>(IndexKind::kCheckpoint)].push_back(
          {static_cast<uint32_t>(cp), k});
      ++pending.added;
      if (rows_.size() == kRowsPerInsert) RETURN_IF_ERROR(FlushRows());
    }
    RETURN_IF_ERROR(FlushRows());
    Connection& c = *writer_;
    for (auto& [day, pending] : pending_) {
      for (int kind = 0; kind < internal::kIndexKinds; ++kind) {
        std::vector<IndexEntry>& entries = pending.entries[kind];
        if (entries.empty()) continue;
        internal::SortIndexEntries(&entries, &sort_scratch_);
        block_buf_.clear();
        internal::AppendIndexEntries(entries, &block_buf_);
        RETURN_IF_ERROR(WriteRun(day, kind, block_buf_));
        RETURN_IF_ERROR(CompactRuns(day, kind));
      }
      QY_STMT(st, c, kAddPartitionRows);
      st.Int(1, day);
      st.Int(2, pending.added);
      RETURN_IF_ERROR(StepDone(st, c, "counting passages"));
    }
    pending_.clear();
    return Status::Ok();
  }

  // Rows are inserted kRowsPerInsert at a time, in one statement and in key order: SQLite then
  // keeps its cursor between the rows and, as they mostly go to the end of the table, appends
  // them without a search from the root.
  static constexpr int kColumnsPerRow = 5;  // k, id, plate, cp, rest

  // Inserts the rows buffered by InsertPassages into rows_day_. A row whose key another row
  // already has (seq restarts with the process) is ignored by the INSERT and inserted again
  // under the next free key; its index entries follow it.
  Status FlushRows() {
    if (rows_.empty()) return Status::Ok();
    Connection& c = *writer_;
    DayState& day = *rows_day_;
    std::sort(rows_.begin(), rows_.end(),
              [](const PendingRow& a, const PendingRow& b) { return a.k < b.k; });
    size_t done = 0;
    if (rows_.size() == kRowsPerInsert) {
      Stmt st(day.insert_many);
      for (size_t r = 0; r < kRowsPerInsert; ++r) {
        BindRow(st, static_cast<int>(r) * kColumnsPerRow, rows_[r]);
      }
      int rc = st.Step();
      if (rc != SQLITE_DONE) return SqliteError(rc, "inserting passages into " + day.table, c.db());
      if (static_cast<size_t>(sqlite3_changes(c.db())) < kRowsPerInsert) {
        // Some keys were taken: find which rows are not there, and insert them one by one.
        QY_STMT(by_k, c, day.sql.by_k);
        for (PendingRow& row : rows_) {
          by_k.Int(1, row.k);
          rc = by_k.Step();
          if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            return SqliteError(rc, "reading passage", c.db());
          }
          const bool there = rc == SQLITE_ROW && by_k.ColView(1) == row.p->id;
          by_k.Reset();
          if (!there) RETURN_IF_ERROR(InsertRow(day, &row));
        }
      }
      done = kRowsPerInsert;
    }
    for (size_t r = done; r < rows_.size(); ++r) RETURN_IF_ERROR(InsertRow(day, &rows_[r]));
    rows_.clear();
    rests_.clear();
    rows_day_ = nullptr;
    return Status::Ok();
  }

  // Inserts one buffered row, moving it to the next free key if its own is taken.
  Status InsertRow(DayState& day, PendingRow* row) {
    Connection& c = *writer_;
    Stmt st(day.insert);
    BindRow(st, 0, *row);
    const int64_t first_k = row->k;
    for (uint64_t tries = 0;; ++tries) {
      if (tries > internal::kSeqMask) return Internal("no free row key for passage " + row->p->id);
      if (tries > 0) {
        row->k = internal::RowKey(internal::RowKeyOffset(first_k), seq_++);
        st.Int(1, row->k);
      }
      int rc = st.Step();
      if (rc != SQLITE_DONE) return SqliteError(rc, "inserting passage " + row->p->id, c.db());
      bool inserted = sqlite3_changes(c.db()) > 0;
      st.Reset();
      if (inserted) break;
    }
    if (row->k != first_k) {
      // The index entries name the row by its key.
      for (auto& [d, pending] : pending_) {
        for (auto& entries : pending.entries) {
          for (IndexEntry& e : entries) {
            if (e.k == first_k) e.k = row->k;
          }
        }
      }
    }
    return Status::Ok();
  }

  void BindRow(Stmt& st, int at, const PendingRow& row) const {
    st.Int(at + 1, row.k);
    st.Text(at + 2, row.p->id);
    st.TextOrNull(at + 3, row.p->plate);
    st.Int(at + 4, row.cp);
    st.Blob(at + 5, std::string_view(rests_).substr(row.rest_at, row.rest_size));
  }

  // The writer's state of day d, creating its table if it has none.
  StatusOr<DayState*> Day(int64_t d) {
    if (last_day_ != nullptr && last_day_num_ == d) return last_day_;
    auto it = days_.find(d);
    if (it == days_.end()) {
      ASSIGN_OR_RETURN(std::unique_ptr<DayState> state, LoadDay(d));
      it = days_.emplace(d, std::move(state)).first;
    }
    it->second->last_used = ++use_tick_;
    last_day_ = it->second.get();
    last_day_num_ = d;
    return last_day_;
  }

  StatusOr<std::unique_ptr<DayState>> LoadDay(int64_t d) {
    Connection& c = *writer_;
    auto state = std::make_unique<DayState>();
    bool exists = false;
    {
      QY_STMT(st, c, kSelectPartition);
      st.Int(1, d);
      int rc = st.Step();
      if (rc == SQLITE_ROW) {
        state->table = st.ColText(0);
        exists = true;
      } else if (rc != SQLITE_DONE) {
        return SqliteError(rc, "reading passage days", c.db());
      }
    }
    if (!exists) {
      state->table = internal::PartitionTableName(d);
      RETURN_IF_ERROR(c.Exec(PassagePartitionDdl(state->table)));
      QY_STMT(st, c, kInsertPartition);
      st.Int(1, d);
      st.Text(2, state->table);
      RETURN_IF_ERROR(StepDone(st, c, "creating " + state->table));
    }
    state->sql = MakePartitionSql(state->table);
    ASSIGN_OR_RETURN(state->insert, c.Prepare(state->sql.insert));
    ASSIGN_OR_RETURN(state->insert_many, c.Prepare(state->sql.insert_many));
    if (exists) {
      QY_STMT(st, c, kDayIdBlocks);
      st.Int(1, d);
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        std::string_view data = st.ColBlob(0);
        if (data.size() % internal::kIndexEntryBytes != 0) {
          return DataLoss("passage index of " + state->table + " is damaged");
        }
        size_t n = data.size() / internal::kIndexEntryBytes;
        for (size_t i = 0; i < n; ++i) state->ids.Insert(internal::IndexEntryAt(data, i).key);
      }
      if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage index", c.db());
    }
    return state;
  }

  // Whether day d holds a passage with this id (whose KeyHash is `key`), counting the rows
  // this transaction inserted.
  StatusOr<bool> IdStored(int64_t d, DayState& day, uint32_t key, std::string_view id) {
    std::vector<int64_t> ks;
    if (auto it = pending_.find(d); it != pending_.end()) {
      for (const IndexEntry& e : it->second.entries[static_cast<int>(IndexKind::kId)]) {
        if (e.key == key) ks.push_back(e.k);
      }
    }
    RETURN_IF_ERROR(CollectRunKeys(*writer_, d, IndexKind::kId, key, INT64_MIN, INT64_MAX, &ks));
    QY_STMT(st, *writer_, day.sql.by_k);
    for (int64_t k : ks) {
      st.Int(1, k);
      int rc = st.Step();
      if (rc == SQLITE_ROW && st.ColView(1) == id) return true;
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return SqliteError(rc, "reading passage", writer_->db());
      }
      st.Reset();
    }
    return false;
  }

  // The number of a checkpoint or device id in passage_names, adding it if new.
  StatusOr<int64_t> NameNum(std::string_view name) {
    if (auto it = name_nums_.find(name); it != name_nums_.end()) return it->second;
    Connection& c = *writer_;
    int64_t num = 0;
    {
      QY_STMT(st, c, kSelectNameNum);
      st.Text(1, name);
      int rc = st.Step();
      if (rc == SQLITE_ROW) {
        num = st.ColInt(0);
      } else if (rc != SQLITE_DONE) {
        return SqliteError(rc, "reading passage names", c.db());
      }
    }
    if (num == 0) {
      QY_STMT(st, c, kInsertName);
      st.Text(1, name);
      RETURN_IF_ERROR(StepDone(st, c, "adding a passage name"));
      num = sqlite3_last_insert_rowid(c.db());
    }
    if (num <= 0 || num > static_cast<int64_t>(UINT32_MAX)) {
      return Internal("passage name number out of range: " + std::to_string(num));
    }
    name_nums_.emplace(std::string(name), num);
    return num;
  }

  // Appends one run to day d's index of `kind`: its entries, sorted and encoded
  // (internal::AppendIndexEntries), cut into blocks of kIndexBlockEntries.
  Status WriteRun(int64_t day, int kind, std::string_view encoded) {
    Connection& c = *writer_;
    const size_t n = encoded.size() / internal::kIndexEntryBytes;
    {
      QY_STMT(st, c, kInsertRun);
      st.Int(1, day);
      st.Int(2, kind);
      st.Int(3, static_cast<int64_t>(n));
      RETURN_IF_ERROR(StepDone(st, c, "writing passage index"));
    }
    const int64_t run = sqlite3_last_insert_rowid(c.db());
    QY_STMT(st, c, kInsertBlock);
    for (size_t at = 0; at < n; at += kIndexBlockEntries) {
      const size_t count = std::min(kIndexBlockEntries, n - at);
      const std::string_view block =
          encoded.substr(at * internal::kIndexEntryBytes, count * internal::kIndexEntryBytes);
      const IndexEntry last = internal::IndexEntryAt(block, count - 1);
      st.Int(1, run);
      st.Int(2, last.key);
      st.Int(3, last.k);
      st.Blob(4, block);
      RETURN_IF_ERROR(StepDone(st, c, "writing passage index"));
      st.Reset();
    }
    return Status::Ok();
  }

  // Merges runs of day d's index of `kind` while internal::kRunsPerMerge of them share a size
  // class, so that a day has a few runs per size class (a logarithmic number in all).
  Status CompactRuns(int64_t day, int kind) {
    Connection& c = *writer_;
    while (true) {
      std::map<int, std::vector<int64_t>> by_class;
      {
        QY_STMT(st, c, kSelectRuns);
        st.Int(1, day);
        st.Int(2, kind);
        int rc;
        while ((rc = st.Step()) == SQLITE_ROW) {
          by_class[internal::RunSizeClass(st.ColInt(1))].push_back(st.ColInt(0));
        }
        if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage index", c.db());
      }
      const std::vector<int64_t>* runs = nullptr;
      for (const auto& [size_class, members] : by_class) {
        if (members.size() >= static_cast<size_t>(internal::kRunsPerMerge)) {
          runs = &members;
          break;
        }
      }
      if (runs == nullptr) return Status::Ok();
      // Each run's blocks, in order, make up its encoded entries.
      merge_runs_.resize(runs->size());
      for (size_t i = 0; i < runs->size(); ++i) {
        const int64_t run = (*runs)[i];
        std::string& data = merge_runs_[i];
        data.clear();
        {
          QY_STMT(st, c, kRunBlocks);
          st.Int(1, run);
          int rc;
          while ((rc = st.Step()) == SQLITE_ROW) {
            const std::string_view block = st.ColBlob(0);
            if (block.empty() || block.size() % internal::kIndexEntryBytes != 0) {
              return DataLoss("passage index block of run " + std::to_string(run) + " is damaged");
            }
            data.append(block);
          }
          if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage index", c.db());
        }
        for (std::string_view sql : {kDeleteBlocks, kDeleteRun}) {
          QY_STMT(st, c, sql);
          st.Int(1, run);
          RETURN_IF_ERROR(StepDone(st, c, "merging passage index"));
        }
      }
      const std::vector<std::string_view> views(merge_runs_.begin(),
                                                merge_runs_.begin() + runs->size());
      block_buf_.clear();
      internal::MergeIndexRuns(views, &block_buf_);
      RETURN_IF_ERROR(WriteRun(day, kind, block_buf_));
    }
  }

  // --- passages: reading (any connection, inside a transaction for one snapshot).

  struct Partition {
    int64_t day = 0;
    std::string table;
  };

  // The days from `lo` to `hi` that have a table, newest or oldest first.
  static StatusOr<std::vector<Partition>> Partitions(Connection& c, int64_t lo, int64_t hi,
                                                     bool desc) {
    QY_STMT(st, c, desc ? kPartitionsDesc : kPartitionsAsc);
    st.Int(1, lo);
    st.Int(2, hi);
    std::vector<Partition> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) out.push_back({st.ColInt(0), st.ColText(1)});
    if (rc != SQLITE_DONE) return SqliteError(rc, "listing passage days", c.db());
    return out;
  }

  // Appends to *ks the row keys k in [klo, khi) that day d's index of `kind` lists under `key`,
  // in no particular order.
  static Status CollectRunKeys(Connection& c, int64_t day, IndexKind kind, uint32_t key,
                               int64_t klo, int64_t khi, std::vector<int64_t>* ks) {
    if (klo >= khi) return Status::Ok();
    const IndexEntry first{key, klo};
    // Takes the keys of one block from the first entry >= `first` on. *more: every entry to
    // the end of the block matched, so the run's next block may hold more; *last: its last.
    auto scan = [&](int64_t run, std::string_view data, bool* more, IndexEntry* last) {
      if (data.empty() || data.size() % internal::kIndexEntryBytes != 0) {
        return DataLoss("passage index block of run " + std::to_string(run) + " is damaged");
      }
      const size_t n = data.size() / internal::kIndexEntryBytes;
      size_t lo = 0, hi = n;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (internal::IndexEntryAt(data, mid) < first) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      *more = true;
      for (size_t i = lo; i < n; ++i) {
        IndexEntry e = internal::IndexEntryAt(data, i);
        if (e.key != key || e.k >= khi) {
          *more = false;
          break;
        }
        ks->push_back(e.k);
      }
      *last = internal::IndexEntryAt(data, n - 1);
      return Status::Ok();
    };
    // The first block of every run that may hold `first`, in one statement; most lookups
    // (an id, a plate) end in it.
    std::vector<std::pair<int64_t, IndexEntry>> unfinished;
    {
      QY_STMT(st, c, kFirstBlocks);
      st.Int(1, day);
      st.Int(2, static_cast<int>(kind));
      st.Int(3, key);
      st.Int(4, klo);
      int rc;
      while ((rc = st.Step()) == SQLITE_ROW) {
        if (st.IsNull(1)) continue;  // every entry of the run is before `first`
        bool more = false;
        IndexEntry last;
        RETURN_IF_ERROR(scan(st.ColInt(0), st.ColBlob(1), &more, &last));
        if (more) unfinished.push_back({st.ColInt(0), last});
      }
      if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage index", c.db());
    }
    for (const auto& [run, after] : unfinished) {
      QY_STMT(st, c, kRunBlocksAfter);
      st.Int(1, run);
      st.Int(2, after.key);
      st.Int(3, after.k);
      bool more = true;
      while (more) {
        int rc = st.Step();
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage index", c.db());
        IndexEntry last;
        RETURN_IF_ERROR(scan(run, st.ColBlob(0), &more, &last));
      }
    }
    return Status::Ok();
  }

  // Reads a day-table row (k, id, plate, cp, rest) of day d into *p.
  Status ReadRow(Connection& c, int64_t day, const Stmt& st, PassageRecord* p) {
    p->pass_time = internal::JoinPassTime(day, internal::RowKeyOffset(st.ColInt(0)));
    p->id.assign(st.ColView(1));
    p->plate.assign(st.ColView(2));  // NULL reads as empty
    RETURN_IF_ERROR(NameOf(c, st.ColInt(3), &p->checkpoint_id));
    int64_t device = 0;
    if (!internal::DecodePassageRest(st.ColBlob(4), p, &device)) {
      return DataLoss("passage \"" + p->id + "\": stored fields are damaged");
    }
    return NameOf(c, device, &p->device_id);
  }

  // The checkpoint or device id numbered `num` in passage_names. Names never change once
  // committed, so every connection shares one cache.
  Status NameOf(Connection& c, int64_t num, std::string* out) {
    {
      std::shared_lock lock(names_mu_);
      if (auto it = names_by_num_.find(num); it != names_by_num_.end()) {
        out->assign(it->second);
        return Status::Ok();
      }
    }
    QY_STMT(st, c, kSelectNameText);
    st.Int(1, num);
    int rc = st.Step();
    if (rc == SQLITE_DONE) {
      return DataLoss("passage names: no name numbered " + std::to_string(num));
    }
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage names", c.db());
    out->assign(st.ColView(0));
    std::unique_lock lock(names_mu_);
    names_by_num_.emplace(num, *out);
    return Status::Ok();
  }

  // The pass_time of a day's first or last row, if it has any.
  static StatusOr<std::optional<UnixMicros>> EdgePassTime(Connection& c, const Partition& day,
                                                          bool newest) {
    PartitionSql sql = MakePartitionSql(day.table);
    QY_STMT(st, c, newest ? sql.max_k : sql.min_k);
    int rc = st.Step();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage stats", c.db());
    if (st.IsNull(0)) return std::optional<UnixMicros>();
    return std::optional<UnixMicros>(
        internal::JoinPassTime(day.day, internal::RowKeyOffset(st.ColInt(0))));
  }

  // Migration 2: moves the rows of the schema-1 passages table into day tables, then drops it.
  // REQUIRES: write_mu_ held, in the migration's transaction.
  Status MoveVersion1Passages() {
    Connection& c = *writer_;
    static const std::string kPage = "SELECT " + std::string(kPassageColumnsV1) +
                                     ", rowid FROM passages WHERE rowid > ?1 ORDER BY rowid "
                                     "LIMIT 10000";
    int64_t after = INT64_MIN;
    std::vector<PassageRecord> page;
    while (true) {
      page.clear();
      {
        QY_STMT(st, c, kPage);
        st.Int(1, after);
        int rc;
        while ((rc = st.Step()) == SQLITE_ROW) {
          RETURN_IF_ERROR(ReadPassageV1(st, &page.emplace_back()));
          after = st.ColInt(15);
        }
        if (rc != SQLITE_DONE) return SqliteError(rc, "reading schema-1 passages", c.db());
      }
      if (page.empty()) break;
      RETURN_IF_ERROR(InsertPassages(page));
      EvictDays();  // the page's runs are written: a day evicted now reloads correctly
    }
    ForgetPassageCaches();  // the DROP below must not meet a cached statement
    c.ClearCache();
    return c.Exec("DROP TABLE passages");
  }

  static Status CheckBatch(const ApplyBatch& b) {
    for (size_t i = 0; i < b.passages.size(); ++i) {
      if (b.passages[i].id.empty()) {
        return InvalidArgument(ItemField("passages", i, "id"), "passage id is empty");
      }
    }
    for (size_t i = 0; i < b.quarantine.size(); ++i) {
      const QuarantineEntry& q = b.quarantine[i];
      if (q.id.empty()) {
        return InvalidArgument(ItemField("quarantine", i, "id"), "quarantine entry id is empty");
      }
      if (!IsQuarantineState(q.state)) {
        return InvalidArgument(ItemField("quarantine", i, "state"),
                               "unknown quarantine state \"" + q.state + "\"");
      }
    }
    for (size_t i = 0; i < b.resolutions.size(); ++i) {
      const QuarantineResolution& r = b.resolutions[i];
      if (r.id.empty()) {
        return InvalidArgument(ItemField("resolutions", i, "id"), "quarantine entry id is empty");
      }
      if (r.state != "replayed" && r.state != "discarded") {
        return InvalidArgument(
            ItemField("resolutions", i, "state"),
            "a resolution's state must be \"replayed\" or \"discarded\", not \"" + r.state + "\"");
      }
    }
    for (const auto& [partition, next_seq] : b.log_positions) {
      if (next_seq > static_cast<uint64_t>(INT64_MAX)) {
        return InvalidArgument("log_positions[" + std::to_string(partition) + "]",
                               "log sequence out of range");
      }
    }
    return Status::Ok();
  }

  const std::string path_;
  const bool memory_;
  const bool read_only_;
  int schema_version_ = 0;  // set by Init
  bool sync_full_ = false;  // set by Init

  // Set (for a file database) before any connection is opened, and declared before every
  // connection so that it outlives them (see WritebackFiles).
  std::optional<WritebackFiles> writeback_;

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_

  // Passage write path, guarded by write_mu_: what the writer knows of recent days and of
  // passage_names (both reloaded when another connection has written, see
  // NoticeOtherWriters), and scratch buffers.
  std::map<int64_t, std::unique_ptr<DayState>> days_;
  DayState* last_day_ = nullptr;  // the day of the last row, a shortcut into days_
  int64_t last_day_num_ = 0;
  uint64_t use_tick_ = 0;
  StringMap<int64_t> name_nums_;
  int64_t data_version_ = -1;
  uint64_t seq_ = 0;  // the low bits of row keys (see passage_layout.h)
  std::map<int64_t, PendingDay> pending_;
  std::vector<std::pair<DayTime, uint32_t>> row_keys_;  // per record of an Apply: day, id key
  std::string rest_buf_;
  // Rows InsertPassages has given keys but not yet inserted, all into rows_day_; their rest
  // blobs are in rests_.
  std::vector<PendingRow> rows_;
  DayState* rows_day_ = nullptr;
  std::string rests_;
  std::string block_buf_;  // a run's encoded entries, new or merged, on their way to WriteRun
  std::vector<IndexEntry> sort_scratch_;
  std::vector<std::string> merge_runs_;  // the encoded runs being merged

  // passage_names by number, for readers.
  std::shared_mutex names_mu_;
  std::unordered_map<int64_t, std::string> names_by_num_;  // guarded by names_mu_
  // Bumped whenever day tables are dropped: pooled readers then drop their statements.
  std::atomic<uint64_t> drop_generation_{0};

  // Background WAL checkpoints (file databases only); see StartWalCheckpointer.
  std::unique_ptr<Connection> wal_checkpointer_;  // used only by wal_checkpoint_thread_
  int wal_checkpoint_pages_ = 0;                  // set before the WAL hook is installed
  int max_wal_pages_ = 0;
  int writeback_pages_ = 0;      // kWritebackBytes in pages; set before the WAL hook is installed
  int writeback_wal_pages_ = 0;  // the WAL's size at the last StartWriteback; writer's thread
  std::mutex wal_ckpt_mu_;
  std::condition_variable wal_ckpt_cv_;
  bool wal_ckpt_requested_ = false;  // guarded by wal_ckpt_mu_
  bool wal_ckpt_stop_ = false;       // guarded by wal_ckpt_mu_
  std::thread wal_checkpoint_thread_;

  std::mutex pool_mu_;
  // Declared after writer_ so that readers close first and the writer, closing last, folds
  // the WAL back into the database.
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
};

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                 const StoreOptions& options) {
  bool memory = path == ":memory:";
  auto store = std::make_unique<SqliteStore>(path, memory, options.read_only);
  RETURN_IF_ERROR(store->Init(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace quanyu::store
