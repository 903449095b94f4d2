// GET /api/v1/rings/{id}/closure over a real socket: crossings stored as `quanyu closure --save`
// stores them, coverage computed against the checkpoints as the API changes them.
#include <gtest/gtest.h>

#include "geo/rings.h"
#include "roads/crossings.h"
#include "store/store.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

// A two-way primary road through a square ring: enters northbound at (104.005, 30.00) and
// leaves at (104.005, 30.01).
void StoreRingAndCrossings(const std::string& data_dir, bool with_crossings) {
  store::StoreOptions so;
  so.url = api::StoreUrlFor(data_dir);
  auto store = store::Store::Open(so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  geo::Ring ring;
  ring.id = "510104";
  ring.name = "锦江区";
  ring.level = geo::RingLevel::kCounty;
  geo::Polygon square;
  square.outer = {
      {104.00, 30.00}, {104.01, 30.00}, {104.01, 30.01}, {104.00, 30.01}, {104.00, 30.00}};
  ring.geometry.polygons.push_back(square);
  store::Document d;
  d.kind = "ring";
  d.id = ring.id;
  d.body = geo::RingToJson(ring).dump();
  ASSERT_TRUE((*store)->PutDocument(d).ok());
  if (!with_crossings) return;

  roads::Road road;
  road.way_id = 42;
  road.name = "红星路";
  road.road_class = roads::RoadClass::kPrimary;
  road.points = {{104.005, 29.995}, {104.005, 30.015}};
  road.node_ids = {1, 2};
  roads::RingCrossings rc;
  rc.ring_id = ring.id;
  rc.source = "test.osm";
  rc.computed = "2026-01-01T08:00:00+08:00";
  rc.crossings = roads::FindCrossings(ring.id, roads::RingBoundary(ring.geometry), {road});
  ASSERT_EQ(rc.crossings.size(), 2u);
  d.kind = roads::kRingCrossingsKind;
  d.body = roads::RingCrossingsToJson(rc).dump();
  ASSERT_TRUE((*store)->PutDocument(d).ok());
}

TEST(ClosureApiTest, CoverageFollowsTheLiveCheckpoints) {
  ServerFixture server;
  StoreRingAndCrossings(server.data_dir(), true);
  api::HttpClient& analyst = server.As("analyst");

  auto none = analyst.Get("/api/v1/rings/510104/closure");
  ASSERT_EQ(none->status, 200) << none->body;
  json j = Json(*none);
  EXPECT_EQ(j["ring_name"], "锦江区");
  EXPECT_EQ(j["source"], "test.osm");
  EXPECT_EQ(j["crossings"], 2);
  EXPECT_EQ(j["directions"], 4);
  EXPECT_EQ(j["covered"], 0);
  EXPECT_EQ(j["ratio"], 0);
  EXPECT_EQ(j["gaps"]["type"], "FeatureCollection");
  EXPECT_EQ(j["gaps"]["features"].size(), 2u);
  EXPECT_EQ(j["by_class"]["primary"]["gaps"], 4);

  // A checkpoint 150 m inside the south crossing watching northbound (inbound) traffic.
  ASSERT_EQ(server.client()
                .Post("/api/v1/checkpoints",
                      R"({"id":"51010400001121000001","name":"红星路南口","lng":104.005,)"
                      R"("lat":30.00135,"directions":["南向北"]})")
                ->status,
            201);
  j = Json(*analyst.Get("/api/v1/rings/510104/closure"));
  EXPECT_EQ(j["covered"], 1);
  EXPECT_EQ(j["ratio"], 0.25);
  ASSERT_EQ(j["gaps"]["features"].size(), 2u);
  EXPECT_EQ(j["gaps"]["features"][0]["properties"]["gaps"], json({"outbound"}));
  EXPECT_EQ(j["gaps"]["features"][0]["properties"]["covered"]["inbound"], "51010400001121000001");
  EXPECT_EQ(j["gaps"]["features"][0]["properties"]["name"], "红星路");

  // 100 m is too little to reach it.
  j = Json(*analyst.Get("/api/v1/rings/510104/closure?tolerance_m=100"));
  EXPECT_EQ(j["covered"], 0);
  EXPECT_EQ(j["tolerance_m"], 100);

  // Faulty: a gap again.
  ASSERT_EQ(server.client()
                .Send("PATCH", "/api/v1/checkpoints/51010400001121000001", R"({"status":"faulty"})",
                      {{"Content-Type", "application/merge-patch+json"}})
                ->status,
            200);
  j = Json(*analyst.Get("/api/v1/rings/510104/closure"));
  EXPECT_EQ(j["covered"], 0);
  EXPECT_EQ(j["gaps"]["features"][0]["properties"]["inactive_checkpoint"], "51010400001121000001");
}

TEST(ClosureApiTest, UnknownRingsMissingCrossingsAndBadToleranceAreClearErrors) {
  ServerFixture server;
  StoreRingAndCrossings(server.data_dir(), false);
  api::HttpClient& c = server.As("operator");

  auto unknown = c.Get("/api/v1/rings/999999/closure");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(Json(*unknown)["error"]["message"].get<std::string>().find("999999"),
            std::string::npos);

  auto missing = c.Get("/api/v1/rings/510104/closure");
  EXPECT_EQ(missing->status, 409);
  EXPECT_EQ(Json(*missing)["error"]["message"],
            "no crossings stored for ring 510104: run quanyu closure --osm FILE --save");

  auto bad = c.Get("/api/v1/rings/510104/closure?tolerance_m=-5");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Json(*bad)["error"]["field"], "tolerance_m");
}

}  // namespace
}  // namespace quanyu::testing
