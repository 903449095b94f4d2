// The road-network routes over a real socket, on the central-Chengdu OpenStreetMap extract
// (data/osm/chengdu_central.osm.pbf) imported into the server's data directory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "api/ws_client.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "roads/network.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

// Two places in central Chengdu a few kilometres apart (Tianfu Square and near Chunxi Road).
constexpr char kFrom[] = "104.0657,30.6574";
constexpr char kTo[] = "104.0810,30.6570";

// One server for the suite (the tests only read): building the network's hierarchies is the
// slow part, under ASan especially.
class RoadsApiTest : public ::testing::Test {
 protected:
  // Imports the extract the way `quanyu import osm` leaves it and waits for the network.
  static void SetUpTestSuite() {
    server_ = new ServerFixture();
    server_->Restart([] {
      namespace fs = std::filesystem;
      const fs::path target = fs::path(server_->data_dir()) / roads::kNetworkFile;
      fs::create_directories(target.parent_path());
      fs::copy_file(SourceDir() + "/data/osm/chengdu_central.osm.pbf", target,
                    fs::copy_options::overwrite_existing);
    });
    api::HttpClient& c = server_->As("operator");
    state_ = new json();
    for (int i = 0; i < 1200; ++i) {
      auto r = c.Get("/api/v1/roads");
      if (!r.ok() || r->status != 200) break;
      *state_ = Json(*r);
      if ((*state_)["state"] != "loading") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete state_;
  }
  void SetUp() override { ASSERT_EQ((*state_)["state"], "ready") << state_->dump(); }

  static ServerFixture* server_;
  static json* state_;
};
ServerFixture* RoadsApiTest::server_ = nullptr;
json* RoadsApiTest::state_ = nullptr;

TEST_F(RoadsApiTest, ReportsTheNetworkItRoutesOn) {
  EXPECT_GT((*state_)["graph"]["vertices"].get<int>(), 100);
  EXPECT_GT((*state_)["graph"]["edges"].get<int>(), (*state_)["graph"]["vertices"].get<int>());
  EXPECT_NE((*state_)["source"].get<std::string>().find("network.osm.pbf"), std::string::npos);
}

TEST_F(RoadsApiTest, RoutesAreFastestByTimeAndShortestByDistance) {
  api::HttpClient& c = server_->As("operator");
  auto fast = c.Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo);
  ASSERT_EQ(fast->status, 200) << fast->body;
  json f = Json(*fast);
  EXPECT_EQ(f["type"], "Feature");
  EXPECT_EQ(f["geometry"]["type"], "LineString");
  ASSERT_GE(f["geometry"]["coordinates"].size(), 2u);
  const json& p = f["properties"];
  EXPECT_TRUE(p["reachable"].get<bool>());
  EXPECT_EQ(p["metric"], "time");
  // Straight-line distance is about 1.5 km; a drive is longer but not absurdly so.
  EXPECT_GT(p["distance_m"].get<double>(), 1400);
  EXPECT_LT(p["distance_m"].get<double>(), 5000);
  EXPECT_GT(p["duration_s"].get<double>(), 60);
  EXPECT_LT(p["from"]["snap_distance_m"].get<double>(), 200);
  // The line starts at the snapped start.
  EXPECT_EQ(f["geometry"]["coordinates"][0], p["from"]["snapped"]);

  auto shortest =
      c.Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo + "&metric=distance");
  ASSERT_EQ(shortest->status, 200) << shortest->body;
  const json s = Json(*shortest)["properties"];
  EXPECT_LE(s["distance_m"].get<double>(), p["distance_m"].get<double>() + 0.1);
  EXPECT_GE(s["duration_s"].get<double>(), p["duration_s"].get<double>() - 0.1);
}

TEST_F(RoadsApiTest, MatrixAgreesWithSingleRoutes) {
  api::HttpClient& c = server_->As("operator");
  const json body = {
      {"sources", {{104.0657, 30.6574}, {104.0700, 30.6650}}},
      {"destinations", {{104.0810, 30.6570}, {104.0600, 30.6500}, {104.0750, 30.6620}}}};
  auto m = c.Post("/api/v1/matrix", body.dump());
  ASSERT_EQ(m->status, 200) << m->body;
  const json j = Json(*m);
  ASSERT_EQ(j["durations_s"].size(), 2u);
  ASSERT_EQ(j["durations_s"][0].size(), 3u);
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 3; ++k) {
      const json& a = body["sources"][i];
      const json& b = body["destinations"][k];
      auto r = c.Get("/api/v1/route?from=" + a[0].dump() + "," + a[1].dump() +
                     "&to=" + b[0].dump() + "," + b[1].dump());
      ASSERT_EQ(r->status, 200);
      EXPECT_NEAR(j["durations_s"][i][k].get<double>(),
                  Json(*r)["properties"]["duration_s"].get<double>(), 0.11)
          << i << "," << k;
    }
  }
}

TEST_F(RoadsApiTest, IsochronesGrowWithTime) {
  api::HttpClient& c = server_->As("operator");
  auto one = c.Get(std::string("/api/v1/isochrone?at=") + kFrom + "&minutes=1");
  auto three = c.Get(std::string("/api/v1/isochrone?at=") + kFrom + "&minutes=3");
  ASSERT_EQ(one->status, 200) << one->body;
  ASSERT_EQ(three->status, 200) << three->body;
  const json a = Json(*one), b = Json(*three);
  EXPECT_EQ(a["geometry"]["type"], "MultiLineString");
  EXPECT_GT(a["properties"]["road_length_m"].get<double>(), 100);
  EXPECT_GT(b["properties"]["road_length_m"].get<double>(),
            2 * a["properties"]["road_length_m"].get<double>());
}

TEST_F(RoadsApiTest, BadInputNamesTheField) {
  api::HttpClient& c = server_->As("operator");
  auto field = [&](const std::string& target) {
    auto r = c.Get(target);
    EXPECT_EQ(r->status, 400) << target << " " << r->body;
    return Json(*r)["error"]["field"].get<std::string>();
  };
  EXPECT_EQ(field(std::string("/api/v1/route?to=") + kTo), "from");
  EXPECT_EQ(field(std::string("/api/v1/route?from=104.06&to=") + kTo), "from");
  EXPECT_EQ(field(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo + "&metric=fast"),
            "metric");
  // The sea off Africa is nowhere near a road of this network.
  EXPECT_EQ(field(std::string("/api/v1/route?from=") + kFrom + "&to=0,0"), "to");
  EXPECT_EQ(field(std::string("/api/v1/isochrone?at=") + kFrom + "&minutes=0"), "minutes");
  auto m = c.Post("/api/v1/matrix", R"({"sources":[[104.06,30.65]],"destinations":[[1]]})");
  EXPECT_EQ(m->status, 400);
  EXPECT_EQ(Json(*m)["error"]["field"], "destinations[0]");
}

TEST_F(RoadsApiTest, BasemapDrawsTheImportedExtract) {
  api::HttpClient& c = server_->As("operator");
  // Built after the network: "retry shortly" (503) until then.
  StatusOr<api::ClientResponse> r = c.Get("/api/v1/basemap");
  for (int i = 0; i < 600 && r.ok() && r->status == 503; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r = c.Get("/api/v1/basemap");
  }
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->headers["content-type"], "application/geo+json");
  const json fc = Json(*r);
  std::set<std::string> layers, road_classes;
  for (const json& f : fc["features"]) {
    layers.insert(f["properties"]["layer"].get<std::string>());
    if (f["properties"]["layer"] == "road") road_classes.insert(f["properties"]["class"]);
  }
  EXPECT_EQ(layers, (std::set<std::string>{"road", "water", "landuse"}));
  EXPECT_TRUE(road_classes.count("primary"));
  // Compressed on request, revalidated with its ETag.
  auto zipped = c.Send("GET", "/api/v1/basemap", "", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(zipped->headers["content-encoding"], "gzip");
  EXPECT_LT(zipped->body.size(), r->body.size() / 3);
  auto same = c.Send("GET", "/api/v1/basemap", "", {{"If-None-Match", r->headers["etag"]}});
  EXPECT_EQ(same->status, 304);
  // Its permission is road.read: the auditor has none.
  EXPECT_EQ(server_->As("auditor").Get("/api/v1/basemap")->status, 403);
}

TEST(RoadsApiNoNetworkTest, SaysHowToImportOne) {
  ServerFixture server;
  auto r = server.As("operator").Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_NE(r->body.find("quanyu import osm"), std::string::npos) << r->body;
  EXPECT_EQ(Json(*server.As("analyst").Get("/api/v1/roads"))["state"], "none");
  auto basemap = server.As("operator").Get("/api/v1/basemap");
  EXPECT_EQ(basemap->status, 409) << basemap->body;
  EXPECT_NE(basemap->body.find("quanyu import osm"), std::string::npos) << basemap->body;
}

// --- units, incidents and dispatch on the same network ---

api::HttpClient& Admin(ServerFixture* s) { return s->As("admin"); }

json Unit(const std::string& id, const std::string& kind, double lng, double lat) {
  return {{"id", id},
          {"name", "测试 " + id},
          {"kind", kind},
          {"agency", "bureau"},
          {"home", json::array({lng, lat})}};
}

std::string NowText(int offset_s = 0) {
  return FormatRfc3339(SystemClock::Get()->Now() + offset_s * kMicrosPerSecond);
}

TEST_F(RoadsApiTest, DispatchFromCallToClose) {
  api::HttpClient& admin = Admin(server_);
  api::HttpClient& op = server_->As("operator");
  // A workstation at Tianfu Square, two patrol cars reporting positions, an ambulance.
  for (const json& u : {Unit("d-ws1", "workstation", 104.0657, 30.6574),
                        Unit("d-car1", "patrol_car", 104.0500, 30.6450),
                        Unit("d-car2", "patrol_car", 104.0790, 30.6580),
                        Unit("d-medic", "ambulance", 104.0800, 30.6560)}) {
    auto r = admin.Post("/api/v1/units", u.dump());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  }
  json fixes = {{"fixes",
                 {{{"unit_id", "d-car1"}, {"position", {104.0500, 30.6450}}, {"time", NowText(-5)}},
                  {{"unit_id", "d-car2"}, {"position", {104.0790, 30.6580}}, {"time", NowText(-5)}},
                  {{"unit_id", "nobody"}, {"position", {104.0, 30.6}}, {"time", NowText()}},
                  {{"unit_id", "d-car1"}, {"position", {104.05, 30.64}}}}}};
  auto f = op.Post("/api/v1/units/positions", fixes.dump());
  ASSERT_EQ(f->status, 200) << f->body;
  json fr = Json(*f);
  EXPECT_EQ(fr["accepted"], 2);
  EXPECT_EQ(fr["refused"], 2);
  EXPECT_EQ(fr["results"][2]["error"]["code"], "not_found");
  EXPECT_EQ(fr["results"][3]["error"]["field"], "fixes[3].time");

  // A 110 call near Chunxi Road.
  json call = {{"type", "public_order"},
               {"priority", 2},
               {"source", "call_110"},
               {"source_ref", "110-20261129-0001"},
               {"summary", "simulated: a fight outside a bar"},
               {"location", {104.0810, 30.6570}}};
  auto created = op.Post("/api/v1/incidents", call.dump());
  ASSERT_EQ(created->status, 201) << created->body;
  json inc = Json(*created);
  const std::string id = inc["id"];
  EXPECT_EQ(inc["state"], "open");
  EXPECT_EQ(inc["type_label"], "治安");

  auto rec = op.Post("/api/v1/dispatch/recommend", json{{"incident_id", id}, {"k", 3}}.dump());
  ASSERT_EQ(rec->status, 200) << rec->body;
  json rj = Json(*rec);
  ASSERT_EQ(rj["units"].size(), 3u);          // the ambulance is not a police unit
  EXPECT_EQ(rj["units"][0]["id"], "d-car2");  // a few hundred metres away
  for (size_t i = 0; i + 1 < rj["units"].size(); ++i) {
    EXPECT_LE(rj["units"][i]["eta_s"].get<double>(), rj["units"][i + 1]["eta_s"].get<double>());
  }
  // The ETA is the drive time the route API gives for the same trip.
  auto route = op.Get("/api/v1/route?from=104.079,30.658&to=104.081,30.657");
  EXPECT_NEAR(Json(*route)["properties"]["duration_s"].get<double>(),
              rj["units"][0]["eta_s"].get<double>(), 0.2);

  auto sent = op.Post("/api/v1/incidents/" + id + "/dispatch",
                      json{{"unit_id", "d-car2"}, {"note", "nearest"}}.dump());
  ASSERT_EQ(sent->status, 200) << sent->body;
  EXPECT_EQ(Json(*sent)["state"], "dispatched");
  EXPECT_GT(Json(*sent)["assignments"][0]["eta_s"].get<double>(), 0);
  // Sending it again is a conflict.
  auto twice = op.Post("/api/v1/incidents/" + id + "/dispatch", json{{"unit_id", "d-car2"}}.dump());
  EXPECT_EQ(twice->status, 409) << twice->body;

  // The car reports en route by radio; the dispatcher records its arrival, then closes.
  auto en_route = op.Send("PUT", "/api/v1/units/d-car2/status", json{{"status", "en_route"}}.dump(),
                          {{"Content-Type", "application/json"}});
  ASSERT_EQ(en_route->status, 200) << en_route->body;
  EXPECT_EQ(Json(*en_route)["status"], "en_route");
  auto arrived = op.Post("/api/v1/incidents/" + id + "/steps",
                         json{{"action", "arrived"}, {"unit_id", "d-car2"}}.dump());
  ASSERT_EQ(arrived->status, 200) << arrived->body;
  EXPECT_EQ(Json(*arrived)["state"], "on_scene");
  auto closed = op.Post("/api/v1/incidents/" + id + "/steps",
                        json{{"action", "closed"}, {"note", "mediated"}}.dump());
  ASSERT_EQ(closed->status, 200) << closed->body;
  json done = Json(*closed);
  EXPECT_EQ(done["state"], "closed");
  std::vector<std::string> actions;
  for (const json& s : done["timeline"]) actions.push_back(s["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"created", "dispatched", "en_route", "arrived",
                                               "cleared", "closed"}));
  for (const json& s : done["timeline"]) EXPECT_EQ(s["actor"], "user:operator-user") << s.dump();
  EXPECT_FALSE(done["kpi"]["call_to_arrival_s"].is_null());
  auto car = Json(*op.Get("/api/v1/units/d-car2"));
  EXPECT_EQ(car["status"], "returning");

  // The KPIs count it.
  auto kpi = op.Get("/api/v1/kpi/response?group_by=type");
  ASSERT_EQ(kpi->status, 200) << kpi->body;
  bool found = false;
  const json kj = Json(*kpi);
  for (const json& g : kj["groups"]) {
    if (g["key"] != "public_order") continue;
    found = true;
    EXPECT_GE(g["arrived"].get<int>(), 1);
    EXPECT_GE(g["call_to_arrival"]["count"].get<int>(), 1);
  }
  EXPECT_TRUE(found) << kpi->body;

  // The car's track replays what it reported.
  auto track = op.Get("/api/v1/units/d-car1/track");
  ASSERT_EQ(track->status, 200) << track->body;
  EXPECT_EQ(Json(*track)["properties"]["fixes"], 1);

  // The steps are in the audit log.
  auto audit = server_->As("auditor").Get("/api/v1/audit?target=incident:" + id);
  ASSERT_EQ(audit->status, 200) << audit->body;
  EXPECT_GE(Json(*audit)["items"].size(), 4u) << audit->body;
}

TEST_F(RoadsApiTest, DispatchInputErrorsNameTheField) {
  api::HttpClient& op = server_->As("operator");
  auto bad =
      op.Post("/api/v1/incidents", json{{"type", "riot"}, {"location", {104.06, 30.65}}}.dump());
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(Json(*bad)["error"]["field"], "type");
  auto noloc = op.Post("/api/v1/incidents", json{{"type", "dispute"}}.dump());
  ASSERT_EQ(noloc->status, 400);
  EXPECT_EQ(Json(*noloc)["error"]["field"], "location");
  auto k =
      op.Post("/api/v1/dispatch/recommend", json{{"location", {104.06, 30.65}}, {"k", 0}}.dump());
  ASSERT_EQ(k->status, 400);
  EXPECT_EQ(Json(*k)["error"]["field"], "k");
  auto unit = server_->As("admin").Post(
      "/api/v1/units", json{{"id", "x"}, {"name", "x"}, {"kind", "workstation"}}.dump());
  ASSERT_EQ(unit->status, 400);
  EXPECT_EQ(Json(*unit)["error"]["field"], "home");
  // The operator may not create units; the analyst may not dispatch.
  EXPECT_EQ(op.Post("/api/v1/units", Unit("y", "patrol_car", 104.06, 30.65).dump())->status, 403);
  EXPECT_EQ(server_->As("analyst")
                .Post("/api/v1/dispatch/recommend", json{{"location", {104.06, 30.65}}}.dump())
                ->status,
            403);
}

TEST_F(RoadsApiTest, ReachCirclesCountPlacesAndGaps) {
  api::HttpClient& admin = Admin(server_);
  // A school 100 m from a workstation, a hospital some 3 km away.
  json school = {{"id", "r-school"},
                 {"name", "测试第一中学"},
                 {"category", "school"},
                 {"lng", 104.0667},
                 {"lat", 30.6580}};
  auto created = admin.Post("/api/v1/places", school.dump());
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(admin.Post("/api/v1/places", school.dump())->status, 200);
  json hospital = {{"id", "r-hospital"},
                   {"name", "测试远郊医院"},
                   {"category", "hospital"},
                   {"lng", 104.0400},
                   {"lat", 30.6380}};
  ASSERT_EQ(admin.Post("/api/v1/places", hospital.dump())->status, 201);
  auto bad = admin.Post(
      "/api/v1/places",
      json{{"id", "x"}, {"name", "x"}, {"category", "zoo"}, {"lng", 104.0}, {"lat", 30.6}}.dump());
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(Json(*bad)["error"]["field"], "category");
  ASSERT_EQ(
      admin.Post("/api/v1/units", Unit("r-ws", "workstation", 104.0657, 30.6574).dump())->status,
      201);

  api::HttpClient& op = server_->As("operator");
  auto schools = op.Get("/api/v1/places?category=school");
  ASSERT_EQ(schools->status, 200);
  bool listed = false;
  const json sj = Json(*schools);
  for (const json& p : sj["places"]) listed = listed || p["id"] == "r-school";
  EXPECT_TRUE(listed);

  auto reach = op.Get("/api/v1/reach?minutes=1,3,5");
  ASSERT_EQ(reach->status, 200) << reach->body;
  const json r = Json(*reach);
  ASSERT_EQ(r["thresholds"].size(), 3u);
  double last_share = 0;
  for (const json& t : r["thresholds"]) {
    EXPECT_GE(t["road_share"].get<double>(), last_share);
    last_share = t["road_share"].get<double>();
  }
  std::map<std::string, json> by_id;
  for (const json& p : r["places"]) by_id[p["id"]] = p;
  ASSERT_TRUE(by_id.count("r-school"));
  // Its time is the best over every unit: no more than the drive from the workstation.
  auto drive = Json(*op.Get("/api/v1/route?from=104.0657,30.6574&to=104.0667,30.6580"));
  EXPECT_LE(by_id["r-school"]["best_time_s"].get<double>(),
            drive["properties"]["duration_s"].get<double>() + 0.1);
  EXPECT_LT(by_id["r-school"]["best_time_s"].get<double>(), 180);
  EXPECT_GE(r["thresholds"][1]["places_reached"].get<int>(), 1);
  EXPECT_EQ(r["areas"]["type"], "FeatureCollection");
  EXPECT_EQ(r["areas"]["features"][0]["geometry"]["type"], "MultiPolygon");
  EXPECT_EQ(op.Get("/api/v1/reach?minutes=0")->status, 400);

  // An incident reported by address is placed at the school it names.
  auto inc = op.Post("/api/v1/incidents",
                     json{{"type", "dispute"}, {"address", "测试第一中学东门"}}.dump());
  ASSERT_EQ(inc->status, 201) << inc->body;
  EXPECT_EQ(Json(*inc)["located_by"], "place:r-school");
  EXPECT_NEAR(Json(*inc)["location"][0].get<double>(), 104.0667, 1e-9);

  // Isochrones as an area.
  auto area = op.Get("/api/v1/isochrone?at=104.0657,30.6574&minutes=2&shape=polygon");
  ASSERT_EQ(area->status, 200) << area->body;
  EXPECT_EQ(Json(*area)["geometry"]["type"], "MultiPolygon");
  EXPECT_FALSE(Json(*area)["geometry"]["coordinates"].empty());
}

TEST_F(RoadsApiTest, UnitsReportPositionsOverTheStreamAndSubscribersSeeThem) {
  ASSERT_EQ(Admin(server_)
                .Post("/api/v1/units", Unit("w-car", "patrol_car", 104.06, 30.66).dump())
                ->status,
            201);
  server_->As("operator");  // makes the user
  const std::string token =
      server_->Login({{"user", "operator-user"}, {"password", kTestPassword}});
  auto ws = api::WsClient::Connect("127.0.0.1", server_->port(),
                                   "/api/v1/stream?topics=unit&access_token=" + token);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  json fixes = {{"fixes",
                 {{{"unit_id", "w-car"}, {"position", {104.061, 30.661}}, {"time", NowText()}},
                  {{"unit_id", "w-car"}, {"position", {104.061, 30.661}}}}}};
  ASSERT_TRUE((*ws)->Send(fixes.dump()).ok());
  json unit, result;
  for (int i = 0; i < 5 && result.is_null(); ++i) {
    auto m = (*ws)->Read();
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    json j = json::parse(*m);
    if (j["topic"] == "unit") unit = j["data"];
    if (j["topic"] == "fixes") result = j["data"];
  }
  EXPECT_EQ(result["accepted"], 1) << result.dump();
  EXPECT_EQ(result["results"][1]["error"]["field"], "fixes[1].time");
  EXPECT_EQ(unit["id"], "w-car");
  EXPECT_DOUBLE_EQ(unit["position"][0].get<double>(), 104.061);
  // A partner agency's liaison may watch units but not report them.
  server_->As("liaison");
  const std::string liaison =
      server_->Login({{"user", "liaison-user"}, {"password", kTestPassword}});
  auto ws2 = api::WsClient::Connect("127.0.0.1", server_->port(),
                                    "/api/v1/stream?topics=unit&access_token=" + liaison);
  ASSERT_TRUE(ws2.ok());
  ASSERT_TRUE((*ws2)->Send(fixes.dump()).ok());
  auto refused = (*ws2)->Read();
  ASSERT_TRUE(refused.ok());
  EXPECT_NE(refused->find("unit.report"), std::string::npos) << *refused;
}

TEST_F(RoadsApiTest, AnAgencyScopedSubscriberSeesOnlyItsAgencysUnitsAndIncidents) {
  api::HttpClient& admin = Admin(server_);
  ASSERT_EQ(admin
                .Post("/api/v1/agencies", json{{"id", "station2"},
                                               {"name", "测试派出所二"},
                                               {"kind", "police_station"},
                                               {"parent", "bureau"}}
                                              .dump())
                ->status,
            201);
  auto made = admin.Post("/api/v1/users", json{{"id", "station2-duty"},
                                               {"agency", "station2"},
                                               {"role", "operator"},
                                               {"scope", {{"kind", "agency"}}},
                                               {"password", kTestPassword}}
                                              .dump());
  ASSERT_EQ(made->status, 201) << made->body;
  const std::string token =
      server_->Login({{"user", "station2-duty"}, {"password", kTestPassword}});
  auto ws = api::WsClient::Connect("127.0.0.1", server_->port(),
                                   "/api/v1/stream?topics=unit,incident&access_token=" + token);
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  // The bureau's car changes first, then the station's: the station's officer hears only of
  // the second.
  ASSERT_EQ(admin.Post("/api/v1/units", Unit("b-car", "patrol_car", 104.06, 30.66).dump())->status,
            201);
  json other = Unit("s2-car", "patrol_car", 104.07, 30.66);
  other["agency"] = "station2";
  ASSERT_EQ(admin.Post("/api/v1/units", other.dump())->status, 201);
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "s2-car") {
    auto m = (*ws)->Read();
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    json j = json::parse(*m);
    if (j["topic"] == "unit") seen.push_back(j["data"]["id"]);
  }
  EXPECT_EQ(seen, std::vector<std::string>{"s2-car"});
  // An incident of the bureau reaches the station once the station's car works on it.
  auto inc =
      server_->As("operator")
          .Post("/api/v1/incidents",
                json{{"type", "traffic"}, {"source", "manual"}, {"location", {104.065, 30.66}}}
                    .dump());
  ASSERT_EQ(inc->status, 201) << inc->body;
  const std::string id = Json(*inc)["id"];
  auto sent =
      server_->As("operator")
          .Post("/api/v1/incidents/" + id + "/dispatch", json{{"unit_id", "s2-car"}}.dump());
  ASSERT_EQ(sent->status, 200) << sent->body;
  json incident;
  while (incident.is_null()) {
    auto m = (*ws)->Read();
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    json j = json::parse(*m);
    if (j["topic"] == "incident") incident = j["data"];
  }
  EXPECT_EQ(incident["id"], id);
  ASSERT_FALSE(incident["assignments"].empty()) << incident.dump();
  EXPECT_EQ(incident["assignments"][0]["unit_id"], "s2-car");
}

}  // namespace
}  // namespace quanyu::testing
