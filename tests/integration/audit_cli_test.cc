// `quanyu audit verify` as an operator runs it: the real binary on a data directory whose audit
// log is intact, then tampered with through the database file, then missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "api/app.h"
#include "core/clock.h"
#include "govern/audit.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout
};

// Runs `quanyu audit verify --data DIR`; stderr is dropped.
CliRun AuditVerify(const std::string& data_dir) {
  const char* bin = std::getenv("QUANYU_BINARY");
  std::string cmd = std::string(bin != nullptr ? bin : "quanyu") + " audit verify --data '" +
                    data_dir + "' 2>/dev/null";
  CliRun run;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (p == nullptr) return run;
  char buf[512];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) run.out.append(buf, n);
  int status = pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(AuditCliTest, VerifyReportsAnIntactChainThenTheTamperedRecord) {
  TempDir dir;
  {
    auto lock = api::DataDirLock::Acquire(dir.path());
    ASSERT_TRUE(lock.ok());
    auto store = api::OpenStore(dir.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto log = govern::AuditLog::Open(store->get(), SystemClock::Get(), dir.path());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 5; ++i) {
      store::AuditRecord r;
      r.actor = "user:li.wei";
      r.action = "passages.search";
      r.target = "plate:川A1234" + std::to_string(i);
      r.purpose = "case work";
      r.outcome = "ok";
      ASSERT_TRUE((*log)->Append(r).ok());
    }
  }

  CliRun intact = AuditVerify(dir.path());
  EXPECT_EQ(intact.exit_code, 0);
  EXPECT_EQ(intact.out, "audit chain intact: 5 records (seq 1..5)\n");

  // With file access, drop the append-only trigger and change a record's outcome.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/quanyu.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TRIGGER audit_log_no_update; "
                         "UPDATE audit_log SET outcome = 'denied' WHERE seq = 3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  CliRun broken = AuditVerify(dir.path());
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_EQ(broken.out,
            "audit chain BROKEN at record 3: content does not match its hash: the record was "
            "edited\n");
}

TEST(AuditCliTest, VerifyOfAMissingDirectoryIsAnError) {
  TempDir dir;
  CliRun run = AuditVerify(dir.path() + "/absent");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace quanyu::testing
