#include "rules/alert_lists.h"

#include <gtest/gtest.h>

#include "rules/alert_csv.h"

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z = 08:00 in Dazhou

class AlertListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.url = "sqlite::memory:";
    auto s = store::Store::Open(options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto a = govern::AuditLog::Open(store_.get(), &clock_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    audit_ = std::move(a).value();
    lists_ = std::make_unique<AlertLists>(store_.get(), audit_.get(), &clock_);
    ASSERT_TRUE(lists_->Load().ok());
    officer_.kind = govern::PrincipalKind::kUser;
    officer_.id = "li.wei";
    officer_.agency = "dzpsb";
    officer_.role = "commander";
    auto l = lists_->CreateList(officer_, AlertList{"stolen", "被盗抢车辆", "dzpsb", "", 0, ""});
    ASSERT_TRUE(l.ok()) << l.status().ToString();
  }

  AlertEntry Entry(std::string plate, UnixMicros days = 30) {
    AlertEntry e;
    e.list_id = "stolen";
    e.plate = std::move(plate);
    e.kind = e.plate.find('?') == std::string::npos ? EntryKind::kExact : EntryKind::kPattern;
    e.category = Category::kStolenVehicle;
    e.priority = 1;
    e.legal_basis = {"2026-0042", "达州市公安局", "王伟"};
    e.valid_from = clock_.Now();
    e.valid_until = clock_.Now() + days * kMicrosPerDay;
    return e;
  }

  std::vector<store::AuditRecord> AuditOf(const std::string& action) {
    store::AuditQuery q;
    q.action = action;
    q.newest_first = false;
    auto r = store_->ListAudit(q);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<store::AuditRecord>{};
  }

  size_t Hits(std::string_view plate, UnixMicros t) {
    std::vector<Hit> hits;
    return lists_->matcher()->Match(plate, t, &hits);
  }

  ManualClock clock_{kT0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<govern::AuditLog> audit_;
  std::unique_ptr<AlertLists> lists_;
  govern::Principal officer_;
};

TEST_F(AlertListsTest, AddedEntriesMatchAndAreAuditedWithTheirCaseNumber) {
  auto e = lists_->AddEntry(officer_, Entry("川a12345"));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_FALSE(e->id.empty());
  EXPECT_EQ(e->plate, "川A12345");
  EXPECT_EQ(e->owner_agency, "dzpsb") << "the list's agency by default";
  EXPECT_EQ(e->created_by, "user:li.wei");
  EXPECT_EQ(Hits("川A12345", kT0 + 1), 1u);

  auto add = AuditOf("alert_entry.add");
  ASSERT_EQ(add.size(), 1u);
  EXPECT_EQ(add[0].actor, "user:li.wei");
  EXPECT_EQ(add[0].agency, "dzpsb");
  EXPECT_EQ(add[0].target, "alert_entry:" + e->id);
  EXPECT_EQ(add[0].case_no, "2026-0042");
  EXPECT_EQ(AuditOf("alert_list.create").size(), 1u);
}

TEST_F(AlertListsTest, EntriesWithoutLegalBasisOrExpiryAreNotCreated) {
  AlertEntry e = Entry("川A12345");
  e.legal_basis.approver.clear();
  EXPECT_EQ(lists_->AddEntry(officer_, e).status().field(), "legal_basis.approver");
  e = Entry("川A12345");
  e.valid_until = 0;
  EXPECT_EQ(lists_->AddEntry(officer_, e).status().field(), "valid_until");
  e = Entry("川A12345", 91);
  EXPECT_EQ(lists_->AddEntry(officer_, e).status().field(), "valid_until");
  e = Entry("川A12345");
  e.list_id = "nope";
  EXPECT_EQ(lists_->AddEntry(officer_, e).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Hits("川A12345", kT0 + 1), 0u);
  EXPECT_TRUE(AuditOf("alert_entry.add").empty());
  EXPECT_TRUE(store_->ListDocuments(kAlertEntryDoc)->empty());
}

TEST_F(AlertListsTest, RemovalStopsMatchingKeepsHistoryAndIsAudited) {
  auto e = lists_->AddEntry(officer_, Entry("川A12345"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(lists_->RemoveEntry(officer_, e->id, "").field(), "reason");
  clock_.Advance(kMicrosPerHour);
  ASSERT_TRUE(lists_->RemoveEntry(officer_, e->id, "vehicle recovered").ok());
  EXPECT_EQ(Hits("川A12345", clock_.Now()), 0u);
  EXPECT_EQ(lists_->RemoveEntry(officer_, e->id, "again").code(), StatusCode::kFailedPrecondition);

  EXPECT_TRUE(lists_->Entries(officer_, "stolen")->empty());
  auto all = lists_->Entries(officer_, "stolen", /*include_inactive=*/true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].removed, kT0 + kMicrosPerHour);
  EXPECT_EQ((*all)[0].removed_by, "user:li.wei");
  EXPECT_EQ((*all)[0].removed_reason, "vehicle recovered");
  auto rm = AuditOf("alert_entry.remove");
  ASSERT_EQ(rm.size(), 1u);
  EXPECT_EQ(rm[0].case_no, "2026-0042");
  EXPECT_NE(rm[0].detail.find("vehicle recovered"), std::string::npos);
}

TEST_F(AlertListsTest, ExpiryStopsMatchingAtTheExactMicrosecondAndIsAuditedOnce) {
  AlertEntry in = Entry("川A12345", 10);
  in.valid_until = kT0 + 10 * kMicrosPerDay + 123;
  auto e = lists_->AddEntry(officer_, in);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(lists_->AddEntry(officer_, Entry("川A99999", 20)).ok());
  EXPECT_EQ(lists_->NextExpiry(), in.valid_until);

  clock_.Set(in.valid_until - 1);
  EXPECT_EQ(Hits("川A12345", clock_.Now()), 1u);
  EXPECT_EQ(*lists_->ExpireDue(), 0u);
  EXPECT_TRUE(AuditOf("alert_entry.expire").empty());

  clock_.Set(in.valid_until);
  EXPECT_EQ(Hits("川A12345", clock_.Now()), 0u) << "not matching even before ExpireDue ran";
  EXPECT_EQ(*lists_->ExpireDue(), 1u);
  EXPECT_EQ(*lists_->ExpireDue(), 0u) << "audited once";
  auto ex = AuditOf("alert_entry.expire");
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].actor, "system");
  EXPECT_EQ(ex[0].target, "alert_entry:" + e->id);
  EXPECT_EQ(ex[0].case_no, "2026-0042");
  EXPECT_EQ(ex[0].time, in.valid_until);
  EXPECT_EQ(lists_->NextExpiry(), kT0 + 20 * kMicrosPerDay);
  EXPECT_EQ(lists_->matcher()->size(), 1u);

  // A reload does not bring the expired entry back, nor audit it again.
  AlertLists again(store_.get(), audit_.get(), &clock_);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.matcher()->size(), 1u);
  EXPECT_EQ(*again.ExpireDue(), 0u);
}

TEST_F(AlertListsTest, PersistedListsAndEntriesLoadBack) {
  ASSERT_TRUE(lists_->AddEntry(officer_, Entry("川A12345")).ok());
  ASSERT_TRUE(lists_->AddEntry(officer_, Entry("川A1?3?5")).ok());
  AlertLists again(store_.get(), audit_.get(), &clock_);
  ASSERT_TRUE(again.Load().ok());
  auto lists = again.Lists(officer_);
  ASSERT_TRUE(lists.ok());
  ASSERT_EQ(lists->size(), 1u);
  EXPECT_EQ((*lists)[0].name, "被盗抢车辆");
  EXPECT_EQ((*lists)[0].created_by, "user:li.wei");
  std::vector<Hit> hits;
  EXPECT_EQ(again.matcher()->Match("川A12345", kT0 + 1, &hits), 2u);
  EXPECT_EQ(again.matcher()->Entries(), lists_->matcher()->Entries());
}

TEST_F(AlertListsTest, BulkImportIsOneTransactionAndOneAuditRecord) {
  CsvImportContext ctx;
  ctx.list_id = "stolen";
  ctx.owner_agency = "dzpsb";
  ctx.now = kT0;
  std::string text = std::string(kAlertCsvHeader) + "\n";
  for (int i = 0; i < 500; ++i) {
    char plate[32];
    std::snprintf(plate, sizeof plate, "川A%05d", i);
    text += std::string(plate) + ",exact,stolen_vehicle,2,C" + std::to_string(i % 3) +
            ",达州市公安局,王伟,,2026-12-29T00:00:00Z,\n";
  }
  auto csv = ParseAlertCsv(text, ctx);
  ASSERT_TRUE(csv.ok());
  ASSERT_EQ(csv->entries.size(), 500u);
  auto added = lists_->AddEntries(officer_, "stolen", std::move(csv->entries));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(store_->ListDocuments(kAlertEntryDoc)->size(), 500u);
  EXPECT_EQ(Hits("川A00377", kT0), 1u);
  auto imp = AuditOf("alert_entry.import");
  ASSERT_EQ(imp.size(), 1u);
  EXPECT_EQ(imp[0].target, "alert_list:stolen");
  EXPECT_NE(imp[0].detail.find("\"count\":500"), std::string::npos) << imp[0].detail;
  EXPECT_NE(imp[0].detail.find("C2"), std::string::npos) << imp[0].detail;

  auto exported = lists_->Entries(officer_, "stolen");
  ASSERT_TRUE(exported.ok());
  auto back = ParseAlertCsv(FormatAlertCsv(*exported), ctx);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->entries.size(), 500u);
  EXPECT_TRUE(back->errors.empty());
}

TEST_F(AlertListsTest, AgencyScopeKeepsOtherAgenciesOut) {
  govern::Principal other = officer_;
  other.id = "wu";
  other.agency = "tongchuan";
  other.scope.kind = govern::ScopeKind::kAgency;
  EXPECT_EQ(lists_->AddEntry(other, Entry("川A12345")).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(lists_->Entries(other, "stolen").status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(lists_->Lists(other)->empty());
  EXPECT_TRUE(lists_->CreateList(other, AlertList{"tc", "通川", "tongchuan", "", 0, ""}).ok());
  EXPECT_EQ(lists_->CreateList(other, AlertList{"x", "x", "dzpsb", "", 0, ""}).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(AlertListsTest, ReportCountsEntriesHitsExpiriesAndRemovalsPerPeriod) {
  // Day 0: two entries added; one expires on day 2, the other is removed on day 3.
  auto a = lists_->AddEntry(officer_, Entry("川A11111", 2));
  auto b = lists_->AddEntry(officer_, Entry("川A22222", 30));
  ASSERT_TRUE(a.ok() && b.ok());
  lists_->RecordHit(a->id, kT0 + kMicrosPerHour);
  lists_->RecordHit(a->id, kT0 + 2 * kMicrosPerHour);
  lists_->RecordHit(b->id, kT0 + kMicrosPerDay + kMicrosPerHour);
  ASSERT_TRUE(lists_->FlushHits().ok());
  lists_->RecordHit(b->id, kT0 + kMicrosPerDay + 2 * kMicrosPerHour);  // flushed by Report
  lists_->RecordHit("someone-elses", kT0 + kMicrosPerHour);

  clock_.Set(kT0 + 3 * kMicrosPerDay);
  ASSERT_TRUE(lists_->ExpireDue().ok());
  ASSERT_TRUE(lists_->RemoveEntry(officer_, b->id, "case closed").ok());
  clock_.Set(kT0 + 4 * kMicrosPerDay);
  // Day 1 (the day after the additions): one more entry.
  ASSERT_TRUE(lists_->AddEntry(officer_, Entry("川A33333", 5)).ok());

  // Local days start at 16:00Z; report from the local midnight before kT0, one-day buckets.
  const UnixMicros day0 = kT0 - 8 * kMicrosPerHour;
  auto r = lists_->Report(officer_, "stolen", day0, day0 + 5 * kMicrosPerDay, kMicrosPerDay);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->periods.size(), 5u);
  std::vector<int64_t> active, added, expired, removed, hits;
  for (const auto& p : r->periods) {
    active.push_back(p.active);
    added.push_back(p.added);
    expired.push_back(p.expired);
    removed.push_back(p.removed);
    hits.push_back(p.hits);
  }
  EXPECT_EQ(added, (std::vector<int64_t>{2, 0, 0, 0, 1}));
  EXPECT_EQ(expired, (std::vector<int64_t>{0, 0, 1, 0, 0}));
  EXPECT_EQ(removed, (std::vector<int64_t>{0, 0, 0, 1, 0}));
  EXPECT_EQ(hits, (std::vector<int64_t>{2, 2, 0, 0, 0}));
  EXPECT_EQ(active, (std::vector<int64_t>{2, 2, 2, 1, 1}));

  EXPECT_EQ(lists_->Report(officer_, "stolen", day0, day0, kMicrosPerDay).status().field(), "to");
  EXPECT_EQ(lists_->Report(officer_, "stolen", day0, day0 + kMicrosPerDay, kMicrosPerHour)
                .status()
                .field(),
            "bucket");
}

}  // namespace
}  // namespace quanyu::rules
