#include "roads/closure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu::roads {
namespace {

using ::testing::DoubleNear;

constexpr double kMetresPerDegreeLat = 111195.0;  // on the mean-radius sphere

// A two-way primary road entering a ring northbound at (104.0, 30.0).
Crossing Northbound(const std::string& id = "R/1/0", RoadClass c = RoadClass::kPrimary,
                    Oneway oneway = Oneway::kNo) {
  Crossing x;
  x.id = id;
  x.ring_id = "R";
  x.way_id = 1;
  x.road_class = c;
  x.oneway = oneway;
  x.position = {104.0, 30.0};
  x.inbound = oneway != Oneway::kBackward;
  x.outbound = oneway != Oneway::kForward;
  x.inbound_bearing = 0;
  return x;
}

registry::Checkpoint CheckpointNorthOf(
    const std::string& id, double metres, std::vector<int> directions,
    registry::CheckpointStatus status = registry::CheckpointStatus::kActive) {
  registry::Checkpoint c;
  c.id = id;
  c.name = id;
  c.position = {104.0, 30.0 + metres / kMetresPerDegreeLat};
  c.directions = std::move(directions);
  c.status = status;
  return c;
}

ClosureReport Closure(const std::vector<Crossing>& xs, const std::vector<registry::Checkpoint>& cps,
                      ClosureOptions o = {}) {
  return ComputeClosure("R", xs, cps, o);
}

TEST(ClosureTest, CheckpointWithin200MetresWatchingTheDirectionCovers) {
  auto r = Closure({Northbound()}, {CheckpointNorthOf("near", 150, {0})});
  EXPECT_EQ(r.directions, 2u);
  EXPECT_EQ(r.covered, 1u);  // inbound (northbound) only: nobody watches southbound
  ASSERT_EQ(r.coverage.size(), 1u);
  EXPECT_EQ(r.coverage[0].inbound_by, "near");
  EXPECT_TRUE(r.coverage[0].outbound_gap());
  EXPECT_DOUBLE_EQ(r.ratio, 0.5);
}

TEST(ClosureTest, CheckpointBeyondTheToleranceDoesNotCover) {
  auto r = Closure({Northbound()}, {CheckpointNorthOf("far", 250, {})});
  EXPECT_EQ(r.covered, 0u);
  EXPECT_DOUBLE_EQ(r.ratio, 0);
  // ... unless the tolerance is raised.
  ClosureOptions wide;
  wide.tolerance_m = 300;
  EXPECT_EQ(Closure({Northbound()}, {CheckpointNorthOf("far", 250, {})}, wide).covered, 2u);
}

TEST(ClosureTest, CheckpointWatchingTheWrongWayDoesNotCover) {
  // 90 degrees off the northbound travel; 50 degrees off is still within +-60.
  auto r = Closure({Northbound("R/1/0", RoadClass::kPrimary, Oneway::kForward)},
                   {CheckpointNorthOf("east", 100, {90})});
  EXPECT_EQ(r.directions, 1u);
  EXPECT_EQ(r.covered, 0u);
  EXPECT_EQ(Closure({Northbound("R/1/0", RoadClass::kPrimary, Oneway::kForward)},
                    {CheckpointNorthOf("nne", 100, {310})})
                .covered,
            1u);
  // A checkpoint listing no direction watches every one.
  EXPECT_EQ(Closure({Northbound()}, {CheckpointNorthOf("all", 100, {})}).covered, 2u);
  // Both ways, listed separately.
  EXPECT_EQ(Closure({Northbound()}, {CheckpointNorthOf("both", 100, {0, 180})}).covered, 2u);
}

TEST(ClosureTest, FaultyAndRetiredCheckpointsAreGaps) {
  auto r = Closure({Northbound()},
                   {CheckpointNorthOf("broken", 20, {}, registry::CheckpointStatus::kFaulty),
                    CheckpointNorthOf("old", 30, {}, registry::CheckpointStatus::kRetired)});
  EXPECT_EQ(r.covered, 0u);
  EXPECT_EQ(r.coverage[0].inactive_nearby, "broken");
  nlohmann::json gaps = GapsGeoJson(r);
  ASSERT_EQ(gaps["features"].size(), 1u);
  EXPECT_EQ(gaps["features"][0]["properties"]["inactive_checkpoint"], "broken");
  EXPECT_EQ(gaps["features"][0]["properties"]["gaps"], nlohmann::json({"inbound", "outbound"}));
}

TEST(ClosureTest, WeightedRatioWeighsDirectionsByClass) {
  // Primary (weight 4), two-way, inbound covered; residential (1), one-way in, uncovered;
  // trunk (5), one-way out, covered.
  Crossing primary = Northbound("R/1/0", RoadClass::kPrimary);
  Crossing residential = Northbound("R/2/0", RoadClass::kResidential, Oneway::kForward);
  residential.position = {104.1, 30.0};
  Crossing trunk = Northbound("R/3/0", RoadClass::kTrunk, Oneway::kBackward);
  trunk.position = {104.0, 30.1};
  registry::Checkpoint at_trunk = CheckpointNorthOf("t", 0, {180});
  at_trunk.position = trunk.position;
  auto r = Closure({primary, residential, trunk}, {CheckpointNorthOf("p", 10, {0}), at_trunk});
  EXPECT_EQ(r.crossings, 3u);
  EXPECT_EQ(r.directions, 4u);
  EXPECT_EQ(r.covered, 2u);
  EXPECT_DOUBLE_EQ(r.ratio, 0.5);
  EXPECT_DOUBLE_EQ(r.weight_total, 4 + 4 + 1 + 5);
  EXPECT_DOUBLE_EQ(r.weight_covered, 4 + 5);
  EXPECT_DOUBLE_EQ(r.weighted_ratio, 9.0 / 14.0);
  const ClassTally& p = r.by_class[static_cast<int>(RoadClass::kPrimary)];
  EXPECT_EQ(p.directions, 2u);
  EXPECT_EQ(p.gaps(), 1u);
  EXPECT_EQ(r.by_class[static_cast<int>(RoadClass::kResidential)].gaps(), 1u);
  EXPECT_EQ(r.by_class[static_cast<int>(RoadClass::kTrunk)].gaps(), 0u);

  nlohmann::json summary = ClosureSummaryJson(r);
  EXPECT_EQ(summary["uncovered"], 2);
  EXPECT_THAT(summary["weighted_ratio"].get<double>(), DoubleNear(0.6429, 1e-9));
  EXPECT_EQ(summary["by_class"]["residential"]["gaps"], 1);
  EXPECT_FALSE(summary["by_class"].contains("secondary"));
  EXPECT_EQ(summary["weights"]["trunk"], 5);

  // The uncovered crossings as GeoJSON: the primary road's outbound and the residential road.
  nlohmann::json gaps = GapsGeoJson(r);
  EXPECT_EQ(gaps["type"], "FeatureCollection");
  ASSERT_EQ(gaps["features"].size(), 2u);
  EXPECT_EQ(gaps["features"][0]["id"], "R/1/0");
  EXPECT_EQ(gaps["features"][0]["geometry"]["type"], "Point");
  EXPECT_EQ(gaps["features"][0]["geometry"]["coordinates"], nlohmann::json({104.0, 30.0}));
  EXPECT_EQ(gaps["features"][0]["properties"]["gaps"], nlohmann::json({"outbound"}));
  EXPECT_EQ(gaps["features"][0]["properties"]["covered"]["inbound"], "p");
  EXPECT_EQ(gaps["features"][1]["properties"]["class"], "residential");
}

TEST(ClosureTest, ARingWithoutCrossingsIsClosed) {
  auto r = Closure({}, {});
  EXPECT_EQ(r.directions, 0u);
  EXPECT_DOUBLE_EQ(r.ratio, 1);
  EXPECT_DOUBLE_EQ(r.weighted_ratio, 1);
  EXPECT_TRUE(GapsGeoJson(r)["features"].empty());
}

}  // namespace
}  // namespace quanyu::roads
