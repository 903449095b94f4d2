// The write-batching VFS under several connections to one database file, as the store uses it:
// a writer, readers, and a checkpointer of their own.
#include "store/write_batching_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "core/temp_dir.h"

namespace quanyu::store::internal {
namespace {

namespace fs = std::filesystem;

// One connection through the VFS; every statement must succeed.
class Db {
 public:
  explicit Db(const fs::path& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             WriteBatchingVfsName());
    if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errstr(rc));
    sqlite3_busy_timeout(db_, 5000);
    Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  }
  ~Db() { sqlite3_close_v2(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() { return db_; }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    std::string message = err != nullptr ? err : "";
    sqlite3_free(err);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << message;
  }

  // The single integer a query returns; fails the test on any error.
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
    if (rc != SQLITE_OK) return -1;
    rc = sqlite3_step(st);
    EXPECT_EQ(rc, SQLITE_ROW) << sql << ": " << sqlite3_errmsg(db_);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  }

  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW) {
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Inserts rows first..first+n-1 of about 1 KB each (four to a 4 KiB page).
std::string InsertRowsCte(int first, int n) {
  return "WITH RECURSIVE s(x) AS (SELECT " + std::to_string(first) +
         " UNION ALL SELECT x + 1 "
         "FROM s WHERE x < " +
         std::to_string(first + n - 1) +
         ") INSERT INTO t (id, v) SELECT x, randomblob(1000) FROM s";
}

class WriteBatchingVfsTest : public ::testing::Test {
 protected:
  fs::path DbPath() const { return dir_.path() / "t.db"; }
  TempDir dir_{"quanyu-vfs-"};
};

TEST_F(WriteBatchingVfsTest, AnotherConnectionSeesEveryCommitAtOnce) {
  Db writer(DbPath());
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  Db reader(DbPath());
  int64_t rows = 0;
  // Commits of 1 to 1,000 rows: most end part-way through a buffer, which must reach the
  // file before the reader can see the commit.
  for (int n : {1, 3, 40, 400, 1000, 7, 250}) {
    writer.Exec(InsertRowsCte(static_cast<int>(rows), n));
    rows += n;
    EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), rows);
    EXPECT_EQ(reader.Int("SELECT sum(length(v)) FROM t"), rows * 1000);
    EXPECT_EQ(reader.Text("PRAGMA quick_check"), "ok");
  }
}

TEST_F(WriteBatchingVfsTest, CheckpointsCopyEveryPageBeforeReadersUseTheDatabaseFile) {
  Db writer(DbPath());
  writer.Exec("PRAGMA wal_autocheckpoint = 0");
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  Db checkpointer(DbPath());
  writer.Exec(InsertRowsCte(0, 1000));
  // A reader holds the snapshot of 1,000 rows while 1,000 more are committed, so the first
  // checkpoint can copy only part of the WAL.
  Db old_reader(DbPath());
  old_reader.Exec("BEGIN");
  ASSERT_EQ(old_reader.Int("SELECT count(*) FROM t"), 1000);
  writer.Exec(InsertRowsCte(1000, 1000));
  int log = -1;
  int copied = -1;
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                      &copied),
            SQLITE_OK);
  EXPECT_GT(copied, 0);
  EXPECT_LT(copied, log);
  {
    Db reader(DbPath());
    EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 2000);
    EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
  }
  old_reader.Exec("COMMIT");
  ASSERT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log,
                                      &copied),
            SQLITE_OK);
  EXPECT_EQ(log, 0);  // wholly copied and the WAL emptied: readers now use the database file
  Db reader(DbPath());
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 2000);
  EXPECT_EQ(reader.Int("SELECT sum(length(v)) FROM t"), 2000 * 1000);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WriteBatchingVfsTest, ARolledBackTransactionThatSpilledLeavesNoTrace) {
  Db writer(DbPath());
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  writer.Exec(InsertRowsCte(0, 100));
  // A cache of 20 pages makes the transaction write frames to the WAL before its commit.
  writer.Exec("PRAGMA cache_size = 20");
  writer.Exec("BEGIN");
  writer.Exec(InsertRowsCte(100, 2000));
  writer.Exec("ROLLBACK");
  writer.Exec(InsertRowsCte(5000, 300));  // overwrites the rolled-back frames in the WAL
  Db reader(DbPath());
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 400);
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t WHERE id >= 100 AND id < 2100"), 0);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WriteBatchingVfsTest, CommitsSurviveClosingAndReopening) {
  {
    Db writer(DbPath());
    writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    writer.Exec(InsertRowsCte(0, 777));
    writer.Exec("BEGIN");
    writer.Exec("PRAGMA cache_size = 20");
    writer.Exec(InsertRowsCte(1000, 500));  // uncommitted when the connection closes
  }
  Db reader(DbPath());
  EXPECT_EQ(reader.Int("SELECT count(*) FROM t"), 777);
  EXPECT_EQ(reader.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(WriteBatchingVfsTest, ConsecutiveWritesReachTheFileTogether) {
  Db writer(DbPath());
  writer.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  WriteBatchingStats before = GetWriteBatchingStats();
  writer.Exec(InsertRowsCte(0, 4000));  // about 1,000 WAL frames of 4 KiB: 2,000 writes
  WriteBatchingStats after = GetWriteBatchingStats();
  int64_t requested = after.writes_requested - before.writes_requested;
  int64_t issued = after.writes_issued - before.writes_issued;
  EXPECT_GT(requested, 1500);
  // 31 frames per buffer: about 62 requested writes for each issued one.
  EXPECT_LT(issued * 40, requested) << issued << " of " << requested;
}

}  // namespace
}  // namespace quanyu::store::internal
