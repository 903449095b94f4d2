#include "govern/retention.h"

#include <gtest/gtest.h>

#include "govern/identity.h"

namespace quanyu::govern {
namespace {

constexpr UnixMicros kT0 = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::Open({"sqlite::memory:", false});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto a = AuditLog::Open(store_.get(), &clock_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    audit_ = std::move(a).value();
  }
  void AddPassage(const std::string& id, UnixMicros t) {
    events::PassageRecord p;
    p.id = id;
    p.checkpoint_id = "K1";
    p.pass_time = t;
    p.received = t;
    p.plate = "川S12345";
    store::ApplyBatch b;
    b.passages.push_back(p);
    ASSERT_TRUE(store_->Apply(b).ok());
  }
  // The audited runs of one data class.
  std::vector<store::AuditRecord> RetentionRecords(const std::string& data_class = "passages") {
    store::AuditQuery q;
    q.action = "retention.run";
    q.target = data_class;
    q.newest_first = false;
    q.limit = 1000;
    return store_->ListAudit(q).value();
  }

  ManualClock clock_{kT0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditLog> audit_;
};

TEST_F(RetentionTest, PolicyParsesClassesAndDaysNamingErrors) {
  RetentionPolicy p;
  EXPECT_EQ(p.Period("passages"), 30 * kMicrosPerDay);  // the default the bureau asked for
  EXPECT_EQ(p.Period("audit"), 0);
  ASSERT_TRUE(p.Set("passages=7").ok());
  EXPECT_EQ(p.Period("passages"), 7 * kMicrosPerDay);
  Status unknown = p.Set("faces=3");
  EXPECT_EQ(unknown.field(), "retention");
  EXPECT_NE(unknown.message().find("unknown data class"), std::string::npos);
  EXPECT_FALSE(p.Set("passages=-1").ok());
  EXPECT_FALSE(p.Set("passages").ok());
  EXPECT_FALSE(p.Set("passages=1.5").ok());
}

TEST_F(RetentionTest, ExpiredPassagesAreDeletedAndEachRunIsAudited) {
  AddPassage("old", kT0);
  AddPassage("recent", kT0 + 25 * kMicrosPerDay);
  RetentionJob job(store_.get(), audit_.get(), &clock_, RetentionPolicy{});

  clock_.Set(kT0 + 20 * kMicrosPerDay);
  auto runs = job.RunOnce();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_TRUE(store_->GetPassage("old")->has_value());
  ASSERT_EQ(RetentionRecords().size(), 1u);  // a run that deleted nothing is still recorded
  EXPECT_NE(RetentionRecords()[0].detail.find("\"deleted\":0"), std::string::npos);

  clock_.Set(kT0 + 32 * kMicrosPerDay);
  runs = job.RunOnce();
  ASSERT_TRUE(runs.ok());
  EXPECT_FALSE(store_->GetPassage("old")->has_value());
  EXPECT_TRUE(store_->GetPassage("recent")->has_value());
  ASSERT_EQ(runs->front().data_class, "passages");
  EXPECT_EQ(runs->front().deleted, 1);
  EXPECT_EQ(runs->front().cutoff, kT0 + 2 * kMicrosPerDay);
  auto records = RetentionRecords();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].actor, "system");
  EXPECT_EQ(records[1].target, "passages");
  EXPECT_EQ(records[1].outcome, "ok");
  EXPECT_NE(records[1].detail.find("\"deleted\":1"), std::string::npos) << records[1].detail;
  EXPECT_NE(records[1].detail.find("2026-01-03T08:00:00+08:00"), std::string::npos)
      << records[1].detail;
  auto report = VerifyAudit(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST_F(RetentionTest, ExpiredUnitFixesAreDeletedAndEachRunIsAudited) {
  std::vector<store::UnitFix> fixes;
  for (int day : {0, 5, 20}) {
    store::UnitFix f;
    f.unit_id = "patrol-7";
    f.time = kT0 + day * kMicrosPerDay;
    f.lng = 104.06;
    f.lat = 30.65;
    fixes.push_back(f);
  }
  ASSERT_TRUE(store_->AppendUnitFixes(fixes).ok());
  RetentionPolicy policy;
  EXPECT_EQ(policy.Period("tracks"), 90 * kMicrosPerDay);  // the default
  ASSERT_TRUE(policy.Set("tracks=10").ok());
  RetentionJob job(store_.get(), audit_.get(), &clock_, policy);

  clock_.Set(kT0 + 9 * kMicrosPerDay);
  auto runs = job.RunOnce();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_EQ(store_->ListUnitFixes({}).value().size(), 3u);
  ASSERT_EQ(RetentionRecords("tracks").size(), 1u);  // a run that deleted nothing is recorded
  EXPECT_NE(RetentionRecords("tracks")[0].detail.find("\"deleted\":0"), std::string::npos);

  clock_.Set(kT0 + 16 * kMicrosPerDay);  // cut-off: day 6
  runs = job.RunOnce();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  const RetentionRun* tracks = nullptr;
  for (const auto& r : *runs) {
    if (r.data_class == "tracks") tracks = &r;
  }
  ASSERT_NE(tracks, nullptr);
  EXPECT_EQ(tracks->deleted, 2);
  EXPECT_EQ(tracks->cutoff, kT0 + 6 * kMicrosPerDay);
  EXPECT_EQ(store_->ListUnitFixes({}).value(), std::vector<store::UnitFix>{fixes[2]});
  auto records = RetentionRecords("tracks");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].actor, "system");
  EXPECT_EQ(records[1].outcome, "ok");
  EXPECT_NE(records[1].detail.find("\"deleted\":2"), std::string::npos) << records[1].detail;
  EXPECT_NE(records[1].detail.find("2026-01-07T08:00:00+08:00"), std::string::npos)
      << records[1].detail;

  // 0 keeps them for ever: no run.
  ASSERT_TRUE(policy.Set("tracks=0").ok());
  RetentionJob keep(store_.get(), audit_.get(), &clock_, policy);
  clock_.Set(kT0 + 400 * kMicrosPerDay);
  runs = keep.RunOnce();
  ASSERT_TRUE(runs.ok());
  for (const auto& r : *runs) EXPECT_NE(r.data_class, "tracks");
  EXPECT_EQ(store_->ListUnitFixes({}).value().size(), 1u);
  auto report = VerifyAudit(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST_F(RetentionTest, AuditRetentionTrimsThePrefixAndTheChainStillVerifies) {
  for (int i = 0; i < 5; ++i) {
    store::AuditRecord r;
    r.actor = "user:ann";
    r.action = "GET /api/v1/passages";
    r.outcome = "ok";
    ASSERT_TRUE(audit_->Append(r).ok());
    clock_.Advance(kMicrosPerDay);
  }
  RetentionPolicy policy;
  ASSERT_TRUE(policy.Set("audit=3").ok());
  RetentionJob job(store_.get(), audit_.get(), &clock_, policy);
  auto runs = job.RunOnce();  // now = T0 + 5 days: records of days 0 and 1 are older than 3 days
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  int64_t deleted = -1;
  for (const auto& r : *runs) {
    if (r.data_class == "audit") deleted = r.deleted;
  }
  EXPECT_EQ(deleted, 2);
  auto report = VerifyAudit(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->first_seq, 3u);
}

TEST_F(RetentionTest, ExpiredSessionsArePurged) {
  Session live, dead;
  live.id = "live";
  live.expires = kT0 + kMicrosPerHour;
  dead.id = "dead";
  dead.expires = kT0 - 2 * kMicrosPerDay;
  ASSERT_TRUE(store_->PutDocument(ToDocument(live, kT0)).ok());
  ASSERT_TRUE(store_->PutDocument(ToDocument(dead, kT0)).ok());
  RetentionJob job(store_.get(), audit_.get(), &clock_, RetentionPolicy{});
  ASSERT_TRUE(job.RunOnce().ok());
  EXPECT_TRUE(store_->GetDocument(kSessionDoc, "live").ok());
  EXPECT_FALSE(store_->GetDocument(kSessionDoc, "dead").ok());
}

TEST_F(RetentionTest, ClassesOfOtherModulesRunWithTheirPeriodAndAreAudited) {
  RetentionPolicy policy;
  ASSERT_TRUE(policy.Set("incidents=30").ok());
  ASSERT_TRUE(policy.Set("alerts=0").ok());
  RetentionJob job(store_.get(), audit_.get(), &clock_, policy);
  std::vector<UnixMicros> cutoffs;
  job.AddClass("incidents", [&](UnixMicros cutoff) -> StatusOr<int64_t> {
    cutoffs.push_back(cutoff);
    return 4;
  });
  bool alerts_ran = false;
  job.AddClass("alerts", [&](UnixMicros) -> StatusOr<int64_t> {
    alerts_ran = true;  // period 0: kept for ever, never called
    return 0;
  });
  clock_.Set(kT0 + 40 * kMicrosPerDay);
  auto runs = job.RunOnce();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  EXPECT_EQ(cutoffs, std::vector<UnixMicros>{kT0 + 10 * kMicrosPerDay});
  EXPECT_FALSE(alerts_ran);
  auto records = RetentionRecords("incidents");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NE(records[0].detail.find("\"deleted\":4"), std::string::npos) << records[0].detail;

  // A class that fails is recorded as failed; the run reports the error.
  RetentionJob failing(store_.get(), audit_.get(), &clock_, policy);
  failing.AddClass("incidents",
                   [](UnixMicros) -> StatusOr<int64_t> { return Unavailable("disk full"); });
  EXPECT_FALSE(failing.RunOnce().ok());
  records = RetentionRecords("incidents");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].outcome, "error");
  EXPECT_NE(records[1].detail.find("disk full"), std::string::npos) << records[1].detail;
}

}  // namespace
}  // namespace quanyu::govern
