#include "store/store_contract_test.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace quanyu::store::testing {

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreContractTest::SetUp() {
  std::string skip_reason;
  target_ = GetParam().make_target(&skip_reason);
  if (target_ == nullptr) GTEST_SKIP() << skip_reason;
  StatusOr<std::unique_ptr<Store>> s = target_->Open();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
}

void StoreContractTest::TearDown() {
  store_.reset();
  target_.reset();
}

void StoreContractTest::Reopen() {
  store_.reset();
  StatusOr<std::unique_ptr<Store>> s = target_->Open();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using events::PassageRecord;
using events::PlateStatus;
using events::QuarantineEntry;
using registry::Checkpoint;
using registry::CheckpointStatus;

constexpr UnixMicros kT0 = 1'767'225'600 * kMicrosPerSecond;  // 2026-01-01T00:00:00Z

Checkpoint MakeCheckpoint(std::string id, CheckpointStatus status = CheckpointStatus::kActive) {
  Checkpoint c;
  c.id = std::move(id);
  c.name = "卡口 " + c.id;
  c.position = {107.4678901234567, 31.2098765432109};
  c.directions = {90, 270};
  c.lanes = 4;
  c.status = status;
  c.division_code = "511702";
  c.created = kT0;
  c.updated = kT0;
  return c;
}

PassageRecord MakePassage(std::string id, std::string plate, std::string checkpoint_id,
                          UnixMicros pass_time) {
  PassageRecord p;
  p.id = std::move(id);
  p.device_id = "51170200001190000001";
  p.checkpoint_id = std::move(checkpoint_id);
  p.pass_time = pass_time;
  p.lane = 2;
  p.plate_status = plate.empty() ? PlateStatus::kUnreadable : PlateStatus::kValid;
  p.plate = std::move(plate);
  p.plate_color = 2;
  p.plate_class = "02";
  p.speed_kmh = 42.5;
  p.vehicle_class = "K33";
  p.vehicle_color = "A";
  p.direction = "1";
  p.image_refs = {"http://img.example/" + p.id + ".jpg"};
  p.received = pass_time + 3 * kMicrosPerSecond;
  return p;
}

QuarantineEntry MakeQuarantine(std::string id, std::string code, UnixMicros received) {
  QuarantineEntry q;
  q.id = std::move(id);
  q.received = received;
  q.source = events::Source::kGat1400;
  q.record_id = "rec-" + q.id;
  q.code = std::move(code);
  q.field = "PlateNo";
  q.message = "not a Chinese plate number";
  q.payload = R"({"MotorVehicleID":"rec-)" + q.id + R"(","PlateNo":"川A12?45"})";
  return q;
}

std::vector<std::string> Ids(const std::vector<PassageRecord>& ps) {
  std::vector<std::string> ids;
  for (const auto& p : ps) ids.push_back(p.id);
  return ids;
}
std::vector<std::string> Ids(const std::vector<QuarantineEntry>& qs) {
  std::vector<std::string> ids;
  for (const auto& q : qs) ids.push_back(q.id);
  return ids;
}
std::vector<std::string> Ids(const std::vector<Checkpoint>& cs) {
  std::vector<std::string> ids;
  for (const auto& c : cs) ids.push_back(c.id);
  return ids;
}

// --- schema

TEST_P(StoreContractTest, FreshStoreIsEmptyAndAtLatestSchema) {
  EXPECT_EQ(store_->SchemaVersion(), Store::LatestSchemaVersion());
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 0);
  EXPECT_EQ(stats.quarantined_open, 0);
  EXPECT_EQ(stats.quarantined_total, 0);
  EXPECT_THAT(stats.quarantine_by_code, IsEmpty());
  EXPECT_FALSE(stats.oldest_pass_time.has_value());
  EXPECT_FALSE(stats.newest_pass_time.has_value());
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_THAT(positions, IsEmpty());
  QY_ASSERT_OK_AND_ASSIGN(auto checkpoints, store_->ListCheckpoints({}));
  EXPECT_THAT(checkpoints, IsEmpty());
  QY_ASSERT_OK_AND_ASSIGN(auto passages, store_->FindPassages({}));
  EXPECT_THAT(passages, IsEmpty());
  QY_ASSERT_OK_AND_ASSIGN(auto quarantine, store_->ListQuarantine({}));
  EXPECT_THAT(quarantine, IsEmpty());
}

// --- checkpoints

TEST_P(StoreContractTest, CheckpointRoundTripsEveryField) {
  Checkpoint a = MakeCheckpoint("51170200001210000001", CheckpointStatus::kFaulty);
  a.created = kT0 + 1;
  a.updated = kT0 + 2;
  Checkpoint b = MakeCheckpoint("local-cp_2.east", CheckpointStatus::kRetired);
  b.directions.clear();  // all directions
  b.lanes = 0;
  b.division_code = "";
  QY_ASSERT_OK(store_->PutCheckpoint(a));
  QY_ASSERT_OK(store_->PutCheckpoint(b));
  QY_ASSERT_OK_AND_ASSIGN(Checkpoint got_a, store_->GetCheckpoint(a.id));
  EXPECT_EQ(got_a, a);
  QY_ASSERT_OK_AND_ASSIGN(Checkpoint got_b, store_->GetCheckpoint(b.id));
  EXPECT_EQ(got_b, b);
}

TEST_P(StoreContractTest, DocumentsAreCreatedOnceReplacedListedAndDeleted) {
  Document a{"user", "alice", R"({"role":"admin"})", kT0};
  ASSERT_TRUE(store_->CreateDocument(a).ok());
  Status again = store_->CreateDocument(Document{"user", "alice", "{}", kT0 + 1});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  // Same id, another kind: a different document.
  ASSERT_TRUE(store_->CreateDocument(Document{"device", "alice", "{}", kT0}).ok());
  ASSERT_TRUE(store_->PutDocument(Document{"user", "bob", R"({"role":"analyst"})", kT0}).ok());
  ASSERT_TRUE(
      store_->PutDocument(Document{"user", "alice", R"({"role":"auditor"})", kT0 + 5}).ok());

  auto got = store_->GetDocument("user", "alice");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->body, R"({"role":"auditor"})");
  EXPECT_EQ(got->updated, kT0 + 5);
  EXPECT_EQ(store_->GetDocument("user", "carol").status().code(), StatusCode::kNotFound);

  auto users = store_->ListDocuments("user");
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].id, "alice");
  EXPECT_EQ((*users)[1].id, "bob");

  auto deleted = store_->DeleteDocument("user", "bob");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*store_->DeleteDocument("user", "bob"));
  EXPECT_EQ(store_->ListDocuments("user")->size(), 1u);
  EXPECT_EQ(store_->ListDocuments("device")->size(), 1u);

  EXPECT_EQ(store_->CreateDocument(Document{"user", "", "{}", kT0}).code(),
            StatusCode::kInvalidArgument);
  if (!target_->persistent()) return;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto reread = store_->GetDocument("user", "alice");
  ASSERT_TRUE(reread.ok()) << reread.status().ToString();
  EXPECT_EQ(reread->body, R"({"role":"auditor"})");
}

TEST_P(StoreContractTest, PutDocumentsWritesAllInOneGoOrNone) {
  QY_ASSERT_OK(store_->PutDocument(Document{"alert_entry", "e2", R"({"v":1})", kT0}));
  std::vector<Document> docs;
  for (int i = 0; i < 1000; ++i) {
    docs.push_back(Document{"alert_entry", "e" + std::to_string(i), "{}", kT0 + i});
  }
  QY_ASSERT_OK(store_->PutDocuments(docs));
  auto all = store_->ListDocuments("alert_entry");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1000u);
  auto e2 = store_->GetDocument("alert_entry", "e2");
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(e2->body, "{}");  // replaced
  EXPECT_EQ(e2->updated, kT0 + 2);

  // One bad document: nothing of the call is written.
  std::vector<Document> bad = {Document{"alert_entry", "x1", "{}", kT0},
                               Document{"alert_entry", "", "{}", kT0}};
  Status st = store_->PutDocuments(bad);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.field(), "documents[1].id");
  EXPECT_EQ(store_->GetDocument("alert_entry", "x1").status().code(), StatusCode::kNotFound);
  QY_ASSERT_OK(store_->PutDocuments({}));
}

AlertRow MakeAlert(uint64_t id, std::string state, std::string plate, int priority) {
  AlertRow r;
  r.id = id;
  r.created = kT0 + static_cast<int64_t>(id) * 1000;
  r.updated = r.created;
  r.state = std::move(state);
  r.type = id % 2 ? "list_hit" : "ring_entry";
  r.priority = priority;
  r.ring_id = id % 2 ? "" : "510104";
  r.owner_agency = "cdpsb";
  r.plate = std::move(plate);
  r.record_id = "R" + std::to_string(id);
  r.body = R"({"id":)" + std::to_string(id) + "}";
  return r;
}

TEST_P(StoreContractTest, AlertsRoundTripAndAreListedAfterAnId) {
  std::vector<AlertRow> rows;
  for (uint64_t id = 1; id <= 10; ++id) {
    rows.push_back(MakeAlert(id, id <= 3 ? "closed" : "new", id % 3 ? "川A12345" : "川B00001",
                             static_cast<int>(1 + id % 4)));
  }
  QY_ASSERT_OK(store_->PutAlerts(rows));
  auto got = store_->GetAlert(4);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, rows[3]);
  EXPECT_FALSE(store_->GetAlert(99)->has_value());

  // Resume after an id, oldest first.
  auto after = store_->ListAlerts({.after_id = 7, .limit = 100});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[0].id, 8u);
  EXPECT_EQ((*after)[2].id, 10u);

  auto open =
      store_->ListAlerts({.states = {"new", "acknowledged"}, .limit = 3, .newest_first = true});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 3u);
  EXPECT_EQ((*open)[0].id, 10u);
  EXPECT_EQ((*open)[2].id, 8u);

  auto by_plate = store_->ListAlerts({.plate = "川B00001", .limit = 100});
  ASSERT_TRUE(by_plate.ok());
  EXPECT_EQ(by_plate->size(), 3u);  // 3, 6, 9
  auto urgent = store_->ListAlerts({.max_priority = 1, .limit = 100});
  ASSERT_TRUE(urgent.ok());
  for (const AlertRow& r : *urgent) EXPECT_EQ(r.priority, 1);
  EXPECT_EQ(urgent->size(), 2u);  // 4, 8
  auto ring = store_->ListAlerts({.type = "ring_entry", .ring_id = "510104", .limit = 100});
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->size(), 5u);
  auto rec = store_->ListAlerts({.record_id = "R5", .limit = 100});
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->size(), 1u);
  auto window = store_->ListAlerts({.from = kT0 + 2000, .to = kT0 + 5000, .limit = 100});
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->size(), 3u);  // 2, 3, 4

  // Replace by id: a lifecycle step.
  AlertRow acked = rows[4];
  acked.state = "acknowledged";
  acked.updated += 5;
  acked.body = R"({"id":5,"state":"acknowledged"})";
  QY_ASSERT_OK(store_->PutAlerts({&acked, 1}));
  EXPECT_EQ(**store_->GetAlert(5), acked);
}

TEST_P(StoreContractTest, AlertIdsAreNotReusedAfterRetention) {
  EXPECT_EQ(*store_->MaxAlertId(), 0u);
  std::vector<AlertRow> rows = {MakeAlert(1, "closed", "川A12345", 2),
                                MakeAlert(2, "new", "川A12345", 2),
                                MakeAlert(3, "closed", "川A12345", 2)};
  QY_ASSERT_OK(store_->PutAlerts(rows));
  EXPECT_EQ(*store_->MaxAlertId(), 3u);
  // Closed and older than the cut-off go; open ones stay whatever their age.
  auto dropped = store_->DropClosedAlertsBefore(kT0 + 10'000);
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(*dropped, 2);
  EXPECT_FALSE(store_->GetAlert(3)->has_value());
  EXPECT_TRUE(store_->GetAlert(2)->has_value());
  EXPECT_EQ(*store_->MaxAlertId(), 3u);
  if (target_->persistent()) {
    ASSERT_NO_FATAL_FAILURE(Reopen());
    EXPECT_EQ(*store_->MaxAlertId(), 3u);
  }
  AlertRow zero = MakeAlert(0, "new", "川A12345", 2);
  Status st = store_->PutAlerts({&zero, 1});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.field(), "alerts[0].id");
}

// --- unit position fixes

UnitFix MakeFix(const std::string& unit, UnixMicros time, double lng = 104.06, double lat = 30.65) {
  return UnitFix{.unit_id = unit,
                 .time = time,
                 .lng = lng,
                 .lat = lat,
                 .heading = 90.5,
                 .speed_kmh = 42.25,
                 .status = "available"};
}

TEST_P(StoreContractTest, UnitFixesRoundTripAndAreListedByUnitAndWindow) {
  QY_ASSERT_OK_AND_ASSIGN(auto none, store_->ListUnitFixes({}));
  EXPECT_THAT(none, IsEmpty());
  // Out of time order, two units, one with unknown heading, speed and status.
  UnitFix bare = MakeFix("unit-2", kT0 + 3'000'000, -179.5, -89.25);
  bare.heading = -1;
  bare.speed_kmh = -1;
  bare.status = "";
  const std::vector<UnitFix> fixes = {MakeFix("unit-1", kT0 + 2'000'000), bare,
                                      MakeFix("unit-1", kT0), MakeFix("unit-2", kT0 + 1'000'000),
                                      MakeFix("unit-1", kT0 + 1'000'000, 104.07, 30.66)};
  QY_ASSERT_OK(store_->AppendUnitFixes(fixes));
  QY_ASSERT_OK(store_->AppendUnitFixes({}));

  // Every unit: by time, then unit id.
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListUnitFixes({}));
  EXPECT_EQ(all, (std::vector<UnitFix>{fixes[2], fixes[4], fixes[3], fixes[0], fixes[1]}));
  // One unit.
  QY_ASSERT_OK_AND_ASSIGN(auto one, store_->ListUnitFixes({.unit_id = "unit-1"}));
  EXPECT_EQ(one, (std::vector<UnitFix>{fixes[2], fixes[4], fixes[0]}));
  QY_ASSERT_OK_AND_ASSIGN(auto other, store_->ListUnitFixes({.unit_id = "unit-9"}));
  EXPECT_THAT(other, IsEmpty());
  // A window [from, to), bounded on one side or both.
  QY_ASSERT_OK_AND_ASSIGN(
      auto window,
      store_->ListUnitFixes({.unit_id = "unit-1", .from = kT0 + 1'000'000, .to = kT0 + 2'000'000}));
  EXPECT_EQ(window, (std::vector<UnitFix>{fixes[4]}));
  QY_ASSERT_OK_AND_ASSIGN(auto since, store_->ListUnitFixes({.from = kT0 + 2'000'000}));
  EXPECT_EQ(since, (std::vector<UnitFix>{fixes[0], fixes[1]}));
  QY_ASSERT_OK_AND_ASSIGN(auto until, store_->ListUnitFixes({.to = kT0 + 1'000'000}));
  EXPECT_EQ(until, (std::vector<UnitFix>{fixes[2]}));
  // A limit keeps the oldest.
  QY_ASSERT_OK_AND_ASSIGN(auto first_two, store_->ListUnitFixes({.limit = 2}));
  EXPECT_EQ(first_two, (std::vector<UnitFix>{fixes[2], fixes[4]}));
  QY_ASSERT_OK_AND_ASSIGN(auto first_unit_2,
                          store_->ListUnitFixes({.unit_id = "unit-2", .limit = 1}));
  EXPECT_EQ(first_unit_2, (std::vector<UnitFix>{fixes[3]}));
}

TEST_P(StoreContractTest, AUnitFixWithTheSameUnitAndTimeReplacesTheStoredOne) {
  QY_ASSERT_OK(store_->AppendUnitFixes(
      std::vector<UnitFix>{MakeFix("unit-1", kT0), MakeFix("unit-2", kT0)}));
  UnitFix moved = MakeFix("unit-1", kT0, 104.1, 30.7);
  moved.status = "en_route";
  moved.heading = 180;
  moved.speed_kmh = 0;
  // Also within one call: the later one wins.
  QY_ASSERT_OK(store_->AppendUnitFixes(std::vector<UnitFix>{MakeFix("unit-1", kT0), moved}));
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListUnitFixes({}));
  EXPECT_EQ(all, (std::vector<UnitFix>{moved, MakeFix("unit-2", kT0)}));
}

TEST_P(StoreContractTest, AppendUnitFixesWritesAllOrNoneAndNamesTheBadField) {
  std::vector<UnitFix> fixes = {MakeFix("unit-1", kT0), MakeFix("", kT0 + 1)};
  Status st = store_->AppendUnitFixes(fixes);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.field(), "fixes[1].unit_id");
  fixes[1] = MakeFix("unit-1", kT0 + 1, 180.5, 30);
  st = store_->AppendUnitFixes(fixes);
  EXPECT_EQ(st.field(), "fixes[1].lng");
  fixes[1] = MakeFix("unit-1", kT0 + 1, 104, std::nan(""));
  st = store_->AppendUnitFixes(fixes);
  EXPECT_EQ(st.field(), "fixes[1].lat");
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListUnitFixes({}));
  EXPECT_THAT(all, IsEmpty());
}

TEST_P(StoreContractTest, DropUnitFixesBeforeRemovesOnlyOlderFixes) {
  std::vector<UnitFix> fixes;
  for (int i = 0; i < 10; ++i) {
    fixes.push_back(MakeFix(i % 2 ? "unit-1" : "unit-2", kT0 + i * kMicrosPerDay));
  }
  QY_ASSERT_OK(store_->AppendUnitFixes(fixes));
  QY_ASSERT_OK_AND_ASSIGN(int64_t dropped, store_->DropUnitFixesBefore(kT0 + 4 * kMicrosPerDay));
  EXPECT_EQ(dropped, 4);
  QY_ASSERT_OK_AND_ASSIGN(dropped, store_->DropUnitFixesBefore(kT0 + 4 * kMicrosPerDay));
  EXPECT_EQ(dropped, 0);
  QY_ASSERT_OK_AND_ASSIGN(auto rest, store_->ListUnitFixes({}));
  EXPECT_EQ(rest, std::vector<UnitFix>(fixes.begin() + 4, fixes.end()));
  if (target_->persistent()) {
    ASSERT_NO_FATAL_FAILURE(Reopen());
    QY_ASSERT_OK_AND_ASSIGN(auto reopened, store_->ListUnitFixes({}));
    EXPECT_EQ(reopened, rest);
    QY_ASSERT_OK_AND_ASSIGN(auto unit_1, store_->ListUnitFixes({.unit_id = "unit-1"}));
    EXPECT_EQ(unit_1.size(), 3u);  // days 5, 7, 9
  }
}

TEST_P(StoreContractTest, MissingCheckpointIsNotFound) {
  QY_ASSERT_OK(store_->PutCheckpoint(MakeCheckpoint("cp-1")));
  EXPECT_EQ(store_->GetCheckpoint("cp-2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteCheckpoint("cp-2").code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, UpdatingACheckpointKeepsItsCreatedTime) {
  Checkpoint c = MakeCheckpoint("cp-1");
  c.created = kT0;
  c.updated = kT0;
  QY_ASSERT_OK(store_->PutCheckpoint(c));

  Checkpoint changed = c;
  changed.name = "renamed";
  changed.status = CheckpointStatus::kFaulty;
  changed.position = {104.06, 30.65};
  changed.directions = {0};
  changed.lanes = 6;
  changed.created = kT0 + kMicrosPerDay;  // must not replace the stored one
  changed.updated = kT0 + kMicrosPerDay;
  QY_ASSERT_OK(store_->PutCheckpoint(changed));

  QY_ASSERT_OK_AND_ASSIGN(Checkpoint got, store_->GetCheckpoint("cp-1"));
  Checkpoint want = changed;
  want.created = kT0;
  EXPECT_EQ(got, want);

  // PutCheckpoints keeps created too.
  changed.name = "renamed again";
  QY_ASSERT_OK(store_->PutCheckpoints({changed}));
  QY_ASSERT_OK_AND_ASSIGN(got, store_->GetCheckpoint("cp-1"));
  EXPECT_EQ(got.name, "renamed again");
  EXPECT_EQ(got.created, kT0);
}

TEST_P(StoreContractTest, PutCheckpointsWritesAllOfThem) {
  QY_ASSERT_OK(store_->PutCheckpoints(
      {MakeCheckpoint("cp-3"), MakeCheckpoint("cp-1"), MakeCheckpoint("cp-2")}));
  QY_ASSERT_OK(store_->PutCheckpoints({}));
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListCheckpoints({}));
  EXPECT_THAT(Ids(all), ElementsAre("cp-1", "cp-2", "cp-3"));
}

TEST_P(StoreContractTest, ListCheckpointsFiltersByStatusAndPaginatesById) {
  const CheckpointStatus kA = CheckpointStatus::kActive, kF = CheckpointStatus::kFaulty,
                         kR = CheckpointStatus::kRetired;
  QY_ASSERT_OK(store_->PutCheckpoints({
      MakeCheckpoint("cp-05", kA),
      MakeCheckpoint("cp-01", kA),
      MakeCheckpoint("cp-07", kF),
      MakeCheckpoint("cp-03", kF),
      MakeCheckpoint("cp-02", kR),
      MakeCheckpoint("cp-06", kA),
      MakeCheckpoint("cp-04", kF),
  }));

  std::vector<std::vector<std::string>> pages;
  CheckpointQuery q{.limit = 3};
  for (int i = 0; i < 5; ++i) {
    QY_ASSERT_OK_AND_ASSIGN(auto page, store_->ListCheckpoints(q));
    if (page.empty()) break;
    pages.push_back(Ids(page));
    q.after_id = page.back().id;
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre("cp-01", "cp-02", "cp-03"),
                                 ElementsAre("cp-04", "cp-05", "cp-06"), ElementsAre("cp-07")));

  QY_ASSERT_OK_AND_ASSIGN(auto faulty, store_->ListCheckpoints({.status = kF}));
  EXPECT_THAT(Ids(faulty), ElementsAre("cp-03", "cp-04", "cp-07"));
  QY_ASSERT_OK_AND_ASSIGN(auto faulty_page,
                          store_->ListCheckpoints({.status = kF, .after_id = "cp-03", .limit = 1}));
  EXPECT_THAT(Ids(faulty_page), ElementsAre("cp-04"));
  QY_ASSERT_OK_AND_ASSIGN(auto retired, store_->ListCheckpoints({.status = kR}));
  EXPECT_THAT(Ids(retired), ElementsAre("cp-02"));
}

TEST_P(StoreContractTest, DeleteCheckpointRemovesOnlyIt) {
  QY_ASSERT_OK(store_->PutCheckpoints({MakeCheckpoint("cp-1"), MakeCheckpoint("cp-2")}));
  QY_ASSERT_OK(store_->DeleteCheckpoint("cp-1"));
  EXPECT_EQ(store_->GetCheckpoint("cp-1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteCheckpoint("cp-1").code(), StatusCode::kNotFound);
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListCheckpoints({}));
  EXPECT_THAT(Ids(all), ElementsAre("cp-2"));
}

// --- Apply: passages

TEST_P(StoreContractTest, AppliedPassagesRoundTripEveryField) {
  PassageRecord full = MakePassage("p-full", "川A12345", "cp-1", kT0);
  full.image_refs = {"http://img.example/a.jpg?x=1&y=\"2\"", "C:\\images\\b.jpg",
                     "达州/通川/图像 3.jpg", "line\nbreak\ttab", ""};
  full.speed_kmh = 63.25;
  full.lane = 7;
  full.plate_color = 5;
  PassageRecord bare = MakePassage("p-bare", "", "cp-1", kT0 + 1);
  bare.plate_status = PlateStatus::kAbsent;
  bare.device_id = "";
  bare.plate_class = "";
  bare.vehicle_class = "";
  bare.vehicle_color = "";
  bare.direction = "";
  bare.image_refs.clear();
  bare.speed_kmh = -1;
  bare.lane = 0;
  bare.plate_color = 0;
  PassageRecord partial = MakePassage("p-partial", "川A1?3*5", "cp-2", kT0 + 2);
  partial.plate_status = PlateStatus::kPartial;

  QY_ASSERT_OK(store_->Apply({.passages = {full, bare, partial}}));

  for (const PassageRecord& want : {full, bare, partial}) {
    QY_ASSERT_OK_AND_ASSIGN(std::optional<PassageRecord> got, store_->GetPassage(want.id));
    ASSERT_TRUE(got.has_value()) << want.id;
    EXPECT_EQ(*got, want);
  }
  QY_ASSERT_OK_AND_ASSIGN(std::optional<PassageRecord> missing, store_->GetPassage("p-none"));
  EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreContractTest, ApplyIgnoresPassagesWhoseIdIsStored) {
  PassageRecord a = MakePassage("p-a", "川A00001", "cp-1", kT0);
  PassageRecord b = MakePassage("p-b", "川A00002", "cp-1", kT0 + 1);
  QY_ASSERT_OK(store_->Apply({.passages = {a, b}}));

  // A resend with different content, and a new record.
  PassageRecord a_again = MakePassage("p-a", "川Z99999", "cp-9", kT0 + 5);
  PassageRecord c = MakePassage("p-c", "川A00003", "cp-1", kT0 + 2);
  QY_ASSERT_OK(store_->Apply({.passages = {a_again, c}}));
  // The same id twice in one batch: the first one wins.
  PassageRecord d = MakePassage("p-d", "川A00004", "cp-1", kT0 + 3);
  PassageRecord d_again = MakePassage("p-d", "川A00005", "cp-2", kT0 + 4);
  QY_ASSERT_OK(store_->Apply({.passages = {d, d_again}}));
  // A replayed batch changes nothing.
  QY_ASSERT_OK(store_->Apply({.passages = {a, b}}));

  QY_ASSERT_OK_AND_ASSIGN(auto got_a, store_->GetPassage("p-a"));
  EXPECT_EQ(got_a, a);
  QY_ASSERT_OK_AND_ASSIGN(auto got_d, store_->GetPassage("p-d"));
  EXPECT_EQ(got_d, d);
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 4);
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->FindPassages({}));
  EXPECT_THAT(Ids(all), ElementsAre("p-d", "p-c", "p-b", "p-a"));
}

// --- Apply: quarantine, resolutions, log positions

TEST_P(StoreContractTest, AppliedQuarantineEntriesRoundTripAndAreKeptOnce) {
  QuarantineEntry q1 = MakeQuarantine("q-0001", "invalid_plate", kT0);
  QuarantineEntry q2 = MakeQuarantine("q-0002", "unknown_checkpoint", kT0 + 1);
  q2.source = events::Source::kApi;
  q2.record_id = "";
  q2.field = "TollgateID";
  q2.message = "卡口 not registered";
  QuarantineEntry q3 = MakeQuarantine("q-0003", "invalid_time", kT0 + 2);
  q3.source = events::Source::kReplay;
  QY_ASSERT_OK(store_->Apply({.quarantine = {q1, q2, q3}}));

  // Replaying the log inserts the same entries again; a changed copy does not overwrite.
  QuarantineEntry q1_changed = q1;
  q1_changed.message = "changed";
  QY_ASSERT_OK(store_->Apply({.quarantine = {q1_changed, q2, q3}}));

  for (const QuarantineEntry& want : {q1, q2, q3}) {
    QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got, store_->GetQuarantine(want.id));
    EXPECT_EQ(got, want);
  }
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.quarantined_total, 3);
  EXPECT_EQ(stats.quarantined_open, 3);
  EXPECT_EQ(store_->GetQuarantine("q-none").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, ResolutionsChangeQuarantineState) {
  QuarantineEntry q1 = MakeQuarantine("q-0001", "invalid_plate", kT0);
  QuarantineEntry q2 = MakeQuarantine("q-0002", "invalid_plate", kT0 + 1);
  QuarantineEntry q3 = MakeQuarantine("q-0003", "invalid_time", kT0 + 2);
  QY_ASSERT_OK(store_->Apply({.quarantine = {q1, q2, q3}}));

  QY_ASSERT_OK(store_->Apply({
      .passages = {MakePassage("rec-q-0001", "川A12345", "cp-1", kT0)},
      .resolutions =
          {{.id = "q-0001", .state = "replayed", .resolved = kT0 + 10, .note = "plate corrected"},
           {.id = "q-0002", .state = "discarded", .resolved = kT0 + 11, .note = "test device"}},
  }));

  QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got1, store_->GetQuarantine("q-0001"));
  EXPECT_EQ(got1.state, "replayed");
  EXPECT_EQ(got1.resolved, kT0 + 10);
  EXPECT_EQ(got1.resolution_note, "plate corrected");
  EXPECT_EQ(got1.payload, q1.payload);  // the original is kept
  QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got2, store_->GetQuarantine("q-0002"));
  EXPECT_EQ(got2.state, "discarded");
  EXPECT_EQ(got2.resolution_note, "test device");
  QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got3, store_->GetQuarantine("q-0003"));
  EXPECT_EQ(got3, q3);

  // Replaying the log's original insert does not reopen a resolved entry.
  QY_ASSERT_OK(store_->Apply({.quarantine = {q1}}));
  QY_ASSERT_OK_AND_ASSIGN(got1, store_->GetQuarantine("q-0001"));
  EXPECT_EQ(got1.state, "replayed");

  // An entry and its resolution in one batch.
  QuarantineEntry q4 = MakeQuarantine("q-0004", "invalid_plate", kT0 + 3);
  QY_ASSERT_OK(store_->Apply(
      {.quarantine = {q4},
       .resolutions = {{.id = "q-0004", .state = "discarded", .resolved = kT0 + 12}}}));
  QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got4, store_->GetQuarantine("q-0004"));
  EXPECT_EQ(got4.state, "discarded");

  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.quarantined_total, 4);
  EXPECT_EQ(stats.quarantined_open, 1);
}

TEST_P(StoreContractTest, ApplyRecordsLogPositions) {
  QY_ASSERT_OK(store_->Apply({.passages = {MakePassage("p-1", "川A00001", "cp-1", kT0)},
                              .log_positions = {{0, 10}, {1, 5}}}));
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 10}, {1, 5}}));

  QY_ASSERT_OK(store_->Apply({.log_positions = {{1, 7}, {2, 3}}}));
  QY_ASSERT_OK_AND_ASSIGN(positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 10}, {1, 7}, {2, 3}}));

  QY_ASSERT_OK(store_->Apply({}));  // an empty batch changes nothing
  QY_ASSERT_OK_AND_ASSIGN(positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 10}, {1, 7}, {2, 3}}));
}

// The ingest pipeline deletes event-log segments up to what SyncLogPositions returns: the
// positions of everything applied before the call, and then still after a reopen.
TEST_P(StoreContractTest, SyncLogPositionsReportsWhatWasApplied) {
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->SyncLogPositions());
  EXPECT_TRUE(positions.empty());
  QY_ASSERT_OK(store_->Apply({.passages = {MakePassage("p-1", "川A00001", "cp-1", kT0)},
                              .log_positions = {{0, 10}, {1, 5}}}));
  QY_ASSERT_OK(store_->Apply({.log_positions = {{1, 7}}}));
  QY_ASSERT_OK_AND_ASSIGN(positions, store_->SyncLogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 10}, {1, 7}}));
  if (!target_->persistent()) return;
  Reopen();
  QY_ASSERT_OK_AND_ASSIGN(positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 10}, {1, 7}}));
}

TEST_P(StoreContractTest, ApplyIsAllOrNothing) {
  QY_ASSERT_OK(store_->Apply({.log_positions = {{0, 1}}}));

  // A malformed resolution at the end: nothing of the batch is kept.
  Status s = store_->Apply({
      .passages = {MakePassage("p-1", "川A00001", "cp-1", kT0)},
      .quarantine = {MakeQuarantine("q-0001", "invalid_plate", kT0)},
      .resolutions = {{.id = "q-0001", .state = "open", .resolved = kT0}},
      .log_positions = {{0, 2}, {1, 1}},
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.field(), "resolutions[0].state");

  QY_ASSERT_OK_AND_ASSIGN(auto p, store_->GetPassage("p-1"));
  EXPECT_FALSE(p.has_value());
  EXPECT_EQ(store_->GetQuarantine("q-0001").status().code(), StatusCode::kNotFound);
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 1}}));
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 0);
  EXPECT_EQ(stats.quarantined_total, 0);

  // A passage without an id, after a good one.
  s = store_->Apply({.passages = {MakePassage("p-2", "川A00002", "cp-1", kT0),
                                  MakePassage("", "川A00003", "cp-1", kT0)},
                     .log_positions = {{0, 3}}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "passages[1].id");
  QY_ASSERT_OK_AND_ASSIGN(p, store_->GetPassage("p-2"));
  EXPECT_FALSE(p.has_value());
  // A quarantine entry in an unknown state.
  QuarantineEntry bad = MakeQuarantine("q-0002", "invalid_plate", kT0);
  bad.state = "pending";
  s = store_->Apply({.quarantine = {MakeQuarantine("q-0003", "invalid_plate", kT0), bad}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "quarantine[1].state");
  EXPECT_EQ(store_->GetQuarantine("q-0003").status().code(), StatusCode::kNotFound);
  QY_ASSERT_OK_AND_ASSIGN(positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 1}}));
}

TEST_P(StoreContractTest, ResolutionOfAnUnknownEntryIsIgnored) {
  QY_ASSERT_OK(store_->Apply({
      .passages = {MakePassage("p-1", "川A00001", "cp-1", kT0)},
      .resolutions = {{.id = "q-none", .state = "replayed", .resolved = kT0}},
      .log_positions = {{0, 5}},
  }));
  EXPECT_EQ(store_->GetQuarantine("q-none").status().code(), StatusCode::kNotFound);
  QY_ASSERT_OK_AND_ASSIGN(auto p, store_->GetPassage("p-1"));
  EXPECT_TRUE(p.has_value());
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 5}}));
}

// --- passage queries

TEST_P(StoreContractTest, FindPassagesFiltersByPlateCheckpointAndTimeNewestFirst) {
  // t: 0..9 minutes; plates A/B alternate; checkpoints X for t < 5, Y from 5.
  std::vector<PassageRecord> ps;
  for (int i = 0; i < 10; ++i) {
    ps.push_back(MakePassage("p-" + std::to_string(i), i % 2 == 0 ? "川A11111" : "川B22222",
                             i < 5 ? "cp-x" : "cp-y", kT0 + i * kMicrosPerMinute));
  }
  ps.push_back(MakePassage("p-noplate", "", "cp-x", kT0 + 30 * kMicrosPerSecond));
  // Insert out of time order: the store orders by pass_time, not by arrival.
  std::reverse(ps.begin(), ps.end());
  std::swap(ps[2], ps[7]);
  QY_ASSERT_OK(store_->Apply({.passages = ps}));

  auto find = [&](PassageQuery q) {
    StatusOr<std::vector<PassageRecord>> r = store_->FindPassages(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  const UnixMicros kMin = kMicrosPerMinute;

  EXPECT_THAT(find({.plate = "川A11111"}), ElementsAre("p-8", "p-6", "p-4", "p-2", "p-0"));
  EXPECT_THAT(find({.checkpoint_id = "cp-x"}),
              ElementsAre("p-4", "p-3", "p-2", "p-1", "p-noplate", "p-0"));
  EXPECT_THAT(find({.plate = "川B22222", .checkpoint_id = "cp-y"}),
              ElementsAre("p-9", "p-7", "p-5"));
  // from is inclusive, to exclusive.
  EXPECT_THAT(find({.from = kT0 + 2 * kMin, .to = kT0 + 5 * kMin}),
              ElementsAre("p-4", "p-3", "p-2"));
  EXPECT_THAT(find({.plate = "川A11111", .from = kT0 + 2 * kMin, .to = kT0 + 6 * kMin}),
              ElementsAre("p-4", "p-2"));
  EXPECT_THAT(find({.checkpoint_id = "cp-y", .from = kT0 + 7 * kMin}),
              ElementsAre("p-9", "p-8", "p-7"));
  // limit keeps the newest.
  EXPECT_THAT(find({.limit = 3}), ElementsAre("p-9", "p-8", "p-7"));
  EXPECT_THAT(find({.plate = "川B22222", .limit = 2}), ElementsAre("p-9", "p-7"));
  // Everything, newest first; the record without a plate is found by time, not by plate.
  EXPECT_THAT(find({}), ElementsAre("p-9", "p-8", "p-7", "p-6", "p-5", "p-4", "p-3", "p-2", "p-1",
                                    "p-noplate", "p-0"));
  EXPECT_THAT(find({.plate = "川C33333"}), IsEmpty());
  EXPECT_THAT(find({.checkpoint_id = "cp-z"}), IsEmpty());
  EXPECT_THAT(find({.from = kT0 + 20 * kMin}), IsEmpty());

  // Returned records are complete.
  QY_ASSERT_OK_AND_ASSIGN(auto one, store_->FindPassages({.plate = "川A11111", .limit = 1}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], MakePassage("p-8", "川A11111", "cp-y", kT0 + 8 * kMin));
}

TEST_P(StoreContractTest, ForEachPassageIdSinceVisitsRecentIds) {
  std::vector<PassageRecord> ps;
  for (int i = 0; i < 10; ++i) {
    ps.push_back(MakePassage("p-" + std::to_string(i), "川A11111", "cp-x", kT0 + i));
  }
  QY_ASSERT_OK(store_->Apply({.passages = ps}));
  std::vector<std::string> seen;
  QY_ASSERT_OK(
      store_->ForEachPassageIdSince(kT0 + 7, [&](std::string_view id) { seen.emplace_back(id); }));
  EXPECT_THAT(seen, UnorderedElementsAre("p-7", "p-8", "p-9"));
  seen.clear();
  QY_ASSERT_OK(store_->ForEachPassageIdSince(kT0 + 100,
                                             [&](std::string_view id) { seen.emplace_back(id); }));
  EXPECT_THAT(seen, IsEmpty());
  QY_ASSERT_OK(
      store_->ForEachPassageIdSince(0, [&](std::string_view id) { seen.emplace_back(id); }));
  EXPECT_EQ(seen.size(), 10u);
}

TEST_P(StoreContractTest, PassageStatsCountRecordsAndOpenQuarantineByCode) {
  QY_ASSERT_OK(store_->Apply({
      .passages = {MakePassage("p-1", "川A00001", "cp-1", kT0 + 5 * kMicrosPerHour),
                   MakePassage("p-2", "", "cp-1", kT0 - kMicrosPerDay),
                   MakePassage("p-3", "川A00003", "cp-2", kT0)},
      .quarantine = {MakeQuarantine("q-0001", "invalid_plate", kT0),
                     MakeQuarantine("q-0002", "invalid_plate", kT0 + 1),
                     MakeQuarantine("q-0003", "unknown_checkpoint", kT0 + 2),
                     MakeQuarantine("q-0004", "invalid_time", kT0 + 3)},
  }));
  QY_ASSERT_OK(store_->Apply({
      .passages = {MakePassage("p-1", "川A00001", "cp-1", kT0)},  // duplicate: not counted
      .resolutions = {{.id = "q-0004", .state = "discarded", .resolved = kT0 + 9}},
  }));

  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 3);
  EXPECT_EQ(stats.quarantined_total, 4);
  EXPECT_EQ(stats.quarantined_open, 3);
  EXPECT_EQ(stats.quarantine_by_code,
            (std::map<std::string, int64_t>{{"invalid_plate", 2}, {"unknown_checkpoint", 1}}));
  EXPECT_EQ(stats.oldest_pass_time, kT0 - kMicrosPerDay);
  EXPECT_EQ(stats.newest_pass_time, kT0 + 5 * kMicrosPerHour);
}

TEST_P(StoreContractTest, ListQuarantineFiltersAndPaginatesById) {
  std::vector<QuarantineEntry> qs;
  for (int i = 1; i <= 9; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "q-%04d", i);
    qs.push_back(MakeQuarantine(id, i % 3 == 0 ? "invalid_time" : "invalid_plate", kT0 + i));
  }
  std::reverse(qs.begin(), qs.end());
  QY_ASSERT_OK(store_->Apply({.quarantine = qs}));
  QY_ASSERT_OK(store_->Apply({.resolutions = {
                                  {.id = "q-0002", .state = "replayed", .resolved = kT0},
                                  {.id = "q-0003", .state = "discarded", .resolved = kT0},
                                  {.id = "q-0005", .state = "discarded", .resolved = kT0},
                              }}));

  auto list = [&](QuarantineQuery q) {
    StatusOr<std::vector<QuarantineEntry>> r = store_->ListQuarantine(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  EXPECT_THAT(list({}), ElementsAre("q-0001", "q-0002", "q-0003", "q-0004", "q-0005", "q-0006",
                                    "q-0007", "q-0008", "q-0009"));
  EXPECT_THAT(list({.state = "open"}),
              ElementsAre("q-0001", "q-0004", "q-0006", "q-0007", "q-0008", "q-0009"));
  EXPECT_THAT(list({.state = "discarded"}), ElementsAre("q-0003", "q-0005"));
  EXPECT_THAT(list({.state = "replayed"}), ElementsAre("q-0002"));
  EXPECT_THAT(list({.code = "invalid_time"}), ElementsAre("q-0003", "q-0006", "q-0009"));
  EXPECT_THAT(list({.state = "open", .code = "invalid_time"}), ElementsAre("q-0006", "q-0009"));
  EXPECT_THAT(list({.code = "no_such_code"}), IsEmpty());

  // Pages of two through the open entries.
  std::vector<std::vector<std::string>> pages;
  QuarantineQuery q{.state = "open", .limit = 2};
  for (int i = 0; i < 6; ++i) {
    std::vector<std::string> page = list(q);
    if (page.empty()) break;
    pages.push_back(page);
    q.after_id = page.back();
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre("q-0001", "q-0004"), ElementsAre("q-0006", "q-0007"),
                                 ElementsAre("q-0008", "q-0009")));
}

// --- local days (UTC+8): passages are partitioned, deduplicated and retained by them

// 2026-01-02T00:00:00+08:00.
constexpr UnixMicros kMidnight = kT0 + 16 * kMicrosPerHour;

TEST_P(StoreContractTest, QueriesSpanLocalMidnight) {
  const std::vector<PassageRecord> ps = {
      MakePassage("before-2", "川A11111", "cp-x", kMidnight - 2 * kMicrosPerMinute),
      MakePassage("before-1", "川B22222", "cp-y", kMidnight - 1),
      MakePassage("at", "川A11111", "cp-y", kMidnight),
      MakePassage("after-1", "川B22222", "cp-x", kMidnight + 1),
      MakePassage("after-2", "川A11111", "cp-x", kMidnight + 2 * kMicrosPerMinute),
      MakePassage("next-day", "川A11111", "cp-x", kMidnight + kMicrosPerDay + 5),
      MakePassage("prev-day", "川B22222", "cp-y", kMidnight - kMicrosPerDay - 5),
  };
  // Out of time order, each day in several batches.
  QY_ASSERT_OK(store_->Apply({.passages = {ps[4], ps[0], ps[6]}}));
  QY_ASSERT_OK(store_->Apply({.passages = {ps[2], ps[5]}}));
  QY_ASSERT_OK(store_->Apply({.passages = {ps[1], ps[3]}}));

  auto find = [&](PassageQuery q) {
    StatusOr<std::vector<PassageRecord>> r = store_->FindPassages(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  EXPECT_THAT(find({}), ElementsAre("next-day", "after-2", "after-1", "at", "before-1", "before-2",
                                    "prev-day"));
  EXPECT_THAT(find({.plate = "川A11111"}), ElementsAre("next-day", "after-2", "at", "before-2"));
  EXPECT_THAT(find({.checkpoint_id = "cp-y"}), ElementsAre("at", "before-1", "prev-day"));
  EXPECT_THAT(find({.plate = "川B22222", .checkpoint_id = "cp-x"}), ElementsAre("after-1"));
  // Windows with an edge at midnight: from is inclusive, to exclusive.
  EXPECT_THAT(find({.from = kMidnight}), ElementsAre("next-day", "after-2", "after-1", "at"));
  EXPECT_THAT(find({.to = kMidnight}), ElementsAre("before-1", "before-2", "prev-day"));
  EXPECT_THAT(find({.from = kMidnight - 1, .to = kMidnight + 2}),
              ElementsAre("after-1", "at", "before-1"));
  EXPECT_THAT(find({.plate = "川A11111",
                    .from = kMidnight - kMicrosPerMinute,
                    .to = kMidnight + kMicrosPerMinute}),
              ElementsAre("at"));
  EXPECT_THAT(find({.checkpoint_id = "cp-y", .from = kMidnight - 1, .to = kMidnight}),
              ElementsAre("before-1"));
  EXPECT_THAT(find({.from = kMidnight, .to = kMidnight}), IsEmpty());
  // The limit keeps the newest, across days.
  EXPECT_THAT(find({.plate = "川A11111", .limit = 2}), ElementsAre("next-day", "after-2"));
  EXPECT_THAT(find({.plate = "川A11111", .to = kMidnight + kMicrosPerDay, .limit = 3}),
              ElementsAre("after-2", "at", "before-2"));
  EXPECT_THAT(find({.checkpoint_id = "cp-x", .limit = 4}),
              ElementsAre("next-day", "after-2", "after-1", "before-2"));

  for (const PassageRecord& p : ps) {
    QY_ASSERT_OK_AND_ASSIGN(std::optional<PassageRecord> got, store_->GetPassage(p.id));
    EXPECT_EQ(got, p);
  }
  std::vector<std::string> seen;
  QY_ASSERT_OK(store_->ForEachPassageIdSince(kMidnight - 1,
                                             [&](std::string_view id) { seen.emplace_back(id); }));
  EXPECT_THAT(seen, UnorderedElementsAre("before-1", "at", "after-1", "after-2", "next-day"));
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 7);
  EXPECT_EQ(stats.oldest_pass_time, kMidnight - kMicrosPerDay - 5);
  EXPECT_EQ(stats.newest_pass_time, kMidnight + kMicrosPerDay + 5);
}

TEST_P(StoreContractTest, ResendsAreIgnoredAcrossBatchesOnBothSidesOfMidnight) {
  const PassageRecord late = MakePassage("r-late", "川A00001", "cp-1", kMidnight - 1);
  const PassageRecord early = MakePassage("r-early", "川A00002", "cp-1", kMidnight);
  QY_ASSERT_OK(store_->Apply({.passages = {late, early}}));
  for (int i = 0; i < 3; ++i) {
    QY_ASSERT_OK(store_->Apply({.passages = {early,
                                             MakePassage("r-new-" + std::to_string(i), "川A00003",
                                                         "cp-1", kMidnight + i + 1),
                                             late}}));
  }
  // Resent with other content (the same pass_time: a resend is the same record).
  PassageRecord late_again = late;
  late_again.plate = "川Z99999";
  late_again.checkpoint_id = "cp-9";
  late_again.image_refs.clear();
  QY_ASSERT_OK(store_->Apply({.passages = {late_again}}));

  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 5);
  QY_ASSERT_OK_AND_ASSIGN(auto got_late, store_->GetPassage("r-late"));
  EXPECT_EQ(got_late, late);
  QY_ASSERT_OK_AND_ASSIGN(auto got_early, store_->GetPassage("r-early"));
  EXPECT_EQ(got_early, early);
  QY_ASSERT_OK_AND_ASSIGN(auto z, store_->FindPassages({.plate = "川Z99999"}));
  EXPECT_THAT(z, IsEmpty());
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->FindPassages({.checkpoint_id = "cp-1"}));
  EXPECT_THAT(Ids(all), ElementsAre("r-new-2", "r-new-1", "r-new-0", "r-early", "r-late"));
}

TEST_P(StoreContractTest, DropPassagesBeforeRemovesWholeLocalDays) {
  QY_ASSERT_OK_AND_ASSIGN(int64_t none, store_->DropPassagesBefore(kMidnight));
  EXPECT_EQ(none, 0);
  // Day 1 is [kMidnight - 1 day, kMidnight), day 2 the next, then day 3.
  const std::vector<PassageRecord> ps = {
      MakePassage("d1-a", "川A00001", "cp-1", kMidnight - kMicrosPerDay),
      MakePassage("d1-b", "川A00001", "cp-1", kMidnight - 1),
      MakePassage("d2-a", "川A00001", "cp-1", kMidnight),
      MakePassage("d2-b", "川A00001", "cp-2", kMidnight + 12 * kMicrosPerHour),
      MakePassage("d3-a", "川A00001", "cp-2", kMidnight + kMicrosPerDay + 1),
  };
  QY_ASSERT_OK(store_->Apply({.passages = ps,
                              .quarantine = {MakeQuarantine("q-0001", "invalid_plate", kT0)},
                              .log_positions = {{0, 7}}}));

  auto ids = [&] {
    StatusOr<std::vector<PassageRecord>> r = store_->FindPassages({});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  // A cutoff inside day 2: day 1 goes, day 2 from the cutoff on stays.
  const UnixMicros cutoff = kMidnight + 6 * kMicrosPerHour;
  QY_ASSERT_OK_AND_ASSIGN(int64_t removed, store_->DropPassagesBefore(cutoff));
  EXPECT_TRUE(removed == 2 || removed == 3) << removed;  // d2-a may stay until day 2 goes
  std::vector<std::string> left = ids();
  EXPECT_EQ(static_cast<int64_t>(left.size()), 5 - removed);
  EXPECT_THAT(left, ::testing::IsSupersetOf({"d3-a", "d2-b"}));
  EXPECT_THAT(left, ::testing::Not(::testing::Contains("d1-a")));
  EXPECT_THAT(left, ::testing::Not(::testing::Contains("d1-b")));
  QY_ASSERT_OK_AND_ASSIGN(auto d1, store_->GetPassage("d1-b"));
  EXPECT_FALSE(d1.has_value());
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 5 - removed);
  EXPECT_EQ(stats.newest_pass_time, kMidnight + kMicrosPerDay + 1);

  // At the midnight that ends day 2: all of day 2 goes.
  QY_ASSERT_OK_AND_ASSIGN(int64_t more, store_->DropPassagesBefore(kMidnight + kMicrosPerDay));
  EXPECT_EQ(removed + more, 4);
  EXPECT_THAT(ids(), ElementsAre("d3-a"));
  QY_ASSERT_OK_AND_ASSIGN(auto by_plate, store_->FindPassages({.plate = "川A00001"}));
  EXPECT_THAT(Ids(by_plate), ElementsAre("d3-a"));
  QY_ASSERT_OK_AND_ASSIGN(auto by_cp, store_->FindPassages({.checkpoint_id = "cp-1"}));
  EXPECT_THAT(by_cp, IsEmpty());
  std::vector<std::string> seen;
  QY_ASSERT_OK(
      store_->ForEachPassageIdSince(0, [&](std::string_view id) { seen.emplace_back(id); }));
  EXPECT_THAT(seen, ElementsAre("d3-a"));
  QY_ASSERT_OK_AND_ASSIGN(stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 1);
  EXPECT_EQ(stats.oldest_pass_time, kMidnight + kMicrosPerDay + 1);
  EXPECT_EQ(stats.quarantined_total, 1);  // quarantine and log positions stay
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, 7}}));
  QY_ASSERT_OK_AND_ASSIGN(int64_t again, store_->DropPassagesBefore(kMidnight + kMicrosPerDay));
  EXPECT_EQ(again, 0);

  // A removed record applied again is stored again, on a day that was dropped.
  QY_ASSERT_OK(store_->Apply({.passages = {ps[1], ps[4]}}));
  EXPECT_THAT(ids(), ElementsAre("d3-a", "d1-b"));
  QY_ASSERT_OK_AND_ASSIGN(auto back, store_->GetPassage("d1-b"));
  EXPECT_EQ(back, ps[1]);
}

// --- audit log. The store only keeps the chain's shape (seq order, prev_hash links); the
// hashes here are stand-ins, as govern/audit.h computes the real ones.

AuditRecord MakeAudit(uint64_t seq, std::string prev_hash, std::string actor = "user:li.wei",
                      std::string action = "passages.search", std::string target = "plate:川A12345",
                      UnixMicros time = 0) {
  AuditRecord r;
  r.seq = seq;
  r.time = time != 0 ? time : kT0 + static_cast<UnixMicros>(seq) * kMicrosPerSecond;
  r.actor = std::move(actor);
  r.agency = "511702000000";
  r.role = "investigator";
  r.action = std::move(action);
  r.target = std::move(target);
  r.purpose = "盗窃案 investigation";
  r.case_no = "A5117020000002026010001";
  r.request_id = "req-" + std::to_string(seq);
  r.outcome = "ok";
  r.detail = R"({"rows":3})";
  r.prev_hash = std::move(prev_hash);
  r.hash = "hash-" + std::to_string(seq);
  return r;
}

// Records first..last, chained to each other and the first to `prev_hash`.
std::vector<AuditRecord> AuditChain(uint64_t first, uint64_t last,
                                    std::string prev_hash = "genesis") {
  std::vector<AuditRecord> out;
  for (uint64_t seq = first; seq <= last; ++seq) {
    out.push_back(MakeAudit(seq, out.empty() ? prev_hash : out.back().hash));
  }
  return out;
}

std::vector<uint64_t> Seqs(const std::vector<AuditRecord>& rs) {
  std::vector<uint64_t> seqs;
  for (const auto& r : rs) seqs.push_back(r.seq);
  return seqs;
}

TEST_P(StoreContractTest, AuditRecordsRoundTripEveryFieldInSeqOrder) {
  QY_ASSERT_OK_AND_ASSIGN(auto none, store_->LastAudit());
  EXPECT_FALSE(none.has_value());
  const std::vector<AuditRecord> chain = AuditChain(1, 3);
  QY_ASSERT_OK(store_->AppendAudit(chain));
  QY_ASSERT_OK(store_->AppendAudit({}));  // nothing to append is not an error

  QY_ASSERT_OK_AND_ASSIGN(auto last, store_->LastAudit());
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, chain[2]);

  std::vector<AuditRecord> seen;
  QY_ASSERT_OK(store_->ForEachAudit(0, [&](const AuditRecord& r) {
    seen.push_back(r);
    return Status::Ok();
  }));
  EXPECT_EQ(seen, chain);

  seen.clear();
  QY_ASSERT_OK(store_->ForEachAudit(2, [&](const AuditRecord& r) {
    seen.push_back(r);
    return Status::Ok();
  }));
  EXPECT_THAT(Seqs(seen), ElementsAre(2, 3));

  // The callback's first error ends the walk and is returned.
  int calls = 0;
  Status s = store_->ForEachAudit(0, [&](const AuditRecord&) {
    ++calls;
    return DataLoss("stop here");
  });
  EXPECT_EQ(s, DataLoss("stop here"));
  EXPECT_EQ(calls, 1);
}

TEST_P(StoreContractTest, AppendAuditOnlyContinuesTheChain) {
  // The first record ever must be seq 1.
  EXPECT_EQ(store_->AppendAudit(AuditChain(2, 3)).code(), StatusCode::kFailedPrecondition);
  QY_ASSERT_OK(store_->AppendAudit(AuditChain(1, 2)));

  // A gap, a repeat, or a prev_hash that is not the last record's hash.
  EXPECT_EQ(store_->AppendAudit(AuditChain(4, 4, "hash-3")).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AppendAudit(AuditChain(2, 2, "hash-1")).code(),
            StatusCode::kFailedPrecondition);
  Status s = store_->AppendAudit(AuditChain(3, 3, "hash-1"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();

  // Records of one call must chain to each other.
  std::vector<AuditRecord> unchained = AuditChain(3, 4, "hash-2");
  unchained[1].prev_hash = "hash-x";
  s = store_->AppendAudit(unchained);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "records[1].prev_hash");

  std::vector<AuditRecord> bad = AuditChain(3, 4, "hash-2");
  bad[1].outcome = "maybe";
  s = store_->AppendAudit(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "records[1].outcome");
  bad = AuditChain(3, 3, "hash-2");
  bad[0].actor.clear();
  EXPECT_EQ(store_->AppendAudit(bad).field(), "records[0].actor");
  bad = AuditChain(3, 3, "hash-2");
  bad[0].action.clear();
  EXPECT_EQ(store_->AppendAudit(bad).field(), "records[0].action");

  // None of the refused calls stored anything; the chain continues where it was.
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListAudit({.limit = 100, .newest_first = false}));
  EXPECT_THAT(Seqs(all), ElementsAre(1, 2));
  QY_ASSERT_OK(store_->AppendAudit(AuditChain(3, 4, "hash-2")));
  QY_ASSERT_OK_AND_ASSIGN(auto last, store_->LastAudit());
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->seq, 4u);
}

TEST_P(StoreContractTest, ListAuditFiltersAndPaginates) {
  std::vector<AuditRecord> rs;
  std::string prev = "genesis";
  for (uint64_t seq = 1; seq <= 9; ++seq) {
    AuditRecord r = MakeAudit(seq, prev, seq % 3 == 0 ? "user:wang.fang" : "user:li.wei",
                              seq % 2 == 0 ? "passages.search" : "user.add",
                              seq <= 4 ? "plate:川A12345" : "plate:川B99999");
    prev = r.hash;
    rs.push_back(r);
  }
  QY_ASSERT_OK(store_->AppendAudit(rs));

  auto list = [&](AuditQuery q) {
    StatusOr<std::vector<AuditRecord>> r = store_->ListAudit(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Seqs(*r) : std::vector<uint64_t>{};
  };
  EXPECT_THAT(list({}), ElementsAre(9, 8, 7, 6, 5, 4, 3, 2, 1));
  EXPECT_THAT(list({.newest_first = false}), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9));
  EXPECT_THAT(list({.actor = "user:wang.fang"}), ElementsAre(9, 6, 3));
  EXPECT_THAT(list({.action = "passages.search"}), ElementsAre(8, 6, 4, 2));
  EXPECT_THAT(list({.target = "plate:川A12345"}), ElementsAre(4, 3, 2, 1));
  EXPECT_THAT(list({.target = "川A12345"}), IsEmpty());  // exact, not a substring
  EXPECT_THAT(list({.actor = "user:li.wei", .action = "user.add", .target = "plate:川B99999"}),
              ElementsAre(7, 5));
  // Time: from inclusive, to exclusive.
  EXPECT_THAT(list({.from = kT0 + 3 * kMicrosPerSecond, .to = kT0 + 6 * kMicrosPerSecond}),
              ElementsAre(5, 4, 3));
  EXPECT_THAT(list({.after_seq = 6}), ElementsAre(9, 8, 7));
  EXPECT_THAT(list({.before_seq = 3}), ElementsAre(2, 1));
  EXPECT_THAT(list({.limit = 2}), ElementsAre(9, 8));
  EXPECT_THAT(list({.limit = 0}), IsEmpty());

  // Pages of four, newest first (before_seq) and oldest first (after_seq).
  std::vector<std::vector<uint64_t>> pages;
  AuditQuery q{.limit = 4};
  for (int i = 0; i < 5; ++i) {
    std::vector<uint64_t> page = list(q);
    if (page.empty()) break;
    pages.push_back(page);
    q.before_seq = page.back();
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre(9, 8, 7, 6), ElementsAre(5, 4, 3, 2), ElementsAre(1)));
  pages.clear();
  q = {.limit = 4, .newest_first = false};
  for (int i = 0; i < 5; ++i) {
    std::vector<uint64_t> page = list(q);
    if (page.empty()) break;
    pages.push_back(page);
    q.after_seq = page.back();
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre(1, 2, 3, 4), ElementsAre(5, 6, 7, 8), ElementsAre(9)));
}

TEST_P(StoreContractTest, TrimAuditBeforeRemovesAPrefixAndAnchorsTheRest) {
  QY_ASSERT_OK(store_->AppendAudit(AuditChain(1, 5)));
  QY_ASSERT_OK_AND_ASSIGN(auto anchor, store_->GetAuditAnchor());
  EXPECT_FALSE(anchor.has_value());

  QY_ASSERT_OK(store_->TrimAuditBefore(1));  // nothing below seq 1
  QY_ASSERT_OK_AND_ASSIGN(anchor, store_->GetAuditAnchor());
  EXPECT_FALSE(anchor.has_value());

  QY_ASSERT_OK(store_->TrimAuditBefore(3));
  QY_ASSERT_OK_AND_ASSIGN(anchor, store_->GetAuditAnchor());
  EXPECT_EQ(anchor, (AuditAnchor{2, "hash-2"}));
  QY_ASSERT_OK_AND_ASSIGN(auto rest, store_->ListAudit({.newest_first = false}));
  EXPECT_THAT(Seqs(rest), ElementsAre(3, 4, 5));

  // Trimming less than is already gone changes nothing.
  QY_ASSERT_OK(store_->TrimAuditBefore(2));
  QY_ASSERT_OK_AND_ASSIGN(anchor, store_->GetAuditAnchor());
  EXPECT_EQ(anchor, (AuditAnchor{2, "hash-2"}));

  // Trimming past the end removes everything; the anchor carries the chain on.
  QY_ASSERT_OK(store_->TrimAuditBefore(100));
  QY_ASSERT_OK_AND_ASSIGN(anchor, store_->GetAuditAnchor());
  EXPECT_EQ(anchor, (AuditAnchor{5, "hash-5"}));
  QY_ASSERT_OK_AND_ASSIGN(auto last, store_->LastAudit());
  EXPECT_FALSE(last.has_value());
  EXPECT_EQ(store_->AppendAudit(AuditChain(1, 1)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->AppendAudit(AuditChain(6, 6, "hash-4")).code(),
            StatusCode::kFailedPrecondition);
  QY_ASSERT_OK(store_->AppendAudit(AuditChain(6, 7, "hash-5")));
  QY_ASSERT_OK_AND_ASSIGN(rest, store_->ListAudit({.newest_first = false}));
  EXPECT_THAT(Seqs(rest), ElementsAre(6, 7));
}

TEST_P(StoreContractTest, AuditLogSurvivesReopen) {
  if (!target_->persistent()) GTEST_SKIP() << "backend keeps nothing across reopen";
  const std::vector<AuditRecord> chain = AuditChain(1, 4);
  QY_ASSERT_OK(store_->AppendAudit(chain));
  QY_ASSERT_OK(store_->TrimAuditBefore(2));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  QY_ASSERT_OK_AND_ASSIGN(auto anchor, store_->GetAuditAnchor());
  EXPECT_EQ(anchor, (AuditAnchor{1, "hash-1"}));
  QY_ASSERT_OK_AND_ASSIGN(auto all, store_->ListAudit({.newest_first = false}));
  EXPECT_EQ(all, std::vector<AuditRecord>(chain.begin() + 1, chain.end()));
  QY_ASSERT_OK(store_->AppendAudit(AuditChain(5, 5, "hash-4")));
}

// --- durability and concurrency

TEST_P(StoreContractTest, DataSurvivesReopen) {
  if (!target_->persistent()) GTEST_SKIP() << "backend keeps nothing across reopen";
  Checkpoint c = MakeCheckpoint("cp-1");
  PassageRecord p = MakePassage("p-1", "川A12345", "cp-1", kT0);
  QuarantineEntry q = MakeQuarantine("q-0001", "invalid_plate", kT0);
  QY_ASSERT_OK(store_->PutCheckpoint(c));
  QY_ASSERT_OK(store_->Apply({.passages = {p}, .quarantine = {q}, .log_positions = {{3, 99}}}));
  const UnitFix fix = MakeFix("unit-1", kT0);
  QY_ASSERT_OK(store_->AppendUnitFixes({&fix, 1}));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(store_->SchemaVersion(), Store::LatestSchemaVersion());
  QY_ASSERT_OK_AND_ASSIGN(Checkpoint got_c, store_->GetCheckpoint("cp-1"));
  EXPECT_EQ(got_c, c);
  QY_ASSERT_OK_AND_ASSIGN(auto got_p, store_->GetPassage("p-1"));
  EXPECT_EQ(got_p, p);
  QY_ASSERT_OK_AND_ASSIGN(QuarantineEntry got_q, store_->GetQuarantine("q-0001"));
  EXPECT_EQ(got_q, q);
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{3, 99}}));
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, 1);
  QY_ASSERT_OK_AND_ASSIGN(auto fixes, store_->ListUnitFixes({}));
  EXPECT_EQ(fixes, std::vector<UnitFix>{fix});

  // The reopened store still ignores the stored id.
  QY_ASSERT_OK(store_->Apply({.passages = {MakePassage("p-1", "川B00000", "cp-2", kT0)}}));
  QY_ASSERT_OK_AND_ASSIGN(got_p, store_->GetPassage("p-1"));
  EXPECT_EQ(got_p, p);
}

TEST_P(StoreContractTest, ReadsSucceedWhileApplyRuns) {
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 100;
  QY_ASSERT_OK(store_->PutCheckpoint(MakeCheckpoint("cp-load")));

  std::atomic<bool> writer_done{false};
  std::mutex failures_mu;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mu);
    failures.push_back(std::move(what));
  };

  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      ApplyBatch batch;
      for (int i = 0; i < kBatchSize; ++i) {
        int n = b * kBatchSize + i;
        batch.passages.push_back(
            MakePassage("p-" + std::to_string(n), "川A" + std::to_string(n), "cp-load", kT0 + n));
      }
      batch.log_positions[0] = static_cast<uint64_t>(b + 1);
      Status s = store_->Apply(batch);
      if (!s.ok()) fail("Apply: " + s.ToString());
    }
    writer_done = true;
  });

  // Readers check that every read succeeds and that a batch is seen whole or not at all.
  auto reader = [&] {
    int64_t last_seen = 0;
    int rounds = 0;
    while (!writer_done || rounds < 2) {
      ++rounds;
      StatusOr<std::vector<PassageRecord>> found =
          store_->FindPassages({.checkpoint_id = "cp-load", .limit = SIZE_MAX});
      if (!found.ok()) {
        fail("FindPassages: " + found.status().ToString());
        continue;
      }
      if (found->size() % kBatchSize != 0) {
        fail("saw a partial batch: " + std::to_string(found->size()) + " passages");
      }
      StatusOr<PassageStats> stats = store_->GetPassageStats();
      if (!stats.ok()) {
        fail("GetPassageStats: " + stats.status().ToString());
        continue;
      }
      if (stats->passages < last_seen) fail("passage count went backwards");
      if (stats->passages % kBatchSize != 0) fail("stats saw a partial batch");
      last_seen = stats->passages;
      StatusOr<std::map<int, uint64_t>> positions = store_->LogPositions();
      if (!positions.ok()) fail("LogPositions: " + positions.status().ToString());
      StatusOr<std::optional<PassageRecord>> p = store_->GetPassage("p-0");
      if (!p.ok()) fail("GetPassage: " + p.status().ToString());
      StatusOr<std::vector<Checkpoint>> cps = store_->ListCheckpoints({});
      if (!cps.ok() || cps->size() != 1) fail("ListCheckpoints");
      // Leave the writer room where a backend serializes reads with writes.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::thread reader1(reader), reader2(reader);
  writer.join();
  reader1.join();
  reader2.join();

  EXPECT_THAT(failures, IsEmpty());
  QY_ASSERT_OK_AND_ASSIGN(PassageStats stats, store_->GetPassageStats());
  EXPECT_EQ(stats.passages, kBatches * kBatchSize);
  QY_ASSERT_OK_AND_ASSIGN(auto positions, store_->LogPositions());
  EXPECT_EQ(positions, (std::map<int, uint64_t>{{0, kBatches}}));
}

}  // namespace
}  // namespace quanyu::store::testing
