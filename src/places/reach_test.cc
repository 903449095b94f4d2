#include "places/reach.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "roads/test_osm.h"

namespace quanyu::places {
namespace {

using roads::testing::OsmTestMap;
using roads::testing::WriteOsmTestMap;

// Every cell of the drawings is 100 m, driven in 10 s (test_osm.h).
struct TestNetwork {
  OsmTestMap map;
  std::shared_ptr<const roads::RoadNetwork> net;
};

TestNetwork Build(const std::string& drawing) {
  static int count = 0;
  const std::string path = ::testing::TempDir() + "reach_" + std::to_string(getpid()) + "_" +
                           std::to_string(count++) + ".osm";
  TestNetwork t;
  t.map = WriteOsmTestMap(drawing, path);
  auto net = roads::RoadNetwork::Build(path);
  EXPECT_TRUE(net.ok()) << net.status().ToString();
  if (net.ok()) t.net = *net;
  std::remove(path.c_str());
  return t;
}

Place At(const std::string& id, PlaceCategory c, geo::LngLat p) {
  Place place;
  place.id = id;
  place.name = id;
  place.category = c;
  place.position = p;
  place.source = "manual";
  return place;
}

// a at column 0, b at 12 (120 s away), c at 36 (360 s away).
constexpr const char* kLine = "a-----------b-----------------------c\n";

TEST(ReachTest, APlaceTwoMinutesAwayIsReachedAtThreeAndFiveNotOne) {
  TestNetwork t = Build(kLine);
  ASSERT_NE(t.net, nullptr);
  const std::vector<ReachOrigin> origins = {{"u1", "巡逻一组", "patrol_car", t.map.nodes.at('a')}};
  const std::vector<Place> places = {
      At("school-b", PlaceCategory::kSchool, t.map.nodes.at('b')),
      At("bank-c", PlaceCategory::kKeyEnterprise, t.map.nodes.at('c'))};
  auto r = ComputeReach(*t.net, origins, places, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->thresholds.size(), 3u);
  EXPECT_EQ(r->origins_used, 1u);
  ASSERT_EQ(r->places.size(), 2u);
  ASSERT_TRUE(r->places[0].best_time_s.has_value());
  EXPECT_NEAR(*r->places[0].best_time_s, 120, 1);
  EXPECT_EQ(r->places[0].origin_id, "u1");
  EXPECT_EQ(r->thresholds[0].places_reached, 0u);  // 1 minute
  EXPECT_EQ(r->thresholds[1].places_reached, 1u);  // 3 minutes
  EXPECT_EQ(r->thresholds[2].places_reached, 1u);  // 5 minutes
  EXPECT_EQ(r->thresholds[1].reached_by_category.at(PlaceCategory::kSchool), 1u);
  // c, 6 minutes away, is a gap.
  EXPECT_FALSE(r->places[1].best_time_s.has_value());
  ASSERT_EQ(r->gaps.size(), 1u);
  EXPECT_EQ(r->gaps[0].id, "bank-c");

  const nlohmann::json j = ReachReportToJson(*r);
  EXPECT_EQ(j["areas"]["type"], "FeatureCollection");
  EXPECT_EQ(j["areas"]["features"].size(), 3u);
  EXPECT_EQ(j["areas"]["features"][1]["properties"]["minutes"], 3.0);
  EXPECT_EQ(j["areas"]["features"][1]["geometry"]["type"], "MultiPolygon");
  EXPECT_EQ(j["gap_places"]["features"].size(), 1u);
  EXPECT_EQ(j["gap_places"]["features"][0]["geometry"]["type"], "Point");
  EXPECT_EQ(j["gap_places"]["features"][0]["properties"]["id"], "bank-c");
  EXPECT_TRUE(j["places"][1]["best_time_s"].is_null());
}

TEST(ReachTest, RoadShareGrowsWithTheThreshold) {
  TestNetwork t = Build(kLine);
  ASSERT_NE(t.net, nullptr);
  const std::vector<ReachOrigin> origins = {{"u1", "", "patrol_car", t.map.nodes.at('a')}};
  auto r = ComputeReach(*t.net, origins, {}, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->total_road_length_m, 3600, 5);
  // 600 m, 1800 m and 3000 m of the 3600 m line.
  EXPECT_NEAR(r->thresholds[0].road_length_m, 600, 5);
  EXPECT_NEAR(r->thresholds[1].road_length_m, 1800, 5);
  EXPECT_NEAR(r->thresholds[2].road_length_m, 3000, 5);
  EXPECT_NEAR(r->thresholds[0].road_share, 1.0 / 6, 0.01);
  EXPECT_NEAR(r->thresholds[2].road_share, 5.0 / 6, 0.01);
  EXPECT_LT(r->thresholds[0].road_share, r->thresholds[1].road_share);
  EXPECT_LT(r->thresholds[1].road_share, r->thresholds[2].road_share);
  EXPECT_LT(geo::AreaSquareMeters(r->thresholds[0].area),
            geo::AreaSquareMeters(r->thresholds[1].area));
  EXPECT_LT(geo::AreaSquareMeters(r->thresholds[1].area),
            geo::AreaSquareMeters(r->thresholds[2].area));
}

TEST(ReachTest, APlaceAgainstAOneWayTakesTheDetour) {
  // a->b is one-way east; b, d, c, a are joined by two-way roads.
  TestNetwork t = Build(
      "a---->---b\n"
      "|        |\n"
      "c--------d\n");
  ASSERT_NE(t.net, nullptr);
  const std::vector<ReachOrigin> origins = {{"u1", "", "patrol_car", t.map.nodes.at('b')}};
  // 100 m west of b on the one-way: b-d-c-a (130 s) then 80 s along a->b.
  const std::vector<Place> places = {At("p", PlaceCategory::kHospital, t.map.At(0, 8))};
  auto r = ComputeReach(*t.net, origins, places, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->places[0].best_time_s.has_value());
  EXPECT_NEAR(*r->places[0].best_time_s, 210, 2);
  EXPECT_EQ(r->thresholds[1].places_reached, 0u);
  EXPECT_EQ(r->thresholds[2].places_reached, 1u);
}

TEST(ReachTest, NearestOriginByDriveTime) {
  TestNetwork t = Build(kLine);
  ASSERT_NE(t.net, nullptr);
  const std::vector<ReachOrigin> origins = {{"west", "", "patrol_car", t.map.nodes.at('a')},
                                            {"east", "", "patrol_car", t.map.nodes.at('c')},
                                            {"far", "", "patrol_car", {104.5, 30.5}}};
  const std::vector<Place> places = {At("p30", PlaceCategory::kSchool, t.map.At(0, 30)),
                                     At("p3", PlaceCategory::kSchool, t.map.At(0, 3))};
  auto r = ComputeReach(*t.net, origins, places, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->origins_used, 2u);
  ASSERT_EQ(r->unsnapped_origins.size(), 1u);
  EXPECT_EQ(r->unsnapped_origins[0].id, "far");
  EXPECT_NE(r->unsnapped_origins[0].reason.find("no usable road"), std::string::npos);
  EXPECT_EQ(r->places[0].origin_id, "east");
  EXPECT_NEAR(*r->places[0].best_time_s, 60, 1);
  EXPECT_EQ(r->places[1].origin_id, "west");
  EXPECT_NEAR(*r->places[1].best_time_s, 30, 1);
  EXPECT_TRUE(r->gaps.empty());
}

TEST(ReachTest, RejectsBadOptions) {
  TestNetwork t = Build(kLine);
  ASSERT_NE(t.net, nullptr);
  ReachOptions o;
  o.minutes = {};
  EXPECT_EQ(ComputeReach(*t.net, {}, {}, o).status().field(), "minutes");
  o.minutes = {3, -1};
  EXPECT_EQ(ComputeReach(*t.net, {}, {}, o).status().field(), "minutes");
  o.minutes = {5, 1, 3, 3};
  auto r = ComputeReach(*t.net, {}, {}, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->thresholds.size(), 3u);
  EXPECT_EQ(r->thresholds[0].minutes, 1);
  EXPECT_EQ(r->thresholds[0].road_length_m, 0);
}

}  // namespace
}  // namespace quanyu::places
