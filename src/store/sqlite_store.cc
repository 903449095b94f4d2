#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "store/migration.h"

namespace quanyu::store {
namespace {

using events::PassageRecord;
using events::QuarantineEntry;
using registry::Checkpoint;
using registry::CheckpointStatus;

constexpr int kBusyTimeoutMillis = 10'000;
// Reader connections kept open when idle; more are opened while many threads read at once.
constexpr size_t kMaxIdleReaders = 4;

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

// --- JSON arrays in TEXT columns.

// Length of the well-formed UTF-8 sequence starting at s[i] (a non-ASCII lead byte), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Appends `s` as a JSON string. Bytes that are not well-formed UTF-8 become U+FFFD, so the
// text always parses back.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

// ["a","b"]; empty output for an empty vector (stored as NULL).
void EncodeStringArray(const std::vector<std::string>& v, std::string* out) {
  out->clear();
  if (v.empty()) return;
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(v[i], out);
  }
  out->push_back(']');
}

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

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One SQLite connection with its cache of prepared statements. Used by one thread at a time
// (opened with SQLITE_OPEN_NOMUTEX; the store guarantees exclusive use).
class Connection {
 public:
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
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
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> cache_;
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

constexpr std::string_view kPassageColumns =
    "id, device_id, checkpoint_id, pass_time, lane, plate_status, plate, plate_color, "
    "plate_class, speed_kmh, vehicle_class, vehicle_color, direction, image_refs, received";

Status ReadPassage(const Stmt& st, PassageRecord* p) {
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

constexpr std::string_view kInsertPassage =
    "INSERT OR IGNORE INTO passages (id, device_id, checkpoint_id, pass_time, lane, "
    "plate_status, plate, plate_color, plate_class, speed_kmh, vehicle_class, vehicle_color, "
    "direction, image_refs, received) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
constexpr std::string_view kAddPassageCount =
    "UPDATE store_counters SET value = value + ?1 WHERE name = 'passages'";
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

const std::string kSelectPassage =
    "SELECT " + std::string(kPassageColumns) + " FROM passages WHERE id = ?1";
constexpr std::string_view kPassageIdsSince = "SELECT id FROM passages WHERE pass_time >= ?1";
constexpr std::string_view kPassageStats =
    "SELECT (SELECT value FROM store_counters WHERE name = 'passages'), "
    "(SELECT min(pass_time) FROM passages), (SELECT max(pass_time) FROM passages), "
    "(SELECT count(*) FROM quarantine), "
    "(SELECT count(*) FROM quarantine WHERE state = 'open')";
constexpr std::string_view kOpenQuarantineByCode =
    "SELECT code, count(*) FROM quarantine WHERE state = 'open' GROUP BY code";

const std::string kSelectQuarantine =
    "SELECT " + std::string(kQuarantineColumns) + " FROM quarantine WHERE id = ?1";

// FindPassages: one statement per combination of filters. Parameters: ?1 from, ?2 to,
// ?3 plate, ?4 checkpoint, ?5 limit. "plate = ?3" lets SQLite use the partial plate index;
// ties on pass_time are ordered by rowid so that every index satisfies the ORDER BY.
std::string FindPassagesSql(bool by_plate, bool by_checkpoint) {
  std::string sql = "SELECT " + std::string(kPassageColumns) +
                    " FROM passages WHERE pass_time >= ?1 AND pass_time < ?2";
  if (by_plate) sql += " AND plate = ?3";
  // With both, the unary + keeps SQLite on the (far more selective) plate index.
  if (by_checkpoint) sql += by_plate ? " AND +checkpoint_id = ?4" : " AND checkpoint_id = ?4";
  sql += " ORDER BY pass_time DESC, rowid DESC LIMIT ?5";
  return sql;
}
const std::string kFindPassages[2][2] = {
    {FindPassagesSql(false, false), FindPassagesSql(false, true)},
    {FindPassagesSql(true, false), FindPassagesSql(true, true)},
};

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

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, bool memory) : path_(std::move(path)), memory_(memory) {}

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
    if (writer_ != nullptr) (void)writer_->Exec("PRAGMA optimize");
  }

  Status Init(const StoreOptions& options) {
    std::lock_guard lock(write_mu_);
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
                      "PRAGMA cache_size = -65536;"               // 64 MiB of page cache
                      "PRAGMA journal_size_limit = 67108864;"));  // truncate the WAL to 64 MiB
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
    Connection& c = *writer_;
    Transaction txn(&c);
    RETURN_IF_ERROR(txn.Begin(/*write=*/true));

    if (!b.passages.empty()) {
      int64_t inserted = 0;
      {
        QY_STMT(st, c, kInsertPassage);
        for (const PassageRecord& p : b.passages) {
          BindPassage(st, p);
          int rc = st.Step();
          if (rc != SQLITE_DONE) return SqliteError(rc, "inserting passage " + p.id, c.db());
          inserted += sqlite3_changes(c.db());
          st.Reset();
        }
      }
      if (inserted > 0) {
        QY_STMT(st, c, kAddPassageCount);
        st.Int(1, inserted);
        RETURN_IF_ERROR(StepDone(st, c, "counting passages"));
      }
    }

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

  StatusOr<std::vector<PassageRecord>> FindPassages(const PassageQuery& q) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kFindPassages[!q.plate.empty()][!q.checkpoint_id.empty()]);
    st.Int(1, q.from);
    st.Int(2, q.to);
    st.Text(3, q.plate);
    st.Text(4, q.checkpoint_id);
    st.Int(5, ClampLimit(q.limit));
    std::vector<PassageRecord> out;
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
      RETURN_IF_ERROR(ReadPassage(st, &out.emplace_back()));
    }
    if (rc != SQLITE_DONE) return SqliteError(rc, "finding passages", lease.conn().db());
    return out;
  }

  StatusOr<std::optional<PassageRecord>> GetPassage(const std::string& id) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kSelectPassage);
    st.Text(1, id);
    int rc = st.Step();
    if (rc == SQLITE_DONE) return std::optional<PassageRecord>();
    if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage", lease.conn().db());
    std::optional<PassageRecord> p(std::in_place);
    RETURN_IF_ERROR(ReadPassage(st, &*p));
    return p;
  }

  Status ForEachPassageIdSince(UnixMicros since,
                               const std::function<void(std::string_view)>& fn) override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    QY_STMT(st, lease.conn(), kPassageIdsSince);
    st.Int(1, since);
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) fn(st.ColView(0));
    if (rc != SQLITE_DONE) return SqliteError(rc, "reading passage ids", lease.conn().db());
    return Status::Ok();
  }

  StatusOr<PassageStats> GetPassageStats() override {
    ASSIGN_OR_RETURN(ReadLease lease, Reader());
    Connection& c = lease.conn();
    Transaction txn(&c);  // one snapshot for both statements
    RETURN_IF_ERROR(txn.Begin(/*write=*/false));
    PassageStats stats;
    {
      QY_STMT(st, c, kPassageStats);
      int rc = st.Step();
      if (rc != SQLITE_ROW) return SqliteError(rc, "reading passage stats", c.db());
      stats.passages = st.ColInt(0);
      if (!st.IsNull(1)) stats.oldest_pass_time = st.ColInt(1);
      if (!st.IsNull(2)) stats.newest_pass_time = st.ColInt(2);
      stats.quarantined_total = st.ColInt(3);
      stats.quarantined_open = st.ColInt(4);
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

 private:
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
    {
      std::lock_guard lock(pool_mu_);
      if (!idle_readers_.empty()) {
        std::unique_ptr<Connection> c = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return ReadLease(this, std::move(c));
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, Connection::Open(path_, SQLITE_OPEN_READWRITE));
    RETURN_IF_ERROR(c->Exec("PRAGMA query_only = ON"));
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
  static constexpr int64_t kMaxWalBytes = 1 << 30;

  // REQUIRES: write_mu_ held; a file database, migrated.
  Status StartWalCheckpointer(const StoreOptions& options) {
    int64_t page_size = 4096;
    {
      QY_STMT(st, *writer_, "PRAGMA page_size");
      if (st.Step() == SQLITE_ROW && st.ColInt(0) > 0) page_size = st.ColInt(0);
    }
    wal_checkpoint_pages_ = static_cast<int>(kWalCheckpointBytes / page_size);
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

  void WalCheckpointLoop() {
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

  // REQUIRES: write_mu_ held (uses refs_buf_).
  void BindPassage(Stmt& st, const PassageRecord& p) {
    st.Text(1, p.id);
    st.Text(2, p.device_id);
    st.Text(3, p.checkpoint_id);
    st.Int(4, p.pass_time);
    st.Int(5, p.lane);
    st.Int(6, static_cast<int64_t>(p.plate_status));
    st.TextOrNull(7, p.plate);
    st.Int(8, p.plate_color);
    st.Text(9, p.plate_class);
    st.Double(10, std::isnan(p.speed_kmh) ? -1.0 : p.speed_kmh);  // NaN would bind as NULL
    st.Text(11, p.vehicle_class);
    st.Text(12, p.vehicle_color);
    st.Text(13, p.direction);
    EncodeStringArray(p.image_refs, &refs_buf_);
    st.TextOrNull(14, refs_buf_);
    st.Int(15, p.received);
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
  int schema_version_ = 0;  // set by Init

  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  std::string refs_buf_;                // guarded by write_mu_

  // Background WAL checkpoints (file databases only); see StartWalCheckpointer.
  std::unique_ptr<Connection> wal_checkpointer_;  // used only by wal_checkpoint_thread_
  int wal_checkpoint_pages_ = 0;                  // set before the WAL hook is installed
  int max_wal_pages_ = 0;
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
  auto store = std::make_unique<SqliteStore>(path, memory);
  RETURN_IF_ERROR(store->Init(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace quanyu::store
