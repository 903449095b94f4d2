#include "roads/osm_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "geo/prepared.h"
#include "geo/test_data.h"
#include "roads/crossings.h"

namespace quanyu::roads {
namespace {

using geo::testing::SourceDir;
using geo::testing::WriteTempFile;

// A hand-written OSM file: what is kept, what is skipped, and how one-way is read.
constexpr char kOsmXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.000" lon="104.000" version="1"/>
  <node id="2" lat="30.000" lon="104.001" version="1"/>
  <node id="3" lat="30.001" lon="104.001" version="1"/>
  <node id="4" lat="30.001" lon="104.000" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="oneway" v="yes"/><tag k="name" v="人民南路"/>
    <tag k="ref" v="G108"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>
  <way id="12" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/></way>
  <way id="13" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <way id="14" version="1"><nd ref="4"/><nd ref="1"/><tag k="highway" v="motorway_link"/></way>
  <way id="15" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/>
    <tag k="highway" v="tertiary"/><tag k="junction" v="roundabout"/></way>
  <way id="16" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="service"/><tag k="area" v="yes"/></way>
  <way id="17" version="1"><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="motorway"/><tag k="oneway" v="no"/></way>
  <way id="18" version="1"><nd ref="1"/><nd ref="2"/><nd ref="999"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="unclassified"/></way>
  <way id="19" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="trunk"/>
    <tag k="access" v="no"/></way>
  <way id="20" version="1"><nd ref="1"/><nd ref="4"/><tag k="building" v="yes"/></way>
</osm>
)";

TEST(OsmReaderTest, KeepsDrivableWaysWithTheirTags) {
  const std::string path = WriteTempFile("roads.osm", kOsmXml);
  auto set = ReadRoads(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  std::map<int64_t, std::vector<const Road*>> by_id;
  for (const Road& r : set->roads) by_id[r.way_id].push_back(&r);
  EXPECT_EQ(set->stats.nodes, 4u);
  EXPECT_EQ(set->stats.ways, 11u);
  EXPECT_EQ(set->stats.drivable_ways, 6u);   // 10, 11, 14, 15, 17, 18
  EXPECT_EQ(set->stats.skipped_access, 2u);  // 12, 19
  EXPECT_EQ(set->stats.skipped_area, 1u);    // 16
  EXPECT_EQ(set->stats.missing_nodes, 1u);   // 999 in 18
  for (int64_t skipped : {12, 13, 16, 19, 20}) EXPECT_EQ(by_id.count(skipped), 0u) << skipped;

  const Road& primary = *by_id[10].at(0);
  EXPECT_EQ(primary.road_class, RoadClass::kPrimary);
  EXPECT_EQ(primary.oneway, Oneway::kForward);
  EXPECT_EQ(primary.name, "人民南路");
  EXPECT_EQ(primary.ref, "G108");
  EXPECT_EQ(primary.node_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(primary.points[1].lng, 104.001);
  EXPECT_DOUBLE_EQ(primary.points[1].lat, 30.0);
  EXPECT_EQ(by_id[11].at(0)->oneway, Oneway::kBackward);
  EXPECT_EQ(by_id[14].at(0)->road_class, RoadClass::kMotorway);
  EXPECT_TRUE(by_id[14].at(0)->link);
  EXPECT_EQ(by_id[14].at(0)->oneway, Oneway::kForward);
  EXPECT_EQ(by_id[15].at(0)->oneway, Oneway::kForward);
  EXPECT_EQ(by_id[17].at(0)->oneway, Oneway::kNo);
  // Cut at the missing node: 1-2 and 3-4, never a segment from 2 to 3.
  ASSERT_EQ(by_id[18].size(), 2u);
  EXPECT_EQ(by_id[18][0]->node_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(by_id[18][1]->node_ids, (std::vector<int64_t>{3, 4}));
}

// Speed limits, motor-vehicle access and turn restrictions.
constexpr char kRestrictionsXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.000" lon="104.000" version="1"/>
  <node id="2" lat="30.000" lon="104.001" version="1"/>
  <node id="3" lat="30.001" lon="104.001" version="1"/>
  <node id="4" lat="30.000" lon="104.002" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="maxspeed" v="60"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="12" version="1"><nd ref="2"/><nd ref="4"/>
    <tag k="highway" v="secondary"/><tag k="maxspeed" v="signals"/></way>
  <way id="13" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="motor_vehicle" v="no"/></way>
  <way id="14" version="1"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="motorcar" v="private"/></way>
  <relation id="100" version="1"><member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/><member type="way" ref="11" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_left_turn"/></relation>
  <relation id="101" version="1"><member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/><member type="way" ref="12" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction:motorcar" v="only_straight_on"/></relation>
  <relation id="102" version="1"><member type="way" ref="10" role="from"/>
    <member type="way" ref="11" role="via"/><member type="way" ref="12" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_u_turn"/></relation>
  <relation id="103" version="1"><member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/><member type="way" ref="12" role="to"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_entry"/></relation>
  <relation id="104" version="1"><member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/>
    <tag k="type" v="restriction"/><tag k="restriction" v="no_right_turn"/></relation>
  <relation id="105" version="1"><member type="way" ref="10" role="from"/>
    <member type="node" ref="2" role="via"/><member type="way" ref="12" role="to"/>
    <tag k="type" v="multipolygon"/></relation>
</osm>
)";

TEST(OsmReaderTest, ReadsSpeedLimitsAndTurnRestrictions) {
  const std::string path = WriteTempFile("restrictions.osm", kRestrictionsXml);
  auto set = ReadRoads(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->roads.size(), 3u);
  EXPECT_EQ(set->stats.skipped_access, 2u);  // 13 motor_vehicle=no, 14 motorcar=private
  EXPECT_EQ(set->roads[0].maxspeed_kmh, 60);
  EXPECT_NEAR(set->roads[1].maxspeed_kmh, 32.19, 0.01);
  EXPECT_EQ(set->roads[2].maxspeed_kmh, 0);  // unreadable: the class speed is used
  ASSERT_EQ(set->restrictions.size(), 2u);
  EXPECT_EQ(set->restrictions[0], (TurnRestriction{10, 2, 11, false, "no_left_turn"}));
  EXPECT_EQ(set->restrictions[1], (TurnRestriction{10, 2, 12, true, "only_straight_on"}));
  EXPECT_EQ(set->stats.restrictions, 2u);
  EXPECT_EQ(set->stats.skipped_via_way, 1u);       // 102
  EXPECT_EQ(set->stats.skipped_restrictions, 2u);  // 103 no_entry, 104 without a to-way
}

TEST(OsmReaderTest, MissingOrBrokenFilesAreErrors) {
  EXPECT_EQ(ReadRoads("/nonexistent/x.osm.pbf").status().code(), StatusCode::kNotFound);
  const std::string path = WriteTempFile("broken.osm.pbf", "this is not a PBF file");
  auto set = ReadRoads(path);
  std::filesystem::remove(path);
  EXPECT_EQ(set.status().code(), StatusCode::kDataLoss);
}

// The real central-Chengdu extract shipped in data/osm (ODbL, see data/README.md).
TEST(OsmReaderTest, ReadsTheChengduExtract) {
  auto set = ReadRoads(SourceDir() + "/data/osm/chengdu_central.osm.pbf");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  // Independent counts (osmium tags-filter with the same highway values): 2,081 ways of a
  // drivable class, of which 6 are access=no/private and 1 is area=yes.
  EXPECT_EQ(set->stats.drivable_ways, 2074u);
  EXPECT_EQ(set->stats.skipped_access, 6u);
  EXPECT_EQ(set->stats.skipped_area, 1u);
  EXPECT_EQ(set->stats.missing_nodes, 0u);
  size_t named = 0;
  for (const Road& r : set->roads) {
    ASSERT_GE(r.points.size(), 2u);
    ASSERT_EQ(r.points.size(), r.node_ids.size());
    for (const geo::LngLat& p : r.points) {
      ASSERT_TRUE(p.lng > 103.9 && p.lng < 104.3 && p.lat > 30.5 && p.lat < 30.9)
          << r.way_id << " " << p.lng << "," << p.lat;
    }
    if (!r.name.empty()) ++named;
  }
  EXPECT_GT(named, set->roads.size() / 4);
}

// Every crossing found on the real roads and Chengdu's district boundaries agrees with point
// location: a segment crosses an odd number of times exactly when its ends lie on different
// sides, and a few metres along the inbound bearing lies inside the district.
TEST(OsmReaderTest, ChengduCrossingsAgreeWithPointInPolygon) {
  auto set = ReadRoads(SourceDir() + "/data/osm/chengdu_central.osm.pbf");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  size_t total = 0, step_checked = 0, step_agrees = 0;
  for (const geo::PolygonFeature& f : geo::testing::LoadGcjFeatures("datav_510100_full.json")) {
    RingBoundary boundary(f.geometry);
    geo::PreparedPolygon inside(f.geometry);
    for (const Road& r : set->roads) {
      for (size_t i = 0; i + 1 < r.points.size(); ++i) {
        Road seg = r;
        seg.points = {r.points[i], r.points[i + 1]};
        seg.node_ids = {r.node_ids[i], r.node_ids[i + 1]};
        const size_t n = FindCrossings(f.adcode, boundary, {seg}).size();
        ASSERT_EQ(n % 2 == 1, inside.Contains(r.points[i]) != inside.Contains(r.points[i + 1]))
            << f.name << " way " << r.way_id << " segment " << i;
      }
    }
    for (const Crossing& x : FindCrossings(f.adcode, boundary, set->roads)) {
      ++total;
      EXPECT_TRUE(x.inbound || x.outbound);
      const double b = x.inbound_bearing * M_PI / 180, d = 2.0 / 111195.0;  // 2 m
      const geo::LngLat ahead{
          x.position.lng + d * std::sin(b) / std::cos(x.position.lat * M_PI / 180),
          x.position.lat + d * std::cos(b)};
      const geo::LngLat behind{2 * x.position.lng - ahead.lng, 2 * x.position.lat - ahead.lat};
      ++step_checked;
      if (inside.Contains(ahead) && !inside.Contains(behind)) ++step_agrees;
    }
  }
  EXPECT_GT(total, 50u);
  EXPECT_EQ(step_agrees, step_checked) << step_agrees << " of " << step_checked;
}

}  // namespace
}  // namespace quanyu::roads
