#include "roads/area.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "roads/network.h"
#include "roads/test_osm.h"

namespace quanyu::roads {
namespace {

// The signed area of a ring in degrees² (positive when counter-clockwise).
double SignedArea(const geo::LinearRing& r) {
  double a = 0;
  for (size_t i = 0; i + 1 < r.size(); ++i) a += r[i].lng * r[i + 1].lat - r[i + 1].lng * r[i].lat;
  return a / 2;
}

TEST(BufferSegmentsTest, EmptyInputGivesNoArea) {
  EXPECT_TRUE(BufferSegments({}, 100).polygons.empty());
  EXPECT_TRUE(BufferSegments({{}}, 100).polygons.empty());
}

TEST(BufferSegmentsTest, AStraightKilometreBufferedBy100m) {
  const geo::LngLat a{104.06, 30.66};
  const geo::LngLat b = geo::Destination(a, 90, 1000);
  const geo::MultiPolygon mp = BufferSegments({{a, b}}, 100);
  ASSERT_EQ(mp.polygons.size(), 1u);
  EXPECT_TRUE(geo::ValidateMultiPolygon(mp).ok());
  const double expected = 2 * 100 * 1000 + M_PI * 100 * 100;
  EXPECT_NEAR(geo::AreaSquareMeters(mp), expected, 0.02 * expected);
  const geo::Polygon& p = mp.polygons[0];
  EXPECT_EQ(p.outer.front(), p.outer.back());
  EXPECT_GT(SignedArea(p.outer), 0) << "exterior rings run counter-clockwise";
  EXPECT_TRUE(p.holes.empty());
}

TEST(BufferSegmentsTest, FarApartSegmentsGiveTwoPolygons) {
  const geo::LngLat a{104.06, 30.66}, c{104.10, 30.70};
  const geo::MultiPolygon mp =
      BufferSegments({{a, geo::Destination(a, 0, 500)}, {c, geo::Destination(c, 45, 500)}}, 100);
  EXPECT_EQ(mp.polygons.size(), 2u);
}

TEST(BufferSegmentsTest, CollinearSegmentsEndToEnd) {
  // Two stretches of one straight road meeting end to end: one 2 km stadium.
  const geo::LngLat a{104.06, 30.66};
  const geo::LngLat b = geo::Destination(a, 90, 1000);
  const geo::LngLat c = geo::Destination(b, 90, 1000);
  const geo::MultiPolygon mp = BufferSegments({{a, b}, {b, c}}, 100);
  ASSERT_EQ(mp.polygons.size(), 1u);
  const double expected = 2 * 100 * 2000 + M_PI * 100 * 100;
  EXPECT_NEAR(geo::AreaSquareMeters(mp), expected, 0.02 * expected);
}

TEST(BufferSegmentsTest, ASquareOfRoadsLeavesAHole) {
  // A 1 km square of roads buffered by 100 m: the middle is farther than 100 m from any road.
  const geo::LngLat a{104.06, 30.66};
  const geo::LngLat b = geo::Destination(a, 90, 1000);
  const geo::LngLat c = geo::Destination(b, 0, 1000);
  const geo::LngLat d = geo::Destination(a, 0, 1000);
  const geo::MultiPolygon mp = BufferSegments({{a, b, c}, {c, d, a}}, 100);
  ASSERT_EQ(mp.polygons.size(), 1u);
  ASSERT_EQ(mp.polygons[0].holes.size(), 1u);
  EXPECT_LT(SignedArea(mp.polygons[0].holes[0]), 0) << "holes run clockwise";
}

// Each cell of the drawing is 100 m, driven in 10 s.
TEST(IsochroneTest, HasAPolygonAroundTheRoadsReached) {
  const std::string path = ::testing::TempDir() + "isochrone_" + std::to_string(getpid()) + ".osm";
  const testing::OsmTestMap map = testing::WriteOsmTestMap("a-----------b---------c\n", path);
  auto net = RoadNetwork::Build(path);
  ASSERT_TRUE(net.ok()) << net.status().ToString();
  auto iso = (*net)->Isochrone(map.nodes.at('a'), 60, /*with_area=*/true);  // 6 cells: 600 m
  ASSERT_TRUE(iso.ok()) << iso.status().ToString();
  EXPECT_NEAR(iso->road_length_m, 600, 5);
  ASSERT_EQ(iso->polygon.polygons.size(), 1u);
  const double expected = 2 * 100 * 600 + M_PI * 100 * 100;
  EXPECT_NEAR(geo::AreaSquareMeters(iso->polygon), expected, 0.03 * expected);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace quanyu::roads
