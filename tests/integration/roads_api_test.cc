// The road-network routes over a real socket, on the central-Chengdu OpenStreetMap extract
// (data/osm/chengdu_central.osm.pbf) imported into the server's data directory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

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

TEST(RoadsApiNoNetworkTest, SaysHowToImportOne) {
  ServerFixture server;
  auto r = server.As("operator").Get(std::string("/api/v1/route?from=") + kFrom + "&to=" + kTo);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_NE(r->body.find("quanyu import osm"), std::string::npos) << r->body;
  EXPECT_EQ(Json(*server.As("analyst").Get("/api/v1/roads"))["state"], "none");
}

}  // namespace
}  // namespace quanyu::testing
