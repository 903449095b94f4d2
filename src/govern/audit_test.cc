// The audit chain: hashing, appending (alone, concurrently, across reopen), verification, and
// what verification finds after someone with access to the database file has tampered with it.
#include "govern/audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace quanyu::govern {
namespace {

namespace fs = std::filesystem;
using store::AuditRecord;
using ::testing::HasSubstr;

constexpr UnixMicros kT0 = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "quanyu-audit-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

AuditRecord Action(std::string actor, std::string action, std::string target) {
  AuditRecord r;
  r.actor = std::move(actor);
  r.agency = "511702000000";
  r.role = "investigator";
  r.action = std::move(action);
  r.target = std::move(target);
  r.purpose = "case work";
  r.case_no = "A5117020000002026010001";
  r.request_id = "req-1";
  r.outcome = "ok";
  return r;
}

AuditRecord Numbered(int i) {
  return Action("user:u" + std::to_string(i % 5), "passages.search",
                "plate:川A" + std::to_string(10000 + i));
}

std::unique_ptr<store::Store> OpenUrl(std::string url) {
  store::StoreOptions options;
  options.url = std::move(url);
  auto s = store::Store::Open(options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::unique_ptr<store::Store> OpenFileStore(const std::string& dir) {
  return OpenUrl("sqlite:" + dir + "/quanyu.db");
}

std::unique_ptr<store::Store> OpenMemoryStore() { return OpenUrl("sqlite::memory:"); }

std::vector<AuditRecord> All(store::Store& s) {
  store::AuditQuery q;
  q.limit = SIZE_MAX;
  q.newest_first = false;
  auto r = s.ListAudit(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<AuditRecord>{};
}

TEST(AuditHashTest, EveryFieldAndThePreviousHashChangeTheHash) {
  AuditRecord base = Action("user:li.wei", "passages.search", "plate:川A12345");
  base.seq = 7;
  base.time = kT0;
  base.detail = R"({"rows":3})";
  base.prev_hash = std::string(kGenesisHash);
  auto h = ComputeAuditHash(base);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->size(), 64u);
  EXPECT_EQ(h->find_first_not_of("0123456789abcdef"), std::string::npos);

  const std::vector<std::function<void(AuditRecord&)>> edits = {
      [](AuditRecord& r) { r.seq = 8; },
      [](AuditRecord& r) { r.time += 1; },
      [](AuditRecord& r) { r.actor = "user:li.wej"; },
      [](AuditRecord& r) { r.agency += "1"; },
      [](AuditRecord& r) { r.role = "admin"; },
      [](AuditRecord& r) { r.action = "passages.export"; },
      [](AuditRecord& r) { r.target = "plate:川A12346"; },
      [](AuditRecord& r) { r.purpose.clear(); },
      [](AuditRecord& r) { r.case_no += "x"; },
      [](AuditRecord& r) { r.request_id = "req-2"; },
      [](AuditRecord& r) { r.outcome = "denied"; },
      [](AuditRecord& r) { r.detail = R"({"rows":4})"; },
      [](AuditRecord& r) { r.prev_hash[63] = '1'; },
  };
  std::set<std::string> hashes = {*h};
  for (size_t i = 0; i < edits.size(); ++i) {
    AuditRecord r = base;
    edits[i](r);
    auto other = ComputeAuditHash(r);
    ASSERT_TRUE(other.ok());
    EXPECT_TRUE(hashes.insert(*other).second) << "edit " << i << " did not change the hash";
  }
  // The hash field itself is not hashed.
  AuditRecord with_hash = base;
  with_hash.hash = "anything";
  EXPECT_EQ(ComputeAuditHash(with_hash).value(), *h);
}

TEST(AuditHashTest, FieldBoundariesAreNotAmbiguous) {
  AuditRecord a = Action("user:ab", "x", "");
  AuditRecord b = Action("user:a", "x", "");
  a.agency = "c";
  b.agency = "bc";
  EXPECT_NE(CanonicalAuditContent(a), CanonicalAuditContent(b));
  a.prev_hash = b.prev_hash = std::string(kGenesisHash);
  EXPECT_NE(ComputeAuditHash(a).value(), ComputeAuditHash(b).value());
}

TEST(AuditHashTest, PrevHashMustBeLowerCaseHex) {
  AuditRecord r = Action("system", "retention.run", "");
  for (std::string bad :
       {std::string(), std::string(63, '0'), std::string(64, 'A'), std::string(64, 'g')}) {
    r.prev_hash = bad;
    Status s = ComputeAuditHash(r).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "prev_hash");
  }
}

TEST(AuditLogTest, AppendChainsRecordsFromGenesis) {
  auto s = OpenMemoryStore();
  ManualClock clock(kT0);
  auto log = AuditLog::Open(s.get(), &clock);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->head(), (AuditHead{0, std::string(kGenesisHash)}));

  ASSERT_TRUE((*log)->Append(Action("user:li.wei", "passages.search", "plate:川A1")).ok());
  clock.Advance(kMicrosPerSecond);
  AuditRecord timed = Action("user:li.wei", "user.add", "user:wang.fang");
  timed.time = kT0 - kMicrosPerHour;  // kept: the caller knows when the action happened
  ASSERT_TRUE((*log)->Append(timed).ok());
  ASSERT_TRUE((*log)->Append(Action("system", "retention.run", "")).ok());

  std::vector<AuditRecord> rs = All(*s);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].seq, 1u);
  EXPECT_EQ(rs[0].prev_hash, kGenesisHash);
  EXPECT_EQ(rs[0].time, kT0);
  EXPECT_EQ(rs[1].time, kT0 - kMicrosPerHour);
  EXPECT_EQ(rs[2].time, kT0 + kMicrosPerSecond);
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].seq, i + 1);
    EXPECT_EQ(rs[i].hash, ComputeAuditHash(rs[i]).value());
    if (i > 0) {
      EXPECT_EQ(rs[i].prev_hash, rs[i - 1].hash);
    }
  }
  EXPECT_EQ((*log)->head(), (AuditHead{3, rs[2].hash}));

  auto report = VerifyAudit(*s);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->records_checked, 3u);
  EXPECT_EQ(report->first_seq, 1u);
  EXPECT_EQ(report->last_seq, 3u);
}

TEST(AuditLogTest, InvalidRecordsAreRefusedAndNotChained) {
  auto s = OpenMemoryStore();
  auto log = AuditLog::Open(s.get(), SystemClock::Get());
  ASSERT_TRUE(log.ok());
  AuditRecord r = Action("user:li.wei", "passages.search", "");
  r.outcome = "fine";
  Status st = (*log)->Append(r);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.field(), "outcome");
  EXPECT_EQ((*log)->Append(Action("", "passages.search", "")).field(), "actor");
  (*log)->AppendAsync(Action("user:li.wei", "", ""));
  EXPECT_EQ((*log)->Flush().field(), "action");
  EXPECT_TRUE((*log)->Flush().ok());  // reported once
  ASSERT_TRUE((*log)->Append(Action("user:li.wei", "passages.search", "")).ok());
  EXPECT_EQ(All(*s).size(), 1u);
  EXPECT_EQ(All(*s)[0].seq, 1u);
}

TEST(AuditLogTest, ChainContinuesAcrossReopen) {
  TempDir dir;
  std::string hash2;
  {
    auto s = OpenFileStore(dir.path());
    auto log = AuditLog::Open(s.get(), SystemClock::Get(), dir.path());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*log)->Append(Numbered(1)).ok());
    ASSERT_TRUE((*log)->Append(Numbered(2)).ok());
    hash2 = (*log)->head().hash;
  }
  auto s = OpenFileStore(dir.path());
  auto log = AuditLog::Open(s.get(), SystemClock::Get(), dir.path());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->head(), (AuditHead{2, hash2}));
  ASSERT_TRUE((*log)->Append(Numbered(3)).ok());
  std::vector<AuditRecord> rs = All(*s);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[2].seq, 3u);
  EXPECT_EQ(rs[2].prev_hash, hash2);
  auto report = VerifyAudit(*s, ReadAuditHead(dir.path()).value());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->records_checked, 3u);
}

TEST(AuditLogTest, ConcurrentAppendsFormOneChainWithoutGaps) {
  TempDir dir;
  auto s = OpenFileStore(dir.path());
  auto log = AuditLog::Open(s.get(), SystemClock::Get(), dir.path());
  ASSERT_TRUE(log.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AuditRecord r = Numbered(i);
        r.request_id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (i % 3 == 0) {
          (*log)->AppendAsync(r);
        } else if (!(*log)->Append(r).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*log)->Flush().ok());
  EXPECT_EQ(failures.load(), 0);

  std::vector<AuditRecord> rs = All(*s);
  ASSERT_EQ(rs.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> request_ids;
  for (size_t i = 0; i < rs.size(); ++i) {
    ASSERT_EQ(rs[i].seq, i + 1);
    request_ids.insert(rs[i].request_id);
  }
  EXPECT_EQ(request_ids.size(), rs.size());  // each record exactly once
  auto report = VerifyAudit(*s, ReadAuditHead(dir.path()).value());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->records_checked, rs.size());
  EXPECT_EQ(ReadAuditHead(dir.path()).value(), (AuditHead{rs.back().seq, rs.back().hash}));
}

TEST(AuditLogTest, AppendsWaitingTogetherShareOneTransaction) {
  TempDir dir;
  auto s = OpenFileStore(dir.path());
  auto log = AuditLog::Open(s.get(), SystemClock::Get());
  ASSERT_TRUE(log.ok());
  // Another connection holds the database's write lock, so the first commit waits (the store
  // retries a busy database) while the other appends queue up behind it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/quanyu.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (!(*log)->Append(Numbered(t)).ok()) ++failures;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ((*log)->commits(), 0u);
  ASSERT_EQ(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(All(*s).size(), static_cast<size_t>(kThreads));
  // The batch the writer had taken before the lock, then everything queued meanwhile.
  EXPECT_LE((*log)->commits(), 2u);
}

TEST(AuditLogTest, DestructorFlushesQueuedRecords) {
  auto s = OpenMemoryStore();
  {
    auto log = AuditLog::Open(s.get(), SystemClock::Get());
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 50; ++i) (*log)->AppendAsync(Numbered(i));
  }
  EXPECT_EQ(All(*s).size(), 50u);
  auto report = VerifyAudit(*s);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST(AuditLogTest, ChainContinuesFromTheAnchorAfterATrim) {
  auto s = OpenMemoryStore();
  {
    auto log = AuditLog::Open(s.get(), SystemClock::Get());
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->Append(Numbered(i)).ok());
  }
  ASSERT_TRUE(s->TrimAuditBefore(4).ok());
  auto report = VerifyAudit(*s);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->first_seq, 4u);
  EXPECT_EQ(report->records_checked, 3u);

  ASSERT_TRUE(s->TrimAuditBefore(100).ok());  // everything: only the anchor is left
  auto log = AuditLog::Open(s.get(), SystemClock::Get());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->head().seq, 6u);
  ASSERT_TRUE((*log)->Append(Numbered(7)).ok());
  report = VerifyAudit(*s);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->first_seq, 7u);
}

// --- tampering. An attacker who can write the database file drops the triggers that keep
// the table append-only and changes it directly; verification must notice.

class AuditTamperTest : public ::testing::Test {
 protected:
  static constexpr int kRecords = 10;

  void SetUp() override {
    auto s = OpenFileStore(dir_.path());
    auto log = AuditLog::Open(s.get(), SystemClock::Get(), dir_.path());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 1; i <= kRecords; ++i) ASSERT_TRUE((*log)->Append(Numbered(i)).ok());
    original_ = All(*s);
    ASSERT_EQ(original_.size(), static_cast<size_t>(kRecords));
    // The store is closed from here on: the attacker works on the file alone.
  }

  // Opens the database file as the attacker does, with the triggers gone.
  sqlite3* Attack() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_.path() + "/quanyu.db").c_str(), &db), SQLITE_OK);
    Exec(db,
         "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; "
         "DROP TRIGGER audit_log_insert_at_end;");
    return db;
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err != nullptr ? err : "") << " in " << sql;
    sqlite3_free(err);
  }
  // Writes every column of r into the row with the given seq, inserting it if absent.
  static void Put(sqlite3* db, uint64_t seq, const AuditRecord& r) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT OR REPLACE INTO audit_log (seq, time, actor, agency, "
                                 "role, action, target, purpose, case_no, request_id, outcome, "
                                 "detail, prev_hash, hash) VALUES "
                                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 -1, &st, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(seq));
    sqlite3_bind_int64(st, 2, r.time);
    int i = 3;
    for (const std::string* s :
         {&r.actor, &r.agency, &r.role, &r.action, &r.target, &r.purpose, &r.case_no, &r.request_id,
          &r.outcome, &r.detail, &r.prev_hash, &r.hash}) {
      sqlite3_bind_text(st, i++, s->c_str(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    }
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(st);
  }

  VerifyReport Verify(bool with_head) {
    auto s = OpenFileStore(dir_.path());
    std::optional<AuditHead> head;
    if (with_head) {
      auto h = ReadAuditHead(dir_.path());
      EXPECT_TRUE(h.ok() && h->has_value());
      if (h.ok()) head = *h;
    }
    auto report = VerifyAudit(*s, head);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport{};
  }

  TempDir dir_;
  std::vector<AuditRecord> original_;
};

TEST_F(AuditTamperTest, UntouchedChainVerifies) {
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.records_checked, static_cast<uint64_t>(kRecords));
}

TEST_F(AuditTamperTest, EditedRecordIsNamed) {
  sqlite3* db = Attack();
  Exec(db, "UPDATE audit_log SET purpose = 'routine check' WHERE seq = 5");
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 5u);
  EXPECT_THAT(r.reason, HasSubstr("content does not match its hash"));
  EXPECT_EQ(r.records_checked, 4u);
}

TEST_F(AuditTamperTest, DeletedRecordIsNamed) {
  sqlite3* db = Attack();
  Exec(db, "DELETE FROM audit_log WHERE seq = 5");
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 6u);  // the record after the hole
  EXPECT_THAT(r.reason, HasSubstr("seq gap"));
  EXPECT_THAT(r.reason, HasSubstr("records 5..5 are missing"));
}

TEST_F(AuditTamperTest, DeletedAndRenumberedRecordIsNamed) {
  // Deleting record 5 and renumbering the rest to close the gap breaks the link at 5.
  sqlite3* db = Attack();
  Exec(db,
       "DELETE FROM audit_log WHERE seq = 5; "
       "UPDATE audit_log SET seq = seq + 1000000 WHERE seq > 5; "
       "UPDATE audit_log SET seq = seq - 1000001 WHERE seq > 1000000;");
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 5u);
  EXPECT_THAT(r.reason, HasSubstr("prev_hash does not match the hash of record 4"));
}

TEST_F(AuditTamperTest, InsertedForgedRecordIsFound) {
  // A forged record at seq 5, chained correctly to record 4 and with a correct hash of its
  // own; the records from 5 on are moved up by one to make room, but not re-chained.
  AuditRecord forged = Action("user:li.wei", "passages.search", "plate:川Z00000");
  forged.seq = 5;
  forged.time = original_[4].time;
  forged.prev_hash = original_[3].hash;
  forged.hash = ComputeAuditHash(forged).value();
  sqlite3* db = Attack();
  Exec(db,
       "UPDATE audit_log SET seq = seq + 1000000 WHERE seq >= 5; "
       "UPDATE audit_log SET seq = seq - 999999 WHERE seq > 1000000;");
  Put(db, 5, forged);
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  // The forged record itself is well formed; the chain breaks at the record after it.
  EXPECT_EQ(r.records_checked, 5u);
  EXPECT_EQ(r.first_broken_seq, 6u);
  EXPECT_THAT(r.reason, HasSubstr("prev_hash does not match the hash of record 5"));
}

TEST_F(AuditTamperTest, ReorderedRecordsAreNamed) {
  sqlite3* db = Attack();
  Put(db, 4, original_[6]);  // record 7's content under seq 4, and 4's under 7
  Put(db, 7, original_[3]);
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 4u);
  EXPECT_THAT(r.reason, HasSubstr("prev_hash does not match the hash of record 3"));
}

TEST_F(AuditTamperTest, RemovedFirstRecordIsNamed) {
  sqlite3* db = Attack();
  Exec(db, "DELETE FROM audit_log WHERE seq = 1");
  sqlite3_close(db);
  VerifyReport r = Verify(/*with_head=*/false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 2u);
  EXPECT_THAT(r.reason, HasSubstr("the chain starts at seq 1"));
}

// A hash chain alone cannot show that its newest records were removed: what remains is a
// valid, shorter chain. The head file written beside the store is what catches it.
TEST_F(AuditTamperTest, RemovedNewestRecordIsFoundOnlyWithTheHeadFile) {
  sqlite3* db = Attack();
  Exec(db, "DELETE FROM audit_log WHERE seq = 10");
  sqlite3_close(db);

  VerifyReport without_head = Verify(/*with_head=*/false);
  EXPECT_TRUE(without_head.ok);  // the limitation, stated as a test
  EXPECT_EQ(without_head.records_checked, 9u);

  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 10u);
  EXPECT_THAT(r.reason, HasSubstr("removed from its end"));

  // An AuditLog would overwrite the evidence by appending a new record 10: it refuses.
  auto s = OpenFileStore(dir_.path());
  auto log = AuditLog::Open(s.get(), SystemClock::Get(), dir_.path());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(log.status().message(), HasSubstr("audit.head"));
}

TEST_F(AuditTamperTest, ReplacedNewestRecordIsFoundWithTheHeadFile) {
  AuditRecord forged = original_[9];
  forged.target = "plate:川Z00000";
  forged.hash = ComputeAuditHash(forged).value();  // a valid chain again, but a different end
  sqlite3* db = Attack();
  Put(db, 10, forged);
  sqlite3_close(db);
  EXPECT_TRUE(Verify(/*with_head=*/false).ok);
  VerifyReport r = Verify(/*with_head=*/true);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_broken_seq, 10u);
  EXPECT_THAT(r.reason, HasSubstr("does not match the head file"));
}

TEST(AuditHeadTest, MalformedHeadFileIsDataLoss) {
  TempDir dir;
  EXPECT_FALSE(ReadAuditHead(dir.path()).value().has_value());
  std::ofstream(dir.path() + "/audit.head") << "12 not-a-hash\n";
  EXPECT_EQ(ReadAuditHead(dir.path()).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace quanyu::govern
