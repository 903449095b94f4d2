#include <gtest/gtest.h>

#include <cstdlib>

#include "dispatch/model.h"
#include "dispatch/service.h"
#include "roads/network.h"

namespace quanyu::dispatch {
namespace {

using nlohmann::json;

constexpr UnixMicros kT0 = 1'795'960'000LL * kMicrosPerSecond;  // 2026-11-29 21:46 in Beijing

std::unique_ptr<store::Store> MemoryStore() {
  auto s = store::Store::Open({.url = "sqlite::memory:"});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

Unit Car(std::string id, geo::LngLat home, std::string agency = "tc") {
  Unit u;
  u.id = std::move(id);
  u.name = "巡逻车 " + u.id;
  u.kind = UnitKind::kPatrolCar;
  u.agency = std::move(agency);
  u.home = home;
  return u;
}

Incident Call(IncidentType type, geo::LngLat at) {
  Incident i;
  i.type = type;
  i.priority = 2;
  i.source = IncidentSource::kCall110;
  i.source_ref = "110-0001";
  i.location = at;
  i.summary = "simulated call";
  return i;
}

class DispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(kT0);
    store_ = MemoryStore();
    Reopen();
  }
  void Reopen() {
    svc_.reset();
    auto s = DispatchService::Open(store_.get(), &clock_, {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    svc_ = std::move(*s);
  }
  FixOutcome Fix(const std::string& unit, geo::LngLat at, UnixMicros time,
                 std::optional<UnitStatus> status = std::nullopt) {
    auto out = svc_->ReportFixes({FixReport{unit, {at, time, 90, 30}, status}});
    return out.at(0);
  }

  ManualClock clock_{kT0};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<DispatchService> svc_;
};

TEST(UnitModelTest, ErrorsNameTheField) {
  auto bad_kind = UnitFromJson(json{{"id", "u1"}, {"name", "x"}, {"kind", "tank"}});
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.status().field(), "kind");
  EXPECT_NE(bad_kind.status().message().find("patrol_car"), std::string::npos);

  auto no_home = UnitFromJson(json{{"id", "ws1"}, {"name", "西外警务站"}, {"kind", "workstation"}});
  ASSERT_FALSE(no_home.ok());
  EXPECT_EQ(no_home.status().field(), "home");

  auto bad_id = UnitFromJson(json{{"id", "a b"}, {"name", "x"}, {"kind", "patrol_car"}});
  ASSERT_FALSE(bad_id.ok());
  EXPECT_EQ(bad_id.status().field(), "id");

  // Chinese labels are accepted for kinds.
  auto zh = UnitFromJson(json{{"id", "m1"}, {"name", "x"}, {"kind", "摩托车巡逻"}});
  ASSERT_TRUE(zh.ok()) << zh.status().ToString();
  EXPECT_EQ(zh->kind, UnitKind::kMotorcycle);
}

TEST(UnitModelTest, StatusReportsFollowTheModel) {
  EXPECT_TRUE(StatusReportAllowed(UnitStatus::kDispatched, UnitStatus::kEnRoute));
  EXPECT_TRUE(StatusReportAllowed(UnitStatus::kEnRoute, UnitStatus::kOnScene));
  EXPECT_TRUE(StatusReportAllowed(UnitStatus::kOnScene, UnitStatus::kReturning));
  EXPECT_FALSE(StatusReportAllowed(UnitStatus::kAvailable, UnitStatus::kDispatched));
  EXPECT_FALSE(StatusReportAllowed(UnitStatus::kAvailable, UnitStatus::kOnScene));
  EXPECT_FALSE(StatusReportAllowed(UnitStatus::kEnRoute, UnitStatus::kOffDuty));
}

TEST(IncidentModelTest, NeedsAPointOrAnAddress) {
  auto i = IncidentFromJson(json{{"type", "dispute"}});
  ASSERT_FALSE(i.ok());
  EXPECT_EQ(i.status().field(), "location");
  auto t = IncidentFromJson(json{{"type", "riot"}, {"address", "x"}});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().field(), "type");
  auto p = IncidentFromJson(json{{"type", "纠纷"}, {"address", "x"}, {"priority", 9}});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().field(), "priority");
}

TEST_F(DispatchTest, DispatchAndStepsMoveUnitAndIncidentTogether) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  auto inc = svc_->CreateIncident("user:op", Call(IncidentType::kPublicOrder, {104.07, 30.65}));
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(inc->id, "INC20261129-0001");
  EXPECT_EQ(inc->state, IncidentState::kOpen);

  clock_.Advance(45 * kMicrosPerSecond);
  auto d = svc_->Dispatch("user:op", inc->id, "car1", "nearest car", 240, 1800);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->state, IncidentState::kDispatched);
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kDispatched);
  EXPECT_EQ(svc_->GetUnit("car1")->incident_id, inc->id);

  // A busy unit cannot be dispatched again.
  auto inc2 = svc_->CreateIncident("user:op", Call(IncidentType::kDispute, {104.07, 30.65}));
  auto again = svc_->Dispatch("user:op", inc2->id, "car1", "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);

  // The unit's own status report records the en route step.
  clock_.Advance(10 * kMicrosPerSecond);
  auto u = svc_->ReportStatus("unit:car1", "car1", UnitStatus::kEnRoute, "");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  clock_.Advance(200 * kMicrosPerSecond);
  auto arrived = svc_->AddStep("user:op", inc->id, {StepAction::kArrived, "car1", ""});
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  EXPECT_EQ(arrived->state, IncidentState::kOnScene);
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kOnScene);

  clock_.Advance(600 * kMicrosPerSecond);
  auto closed = svc_->AddStep("user:op", inc->id, {StepAction::kClosed, "", "resolved"});
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(closed->state, IncidentState::kClosed);
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kReturning);
  EXPECT_TRUE(svc_->GetUnit("car1")->incident_id.empty());

  // The timeline is complete, in order and attributed.
  std::vector<std::string> steps;
  for (const Step& s : closed->timeline) {
    steps.push_back(std::string(StepActionName(s.action)) + "/" + s.actor);
  }
  EXPECT_EQ(steps,
            (std::vector<std::string>{"created/user:op", "dispatched/user:op", "en_route/unit:car1",
                                      "arrived/user:op", "cleared/user:op", "closed/user:op"}));
  const Assignment& a = closed->assignments.at(0);
  EXPECT_EQ(a.dispatched - inc->reported, 45 * kMicrosPerSecond);
  EXPECT_EQ(a.arrived - a.dispatched, 210 * kMicrosPerSecond);
  EXPECT_EQ(a.acknowledged, a.en_route);  // en route implies acknowledged

  // A closed incident takes no more steps until reopened.
  auto late = svc_->AddStep("user:op", inc->id, {StepAction::kArrived, "car1", ""});
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);

  // Everything survives a restart, and the day's numbering continues.
  Reopen();
  auto back = svc_->GetIncident(inc->id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->timeline.size(), closed->timeline.size());
  EXPECT_EQ(back->state, IncidentState::kClosed);
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kReturning);
  auto inc3 = svc_->CreateIncident("user:op", Call(IncidentType::kOther, {104.07, 30.65}));
  EXPECT_EQ(inc3->id, "INC20261129-0003");
}

TEST_F(DispatchTest, RetentionDropsIncidentsClosedBeforeTheCutoffOnly) {
  auto closed = svc_->CreateIncident("user:op", Call(IncidentType::kTraffic, {104.07, 30.65}));
  auto open = svc_->CreateIncident("user:op", Call(IncidentType::kDispute, {104.07, 30.65}));
  ASSERT_TRUE(closed.ok() && open.ok());
  clock_.Advance(600 * kMicrosPerSecond);
  ASSERT_TRUE(svc_->AddStep("user:op", closed->id, {StepAction::kClosed, "", "handled"}).ok());
  const UnixMicros closed_at = kT0 + 600 * kMicrosPerSecond;

  // Closed at the cut-off or after: kept.
  EXPECT_EQ(*svc_->DropClosedIncidentsBefore(closed_at), 0);
  EXPECT_TRUE(svc_->GetIncident(closed->id).ok());
  // Closed before it: gone, from memory and from the store; the open one stays however old.
  clock_.Advance(7 * kMicrosPerDay);
  EXPECT_EQ(*svc_->DropClosedIncidentsBefore(clock_.Now()), 1);
  EXPECT_EQ(svc_->GetIncident(closed->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(svc_->GetIncident(open->id).ok());
  Reopen();
  EXPECT_EQ(svc_->GetIncident(closed->id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(svc_->GetIncident(open->id).ok());
}

TEST_F(DispatchTest, CancellingFreesTheUnit) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  auto inc = svc_->CreateIncident("user:op", Call(IncidentType::kTraffic, {104.07, 30.65}));
  ASSERT_TRUE(svc_->Dispatch("user:op", inc->id, "car1", "").ok());
  auto c = svc_->AddStep("user:op", inc->id, {StepAction::kCancelled, "car1", "wrong unit"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->state, IncidentState::kOpen);
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kAvailable);
  EXPECT_FALSE(c->assignments[0].Active());
}

TEST_F(DispatchTest, AStatusSentWithAFixMovesTheAssignmentOn) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  auto inc = svc_->CreateIncident("user:op", Call(IncidentType::kPublicOrder, {104.07, 30.65}));
  ASSERT_TRUE(svc_->Dispatch("user:op", inc->id, "car1", "").ok());
  EXPECT_TRUE(Fix("car1", {104.065, 30.655}, kT0, UnitStatus::kEnRoute).status.ok());
  EXPECT_TRUE(Fix("car1", {104.07, 30.65}, kT0 + 1, UnitStatus::kOnScene).status.ok());
  // Back in service straight from the scene: the assignment is cleared, not cancelled.
  EXPECT_TRUE(Fix("car1", {104.07, 30.65}, kT0 + 2, UnitStatus::kAvailable).status.ok());
  EXPECT_EQ(svc_->GetUnit("car1")->status, UnitStatus::kAvailable);
  auto done = svc_->GetIncident(inc->id);
  std::vector<std::string> steps;
  for (const Step& st : done->timeline) {
    steps.push_back(std::string(StepActionName(st.action)) + "/" + st.actor);
  }
  EXPECT_EQ(steps,
            (std::vector<std::string>{"created/user:op", "dispatched/user:op", "en_route/unit:car1",
                                      "arrived/unit:car1", "cleared/unit:car1"}));
  EXPECT_EQ(done->state, IncidentState::kOpen);  // nobody assigned any more; not closed
}

TEST_F(DispatchTest, FixesKeepATrackAndMarkStalePositions) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  EXPECT_TRUE(Fix("car1", {104.061, 30.661}, kT0 - 10 * kMicrosPerSecond).current);
  // An older fix arriving late goes into the track but does not move the unit back.
  FixOutcome late = Fix("car1", {104.050, 30.650}, kT0 - 20 * kMicrosPerSecond);
  EXPECT_TRUE(late.status.ok());
  EXPECT_FALSE(late.current);
  EXPECT_DOUBLE_EQ(svc_->GetUnit("car1")->fix->at.lng, 104.061);
  // Unknown units, missing and future times are refused one by one.
  EXPECT_EQ(Fix("nobody", {104, 30}, kT0).status.code(), StatusCode::kNotFound);
  EXPECT_EQ(Fix("car1", {104, 30}, 0).status.field(), "time");
  EXPECT_EQ(Fix("car1", {104, 30}, kT0 + 3600 * kMicrosPerSecond).status.field(), "time");
  // A status the model forbids is refused with the fix.
  EXPECT_EQ(Fix("car1", {104, 30}, kT0, UnitStatus::kOnScene).status.code(),
            StatusCode::kFailedPrecondition);

  auto track = svc_->Track("car1", 0, 0, 100);
  ASSERT_TRUE(track.ok()) << track.status().ToString();
  ASSERT_EQ(track->size(), 2u);
  EXPECT_DOUBLE_EQ((*track)[0].lng, 104.050);  // by time
  EXPECT_DOUBLE_EQ((*track)[1].lng, 104.061);

  const Unit u = *svc_->GetUnit("car1");
  const auto& o = svc_->options();
  EXPECT_FALSE(IsStale(u, kT0, o.stale_after));
  EXPECT_TRUE(IsStale(u, kT0 + 5 * 60 * kMicrosPerSecond, o.stale_after));
  json view = UnitViewJson(u, kT0 + 5 * 60 * kMicrosPerSecond, o.stale_after, o.timers);
  EXPECT_EQ(view["stale"], true);
  EXPECT_EQ(view["fix_age_s"], 310);
}

TEST_F(DispatchTest, StatusTimersFlagOverdueUnits) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  auto inc = svc_->CreateIncident("user:op", Call(IncidentType::kCriminal, {104.07, 30.65}));
  ASSERT_TRUE(svc_->Dispatch("user:op", inc->id, "car1", "").ok());
  const auto& o = svc_->options();
  const Unit u = *svc_->GetUnit("car1");
  EXPECT_EQ(UnitViewJson(u, kT0 + 60 * kMicrosPerSecond, o.stale_after, o.timers)["overdue"],
            false);
  EXPECT_EQ(UnitViewJson(u, kT0 + 180 * kMicrosPerSecond, o.stale_after, o.timers)["overdue"],
            true);
}

TEST_F(DispatchTest, AnAddressNamingAKnownPlaceLocatesTheIncident) {
  svc_->set_address_locator(
      [](const std::string& text) -> std::optional<std::pair<geo::LngLat, std::string>> {
        if (text.find("第一中学") != std::string::npos) {
          return std::make_pair(geo::LngLat{104.07, 30.65}, "osm:w1");
        }
        return std::nullopt;
      });
  svc_->set_district_locator([](geo::LngLat) { return std::make_pair("510104", "锦江区"); });
  Incident i = Call(IncidentType::kDispute, {});
  i.location.reset();
  i.address = "第一中学门口";
  auto inc = svc_->CreateIncident("user:op", i);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  ASSERT_TRUE(inc->location.has_value());
  EXPECT_EQ(inc->located_by, "place:osm:w1");
  EXPECT_EQ(inc->district, "510104");
  i.address = "不知道哪里";
  auto unknown = svc_->CreateIncident("user:op", i);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->location.has_value());
}

TEST_F(DispatchTest, KpisByTypeAndDistrict) {
  ASSERT_TRUE(svc_->PutUnit(Car("car1", {104.06, 30.66})).ok());
  ASSERT_TRUE(svc_->PutUnit(Car("car2", {104.06, 30.66})).ok());
  svc_->set_district_locator([](geo::LngLat p) {
    return p.lng < 104.065 ? std::make_pair("a", "甲区") : std::make_pair("b", "乙区");
  });
  // Two traffic incidents: dispatched after 30 s and 90 s, arrived 300 s and 500 s later.
  const std::pair<int, int> times[] = {{30, 300}, {90, 500}};
  int n = 0;
  for (auto [to_dispatch, to_arrive] : times) {
    const std::string unit = n == 0 ? "car1" : "car2";
    auto inc = svc_->CreateIncident(
        "user:op", Call(IncidentType::kTraffic, {n == 0 ? 104.06 : 104.07, 30.65}));
    clock_.Advance(to_dispatch * kMicrosPerSecond);
    ASSERT_TRUE(svc_->Dispatch("user:op", inc->id, unit, "").ok());
    clock_.Advance(to_arrive * kMicrosPerSecond);
    ASSERT_TRUE(svc_->AddStep("user:op", inc->id, {StepAction::kArrived, unit, ""}).ok());
    ++n;
  }
  ASSERT_TRUE(svc_->CreateIncident("user:op", Call(IncidentType::kFire, {104.06, 30.65})).ok());

  auto by_type = svc_->Kpis({.group_by = "type"});
  ASSERT_EQ(by_type.size(), 2u);
  const KpiGroup& traffic = by_type[1].key == "traffic" ? by_type[1] : by_type[0];
  EXPECT_EQ(traffic.label, "交通");
  EXPECT_EQ(traffic.incidents, 2u);
  EXPECT_EQ(traffic.arrived, 2u);
  EXPECT_DOUBLE_EQ(traffic.call_to_dispatch.mean_s, 60);
  EXPECT_DOUBLE_EQ(traffic.dispatch_to_arrival.mean_s, 400);
  EXPECT_DOUBLE_EQ(traffic.call_to_arrival.p90_s, 590);
  const KpiGroup& fire = by_type[1].key == "fire" ? by_type[1] : by_type[0];
  EXPECT_EQ(fire.incidents, 1u);
  EXPECT_EQ(fire.dispatched, 0u);
  EXPECT_EQ(fire.call_to_dispatch.count, 0u);

  auto by_day = svc_->Kpis({.group_by = "day"});
  ASSERT_EQ(by_day.size(), 1u);
  EXPECT_EQ(by_day[0].key, "20261129");
  EXPECT_EQ(by_day[0].incidents, 3u);

  auto by_district = svc_->Kpis({.group_by = "district"});
  ASSERT_EQ(by_district.size(), 2u);
  EXPECT_EQ(by_district[0].key, "a");
  EXPECT_EQ(by_district[0].incidents, 2u);  // the first traffic incident and the fire
  EXPECT_DOUBLE_EQ(by_district[1].dispatch_to_arrival.median_s, 500);
}

// --- recommendation on Monaco's real roads ---

std::shared_ptr<const roads::RoadNetwork> Monaco() {
  static std::shared_ptr<const roads::RoadNetwork> net = [] {
    const char* src = std::getenv("QUANYU_SOURCE_DIR");
    EXPECT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
    auto n = roads::RoadNetwork::Build(std::string(src ? src : ".") + "/data/osm/monaco.osm.pbf");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : nullptr;
  }();
  return net;
}

constexpr geo::LngLat kCasino{7.4275, 43.7396};
constexpr geo::LngLat kPalace{7.4206, 43.7315};
constexpr geo::LngLat kFontvieille{7.4158, 43.7280};
constexpr geo::LngLat kLarvotto{7.4350, 43.7445};

TEST_F(DispatchTest, RecommendsTheFastestAvailableUnitsByDriveTime) {
  auto net = Monaco();
  ASSERT_NE(net, nullptr);
  for (auto [id, at] : {std::pair{"palace", kPalace}, std::pair{"fontvieille", kFontvieille},
                        std::pair{"larvotto", kLarvotto}}) {
    ASSERT_TRUE(svc_->PutUnit(Car(id, at)).ok());
    ASSERT_TRUE(Fix(id, at, kT0).status.ok());
  }
  Unit medic = Car("medic", kCasino);
  medic.kind = UnitKind::kAmbulance;
  ASSERT_TRUE(svc_->PutUnit(medic).ok());
  auto inc = svc_->CreateIncident("user:op", Call(IncidentType::kPublicOrder, kCasino));
  ASSERT_TRUE(inc.ok());

  auto rec = svc_->Recommend(*net, {.incident_id = inc->id, .k = 3});
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  // The ambulance is not sent to a public-order incident by default.
  ASSERT_EQ(rec->units.size(), 3u);
  EXPECT_EQ(rec->considered, 3u);
  // Each ETA is the drive time of the route from the unit to the incident.
  for (const Candidate& c : rec->units) {
    auto r = net->Route(c.unit.fix ? c.unit.fix->at : *c.unit.home, kCasino, roads::Metric::kTime);
    ASSERT_TRUE(r.ok() && r->reachable);
    EXPECT_NEAR(c.eta_s, r->duration_s, 0.01) << c.unit.id;
    EXPECT_NEAR(c.distance_m, r->distance_m, 0.5) << c.unit.id;
  }
  EXPECT_LE(rec->units[0].eta_s, rec->units[1].eta_s);
  EXPECT_LE(rec->units[1].eta_s, rec->units[2].eta_s);
  EXPECT_NE(rec->units[0].unit.id, "fontvieille");  // the farthest, across the Rock

  // The nearest unit moves away: the ranking follows its new position.
  const std::string nearest = rec->units[0].unit.id;
  ASSERT_TRUE(Fix(nearest, kFontvieille, kT0 + kMicrosPerSecond).current);
  auto moved = svc_->Recommend(*net, {.incident_id = inc->id, .k = 3});
  ASSERT_TRUE(moved.ok());
  auto from_there = net->Route(kFontvieille, kCasino, roads::Metric::kTime);
  bool seen = false;
  for (const Candidate& c : moved->units) {
    if (c.unit.id != nearest) continue;
    seen = true;
    EXPECT_NEAR(c.eta_s, from_there->duration_s, 0.01);
    EXPECT_GT(c.eta_s, rec->units[0].eta_s);
  }
  EXPECT_TRUE(seen);

  // A dispatched unit is no longer offered.
  const std::string first = moved->units[0].unit.id;
  ASSERT_TRUE(svc_->Dispatch("user:op", inc->id, first, "").ok());
  auto after = svc_->Recommend(*net, {.incident_id = inc->id, .k = 3});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->units.size(), 2u);
  for (const Candidate& c : after->units) EXPECT_NE(c.unit.id, first);

  // Kinds and capabilities filter.
  auto medics = svc_->Recommend(*net, {.location = kPalace, .kinds = {UnitKind::kAmbulance}});
  ASSERT_TRUE(medics.ok());
  ASSERT_EQ(medics->units.size(), 1u);
  EXPECT_EQ(medics->units[0].unit.id, "medic");
  EXPECT_FALSE(medics->units[0].warnings.empty());  // no fix: ranked from its home base
  auto k9 = svc_->Recommend(*net, {.location = kPalace, .capabilities = {"k9"}});
  ASSERT_TRUE(k9.ok());
  EXPECT_TRUE(k9->units.empty());

  // Stale positions are flagged, or left out on request.
  clock_.Advance(10 * 60 * kMicrosPerSecond);
  auto stale = svc_->Recommend(*net, {.location = kPalace, .k = 5});
  ASSERT_TRUE(stale.ok());
  ASSERT_FALSE(stale->units.empty());
  EXPECT_NE(stale->units[0].warnings.at(0).find("stale"), std::string::npos);
  auto fresh_only = svc_->Recommend(*net, {.location = kPalace, .include_stale = false});
  ASSERT_TRUE(fresh_only.ok());
  EXPECT_TRUE(fresh_only->units.empty());
}

}  // namespace
}  // namespace quanyu::dispatch
