#include "roads/basemap.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "geo/test_data.h"

namespace quanyu::roads {
namespace {

using geo::testing::SourceDir;
using geo::testing::WriteTempFile;

using nlohmann::json;

// A park drawn clockwise as a closed way, a lake as a multipolygon relation with an island
// (inner ring), a river line, two roads (one a closed pedestrian square, not drawn) and a
// building (not drawn).
constexpr char kOsmXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.000" lon="104.000" version="1"/>
  <node id="2" lat="30.001" lon="104.000" version="1"/>
  <node id="3" lat="30.001" lon="104.001" version="1"/>
  <node id="4" lat="30.000" lon="104.001" version="1"/>
  <node id="11" lat="30.010" lon="104.010" version="1"/>
  <node id="12" lat="30.010" lon="104.020" version="1"/>
  <node id="13" lat="30.020" lon="104.020" version="1"/>
  <node id="14" lat="30.020" lon="104.010" version="1"/>
  <node id="21" lat="30.014" lon="104.014" version="1"/>
  <node id="22" lat="30.014" lon="104.016" version="1"/>
  <node id="23" lat="30.016" lon="104.016" version="1"/>
  <node id="24" lat="30.016" lon="104.014" version="1"/>
  <way id="100" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="leisure" v="park"/><tag k="name" v="人民公园"/></way>
  <way id="101" version="1"><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/></way>
  <way id="102" version="1"><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/></way>
  <relation id="200" version="1">
    <member type="way" ref="101" role="outer"/><member type="way" ref="102" role="inner"/>
    <tag k="type" v="multipolygon"/><tag k="natural" v="water"/><tag k="name" v="湖"/>
  </relation>
  <way id="103" version="1"><nd ref="1"/><nd ref="11"/><nd ref="999"/><nd ref="13"/><nd ref="14"/>
    <tag k="waterway" v="river"/><tag k="name" v="府河"/></way>
  <way id="104" version="1"><nd ref="2"/><nd ref="14"/><tag k="highway" v="primary"/>
    <tag k="name" v="人民南路"/></way>
  <way id="105" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="106" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
    <tag k="highway" v="pedestrian"/><tag k="area" v="yes"/></way>
  <way id="107" version="1"><nd ref="21"/><nd ref="23"/><tag k="building" v="yes"/></way>
</osm>
)";

// Twice the signed area of a GeoJSON ring (positive: counter-clockwise).
double SignedArea(const json& ring) {
  double a = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    a += ring[i][0].get<double>() * ring[i + 1][1].get<double>() -
         ring[i + 1][0].get<double>() * ring[i][1].get<double>();
  }
  return a;
}

const json* FindByName(const json& fc, const std::string& name) {
  for (const json& f : fc["features"]) {
    if (f["properties"].value("name", "") == name) return &f;
  }
  return nullptr;
}

TEST(BasemapTest, DrawsRoadsWaterAndLandUseWithRfc7946Rings) {
  const std::string path = WriteTempFile("basemap.osm", kOsmXml);
  auto map = BuildBasemap(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  const json fc = json::parse(map->geojson);
  EXPECT_EQ(fc["type"], "FeatureCollection");

  // Only the primary road: the footway is not a basemap class, the pedestrian area is no line.
  EXPECT_EQ(map->stats.roads, 1u);
  const json* road = FindByName(fc, "人民南路");
  ASSERT_NE(road, nullptr);
  EXPECT_EQ((*road)["properties"]["layer"], "road");
  EXPECT_EQ((*road)["properties"]["class"], "primary");
  EXPECT_EQ((*road)["geometry"]["type"], "LineString");
  EXPECT_EQ((*road)["geometry"]["coordinates"], json::parse("[[104.0,30.001],[104.01,30.02]]"));

  // The river is cut where a node has no location.
  EXPECT_EQ(map->stats.waterways, 2u);
  EXPECT_EQ(map->stats.missing_nodes, 1u);

  // The park was drawn clockwise: written counter-clockwise, closed.
  const json* park = FindByName(fc, "人民公园");
  ASSERT_NE(park, nullptr);
  EXPECT_EQ((*park)["properties"]["layer"], "landuse");
  EXPECT_EQ((*park)["properties"]["class"], "park");
  const json& park_outer = (*park)["geometry"]["coordinates"][0][0];
  EXPECT_EQ(park_outer.front(), park_outer.back());
  EXPECT_GT(SignedArea(park_outer), 0);

  // The lake, from the multipolygon relation, keeps its island as a clockwise hole.
  const json* lake = FindByName(fc, "湖");
  ASSERT_NE(lake, nullptr);
  EXPECT_EQ((*lake)["properties"]["layer"], "water");
  EXPECT_EQ((*lake)["geometry"]["type"], "MultiPolygon");
  const json& polygon = (*lake)["geometry"]["coordinates"][0];
  ASSERT_EQ(polygon.size(), 2u);
  EXPECT_GT(SignedArea(polygon[0]), 0);
  EXPECT_LT(SignedArea(polygon[1]), 0);
  EXPECT_EQ(map->stats.water_areas, 1u);
  EXPECT_EQ(map->stats.landuse_areas, 1u);
}

TEST(BasemapTest, CentralChengduHasItsRoadClassesRiversAndLandUse) {
  auto map = BuildBasemap(SourceDir() + "/data/osm/chengdu_central.osm.pbf");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  const json fc = json::parse(map->geojson);
  std::map<std::string, std::set<std::string>> classes;
  for (const json& f : fc["features"]) {
    classes[f["properties"]["layer"]].insert(f["properties"]["class"].get<std::string>());
    // Every coordinate lies in the extract (with a margin for ways that leave it).
    const json& g = f["geometry"];
    const json& first = g["type"] == "LineString" ? g["coordinates"][0] : g["coordinates"][0][0][0];
    EXPECT_NEAR(first[0].get<double>(), 104.08, 0.2);
    EXPECT_NEAR(first[1].get<double>(), 30.69, 0.2);
  }
  for (const char* c : {"primary", "secondary", "tertiary", "residential"}) {
    EXPECT_TRUE(classes["road"].count(c)) << c;
  }
  EXPECT_GT(map->stats.roads, 1000u);
  EXPECT_GT(map->stats.waterways + map->stats.water_areas, 0u);
  EXPECT_GT(map->stats.landuse_areas, 0u);
}

TEST(BasemapTest, MissingOrUnreadableFilesAreNamed) {
  auto missing = BuildBasemap("/nonexistent/x.osm.pbf");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  const std::string bad = WriteTempFile("bad.osm.pbf", "not a pbf file");
  auto broken = BuildBasemap(bad);
  std::filesystem::remove(bad);
  EXPECT_EQ(broken.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(broken.status().message().find("bad.osm.pbf"), std::string::npos);
}

}  // namespace
}  // namespace quanyu::roads
