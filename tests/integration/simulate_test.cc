// `quanyu simulate` against a real server on the central-Chengdu extract, with the demo
// checkpoints, the extract's protected places, an alert list and one patrol car: a few
// simulated minutes at a high speedup must leave passages, an alert, a moving patrol car and
// a dispatched, reached incident in the server.
#include "tools/simulate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "api/app.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "geo/lnglat.h"
#include "roads/network.h"
#include "sim/route.h"
#include "test_util.h"
#include "tools/import.h"
#include "tools/import_places.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

constexpr char kListedPlate[] = "川A7S123";
constexpr char kUnit[] = "sim-car-1";
constexpr char kRead[] = "purpose=case_investigation&case_no=SIM-TEST-1";

// A short run at a high speedup: 40 simulated minutes in about 4 s.
tools::SimulateOptions BaseOptions(ServerFixture& server) {
  tools::SimulateOptions o;
  o.target = "http://127.0.0.1:" + std::to_string(server.port());
  o.device = kFeedDevice;
  o.secret = kFeedSecret;
  o.vehicles = 40;
  o.listed_vehicles = 4;  // four cars carry the one listed plate
  o.speedup = 600;
  o.duration_s = 40 * 60;
  o.on_scene_minutes = 3;
  o.call_every_s = 240;
  o.auto_dispatch = true;
  o.progress_every_s = 0;
  o.seed = 7;
  return o;
}

// Everything the simulator needs, imported the way an operator would: the extract as the road
// network and the places, the demo checkpoints, then over the API an alert list with one plate
// and one patrol car at a police station.
class SimulateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Restart([this] {
      namespace fs = std::filesystem;
      const std::string pbf = SourceDir() + "/data/osm/chengdu_central.osm.pbf";
      const fs::path network = fs::path(server_.data_dir()) / roads::kNetworkFile;
      fs::create_directories(network.parent_path());
      fs::copy_file(pbf, network, fs::copy_options::overwrite_existing);
      tools::ImportPlacesCommand places;
      places.file = pbf;
      places.data_dir = server_.data_dir();
      places.progress = false;
      std::FILE* null = std::fopen("/dev/null", "w");
      ASSERT_EQ(tools::RunImportPlaces(places, null, null), 0);
      std::fclose(null);
      auto store = api::OpenStore(server_.data_dir());
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      auto cps = tools::ImportCheckpoints(
          store->get(), SourceDir() + "/data/checkpoints/chengdu_demo.geojson", geo::Crs::kWgs84);
      ASSERT_TRUE(cps.ok()) << cps.status().ToString();
      ASSERT_GT(cps->accepted, 20u);
    });
    api::HttpClient& op = server_.As("operator");
    for (int i = 0; i < 1200; ++i) {
      auto r = op.Get("/api/v1/roads");
      ASSERT_TRUE(r.ok() && r->status == 200);
      if (Json(*r)["state"] == "ready") break;
      ASSERT_NE(Json(*r)["state"], "failed") << r->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    operator_token_ = server_.Login({{"user", "operator-user"}, {"password", kTestPassword}});

    // The alert list, and the same CSV as the simulator's --listed-plates.
    api::HttpClient& commander = server_.As("commander");
    auto made = commander.Post("/api/v1/alert-lists",
                               json{{"id", "sim-watch"}, {"name", "模拟布控"}}.dump());
    ASSERT_EQ(made->status, 201) << made->body;
    const std::string csv =
        "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,"
        "valid_until,note\n" +
        std::string(kListedPlate) + ",exact,stolen_vehicle,1,2026-0042,测试市公安局,王伟,," +
        FormatRfc3339(SystemClock::Get()->Now() + kMicrosPerDay) + ",SIMULATED\n";
    auto imported =
        commander.Post("/api/v1/alert-lists/sim-watch/entries", csv, "text/csv; charset=utf-8");
    ASSERT_EQ(imported->status, 200) << imported->body;
    ASSERT_EQ(Json(*imported)["imported"], 1) << imported->body;
    listed_file_ = dir_.path() + "/listed.csv";
    std::ofstream(listed_file_) << csv;

    // One patrol car, its home at a police station of the extract.
    json police = Json(*op.Get("/api/v1/places?category=police"))["places"];
    ASSERT_FALSE(police.empty());
    home_ = {police[0]["lng"].get<double>(), police[0]["lat"].get<double>()};
    auto car = server_.client().Send("PUT", std::string("/api/v1/units/") + kUnit,
                                     json{{"name", "巡逻车 1 (simulated)"},
                                          {"kind", "patrol_car"},
                                          {"agency", "bureau"},
                                          {"home", json::array({home_.lng, home_.lat})}}
                                         .dump(),
                                     {{"Content-Type", "application/json"}});
    ASSERT_TRUE(car.ok() && car->status / 100 == 2) << (car.ok() ? car->body : "");
  }

  tools::SimulateOptions Options() {
    tools::SimulateOptions o = BaseOptions(server_);
    o.token = operator_token_;
    o.listed_plates_file = listed_file_;
    return o;
  }

  ServerFixture server_;
  TempDir dir_;
  std::string operator_token_, listed_file_;
  geo::LngLat home_;
};

TEST_F(SimulateTest, ALiveSimulatedCityLeavesPassagesAlertsMovingUnitsAndIncidents) {
  const UnixMicros start = SystemClock::Get()->Now();
  tools::SimulateOptions o = Options();
  std::map<std::string, std::vector<tools::PlannedTrip>> trips;  // by plate or unit
  o.on_trip = [&](const tools::PlannedTrip& t) { trips[t.who].push_back(t); };
  auto rep = tools::Simulate(o, stderr);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  const UnixMicros end = SystemClock::Get()->Now();
  api::HttpClient& op = server_.As("operator");

  // Passages: sent, accepted, none rejected.
  EXPECT_GT(rep->trips, 40u);
  EXPECT_GT(rep->passages_sent, 10u);
  EXPECT_EQ(rep->passages_accepted, rep->passages_sent);
  EXPECT_EQ(rep->passages_rejected, 0u);
  EXPECT_GT(rep->listed_passages, 0u);

  // The listed plate's passages are stored, each where and when one of the cars carrying the
  // plate drove past the checkpoint: within 30 m of its route, at the time its constant-speed
  // drive along the route reached the checkpoint.
  // The store applies acknowledged records asynchronously (in batches): let it catch up.
  for (int i = 0; i < 300; ++i) {
    if (Json(*server_.client().Get("/api/v1/passages/stats"))["pending_store"] == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  json cps = Json(*op.Get("/api/v1/checkpoints?limit=1000"))["items"];
  std::map<std::string, geo::LngLat> where;
  for (const json& c : cps) where[c["id"]] = {c["lng"].get<double>(), c["lat"].get<double>()};
  auto found = op.Get(std::string("/api/v1/passages?plate=") + "%E5%B7%9DA7S123&" + kRead);
  ASSERT_EQ(found->status, 200) << found->body;
  json items = Json(*found)["items"];
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.size(), rep->listed_passages);
  for (const json& p : items) {
    ASSERT_TRUE(where.count(p["checkpoint_id"])) << p.dump();
    const geo::LngLat cp = where[p["checkpoint_id"]];
    auto t = ParseRfc3339(p["pass_time"].get<std::string>(), "pass_time");
    ASSERT_TRUE(t.ok());
    EXPECT_GE(*t, start);
    EXPECT_LE(*t, end);
    bool on_a_trip = false;
    for (const tools::PlannedTrip& trip : trips[kListedPlate]) {
      if (*t < trip.start || *t > trip.end) continue;
      sim::Polyline line(trip.geometry);
      sim::Polyline::Projection pr = line.Project(cp);
      const double expected =
          static_cast<double>(trip.start) +
          pr.along_m / line.length_m() * static_cast<double>(trip.end - trip.start);
      if (pr.offset_m <= 30 && std::abs(static_cast<double>(*t) - expected) < 5000) {
        on_a_trip = true;
      }
    }
    EXPECT_TRUE(on_a_trip) << p.dump();
    EXPECT_GT(p["speed_kmh"].get<double>(), 5);
    EXPECT_LT(p["speed_kmh"].get<double>(), 120);
    EXPECT_TRUE(p.contains("direction")) << p.dump();
  }
  // An alert for the listed plate.
  json alerts = Json(*op.Get("/api/v1/alerts?limit=1000"))["items"];
  size_t for_listed = 0;
  for (const json& a : alerts) for_listed += a["plate"] == kListedPlate ? 1 : 0;
  EXPECT_GT(for_listed, 0u) << alerts.dump();

  // The patrol car moved: it left home and reported a track.
  json car = Json(*op.Get(std::string("/api/v1/units/") + kUnit));
  ASSERT_TRUE(car.contains("position")) << car.dump();
  geo::LngLat at{car["position"][0].get<double>(), car["position"][1].get<double>()};
  EXPECT_GT(rep->fixes_accepted, 50u);
  EXPECT_EQ(rep->fixes_accepted, rep->fixes_sent);
  auto track =
      op.Get(std::string("/api/v1/units/") + kUnit + "/track?from=" + FormatRfc3339(start) +
             "&to=" + FormatRfc3339(end + kMicrosPerSecond));
  ASSERT_EQ(track->status, 200) << track->body;
  json coords = Json(*track)["geometry"]["coordinates"];
  ASSERT_GT(coords.size(), 50u);
  double farthest = geo::DistanceMeters(home_, at);
  for (const json& c : coords) {
    farthest =
        std::max(farthest, geo::DistanceMeters(home_, {c[0].get<double>(), c[1].get<double>()}));
  }
  EXPECT_GT(farthest, 300);

  // Calls became incidents, labelled simulated; the car was dispatched to one, set off and
  // arrived, in that order in the incident's timeline.
  json incidents = Json(*op.Get("/api/v1/incidents?limit=100"))["incidents"];
  EXPECT_EQ(incidents.size(), rep->incidents);
  ASSERT_GE(incidents.size(), 3u);
  bool reached = false;
  for (const json& i : incidents) {
    EXPECT_EQ(i["summary"].get<std::string>().rfind("SIMULATED 1", 0), 0u) << i.dump();
    EXPECT_TRUE(i["source"] == "call_110" || i["source"] == "call_120" ||
                i["source"] == "call_122");
    json full = Json(*op.Get("/api/v1/incidents/" + i["id"].get<std::string>()));
    std::vector<std::string> steps;
    for (const json& s : full["timeline"]) {
      if (s.value("unit_id", "") == kUnit) steps.push_back(s["action"]);
    }
    if (steps.size() >= 3 && steps[0] == "dispatched" && steps[1] == "en_route" &&
        steps[2] == "arrived") {
      reached = true;
    }
  }
  EXPECT_TRUE(reached) << incidents.dump();
  EXPECT_GE(rep->dispatches, 1u);
  EXPECT_GE(rep->arrivals, 1u);
}

TEST(SimulateOptionsTest, RefusesBadOptionsAndAUserWhoMayNotRead) {
  ServerFixture server;
  server.As("operator");
  const std::string op = server.Login({{"user", "operator-user"}, {"password", kTestPassword}});
  tools::SimulateOptions o = BaseOptions(server);
  o.token = op;
  o.speedup = 0;
  auto bad = tools::Simulate(o, stderr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "--speedup");
  std::FILE* null = std::fopen("/dev/null", "w");
  EXPECT_EQ(tools::RunSimulate(o, null, null), 2);
  std::fclose(null);

  o = BaseOptions(server);
  EXPECT_EQ(tools::Simulate(o, stderr).status().field(), "--token");

  o.token = op;
  o.secret = "wrong";
  auto wrong = tools::Simulate(o, stderr);
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);

  // An auditor reads no operational data: the refusal names the request and the reason.
  o = BaseOptions(server);
  server.As("auditor");
  o.token = server.Login({{"user", "auditor-user"}, {"password", kTestPassword}});
  auto refused = tools::Simulate(o, stderr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("GET /api/v1/checkpoints"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("403"), std::string::npos)
      << refused.status().message();

  // An operator on a server without places: told what to import.
  o.token = op;
  auto empty = tools::Simulate(o, stderr);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("import places"), std::string::npos)
      << empty.status().message();
}

}  // namespace
}  // namespace quanyu::testing
