#include "places/osm_places.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "geo/test_data.h"

namespace quanyu::places {
namespace {

using geo::testing::SourceDir;

std::optional<PlaceCategory> Classify(const std::map<std::string, std::string>& tags) {
  return ClassifyOsmTags([&](const char* key) -> std::string_view {
    auto it = tags.find(key);
    return it == tags.end() ? std::string_view() : std::string_view(it->second);
  });
}

TEST(OsmPlacesTest, ClassifiesTags) {
  EXPECT_EQ(Classify({{"amenity", "kindergarten"}}), PlaceCategory::kSchool);
  EXPECT_EQ(Classify({{"amenity", "university"}}), PlaceCategory::kSchool);
  EXPECT_EQ(Classify({{"amenity", "clinic"}}), PlaceCategory::kHospital);
  EXPECT_EQ(Classify({{"healthcare", "hospital"}}), PlaceCategory::kHospital);
  EXPECT_EQ(Classify({{"amenity", "townhall"}}), PlaceCategory::kGovernment);
  EXPECT_EQ(Classify({{"office", "government"}}), PlaceCategory::kGovernment);
  EXPECT_EQ(Classify({{"government", "tax"}}), PlaceCategory::kGovernment);
  EXPECT_EQ(Classify({{"amenity", "police"}}), PlaceCategory::kPolice);
  EXPECT_EQ(Classify({{"amenity", "bank"}}), PlaceCategory::kKeyEnterprise);
  EXPECT_EQ(Classify({{"power", "substation"}}), PlaceCategory::kKeyEnterprise);
  EXPECT_EQ(Classify({{"man_made", "wastewater_plant"}}), PlaceCategory::kKeyEnterprise);
  EXPECT_EQ(Classify({{"industrial", "brewery"}, {"name", "X"}}), PlaceCategory::kKeyEnterprise);
  EXPECT_EQ(Classify({{"industrial", "brewery"}}), std::nullopt);  // unnamed
  EXPECT_EQ(Classify({{"railway", "station"}}), PlaceCategory::kTransport);
  EXPECT_EQ(Classify({{"amenity", "bus_station"}}), PlaceCategory::kTransport);
  EXPECT_EQ(Classify({{"aeroway", "aerodrome"}}), PlaceCategory::kTransport);
  EXPECT_EQ(Classify({{"amenity", "cafe"}}), std::nullopt);
  EXPECT_EQ(Classify({{"railway", "halt"}}), std::nullopt);
}

TEST(OsmPlacesTest, NodesClosedWaysAndMultipolygons) {
  const std::string path = ::testing::TempDir() + "places_" + std::to_string(getpid()) + ".osm";
  {
    std::ofstream f(path);
    f << R"(<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
 <node id="1" version="1" lat="30.0" lon="104.0"><tag k="amenity" v="school"/><tag k="name" v="Primary"/><tag k="name:zh" v="小学"/></node>
 <node id="2" version="1" lat="30.0" lon="104.002"/>
 <node id="3" version="1" lat="30.002" lon="104.002"/>
 <node id="4" version="1" lat="30.002" lon="104.0"/>
 <node id="5" version="1" lat="30.01" lon="104.01"><tag k="amenity" v="kindergarten"/></node>
 <node id="6" version="1" lat="30.01" lon="104.02"><tag k="amenity" v="cafe"/><tag k="name" v="Cafe"/></node>
 <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="amenity" v="hospital"/><tag k="name:en" v="General Hospital"/><tag k="addr:street" v="Main Street"/><tag k="addr:housenumber" v="7"/></way>
 <way id="11" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="amenity" v="police"/></way>
 <node id="7" version="1" lat="30.10" lon="104.10"/>
 <node id="8" version="1" lat="30.10" lon="104.12"/>
 <node id="9" version="1" lat="30.12" lon="104.12"/>
 <node id="12" version="1" lat="30.12" lon="104.10"/>
 <way id="12" version="1"><nd ref="7"/><nd ref="8"/><nd ref="9"/></way>
 <way id="13" version="1"><nd ref="9"/><nd ref="12"/><nd ref="7"/></way>
 <relation id="20" version="1"><member type="way" ref="12" role="outer"/><member type="way" ref="13" role="outer"/>
  <tag k="type" v="multipolygon"/><tag k="amenity" v="university"/><tag k="name" v="大学"/></relation>
</osm>
)";
  }
  auto set = ReadOsmPlaces(path);
  std::remove(path.c_str());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->places.size(), 4u);
  EXPECT_EQ(set->places[0].id, "osm:n1");
  EXPECT_EQ(set->places[0].name, "小学");
  EXPECT_EQ(set->places[0].tags.at("amenity"), "school");
  EXPECT_EQ(set->places[1].id, "osm:n5");
  EXPECT_EQ(set->places[1].name, "学校");  // unnamed: the category's label
  EXPECT_EQ(set->places[2].id, "osm:w10");
  EXPECT_EQ(set->places[2].name, "General Hospital");
  EXPECT_EQ(set->places[2].category, PlaceCategory::kHospital);
  EXPECT_EQ(set->places[2].address, "Main Street 7");
  EXPECT_NEAR(set->places[2].position.lng, 104.001, 1e-9);
  EXPECT_NEAR(set->places[2].position.lat, 30.001, 1e-9);
  EXPECT_EQ(set->places[2].source, "osm");
  // The university drawn as a multipolygon of two ways: at the middle of its outer ring.
  EXPECT_EQ(set->places[3].id, "osm:r20");
  EXPECT_EQ(set->places[3].name, "大学");
  EXPECT_NEAR(set->places[3].position.lng, 104.11, 1e-9);
  EXPECT_NEAR(set->places[3].position.lat, 30.11, 1e-9);
  EXPECT_EQ(set->stats.nodes, 10u);
  EXPECT_EQ(set->stats.ways, 4u);
  EXPECT_EQ(set->stats.place_nodes, 2u);
  EXPECT_EQ(set->stats.place_ways, 1u);
  EXPECT_EQ(set->stats.place_relations, 1u);
  EXPECT_EQ(set->stats.skipped_open_ways, 1u);
  EXPECT_EQ(set->stats.by_category.at(PlaceCategory::kSchool), 3u);
}

TEST(OsmPlacesTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadOsmPlaces("/nonexistent/x.osm.pbf").status().code(), StatusCode::kNotFound);
}

TEST(OsmPlacesTest, Monaco) {
  auto set = ReadOsmPlaces(SourceDir() + "/data/osm/monaco.osm.pbf");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  size_t named_schools = 0, named_hospitals = 0;
  std::set<std::string> ids;
  for (const Place& p : set->places) {
    EXPECT_TRUE(ValidatePlace(p).ok()) << p.id << ": " << ValidatePlace(p).ToString();
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
    // Within the extract's box (its header: Monaco and the French communes around it).
    EXPECT_GE(p.position.lng, 7.349) << p.id;
    EXPECT_LE(p.position.lng, 7.491) << p.id;
    EXPECT_GE(p.position.lat, 43.71) << p.id;
    EXPECT_LE(p.position.lat, 43.77) << p.id;
    const bool named = p.name != PlaceCategoryLabel(p.category);
    if (p.category == PlaceCategory::kSchool && named) ++named_schools;
    if (p.category == PlaceCategory::kHospital && named) ++named_hospitals;
  }
  EXPECT_GE(named_schools, 1u);
  EXPECT_GE(named_hospitals, 1u);
  EXPECT_GT(set->stats.nodes, 10000u);
  EXPECT_GT(set->stats.place_ways, 0u);
}

TEST(OsmPlacesTest, CentralChengdu) {
  auto set = ReadOsmPlaces(SourceDir() + "/data/osm/chengdu_central.osm.pbf");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  std::set<std::string> ids;
  for (const Place& p : set->places) {
    EXPECT_TRUE(ValidatePlace(p).ok()) << p.id;
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
  }
  for (PlaceCategory c :
       {PlaceCategory::kSchool, PlaceCategory::kHospital, PlaceCategory::kGovernment,
        PlaceCategory::kPolice, PlaceCategory::kTransport, PlaceCategory::kKeyEnterprise}) {
    EXPECT_GE(set->stats.by_category[c], 1u) << PlaceCategoryName(c);
  }
}

}  // namespace
}  // namespace quanyu::places
