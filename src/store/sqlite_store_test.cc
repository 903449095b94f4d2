// The SQLite backend: the storage contract on ":memory:" and on a file, plus what only SQLite
// has (urls, WAL mode, the migrations table).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/temp_dir.h"
#include "store/migration.h"
#include "store/passage_layout.h"
#include "store/store.h"
#include "store/store_contract_test.h"

namespace quanyu::store::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class SqliteMemoryTarget : public StoreTarget {
 public:
  StatusOr<std::unique_ptr<Store>> Open() override {
    return Store::Open({.url = "sqlite::memory:"});
  }
  bool persistent() const override { return false; }
};

class SqliteFileTarget : public StoreTarget {
 public:
  StatusOr<std::unique_ptr<Store>> Open() override {
    return Store::Open({.url = "sqlite:" + (dir_.path() / "quanyu.db").string()});
  }
  bool persistent() const override { return true; }

 private:
  TempDir dir_;
};

StoreBackend SqliteMemoryBackend() {
  return {"SqliteMemory", [](std::string*) { return std::make_unique<SqliteMemoryTarget>(); }};
}
StoreBackend SqliteFileBackend() {
  return {"SqliteFile", [](std::string*) { return std::make_unique<SqliteFileTarget>(); }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(SqliteMemoryBackend(), SqliteFileBackend()),
                         StoreBackendName);

// Runs one statement on the database file with the plain SQLite API and returns the first
// column of the first row as text ("" if none).
std::string RawQuery(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int rc = sqlite3_step(stmt);
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(SqliteStoreTest, OpenRejectsUrlsItCannotServe) {
  EXPECT_EQ(Store::Open({.url = ""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Store::Open({.url = "sqlite:"}).status().code(), StatusCode::kInvalidArgument);
  Status s = Store::Open({.url = "mysql://db/quanyu"}).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "url");
  EXPECT_THAT(s.message(), HasSubstr("\"mysql\""));

  for (const char* url :
       {"postgresql://quanyu:secret@db.local/quanyu", "postgres://quanyu:secret@db/q"}) {
    s = Store::Open({.url = url}).status();
    EXPECT_EQ(s.code(), StatusCode::kUnimplemented) << url;
    EXPECT_THAT(s.message(), HasSubstr("PostgreSQL"));
    EXPECT_THAT(s.message(), Not(HasSubstr("secret")));  // never echo credentials
  }
}

TEST(SqliteStoreTest, OpenAcceptsPathAndUrlForms) {
  TempDir dir;
  fs::path db = dir.path() / "a.db";
  auto s1 = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  s1->reset();
  auto s2 = Store::Open({.url = "sqlite://" + db.string(), .sync_full = true});  // sqlite:///abs
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  EXPECT_TRUE(fs::exists(db));
}

TEST(SqliteStoreTest, FileDatabaseUsesWal) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(RawQuery(db, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteStoreTest, MigrationsAreRecordedOnceAcrossReopens) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  for (int i = 0; i < 3; ++i) {
    auto store = Store::Open({.url = "sqlite:" + db.string()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->SchemaVersion(), Store::LatestSchemaVersion());
  }
  EXPECT_EQ(RawQuery(db, "SELECT count(*) FROM schema_migrations"),
            std::to_string(Store::LatestSchemaVersion()));
  EXPECT_EQ(RawQuery(db, "SELECT max(version) FROM schema_migrations"),
            std::to_string(Store::LatestSchemaVersion()));
}

TEST(SqliteStoreTest, RefusesASchemaNewerThanThisBuild) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  ASSERT_TRUE(Store::Open({.url = "sqlite:" + db.string()}).ok());
  int newer = Store::LatestSchemaVersion() + 1;
  RawQuery(db, "INSERT INTO schema_migrations (version, description, applied) VALUES (" +
                   std::to_string(newer) + ", 'from the future', 0)");

  Status s = Store::Open({.url = "sqlite:" + db.string()}).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "database schema version " + std::to_string(newer) +
                             " is newer than this build supports (" +
                             std::to_string(Store::LatestSchemaVersion()) + "); upgrade quanyu");
  // Refusing changed nothing.
  EXPECT_EQ(RawQuery(db, "SELECT max(version) FROM schema_migrations"), std::to_string(newer));
}

TEST(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  fs::path path = dir.path() / "notes.txt";
  std::ofstream(path) << "this is not an SQLite database, but it is long enough to be read as "
                         "one: the header must say \"SQLite format 3\" and it does not.\n";
  Status s = Store::Open({.url = "sqlite:" + path.string()}).status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST(SqliteStoreTest, MissingDirectoryIsAnError) {
  Status s = Store::Open({.url = "sqlite:/nonexistent-quanyu-dir/sub/quanyu.db"}).status();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("/nonexistent-quanyu-dir/sub/quanyu.db"));
}

constexpr UnixMicros kLocalMidnight = 1'795'881'600 * kMicrosPerSecond;  // 2026-11-29 +08

events::PassageRecord Passage(std::string id, std::string plate, std::string checkpoint,
                              UnixMicros pass_time) {
  events::PassageRecord p;
  p.id = std::move(id);
  p.device_id = "dev-" + checkpoint;
  p.checkpoint_id = std::move(checkpoint);
  p.pass_time = pass_time;
  p.plate_status = plate.empty() ? events::PlateStatus::kUnreadable : events::PlateStatus::kValid;
  p.plate = std::move(plate);
  p.speed_kmh = 50;
  p.image_refs = {"http://img/" + p.id + ".jpg"};
  p.received = pass_time + 1;
  return p;
}

std::vector<std::string> IdsOf(const std::vector<events::PassageRecord>& ps) {
  std::vector<std::string> ids;
  for (const auto& p : ps) ids.push_back(p.id);
  return ids;
}

TEST(SqliteStoreTest, ImageRefsAreStoredAsUtf8) {
  events::PassageRecord p;
  p.id = "p-1";
  p.checkpoint_id = "cp-1";
  p.image_refs = {"http://img/a.jpg", "bad\xff byte"};
  auto store = Store::Open({.url = "sqlite::memory:"});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Apply({.passages = {p}}).ok());
  auto got = (*store)->GetPassage("p-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  // Bytes that are not UTF-8 become U+FFFD, so a reader can always put them in JSON.
  EXPECT_EQ((*got)->image_refs,
            (std::vector<std::string>{"http://img/a.jpg", "bad\xEF\xBF\xBD byte"}));
}

TEST(SqliteStoreTest, PassagesLiveInOneTablePerLocalDay) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  {
    auto store = Store::Open({.url = "sqlite:" + db.string()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)
                    ->Apply({.passages = {Passage("a", "川A00001", "cp", kLocalMidnight - 1),
                                          Passage("b", "川A00001", "cp", kLocalMidnight),
                                          Passage("c", "", "cp", kLocalMidnight + 1)}})
                    .ok());
  }
  EXPECT_EQ(RawQuery(db,
                     "SELECT group_concat(name || ':' || passages, ' ') FROM "
                     "(SELECT name, passages FROM passage_partitions ORDER BY day)"),
            "passages_20261128:1 passages_20261129:2");
  EXPECT_EQ(RawQuery(db, "SELECT count(*) FROM sqlite_master WHERE name = 'passages'"), "0");
  EXPECT_EQ(RawQuery(db,
                     "SELECT group_concat(id) FROM (SELECT id FROM passages_20261129 "
                     "ORDER BY k)"),
            "b,c");
}

TEST(SqliteStoreTest, DamagedRowsAreReportedNotGuessed) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  {
    auto store = Store::Open({.url = "sqlite:" + db.string()});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        (*store)->Apply({.passages = {Passage("a", "川A00001", "cp", kLocalMidnight)}}).ok());
  }
  RawQuery(db, "UPDATE passages_20261129 SET rest = x'01'");
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetPassage("a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*store)->FindPassages({.plate = "川A00001"}).status().code(), StatusCode::kDataLoss);
}

// Schema 1 kept passages in one table; migration 2 moves them into day tables.
TEST(SqliteStoreTest, MigrationMovesSchema1Passages) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, "
        "description TEXT NOT NULL, applied INTEGER NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, 'v1', 0);" +
        std::string(SqliteMigrations()[0].sql);
    for (int i = 0; i < 25; ++i) {
      // Local 2026-11-28 23:55 + i minutes: the first five on the 28th, the rest on the 29th.
      sql += "INSERT INTO passages VALUES ('v1-" + std::to_string(i) + "', 'dev-1', 'cp-" +
             std::to_string(i % 2) + "', " +
             std::to_string(kLocalMidnight + (i - 5) * kMicrosPerMinute) + ", 2, 0, " +
             (i % 5 == 4 ? std::string("NULL") : "'川A0000" + std::to_string(i % 3) + "'") +
             ", 5, '02', 42.5, 'K33', 'A', '1', " +
             (i == 0   ? std::string("' [ \"caf\\u00e9\" , \"\\ud83d\\ude00\\/x\" ] '")
              : i == 1 ? std::string("NULL")
                       : "'[\"http://img/" + std::to_string(i) + "\"]'") +
             ", " + std::to_string(kLocalMidnight + i) + ");";
    }
    sql += "UPDATE store_counters SET value = 25 WHERE name = 'passages';";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
  }
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->SchemaVersion(), Store::LatestSchemaVersion());
  auto stats = (*store)->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 25);
  EXPECT_EQ(stats->oldest_pass_time, kLocalMidnight - 5 * kMicrosPerMinute);
  EXPECT_EQ(stats->newest_pass_time, kLocalMidnight + 19 * kMicrosPerMinute);
  auto p0 = (*store)->GetPassage("v1-0");
  ASSERT_TRUE(p0.ok() && p0->has_value()) << p0.status().ToString();
  EXPECT_EQ((*p0)->image_refs, (std::vector<std::string>{"caf\xC3\xA9", "\xF0\x9F\x98\x80/x"}));
  EXPECT_EQ((*p0)->checkpoint_id, "cp-0");
  EXPECT_EQ((*p0)->device_id, "dev-1");
  EXPECT_EQ((*p0)->plate, "川A00000");
  EXPECT_EQ((*p0)->speed_kmh, 42.5);
  EXPECT_EQ((*p0)->received, kLocalMidnight);
  auto p1 = (*store)->GetPassage("v1-1");
  ASSERT_TRUE(p1.ok() && p1->has_value());
  EXPECT_TRUE((*p1)->image_refs.empty());
  // Plates 川A00001: i % 3 == 1 and i % 5 != 4 -> 1, 7, 10, 13, 16, 22 (4 and 19 have none).
  auto found = (*store)->FindPassages({.plate = "川A00001"});
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(IdsOf(*found),
              ::testing::ElementsAre("v1-22", "v1-16", "v1-13", "v1-10", "v1-7", "v1-1"));
  auto by_cp = (*store)->FindPassages({.checkpoint_id = "cp-1", .limit = 3});
  ASSERT_TRUE(by_cp.ok());
  EXPECT_THAT(IdsOf(*by_cp), ::testing::ElementsAre("v1-23", "v1-21", "v1-19"));
  EXPECT_EQ(RawQuery(db, "SELECT count(*) FROM sqlite_master WHERE name = 'passages'"), "0");
  EXPECT_EQ(RawQuery(db, "SELECT group_concat(passages) FROM passage_partitions"), "5,20");
}

// More rows than one migration page, over more days than the writer keeps in memory.
TEST(SqliteStoreTest, MigrationMovesManyDays) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY NOT NULL, "
        "description TEXT NOT NULL, applied INTEGER NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, 'v1', 0);" +
        std::string(SqliteMigrations()[0].sql) +
        // 25,000 rows, one every 20 s from local midnight (5.8 days), in arrival order
        // shuffled by day.
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 24999) "
        "INSERT INTO passages SELECT 'm-' || i, 'dev', 'cp-' || (i % 5), " +
        std::to_string(kLocalMidnight) +
        " + ((i * 7919) % 25000) * 20000000, 1, 0, '川A' || (i % 100), 5, '02', 42.5, 'K33', "
        "'A', '1', NULL, 0 FROM n;";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
    sqlite3_close(raw);
  }
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto stats = (*store)->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 25000);
  EXPECT_EQ(stats->oldest_pass_time, kLocalMidnight);
  EXPECT_EQ(stats->newest_pass_time, kLocalMidnight + 24999 * 20 * kMicrosPerSecond);
  EXPECT_EQ(RawQuery(db, "SELECT count(*) FROM passage_partitions"), "6");
  auto found = (*store)->FindPassages({.plate = "川A7", .limit = SIZE_MAX});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 250u);
  for (size_t i = 1; i < found->size(); ++i) {
    ASSERT_GT((*found)[i - 1].pass_time, (*found)[i].pass_time);
  }
  // Every migrated id is known to the writer: applying them again stores nothing.
  std::vector<events::PassageRecord> again;
  for (int i = 0; i < 25000; i += 97) {
    auto p = (*store)->GetPassage("m-" + std::to_string(i));
    ASSERT_TRUE(p.ok() && p->has_value()) << i;
    again.push_back(**p);
  }
  ASSERT_TRUE((*store)->Apply({.passages = again}).ok());
  EXPECT_EQ((*store)->GetPassageStats()->passages, 25000);
}

// A 32-bit hash of ids and plates keys the indexes; readers and Apply compare the text.
class CollidingHashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    internal::SetKeyHashForTesting([](std::string_view) { return uint32_t{42}; });
  }
  void TearDown() override { internal::SetKeyHashForTesting(nullptr); }
};

TEST_F(CollidingHashTest, EveryIdAndPlateCollidingIsStillCorrect) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok());
  // 40 batches of 5 (the index runs merge along the way), plates A..D, one day.
  for (int b = 0; b < 40; ++b) {
    std::vector<events::PassageRecord> batch;
    for (int i = 0; i < 5; ++i) {
      int n = b * 5 + i;
      batch.push_back(Passage("id-" + std::to_string(n), "川A0000" + std::to_string(n % 4),
                              "cp-" + std::to_string(n % 3),
                              kLocalMidnight + n * kMicrosPerSecond));
    }
    batch.push_back(batch.front());  // a duplicate in the batch
    ASSERT_TRUE((*store)->Apply({.passages = batch}).ok());
    if (b > 0) {  // and a resend of an earlier batch's record with other content
      events::PassageRecord again = Passage("id-" + std::to_string(b - 1), "川Z99999", "cp-9",
                                            kLocalMidnight + 5 * kMicrosPerSecond);
      ASSERT_TRUE((*store)->Apply({.passages = {again}}).ok());
    }
  }
  auto stats = (*store)->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 200);
  for (int n : {0, 57, 199}) {
    auto p = (*store)->GetPassage("id-" + std::to_string(n));
    ASSERT_TRUE(p.ok() && p->has_value()) << n;
    EXPECT_EQ((*p)->plate, "川A0000" + std::to_string(n % 4));
  }
  auto none = (*store)->GetPassage("id-200");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto found = (*store)->FindPassages({.plate = "川A00003", .limit = 3});
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(IdsOf(*found), ::testing::ElementsAre("id-199", "id-195", "id-191"));
  auto all_d = (*store)->FindPassages({.plate = "川A00003"});
  ASSERT_TRUE(all_d.ok());
  EXPECT_EQ(all_d->size(), 50u);
  auto both = (*store)->FindPassages({.plate = "川A00001", .checkpoint_id = "cp-0", .limit = 2});
  ASSERT_TRUE(both.ok());
  EXPECT_THAT(IdsOf(*both), ::testing::ElementsAre("id-189", "id-177"));
  EXPECT_TRUE((*store)->FindPassages({.plate = "川Z99999"})->empty());
  // The runs were merged: a handful per kind, not one per Apply.
  EXPECT_LE(std::stoi(RawQuery(db, "SELECT count(*) FROM passage_runs WHERE kind = 0")),
            2 * internal::kRunsPerMerge);
  // After a reopen the writer reloads the day's ids from the runs.
  store->reset();
  store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Apply({.passages = {Passage("id-3", "川B1", "cp", kLocalMidnight)}}).ok());
  EXPECT_EQ((*store)->GetPassageStats()->passages, 200);
}

TEST(SqliteStoreTest, IndexRunsMergeAsTheyAccumulate) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok());
  const int kBatches = 300, kPerBatch = 40;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<events::PassageRecord> batch;
    for (int i = 0; i < kPerBatch; ++i) {
      int n = b * kPerBatch + i;
      batch.push_back(Passage("id-" + std::to_string(n), "川A" + std::to_string(n % 997),
                              "cp-" + std::to_string(n % 7),
                              kLocalMidnight + n * kMicrosPerSecond));
    }
    ASSERT_TRUE((*store)->Apply({.passages = batch}).ok());
  }
  // Each kind: at most kRunsPerMerge - 1 runs per size class.
  for (int kind = 0; kind < internal::kIndexKinds; ++kind) {
    int runs = std::stoi(
        RawQuery(db, "SELECT count(*) FROM passage_runs WHERE kind = " + std::to_string(kind)));
    EXPECT_LE(runs, 3 * (internal::kRunsPerMerge - 1)) << kind;
    EXPECT_EQ(
        RawQuery(db, "SELECT sum(entries) FROM passage_runs WHERE kind = " + std::to_string(kind)),
        std::to_string(kBatches * kPerBatch));
  }
  auto found = (*store)->FindPassages({.plate = "川A5"});
  ASSERT_TRUE(found.ok());
  std::vector<std::string> want;
  for (int n = kBatches * kPerBatch - 1; n >= 0; --n) {
    if (n % 997 == 5) want.push_back("id-" + std::to_string(n));
  }
  EXPECT_EQ(IdsOf(*found), want);
  auto by_cp = (*store)->FindPassages({.checkpoint_id = "cp-3", .limit = SIZE_MAX});
  ASSERT_TRUE(by_cp.ok());
  EXPECT_EQ(by_cp->size(), static_cast<size_t>((kBatches * kPerBatch + 3) / 7));
  for (size_t i = 1; i < by_cp->size(); ++i) {
    ASSERT_GT((*by_cp)[i - 1].pass_time, (*by_cp)[i].pass_time);
  }
  auto p = (*store)->GetPassage("id-4321");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->checkpoint_id, "cp-" + std::to_string(4321 % 7));
}

// Two stores on one file (say, two processes): each notices what the other wrote.
TEST(SqliteStoreTest, AnotherWriterIsNoticed) {
  TempDir dir;
  std::string url = "sqlite:" + (dir.path() / "quanyu.db").string();
  auto a = Store::Open({.url = url});
  auto b = Store::Open({.url = url});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Apply({.passages = {Passage("r1", "川A1", "cp-1", kLocalMidnight)}}).ok());
  ASSERT_TRUE((*b)->Apply({.passages = {Passage("r1", "川A1", "cp-1", kLocalMidnight)}}).ok());
  ASSERT_TRUE((*a)->Apply({.passages = {Passage("r2", "川A2", "cp-2", kLocalMidnight + 1)}}).ok());
  // b has day and names cached; it must see r2 and cp-2 as a wrote them.
  ASSERT_TRUE((*b)->Apply({.passages = {Passage("r2", "川A2", "cp-2", kLocalMidnight + 1),
                                        Passage("r3", "川A3", "cp-3", kLocalMidnight + 2)}})
                  .ok());
  ASSERT_TRUE((*a)->Apply({.passages = {Passage("r4", "川A4", "cp-3", kLocalMidnight + 3)}}).ok());
  auto stats = (*a)->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->passages, 4);
  auto r4 = (*b)->FindPassages({.checkpoint_id = "cp-3"});
  ASSERT_TRUE(r4.ok());
  EXPECT_THAT(IdsOf(*r4), ::testing::ElementsAre("r4", "r3"));
  // a drops the day; b's cached statements and day state must not get in the way.
  auto dropped = (*a)->DropPassagesBefore(kLocalMidnight + kMicrosPerDay);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped, 4);
  ASSERT_TRUE((*b)->Apply({.passages = {Passage("r5", "川A5", "cp-1", kLocalMidnight + 5)}}).ok());
  auto found = (*b)->FindPassages({});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_THAT(IdsOf(*found), ::testing::ElementsAre("r5"));
}

// Row keys are pass_time and a sequence number that restarts with the process, so a second
// store on the file (or the next run of the server) meets keys that are taken. Its rows move
// to free keys, whether inserted many to a statement or one by one, and the indexes follow.
TEST(SqliteStoreTest, RowsWhoseKeysAreTakenMoveToFreeKeys) {
  TempDir dir;
  std::string url = "sqlite:" + (dir.path() / "quanyu.db").string();
  auto batch = [](const std::string& prefix, const std::string& cp) {
    std::vector<events::PassageRecord> out;
    for (int i = 0; i < 100; ++i) {  // one full statement of rows and some single ones
      out.push_back(Passage(prefix + std::to_string(i), "川A" + prefix + std::to_string(i), cp,
                            kLocalMidnight + (i % 2) * kMicrosPerSecond));
    }
    return out;
  };
  {
    auto a = Store::Open({.url = url});
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE((*a)->Apply({.passages = batch("a", "cp-a")}).ok());
  }
  auto b = Store::Open({.url = url});
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->Apply({.passages = batch("b", "cp-b")}).ok());
  EXPECT_EQ((*b)->GetPassageStats()->passages, 200);
  for (const std::string prefix : {"a", "b"}) {
    for (int i : {0, 1, 63, 64, 99}) {
      const std::string id = prefix + std::to_string(i);
      auto p = (*b)->GetPassage(id);
      ASSERT_TRUE(p.ok() && p->has_value()) << id;
      EXPECT_EQ((*p)->plate, "川A" + id);
      auto by_plate = (*b)->FindPassages({.plate = "川A" + id});
      ASSERT_TRUE(by_plate.ok());
      EXPECT_THAT(IdsOf(*by_plate), ::testing::ElementsAre(id));
    }
    auto by_cp = (*b)->FindPassages({.checkpoint_id = "cp-" + prefix, .limit = SIZE_MAX});
    ASSERT_TRUE(by_cp.ok());
    EXPECT_EQ(by_cp->size(), 100u) << prefix;
    for (const auto& p : *by_cp) EXPECT_EQ(p.id.substr(0, 1), prefix);
  }
  // A resend of either store's records stores nothing.
  ASSERT_TRUE((*b)->Apply({.passages = batch("a", "cp-a")}).ok());
  ASSERT_TRUE((*b)->Apply({.passages = batch("b", "cp-b")}).ok());
  EXPECT_EQ((*b)->GetPassageStats()->passages, 200);
}

// Runs one statement on the database file with the plain SQLite API; returns SQLite's error
// message, or "" if it succeeded.
std::string RawExecError(const fs::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  std::string out;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    out = err != nullptr ? err : "failed";
  }
  sqlite3_free(err);
  sqlite3_close(db);
  return out;
}

std::vector<AuditRecord> Audits(uint64_t first, uint64_t last, std::string prev) {
  std::vector<AuditRecord> out;
  for (uint64_t seq = first; seq <= last; ++seq) {
    AuditRecord r;
    r.seq = seq;
    r.time = kLocalMidnight + static_cast<int64_t>(seq);
    r.actor = "user:zhao.lei";
    r.action = "user.add";
    r.outcome = "ok";
    r.prev_hash = out.empty() ? prev : out.back().hash;
    r.hash = "h" + std::to_string(seq);
    out.push_back(std::move(r));
  }
  return out;
}

TEST(SqliteStoreTest, AuditLogRefusesUpdateAndDeleteThroughSql) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  {
    auto store = Store::Open({.url = "sqlite:" + db.string()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->AppendAudit(Audits(1, 4, "g")).ok());
  }
  EXPECT_THAT(RawExecError(db, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2"),
              HasSubstr("the audit log is append-only"));
  EXPECT_THAT(RawExecError(db, "DELETE FROM audit_log WHERE seq = 4"),
              HasSubstr("the audit log is append-only"));
  EXPECT_THAT(RawExecError(db, "DELETE FROM audit_log"), HasSubstr("append-only"));
  // No insert before the end, no seq taken twice.
  EXPECT_THAT(RawExecError(db,
                           "INSERT INTO audit_log SELECT 0 + 3, time, actor, agency, role, "
                           "action, target, purpose, case_no, request_id, outcome, detail, "
                           "prev_hash, hash FROM audit_log WHERE seq = 1"),
              Not(::testing::IsEmpty()));
  // The anchor cannot be set to something the log does not hold, nor be moved back or deleted,
  // so a DELETE through SQL can only remove a prefix the anchor vouches for.
  EXPECT_THAT(RawExecError(db, "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 3, 'forged')"),
              HasSubstr("must name a stored audit record"));
  EXPECT_EQ(RawExecError(db, "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 2, 'h2')"), "");
  EXPECT_THAT(RawExecError(db, "UPDATE audit_anchor SET seq = 1, hash = 'h1'"),
              HasSubstr("only moves forward"));
  EXPECT_THAT(RawExecError(db, "DELETE FROM audit_anchor"), HasSubstr("cannot be deleted"));
  EXPECT_THAT(RawExecError(db, "DELETE FROM audit_log WHERE seq = 3"), HasSubstr("append-only"));
  EXPECT_EQ(RawExecError(db, "DELETE FROM audit_log WHERE seq <= 2"), "");
  EXPECT_EQ(RawQuery(db, "SELECT group_concat(seq) FROM audit_log"), "3,4");
  EXPECT_EQ(RawQuery(db, "SELECT count(*) FROM audit_log WHERE outcome = 'ok'"), "2");
}

TEST(SqliteStoreTest, ReadOnlyStoreReadsWhatAnotherStoreWrites) {
  TempDir dir;
  const std::string url = "sqlite:" + (dir.path() / "quanyu.db").string();
  auto writer = Store::Open({.url = url});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->AppendAudit(Audits(1, 2, "g")).ok());

  auto reader = Store::Open({.url = url, .read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->SchemaVersion(), Store::LatestSchemaVersion());
  auto last = (*reader)->LastAudit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, 2u);

  ASSERT_TRUE((*writer)->AppendAudit(Audits(3, 3, "h2")).ok());
  last = (*reader)->LastAudit();
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->seq, 3u);

  // Writes fail and change nothing.
  EXPECT_FALSE((*reader)->AppendAudit(Audits(4, 4, "h3")).ok());
  EXPECT_FALSE((*reader)->TrimAuditBefore(3).ok());
  EXPECT_EQ(RawQuery(dir.path() / "quanyu.db", "SELECT max(seq) FROM audit_log"), "3");

  // It never creates a database, and there is no read-only memory database.
  Status s =
      Store::Open({.url = "sqlite:" + (dir.path() / "absent.db").string(), .read_only = true})
          .status();
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(dir.path() / "absent.db"));
  s = Store::Open({.url = "sqlite::memory:", .read_only = true}).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "read_only");
}

TEST(SqliteStoreTest, MigrationsAreDenseAndEndAtTheLatestVersion) {
  auto migrations = SqliteMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations.back().version, Store::LatestSchemaVersion());
}

}  // namespace
}  // namespace quanyu::store::testing
