// The SQLite schema, as migrations. Times are UTC microseconds (INTEGER).
//
// Index choices for passages (ingest speed vs. query speed): the table is a rowid table, so
// rows are appended in arrival order and only the indexes take random inserts. Four
// B-trees besides the table: the primary key on id (needed for INSERT OR IGNORE), (plate,
// pass_time) partial on plate IS NOT NULL (records without a readable plate store NULL and
// cost nothing there), (checkpoint_id, pass_time), and (pass_time) for time-window queries,
// the start-up id scan and min/max. No foreign key to checkpoints: checkpoints may be deleted
// while their history stays, and a per-row check would slow ingest.
//
// store_counters holds the number of stored passages, kept by Apply, so GetPassageStats does
// not scan the table.
#include <iterator>

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

constexpr Migration kMigrations[] = {
    {1, "checkpoints, passages, quarantine, log positions", kV1},
};

static_assert(std::size(kMigrations) == kLatestSchemaVersion);

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace quanyu::store
