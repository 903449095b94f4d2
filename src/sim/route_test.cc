#include "sim/route.h"

#include <gtest/gtest.h>

namespace quanyu::sim {
namespace {

// An L-shaped route in central Chengdu: about 957 m east along latitude 30.65, then about
// 1112 m north.
const geo::LngLat kA{104.060, 30.650}, kB{104.070, 30.650}, kC{104.070, 30.660};

Polyline LShape() { return Polyline({kA, kB, kC}); }

TEST(PolylineTest, MeasuresLengthAndFindsPositionsAlongIt) {
  Polyline line = LShape();
  const double east = geo::DistanceMeters(kA, kB), north = geo::DistanceMeters(kB, kC);
  EXPECT_NEAR(east, 958, 10);
  EXPECT_NEAR(north, 1112, 5);
  EXPECT_DOUBLE_EQ(line.length_m(), east + north);

  Polyline::Position mid_east = line.At(east / 2);
  EXPECT_NEAR(mid_east.at.lng, 104.065, 1e-6);
  EXPECT_NEAR(mid_east.at.lat, 30.650, 1e-6);
  EXPECT_NEAR(mid_east.heading_deg, 90, 0.1);  // driving east

  Polyline::Position on_north = line.At(east + north / 2);
  EXPECT_NEAR(on_north.at.lng, 104.070, 1e-6);
  EXPECT_NEAR(on_north.at.lat, 30.655, 1e-6);
  EXPECT_NEAR(on_north.heading_deg, 0, 0.1);  // driving north

  // Clamped at both ends.
  EXPECT_EQ(line.At(-5).at, kA);
  EXPECT_EQ(line.At(1e9).at, kC);
}

TEST(PolylineTest, ProjectsAPointOntoItsNearestSegment) {
  Polyline line = LShape();
  // 20 m south of the middle of the east leg.
  geo::LngLat p = geo::Destination({104.065, 30.650}, 180, 20);
  Polyline::Projection pr = line.Project(p);
  EXPECT_NEAR(pr.offset_m, 20, 0.5);
  EXPECT_NEAR(pr.along_m, geo::DistanceMeters(kA, kB) / 2, 1);
  EXPECT_NEAR(pr.heading_deg, 90, 0.1);

  // Beyond the end of the north leg: its nearest point is the end.
  Polyline::Projection beyond = line.Project({104.070, 30.670});
  EXPECT_NEAR(beyond.along_m, line.length_m(), 1e-6);
  EXPECT_NEAR(beyond.offset_m, geo::DistanceMeters(kC, {104.070, 30.670}), 0.01);
}

TEST(CheckpointsAlongTest, FindsOnlyTheCheckpointsNearTheRouteInTheOrderPassed) {
  Polyline line = LShape();
  std::vector<CheckpointSite> sites = {
      {"NORTH-LEG", geo::Destination({104.070, 30.655}, 90, 12)},  // 12 m east of the north leg
      {"EAST-LEG", geo::Destination({104.063, 30.650}, 0, 25)},    // 25 m north of the east leg
      {"FAR", geo::Destination({104.065, 30.650}, 180, 200)},      // 200 m off
      {"JUST-OUTSIDE", geo::Destination({104.067, 30.650}, 180, 31)},
  };
  std::vector<Waypoint> on = CheckpointsAlong(line, sites, 30);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_EQ(on[0].checkpoint_id, "EAST-LEG");
  EXPECT_NEAR(on[0].along_m, geo::DistanceMeters(kA, {104.063, 30.650}), 1);
  EXPECT_NEAR(on[0].offset_m, 25, 0.5);
  EXPECT_EQ(on[1].checkpoint_id, "NORTH-LEG");
  EXPECT_NEAR(on[1].along_m, geo::DistanceMeters(kA, kB) + geo::DistanceMeters(kB, kC) / 2, 1);
  EXPECT_NEAR(on[1].heading_deg, 0, 0.1);
}

TEST(TripTest, MovesAtTheRouteMeanSpeed) {
  Polyline line = LShape();
  const double length = line.length_m();
  Trip trip(std::move(line), /*start_s=*/100, /*duration_s=*/200, {});
  EXPECT_NEAR(trip.speed_kmh(), length / 200 * 3.6, 1e-9);
  EXPECT_EQ(trip.PositionAt(50).at, kA);  // not yet started
  Polyline::Position half = trip.PositionAt(200);
  EXPECT_NEAR(geo::DistanceMeters(half.at, trip.line().At(length / 2).at), 0, 0.01);
  EXPECT_FALSE(trip.DoneAt(299));
  EXPECT_TRUE(trip.DoneAt(300));
  EXPECT_EQ(trip.PositionAt(400).at, kC);
}

TEST(TripTest, AVehiclePassingACheckpointEmitsExactlyOneCrossingAtTheTimeItPasses) {
  Polyline line = LShape();
  const double east = geo::DistanceMeters(kA, kB);
  std::vector<Waypoint> on =
      CheckpointsAlong(line, {{"K1", geo::Destination({104.065, 30.650}, 0, 10)}}, 30);
  ASSERT_EQ(on.size(), 1u);
  const double length = line.length_m();
  Trip trip(std::move(line), /*start_s=*/1000, /*duration_s=*/300, on);
  const double expected = 1000 + (east / 2) / length * 300;  // about 1069 s

  std::vector<Crossing> passed;
  // Steps of 7 s from before the start to well after the end: one crossing, whatever the step.
  for (double t = 990; t <= 1400; t += 7) {
    size_t before = passed.size();
    trip.Advance(t, &passed);
    if (passed.size() > before) {
      // Reported in the step in which it happened, not before.
      EXPECT_LE(passed.back().time_s, t);
      EXPECT_GT(passed.back().time_s, t - 7);
    }
  }
  ASSERT_EQ(passed.size(), 1u);
  EXPECT_EQ(passed[0].checkpoint_id, "K1");
  EXPECT_NEAR(passed[0].time_s, expected, 0.5);
  EXPECT_NEAR(passed[0].heading_deg, 90, 0.1);
  EXPECT_EQ(DirectionCode(passed[0].heading_deg), "2");  // west to east
  EXPECT_NEAR(passed[0].speed_kmh, length / 300 * 3.6, 1e-9);
}

TEST(DirectionCodeTest, MapsHeadingsToGat1400Codes) {
  EXPECT_EQ(DirectionCode(0), "3");  // northbound: south to north
  EXPECT_EQ(DirectionCode(359), "3");
  EXPECT_EQ(DirectionCode(45), "8");   // south-west to north-east
  EXPECT_EQ(DirectionCode(90), "2");   // west to east
  EXPECT_EQ(DirectionCode(180), "4");  // north to south
  EXPECT_EQ(DirectionCode(270), "1");  // east to west
  EXPECT_EQ(DirectionCode(-45), "5");  // south-east to north-west
}

}  // namespace
}  // namespace quanyu::sim
