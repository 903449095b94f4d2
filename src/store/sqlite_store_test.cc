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

#include "store/migration.h"
#include "store/store.h"
#include "store/store_contract_test.h"

namespace quanyu::store::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A directory under TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/quanyu-store-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

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

TEST(SqliteStoreTest, ImageRefsAreStoredAsJsonArrays) {
  TempDir dir;
  fs::path db = dir.path() / "quanyu.db";
  events::PassageRecord p;
  p.id = "p-1";
  p.checkpoint_id = "cp-1";
  p.image_refs = {"http://img/a.jpg", "bad\xff byte"};
  {
    auto store = Store::Open({.url = "sqlite:" + db.string()});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Apply({.passages = {p}}).ok());
    auto got = (*store)->GetPassage("p-1");
    ASSERT_TRUE(got.ok() && got->has_value());
    // Bytes that are not UTF-8 become U+FFFD, so the column is always valid JSON.
    EXPECT_EQ((*got)->image_refs,
              (std::vector<std::string>{"http://img/a.jpg", "bad\xEF\xBF\xBD byte"}));
  }
  EXPECT_EQ(RawQuery(db, "SELECT json_valid(image_refs) FROM passages"), "1");
  EXPECT_EQ(RawQuery(db, "SELECT json_extract(image_refs, '$[0]') FROM passages"),
            "http://img/a.jpg");

  // Arrays written by other tools (whitespace, \u escapes, surrogate pairs) read back too.
  RawQuery(db, "UPDATE passages SET image_refs = ' [ \"caf\\u00e9\" , \"\\ud83d\\ude00\\/x\" ] '");
  auto store = Store::Open({.url = "sqlite:" + db.string()});
  ASSERT_TRUE(store.ok());
  auto got = (*store)->GetPassage("p-1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->image_refs, (std::vector<std::string>{"caf\xC3\xA9", "\xF0\x9F\x98\x80/x"}));

  // A damaged column is reported, not guessed at.
  RawQuery(db, "UPDATE passages SET image_refs = '[\"unterminated'");
  EXPECT_EQ((*store)->GetPassage("p-1").status().code(), StatusCode::kDataLoss);
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
