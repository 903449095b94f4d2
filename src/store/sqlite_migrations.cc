// The SQLite schema, as migrations. Times are UTC microseconds (INTEGER).
//
// Version 1 kept passages in one table with four B-tree indexes (id, plate, checkpoint,
// pass_time). Random inserts into those indexes bounded ingest at a few tens of thousands of
// rows per second, falling as the table grew (every 10,000-row transaction dirtied thousands
// of index pages). Version 2 replaces it (see passage_layout.h):
//
//   passage_partitions  one row per local day (UTC+8) that holds passages: its table's name
//                       and how many passages it holds. Tables are created on demand, named
//                       passages_YYYYMMDD, with the layout of PassagePartitionDdl below.
//   passage_names       a dictionary of checkpoint and device ids, so that rows and index
//                       entries carry a small number instead of the text.
//   passage_runs        sorted runs of index entries (by id hash, plate hash, checkpoint), per
//   passage_blocks      day and kind, cut into blocks of at most kIndexBlockEntries entries;
//                       each block is keyed by its last entry so that a reader seeks to the
//                       block that holds a key.
//
// Migration 2 creates these and the sqlite backend then moves the version-1 rows into day
// tables (in the same transaction) and drops the version-1 table.
//
// Version 3 adds the audit log (see govern/audit.h for the hash chain):
//
//   audit_log     one row per record, keyed by its seq. Triggers make it append-only: no
//                 UPDATE; an INSERT only after the last record; a DELETE only of records at or
//                 below the anchor.
//   audit_anchor  at most one row: the seq and hash of the last record a retention trim
//                 removed. Triggers let it only move forward, only onto a stored record with
//                 that record's hash, and never be deleted. So a DELETE through SQL can only
//                 remove a prefix that the anchor then still vouches for, which is what
//                 Store::TrimAuditBefore does. The triggers stop mistakes and tools that go
//                 around the store; someone who can write the file can drop them, and the hash
//                 chain is what detects that.
//
// No foreign key from passages to checkpoints: checkpoints may be deleted while their history
// stays, and a per-row check would slow ingest.
#include <iterator>
#include <string>

#include "store/migration.h"

namespace quanyu::store {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE checkpoints (
  id            TEXT PRIMARY KEY NOT NULL,
  name          TEXT NOT NULL,
  lng           REAL NOT NULL,
  lat           REAL NOT NULL,
  directions    TEXT NOT NULL,   -- JSON array of bearings in degrees; [] = all directions
  lanes         INTEGER NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'faulty', 'retired')),
  division_code TEXT NOT NULL,
  created       INTEGER NOT NULL,
  updated       INTEGER NOT NULL
);
CREATE INDEX checkpoints_status ON checkpoints (status, id);

CREATE TABLE passages (
  id            TEXT PRIMARY KEY NOT NULL,
  device_id     TEXT NOT NULL,
  checkpoint_id TEXT NOT NULL,
  pass_time     INTEGER NOT NULL,
  lane          INTEGER NOT NULL,
  plate_status  INTEGER NOT NULL,  -- events::PlateStatus: 0 valid, 1 partial, 2 unreadable, 3 absent
  plate         TEXT,              -- NULL when empty
  plate_color   INTEGER NOT NULL,
  plate_class   TEXT NOT NULL,
  speed_kmh     REAL NOT NULL,     -- -1 = unknown
  vehicle_class TEXT NOT NULL,
  vehicle_color TEXT NOT NULL,
  direction     TEXT NOT NULL,
  image_refs    TEXT,              -- JSON array of strings; NULL when empty
  received      INTEGER NOT NULL
);
CREATE INDEX passages_plate_time ON passages (plate, pass_time) WHERE plate IS NOT NULL;
CREATE INDEX passages_checkpoint_time ON passages (checkpoint_id, pass_time);
CREATE INDEX passages_time ON passages (pass_time);

CREATE TABLE quarantine (
  id              TEXT PRIMARY KEY NOT NULL,
  received        INTEGER NOT NULL,
  source          TEXT NOT NULL,   -- "gat1400", "api", "replay"
  record_id       TEXT NOT NULL,
  code            TEXT NOT NULL,
  field           TEXT NOT NULL,
  message         TEXT NOT NULL,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('open', 'replayed', 'discarded')),
  resolved        INTEGER NOT NULL,
  resolution_note TEXT NOT NULL
);
CREATE INDEX quarantine_state ON quarantine (state, id);
CREATE INDEX quarantine_code ON quarantine (code, id);

CREATE TABLE log_positions (
  log_partition INTEGER PRIMARY KEY NOT NULL,
  next_seq      INTEGER NOT NULL
);

CREATE TABLE store_counters (
  name  TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);
INSERT INTO store_counters (name, value) VALUES ('passages', 0);
)sql";

constexpr std::string_view kV2 = R"sql(
CREATE TABLE passage_partitions (
  day      INTEGER PRIMARY KEY NOT NULL,  -- local day (UTC+8): days since 1970-01-01
  name     TEXT NOT NULL UNIQUE,          -- its table: passages_YYYYMMDD
  passages INTEGER NOT NULL               -- rows in it
);

CREATE TABLE passage_names (
  num  INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL UNIQUE               -- a checkpoint id or a device id
);

CREATE TABLE passage_runs (
  run     INTEGER PRIMARY KEY NOT NULL,
  day     INTEGER NOT NULL,               -- passage_partitions.day
  kind    INTEGER NOT NULL,               -- 0 id, 1 plate, 2 checkpoint
  entries INTEGER NOT NULL
);
CREATE INDEX passage_runs_day ON passage_runs (day, kind);

CREATE TABLE passage_blocks (
  block    INTEGER PRIMARY KEY NOT NULL,
  run      INTEGER NOT NULL,              -- passage_runs.run
  last_key INTEGER NOT NULL,              -- the block's last entry
  last_k   INTEGER NOT NULL,
  entries  BLOB NOT NULL                  -- sorted (key u32, k i64) pairs, little-endian
);
CREATE INDEX passage_blocks_run ON passage_blocks (run, last_key, last_k);

DELETE FROM store_counters WHERE name = 'passages';
)sql";

constexpr std::string_view kV3 = R"sql(
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY NOT NULL CHECK (seq > 0),
  time       INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  agency     TEXT NOT NULL,
  role       TEXT NOT NULL,
  action     TEXT NOT NULL,
  target     TEXT NOT NULL,
  purpose    TEXT NOT NULL,
  case_no    TEXT NOT NULL,
  request_id TEXT NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
  detail     TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (time);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_target ON audit_log (target, seq);

CREATE TABLE audit_anchor (
  id   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq > coalesce((SELECT seq FROM audit_anchor), 0)
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_insert_at_end BEFORE INSERT ON audit_log
WHEN NEW.seq <= coalesce((SELECT max(seq) FROM audit_log), (SELECT seq FROM audit_anchor), 0)
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: a record must follow the last one');
END;
CREATE TRIGGER audit_anchor_insert BEFORE INSERT ON audit_anchor
WHEN NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
BEGIN
  SELECT RAISE(ABORT, 'the audit anchor must name a stored audit record and its hash');
END;
CREATE TRIGGER audit_anchor_update BEFORE UPDATE ON audit_anchor
WHEN NEW.seq <= OLD.seq OR NEW.hash IS NOT (SELECT hash FROM audit_log WHERE seq = NEW.seq)
BEGIN
  SELECT RAISE(ABORT, 'the audit anchor only moves forward, onto a stored audit record');
END;
CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor
BEGIN
  SELECT RAISE(ABORT, 'the audit anchor cannot be deleted');
END;
)sql";

constexpr std::string_view kV4 = R"sql(
CREATE TABLE documents (
  kind    TEXT NOT NULL,                  -- agency, user, device, session
  id      TEXT NOT NULL,
  body    TEXT NOT NULL,                  -- JSON
  updated INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kV5 = R"sql(
CREATE TABLE alerts (
  id           INTEGER PRIMARY KEY NOT NULL CHECK (id > 0),
  created      INTEGER NOT NULL,
  updated      INTEGER NOT NULL,
  state        TEXT NOT NULL,
  type         TEXT NOT NULL,
  priority     INTEGER NOT NULL,
  ring_id      TEXT NOT NULL,
  owner_agency TEXT NOT NULL,
  plate        TEXT NOT NULL,
  record_id    TEXT NOT NULL,
  body         TEXT NOT NULL                -- JSON, owned by the rules module
);
CREATE INDEX alerts_state ON alerts (state, id);
CREATE INDEX alerts_plate ON alerts (plate, id);
CREATE INDEX alerts_record ON alerts (record_id);
CREATE INDEX alerts_updated ON alerts (updated);
-- The highest alert id ever stored, so ids are not reused after retention.
CREATE TABLE alert_high_water (
  one    INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),
  max_id INTEGER NOT NULL
);
)sql";

constexpr std::string_view kV6 = R"sql(
CREATE TABLE unit_fixes (
  unit_id   TEXT NOT NULL,
  time      INTEGER NOT NULL,             -- device time, UTC microseconds
  lng       REAL NOT NULL,
  lat       REAL NOT NULL,
  heading   REAL NOT NULL,                -- degrees, -1 unknown
  speed_kmh REAL NOT NULL,                -- -1 unknown
  status    TEXT NOT NULL,
  PRIMARY KEY (unit_id, time)
) WITHOUT ROWID;
CREATE INDEX unit_fixes_time ON unit_fixes (time, unit_id);
)sql";

constexpr Migration kMigrations[] = {
    {1, "checkpoints, passages, quarantine, log positions", kV1},
    {2, "passages partitioned by day, with index runs", kV2},
    {3, "audit log", kV3},
    {4, "governance documents (agencies, users, devices, sessions)", kV4},
    {5, "alerts", kV5},
    {6, "unit position fixes (AVL track history)", kV6},
};

static_assert(std::size(kMigrations) == kLatestSchemaVersion);

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

std::string PassagePartitionDdl(std::string_view table) {
  // k: see passage_layout.h. plate is NULL when empty; cp is the checkpoint's passage_names
  // number; rest holds every other field (EncodePassageRest).
  return "CREATE TABLE " + std::string(table) +
         " (\n"
         "  k     INTEGER PRIMARY KEY NOT NULL,\n"
         "  id    TEXT NOT NULL,\n"
         "  plate TEXT,\n"
         "  cp    INTEGER NOT NULL,\n"
         "  rest  BLOB NOT NULL\n"
         ")";
}

}  // namespace quanyu::store
