#include "rules/alerts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z
constexpr UnixMicros kMinute = 60 * kMicrosPerSecond;

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/quanyu-alerts-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open();
    officer_.kind = govern::PrincipalKind::kUser;
    officer_.id = "li.wei";
    officer_.agency = "dzpsb";
    officer_.role = "operator";
  }
  void TearDown() override {
    alerts_.reset();
    audit_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    alerts_.reset();
    audit_.reset();
    store_.reset();
    auto s = store::Store::Open({.url = "sqlite:" + dir_ + "/q.db"});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto a = govern::AuditLog::Open(store_.get(), &clock_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    audit_ = std::move(a).value();
    alerts_ = std::make_unique<Alerts>(store_.get(), audit_.get(), &clock_);
    ASSERT_TRUE(alerts_->Load().ok());
    alerts_->AddListener([this](const Alert& a, bool is_new) { heard_.push_back({a.id, is_new}); });
  }

  // Raises the triggers of one list-hit per record.
  std::vector<Alert> Hit(std::vector<events::PassageRecord> recs, std::string rule = "list_hit",
                         std::string ring = "") {
    records_ = std::move(recs);
    std::vector<Trigger> triggers;
    for (const auto& r : records_) {
      Trigger t;
      t.type = ring.empty() ? AlertType::kListHit : AlertType::kRingEntry;
      t.rule_id = rule;
      t.ring_id = ring;
      t.priority = 1;
      t.list_id = "stolen";
      t.entry_id = "E1";
      t.category = Category::kStolenVehicle;
      t.owner_agency = "dzpsb";
      t.case_no = "2026-0042";
      t.record = &r;
      triggers.push_back(t);
    }
    RaiseContext ctx;
    ctx.checkpoint = [](std::string_view id) -> std::optional<CheckpointInfo> {
      if (id != "CP1") return std::nullopt;
      return CheckpointInfo{"西外卡口", "511702", {107.45, 31.21}};
    };
    auto out = alerts_->Raise(triggers, ctx);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : std::vector<Alert>{};
  }

  static events::PassageRecord Rec(std::string id, UnixMicros t, std::string plate = "川S12345") {
    events::PassageRecord r;
    r.id = std::move(id);
    r.plate = std::move(plate);
    r.checkpoint_id = "CP1";
    r.pass_time = t;
    return r;
  }

  std::string dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<govern::AuditLog> audit_;
  std::unique_ptr<Alerts> alerts_;
  std::vector<events::PassageRecord> records_;
  std::vector<std::pair<uint64_t, bool>> heard_;
  govern::Principal officer_;
};

TEST_F(AlertsTest, RaisedAlertsNameRecordCheckpointEntryAndAreStored) {
  auto out = Hit({Rec("R1", kT0)});
  ASSERT_EQ(out.size(), 1u);
  const Alert& a = out[0];
  EXPECT_EQ(a.id, 1u);
  EXPECT_EQ(a.record_id, "R1");
  EXPECT_EQ(a.checkpoint_name, "西外卡口");
  EXPECT_EQ(a.division_code, "511702");
  EXPECT_EQ(a.owner_agency, "dzpsb");
  EXPECT_EQ(a.case_no, "2026-0042");
  EXPECT_EQ(a.state, AlertState::kNew);
  ASSERT_EQ(a.history.size(), 1u);
  EXPECT_EQ(a.history[0].actor, "system");
  auto stored = alerts_->Get(officer_, 1);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->record_id, "R1");
  EXPECT_EQ(heard_, (std::vector<std::pair<uint64_t, bool>>{{1, true}}));
}

TEST_F(AlertsTest, RaisedAlertsAreWrittenBehindInOrderAndListedAtOnce) {
  Hit({Rec("R1", kT0)});
  Hit({Rec("R2", kT0 + kMinute)});              // folds into alert 1
  Hit({Rec("R3", kT0 + kMinute, "川S99999")});  // alert 2
  // List waits for the writes of everything delivered so far.
  auto listed = alerts_->List(officer_, {.limit = 10});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  alerts_->WaitWritten();
  auto one = store_->GetAlert(1);
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->record_id, "R2");  // the later change of alert 1 is the one stored
  auto two = store_->GetAlert(2);
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(two->has_value());
  // A lifecycle step is stored before it is answered, after the changes queued before it.
  ASSERT_TRUE(alerts_->Transition(officer_, 2, AlertState::kAcknowledged, "").ok());
  auto acked = store_->GetAlert(2);
  ASSERT_TRUE(acked.ok());
  ASSERT_TRUE(acked->has_value());
  EXPECT_EQ((*acked)->state, "acknowledged");
}

TEST_F(AlertsTest, CloseWritesWhatIsQueued) {
  Hit({Rec("R1", kT0)});
  Hit({Rec("R2", kT0 + kMinute, "川S99999")});
  alerts_->Close();
  auto max = store_->MaxAlertId();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, 2u);
}

TEST_F(AlertsTest, RepeatedHitsWithinTheWindowFoldIntoOneAlert) {
  Hit({Rec("R1", kT0)});
  auto out = Hit({Rec("R2", kT0 + 3 * kMinute), Rec("R3", kT0 + 6 * kMinute)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].id, 1u);
  EXPECT_EQ(out[1].count, 3);
  EXPECT_EQ(out[1].record_id, "R3");
  EXPECT_EQ(out[1].first_seen, kT0);
  EXPECT_EQ(out[1].last_seen, kT0 + 6 * kMinute);
  // Beyond the window (10 minutes after the last hit): a new alert.
  auto later = Hit({Rec("R4", kT0 + 17 * kMinute)});
  EXPECT_EQ(later[0].id, 2u);
  EXPECT_EQ(later[0].count, 1);
  // Another rule or ring does not fold into it.
  auto ring = Hit({Rec("R5", kT0 + 18 * kMinute)}, "ring_entry", "511702");
  EXPECT_EQ(ring[0].id, 3u);
  EXPECT_EQ(ring[0].type, AlertType::kRingEntry);
}

TEST_F(AlertsTest, LifecycleIsAttributedAuditedAndOnlyMovesForward) {
  Hit({Rec("R1", kT0)});
  clock_.Advance(30 * kMicrosPerSecond);
  auto ack = alerts_->Transition(officer_, 1, AlertState::kAcknowledged, "");
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->history.back().actor, "user:li.wei");
  EXPECT_EQ(ack->history.back().time, kT0 + 30 * kMicrosPerSecond);
  auto back = alerts_->Transition(officer_, 1, AlertState::kNew, "");
  EXPECT_EQ(back.status().field(), "state");
  auto no_note = alerts_->Transition(officer_, 1, AlertState::kClosed, "");
  EXPECT_EQ(no_note.status().field(), "note");
  ASSERT_TRUE(alerts_->Transition(officer_, 1, AlertState::kDispatched, "").ok());
  auto closed = alerts_->Transition(officer_, 1, AlertState::kClosed, "车辆已拦截");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->history.size(), 4u);
  EXPECT_EQ(closed->history.back().note, "车辆已拦截");
  store::AuditQuery q;
  q.target = "alert:1";
  q.newest_first = false;
  auto audit = store_->ListAudit(q);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].action, "alert.acknowledged");
  EXPECT_EQ((*audit)[2].action, "alert.closed");
  EXPECT_EQ((*audit)[2].case_no, "2026-0042");
  EXPECT_EQ((*audit)[2].detail, "车辆已拦截");
  // A closed alert folds nothing.
  auto next = Hit({Rec("R2", kT0 + kMinute)});
  EXPECT_EQ(next[0].id, 2u);
}

TEST_F(AlertsTest, ScopeLimitsWhatOtherAgenciesSeeAndChange) {
  Hit({Rec("R1", kT0)});
  govern::Principal other = officer_;
  other.agency = "cdpsb";
  other.scope.kind = govern::ScopeKind::kAgency;
  EXPECT_EQ(alerts_->Get(other, 1).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(alerts_->Transition(other, 1, AlertState::kAcknowledged, "").status().code(),
            StatusCode::kPermissionDenied);
  auto list = alerts_->List(other, store::AlertQuery{});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  govern::Principal district = officer_;
  district.scope.districts = {"511722"};
  EXPECT_EQ(alerts_->Get(district, 1).status().code(), StatusCode::kPermissionDenied);
  district.scope.districts = {"511702"};
  EXPECT_TRUE(alerts_->Get(district, 1).ok());
}

TEST_F(AlertsTest, AfterARestartIdsContinueAndOpenAlertsStillFold) {
  Hit({Rec("R1", kT0)});
  Hit({Rec("R2", kT0 + kMinute, "川S99999")});
  ASSERT_TRUE(alerts_->Transition(officer_, 2, AlertState::kClosed, "误报").ok());
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(alerts_->last_id(), 2u);
  auto out = Hit({Rec("R3", kT0 + 2 * kMinute)});
  EXPECT_EQ(out[0].id, 1u);
  EXPECT_EQ(out[0].count, 2);
  auto fresh = Hit({Rec("R4", kT0 + 3 * kMinute, "川S99999")});
  EXPECT_EQ(fresh[0].id, 3u);
}

}  // namespace
}  // namespace quanyu::rules
