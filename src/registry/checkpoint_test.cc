#include "registry/checkpoint.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu::registry {
namespace {

using nlohmann::json;

TEST(CheckpointTest, AcceptsGatAndLocalIds) {
  auto c = CheckpointFromJson(json{{"id", "51170200001210000001"},
                                   {"name", "通川区西外卡口"},
                                   {"lng", 107.47},
                                   {"lat", 31.21}},
                              geo::Crs::kWgs84);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->division_code, "511702");
  auto local = CheckpointFromJson(
      json{{"id", "CD-K001"}, {"name", "一环路北"}, {"lng", "104.07"}, {"lat", "30.68"}},
      geo::Crs::kWgs84);
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(local->division_code.empty());
  auto bad = CheckpointFromJson(json{{"id", "CD K001"}, {"name", "x"}, {"lng", 1}, {"lat", 1}},
                                geo::Crs::kWgs84);
  EXPECT_EQ(bad.status().field(), "id");
}

TEST(CheckpointTest, ErrorsNameTheField) {
  auto no_name =
      CheckpointFromJson(json{{"id", "A1"}, {"lng", 104}, {"lat", 30}}, geo::Crs::kWgs84);
  EXPECT_EQ(no_name.status().field(), "name");
  auto bad_lat = CheckpointFromJson(json{{"id", "A1"}, {"name", "n"}, {"lng", 104}, {"lat", 95}},
                                    geo::Crs::kWgs84);
  EXPECT_EQ(bad_lat.status().field(), "lat");
  auto bad_status = CheckpointFromJson(
      json{{"id", "A1"}, {"name", "n"}, {"lng", 104}, {"lat", 30}, {"status", "broken"}},
      geo::Crs::kWgs84);
  EXPECT_EQ(bad_status.status().field(), "status");
  auto bad_dir = CheckpointFromJson(
      json{{"id", "A1"}, {"name", "n"}, {"lng", 104}, {"lat", 30}, {"directions", {"up"}}},
      geo::Crs::kWgs84);
  EXPECT_EQ(bad_dir.status().field(), "directions[0]");
}

TEST(CheckpointTest, DirectionsFromBearingsCompassAndChinese) {
  auto c = CheckpointFromJson(json{{"id", "A1"},
                                   {"name", "n"},
                                   {"lng", 104},
                                   {"lat", 30},
                                   {"directions", {90, "W", "南向北", "东南向西北", "135"}}},
                              geo::Crs::kWgs84);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->directions, (std::vector<int>{90, 270, 0, 315, 135}));
}

TEST(CheckpointTest, Gcj02InputIsConvertedToWgs84) {
  // Published pair (Shanghai): WGS-84 121.5272106,31.1774276 is GCJ-02
  // 121.531541859215,31.17530398364597.
  auto c = CheckpointFromJson(json{{"id", "A1"},
                                   {"name", "n"},
                                   {"lng", 121.531541859215},
                                   {"lat", 31.17530398364597},
                                   {"crs", "gcj02"}},
                              geo::Crs::kWgs84);
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->position.lng, 121.5272106, 1e-7);
  EXPECT_NEAR(c->position.lat, 31.1774276, 1e-7);
}

TEST(CheckpointTest, GeoJsonImportKeepsGoodRowsAndNamesBadOnes) {
  const char* text = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":"Point","coordinates":[104.07,30.68]},
     "properties":{"id":"K1","name":"人民北路","directions":["N","S"],"lanes":4}},
    {"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},
     "properties":{"id":"K2","name":"bad"}},
    {"type":"Feature","id":"K3","geometry":{"type":"Point","coordinates":[104.08,30.69]},
     "properties":{"name":"蜀都大道","status":"faulty"}}]})";
  auto rows = ParseCheckpointsGeoJson(text, geo::Crs::kWgs84);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  ASSERT_TRUE((*rows)[0].checkpoint.ok());
  EXPECT_EQ((*rows)[0].checkpoint->lanes, 4);
  EXPECT_EQ((*rows)[1].checkpoint.status().field(), "geometry");
  ASSERT_TRUE((*rows)[2].checkpoint.ok());
  EXPECT_EQ((*rows)[2].checkpoint->id, "K3");
  EXPECT_EQ((*rows)[2].checkpoint->status, CheckpointStatus::kFaulty);
  EXPECT_FALSE(ParseCheckpointsGeoJson("{\"type\":\"Feature\"}", geo::Crs::kWgs84).ok());
}

TEST(CheckpointTest, CsvImportWithQuotesAndDirections) {
  const char* text =
      "\xEF\xBB\xBFid,name,lng,lat,directions,lanes,status\r\n"
      "K1,\"人民北路, 北口\",104.07,30.68,N|S,4,active\r\n"
      "K2,二环,abc,30.6,,,\n"
      "\n"
      "K3,\"say \"\"hi\"\"\",104.1,30.7,90;270,2,retired\n";
  auto rows = ParseCheckpointsCsv(text, geo::Crs::kWgs84);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  ASSERT_TRUE((*rows)[0].checkpoint.ok());
  EXPECT_EQ((*rows)[0].checkpoint->name, "人民北路, 北口");
  EXPECT_EQ((*rows)[0].checkpoint->directions, (std::vector<int>{0, 180}));
  EXPECT_EQ((*rows)[1].row, 3u);
  EXPECT_EQ((*rows)[1].checkpoint.status().field(), "lng");
  ASSERT_TRUE((*rows)[2].checkpoint.ok());
  EXPECT_EQ((*rows)[2].checkpoint->name, "say \"hi\"");
  EXPECT_EQ((*rows)[2].checkpoint->status, CheckpointStatus::kRetired);
  EXPECT_EQ(ParseCheckpointsCsv("name,lng,lat\n", geo::Crs::kWgs84).status().field(), "id");
}

}  // namespace
}  // namespace quanyu::registry
