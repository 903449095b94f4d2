#include "roads/road.h"

#include <gtest/gtest.h>

namespace quanyu::roads {
namespace {

TEST(RoadTest, DrivableHighwayValuesAndTheirLinks) {
  EXPECT_EQ(ParseHighway("primary")->road_class, RoadClass::kPrimary);
  EXPECT_FALSE(ParseHighway("primary")->link);
  EXPECT_EQ(ParseHighway("motorway_link")->road_class, RoadClass::kMotorway);
  EXPECT_TRUE(ParseHighway("motorway_link")->link);
  EXPECT_EQ(ParseHighway("living_street")->road_class, RoadClass::kLivingStreet);
  for (const char* not_drivable :
       {"footway", "cycleway", "path", "track", "pedestrian", "construction", "residential_link",
        "service_link", "_link", ""}) {
    EXPECT_FALSE(ParseHighway(not_drivable).has_value()) << not_drivable;
  }
}

TEST(RoadTest, OnewayFromTags) {
  EXPECT_EQ(OnewayFromTags("yes", "", "primary"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("true", "", "primary"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("1", "", "primary"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("-1", "", "primary"), Oneway::kBackward);
  EXPECT_EQ(OnewayFromTags("", "roundabout", "tertiary"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("", "", "motorway"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("", "", "motorway_link"), Oneway::kForward);
  EXPECT_EQ(OnewayFromTags("no", "", "motorway"), Oneway::kNo);
  EXPECT_EQ(OnewayFromTags("", "", "trunk"), Oneway::kNo);
}

TEST(RoadTest, WeightsFallWithTheClass) {
  EXPECT_EQ(ClassWeight(RoadClass::kMotorway), 5);
  EXPECT_EQ(ClassWeight(RoadClass::kTrunk), 5);
  EXPECT_EQ(ClassWeight(RoadClass::kPrimary), 4);
  EXPECT_EQ(ClassWeight(RoadClass::kSecondary), 3);
  EXPECT_EQ(ClassWeight(RoadClass::kTertiary), 2);
  EXPECT_EQ(ClassWeight(RoadClass::kService), 1);
  for (int i = 0; i < kRoadClassCount; ++i) {
    auto c = static_cast<RoadClass>(i);
    EXPECT_EQ(*ParseRoadClass(RoadClassName(c)), c);
  }
  EXPECT_EQ(ParseRoadClass("footway", "crossings[2].class").status().field(), "crossings[2].class");
}

TEST(RoadTest, ParsesMaxspeed) {
  EXPECT_EQ(ParseMaxspeed("60"), 60.0);
  EXPECT_EQ(ParseMaxspeed("60 km/h"), 60.0);
  EXPECT_EQ(ParseMaxspeed("60;80"), 60.0);
  EXPECT_NEAR(ParseMaxspeed("30 mph").value(), 48.28, 0.01);
  EXPECT_EQ(ParseMaxspeed("none"), 130.0);
  EXPECT_EQ(ParseMaxspeed("CN:urban"), 50.0);
  EXPECT_EQ(ParseMaxspeed("DE:rural"), 80.0);
  EXPECT_EQ(ParseMaxspeed("RU:motorway"), 120.0);
  EXPECT_EQ(ParseMaxspeed("walk"), 7.0);
  EXPECT_FALSE(ParseMaxspeed("").has_value());
  EXPECT_FALSE(ParseMaxspeed("fast").has_value());
  EXPECT_FALSE(ParseMaxspeed("60 knots").has_value());
  EXPECT_FALSE(ParseMaxspeed("CN:zone30").has_value());
  EXPECT_FALSE(ParseMaxspeed("-5").has_value());
}

}  // namespace
}  // namespace quanyu::roads
