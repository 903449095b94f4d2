#include "roads/crossings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "geo/test_data.h"

namespace quanyu::roads {
namespace {

using geo::testing::PolygonFromText;
using ::testing::DoubleNear;

// A ring about 960 m x 1110 m.
constexpr char kSquare[] = "104.00,30.00 104.01,30.00 104.01,30.01 104.00,30.01";

Road RoadFromText(int64_t id, const std::string& text, Oneway oneway = Oneway::kNo,
                  RoadClass c = RoadClass::kPrimary) {
  Road r;
  r.way_id = id;
  r.road_class = c;
  r.oneway = oneway;
  r.name = "测试路";
  r.points = geo::testing::RingFromText(text);
  r.points.pop_back();  // RingFromText closes the line
  for (size_t i = 0; i < r.points.size(); ++i) r.node_ids.push_back(id * 100 + i);
  return r;
}

std::vector<Crossing> Cross(const geo::MultiPolygon& mp, const std::vector<Road>& roads) {
  return FindCrossings("R1", RingBoundary(mp), roads);
}

TEST(CrossingsTest, TwoWayRoadThroughASquareCrossesTwiceBothWays) {
  auto xs = Cross(PolygonFromText(kSquare), {RoadFromText(7, "103.995,30.005 104.015,30.005")});
  ASSERT_EQ(xs.size(), 2u);
  // West side: entering travels east; east side: entering travels west.
  EXPECT_THAT(xs[0].position.lng, DoubleNear(104.00, 1e-12));
  EXPECT_THAT(xs[0].position.lat, DoubleNear(30.005, 1e-12));
  EXPECT_THAT(xs[0].inbound_bearing, DoubleNear(90, 0.01));
  EXPECT_THAT(OutboundBearing(xs[0]), DoubleNear(270, 0.01));
  EXPECT_THAT(xs[1].position.lng, DoubleNear(104.01, 1e-12));
  EXPECT_THAT(xs[1].inbound_bearing, DoubleNear(270, 0.01));
  for (const Crossing& x : xs) {
    EXPECT_TRUE(x.inbound);
    EXPECT_TRUE(x.outbound);
    EXPECT_EQ(x.way_id, 7);
    EXPECT_EQ(x.ring_id, "R1");
    EXPECT_EQ(x.name, "测试路");
    EXPECT_EQ(x.road_class, RoadClass::kPrimary);
  }
  EXPECT_EQ(xs[0].id, "R1/7/0");
  EXPECT_EQ(xs[1].id, "R1/7/1");
}

TEST(CrossingsTest, OneWayRoadGivesOnlyTheDirectionItAllows) {
  auto forward = Cross(PolygonFromText(kSquare),
                       {RoadFromText(1, "103.995,30.005 104.015,30.005", Oneway::kForward)});
  ASSERT_EQ(forward.size(), 2u);
  EXPECT_TRUE(forward[0].inbound);  // eastbound enters at the west side ...
  EXPECT_FALSE(forward[0].outbound);
  EXPECT_FALSE(forward[1].inbound);  // ... and leaves at the east side
  EXPECT_TRUE(forward[1].outbound);
  EXPECT_THAT(OutboundBearing(forward[1]), DoubleNear(90, 0.01));

  auto backward = Cross(PolygonFromText(kSquare),
                        {RoadFromText(1, "103.995,30.005 104.015,30.005", Oneway::kBackward)});
  ASSERT_EQ(backward.size(), 2u);
  EXPECT_FALSE(backward[0].inbound);
  EXPECT_TRUE(backward[0].outbound);
  EXPECT_TRUE(backward[1].inbound);
  EXPECT_FALSE(backward[1].outbound);
}

TEST(CrossingsTest, OrientationOfTheRingDoesNotMatter) {
  auto ccw = Cross(PolygonFromText(kSquare), {RoadFromText(1, "104.005,29.99 104.005,30.02")});
  auto cw = Cross(PolygonFromText("104.00,30.00 104.00,30.01 104.01,30.01 104.01,30.00"),
                  {RoadFromText(1, "104.005,29.99 104.005,30.02")});
  ASSERT_EQ(ccw.size(), 2u);
  ASSERT_EQ(cw.size(), 2u);
  EXPECT_THAT(ccw[0].inbound_bearing, DoubleNear(0, 0.01));  // northbound enters the south side
  EXPECT_THAT(cw[0].inbound_bearing, DoubleNear(0, 0.01));
  EXPECT_THAT(cw[1].inbound_bearing, DoubleNear(180, 0.01));
}

TEST(CrossingsTest, RoadsInsideOrOutsideDoNotCross) {
  auto xs =
      Cross(PolygonFromText(kSquare), {RoadFromText(1, "104.002,30.002 104.008,30.008"),  // inside
                                       RoadFromText(2, "103.99,29.99 103.99,30.02")});    // outside
  EXPECT_TRUE(xs.empty());
}

TEST(CrossingsTest, ThroughACornerIsOneCrossingTouchingOneIsNone) {
  auto through =
      Cross(PolygonFromText(kSquare), {RoadFromText(1, "103.995,29.995 104.005,30.005")});
  ASSERT_EQ(through.size(), 1u);
  EXPECT_TRUE(through[0].inbound);
  EXPECT_THAT(through[0].position.lng, DoubleNear(104.00, 1e-12));
  EXPECT_THAT(through[0].position.lat, DoubleNear(30.00, 1e-12));
  // A road whose vertex sits on the corner and which turns back outside.
  auto touch = Cross(PolygonFromText(kSquare),
                     {RoadFromText(2, "103.99,29.995 104.00,30.00 104.01,29.995")});
  EXPECT_TRUE(touch.empty());
}

TEST(CrossingsTest, HolesAreBoundaryToo) {
  auto mp =
      PolygonFromText(kSquare, {"104.004,30.004 104.006,30.004 104.006,30.006 104.004,30.006"});
  auto xs = Cross(mp, {RoadFromText(1, "103.995,30.005 104.015,30.005", Oneway::kForward)});
  ASSERT_EQ(xs.size(), 4u);
  // Eastbound: enters, leaves into the hole, enters from the hole, leaves.
  EXPECT_TRUE(xs[0].inbound);
  EXPECT_TRUE(xs[1].outbound);
  EXPECT_THAT(xs[1].position.lng, DoubleNear(104.004, 1e-12));
  EXPECT_TRUE(xs[2].inbound);
  EXPECT_TRUE(xs[3].outbound);
}

TEST(CrossingsTest, AnEdgeSharedByTwoPartsOfTheRingIsNotACrossing) {
  geo::MultiPolygon mp = PolygonFromText(kSquare);
  mp.polygons.push_back(
      PolygonFromText("104.01,30.00 104.02,30.00 104.02,30.01 104.01,30.01").polygons[0]);
  auto xs = Cross(mp, {RoadFromText(1, "103.995,30.005 104.025,30.005")});
  ASSERT_EQ(xs.size(), 2u);
  EXPECT_THAT(xs[0].position.lng, DoubleNear(104.00, 1e-12));
  EXPECT_THAT(xs[1].position.lng, DoubleNear(104.02, 1e-12));
}

TEST(CrossingsTest, ManyEdgesBehindTheGridFindWhatABruteForceScanFinds) {
  // A 400-gon circle, crossed by a fan of roads; a one-cell grid is the brute-force reference.
  geo::LinearRing circle;
  for (int i = 0; i < 400; ++i) {
    const double a = 2 * M_PI * i / 400;
    circle.push_back({104.0 + 0.05 * std::cos(a), 30.0 + 0.05 * std::sin(a)});
  }
  circle.push_back(circle.front());
  geo::MultiPolygon mp{{geo::Polygon{circle, {}}}};
  std::vector<Road> roads;
  for (int i = 0; i < 50; ++i) {
    const double a = 2 * M_PI * i / 50;
    roads.push_back(RoadFromText(i + 1, "104.0,30.0 " + std::to_string(104.0 + 0.07 * std::cos(a)) +
                                            "," + std::to_string(30.0 + 0.07 * std::sin(a))));
  }
  RingBoundary grid(mp);
  RingBoundary one_cell(mp, RingBoundary::Options{1});
  EXPECT_GT(grid.cells_x() * grid.cells_y(), 100u);
  auto a = FindCrossings("R", grid, roads);
  auto b = FindCrossings("R", one_cell, roads);
  EXPECT_EQ(a.size(), 50u);
  EXPECT_EQ(a, b);
  for (const Crossing& x : a) EXPECT_TRUE(x.outbound && x.inbound);
}

TEST(CrossingsTest, JsonRoundTripAndFieldNamedErrors) {
  RingCrossings rc;
  rc.ring_id = "R1";
  rc.source = "test.osm";
  rc.computed = "2026-01-01T00:00:00+08:00";
  rc.crossings = Cross(
      PolygonFromText(kSquare),
      {RoadFromText(7, "103.995,30.005 104.015,30.005", Oneway::kForward, RoadClass::kTrunk)});
  rc.crossings[0].ref = "G108";
  rc.crossings[0].link = true;
  auto back = RingCrossingsFromJson(nlohmann::json::parse(RingCrossingsToJson(rc).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->crossings.size(), 2u);
  EXPECT_EQ(back->source, "test.osm");
  EXPECT_EQ(back->crossings[0].ref, "G108");
  EXPECT_TRUE(back->crossings[0].link);
  EXPECT_EQ(back->crossings[0].road_class, RoadClass::kTrunk);
  EXPECT_EQ(back->crossings[1].oneway, Oneway::kForward);
  EXPECT_EQ(back->crossings[1].ring_id, "R1");
  EXPECT_THAT(back->crossings[1].inbound_bearing, DoubleNear(270, 0.1));

  nlohmann::json bad = RingCrossingsToJson(rc);
  bad["crossings"][1]["class"] = "footway";
  EXPECT_EQ(RingCrossingsFromJson(bad).status().field(), "crossings[1].class");
}

}  // namespace
}  // namespace quanyu::roads
