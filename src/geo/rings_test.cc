#include "geo/rings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "geo/test_data.h"

namespace quanyu::geo {
namespace {

using testing::LoadGcjFeatures;
using testing::PolygonFromText;

std::vector<Ring> RingsFrom(const std::string& file, RingLevel level) {
  std::vector<Ring> out;
  for (PolygonFeature& f : LoadGcjFeatures(file)) {
    Ring r;
    r.id = f.adcode;
    r.name = f.name;
    r.level = level;
    r.geometry = std::move(f.geometry);
    r.properties = std::move(f.properties);
    out.push_back(std::move(r));
  }
  return out;
}

Ring Square(std::string id, RingLevel level, const std::string& text) {
  Ring r;
  r.id = id;
  r.name = std::move(id);
  r.level = level;
  r.geometry = PolygonFromText(text);
  return r;
}

// Sichuan (outline), its 21 cities, Dazhou's 7 and Chengdu's 20 counties and districts.
std::vector<Ring> SichuanRings() {
  std::vector<Ring> all = RingsFrom("datav_511700_full.json", RingLevel::kCounty);
  for (auto [file, level] : {std::pair("datav_510000_sichuan_outline.json", RingLevel::kProvince),
                             std::pair("datav_510000_full.json", RingLevel::kCity),
                             std::pair("datav_510100_full.json", RingLevel::kCounty)}) {
    for (Ring& r : RingsFrom(file, level)) all.push_back(std::move(r));
  }
  return all;
}

const char* const kDazhouCounties[] = {"511702", "511703", "511722", "511723",
                                       "511724", "511725", "511781"};

TEST(RingTreeTest, DerivesSichuanDazhouCountyContainment) {
  auto tree = RingTree::Build(SichuanRings());
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  ASSERT_EQ(tree->rings().size(), 1u + 21u + 7u + 20u);
  const Ring* sichuan = tree->Find("510000");
  ASSERT_NE(sichuan, nullptr);
  EXPECT_EQ(sichuan->parent_id, "");
  EXPECT_EQ(tree->Find("511700")->parent_id, "510000");
  EXPECT_EQ(tree->Find("510100")->parent_id, "510000");
  for (const char* id : kDazhouCounties) {
    ASSERT_NE(tree->Find(id), nullptr) << id;
    EXPECT_EQ(tree->Find(id)->parent_id, "511700") << id;
  }
  for (size_t i = 0; i < tree->rings().size(); ++i) {
    const Ring& r = tree->rings()[i];
    switch (r.level) {
      case RingLevel::kProvince:
        EXPECT_EQ(tree->depth(i), 0);
        break;
      case RingLevel::kCity:
        EXPECT_EQ(r.parent_id, "510000") << r.name;
        EXPECT_EQ(tree->depth(i), 1);
        break;
      default:
        // Every county lies in the city its adcode names.
        EXPECT_EQ(r.parent_id, r.id.substr(0, 4) + "00") << r.name;
        EXPECT_EQ(tree->depth(i), 2);
    }
  }
  EXPECT_EQ(tree->Find("nope"), nullptr);
}

TEST(RingTreeTest, LocateListsInnermostFirst) {
  auto tree = RingTree::Build(SichuanRings());
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  // Dazhou's city centre (通川区) and Chengdu's Tianfu Square (青羊区), as GPS gives them.
  EXPECT_EQ(tree->Locate({107.4681, 31.2128}),
            (std::vector<std::string>{"511702", "511700", "510000"}));
  EXPECT_EQ(tree->Locate(Gcj02ToWgs84({104.0657, 30.6571})),
            (std::vector<std::string>{"510105", "510100", "510000"}));
  // Chongqing's centre is outside Sichuan; so is Monaco.
  EXPECT_TRUE(tree->Locate({106.5516, 29.5630}).empty());
  EXPECT_TRUE(tree->Locate({7.4246, 43.7384}).empty());
}

// Locate equals the brute-force test of every ring, ordered by depth and then area.
TEST(RingTreeTest, LocateAgreesWithBruteForce) {
  auto tree = RingTree::Build(SichuanRings());
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lng(97.3, 108.6), lat(26.0, 34.4);
  std::uniform_real_distribution<double> dz_lng(106.6, 108.6), dz_lat(30.3, 32.4);
  std::vector<uint32_t> hits;
  size_t three_deep = 0;
  for (int i = 0; i < 40000 / testing::kRandomPointDivisor; ++i) {
    LngLat p = i % 2 ? LngLat{lng(rng), lat(rng)} : LngLat{dz_lng(rng), dz_lat(rng)};
    tree->Locate(p, &hits);
    std::set<uint32_t> want;
    for (uint32_t r = 0; r < tree->rings().size(); ++r) {
      if (ContainsBruteForce(tree->rings()[r].geometry, p)) want.insert(r);
    }
    ASSERT_EQ(std::set<uint32_t>(hits.begin(), hits.end()), want) << p.lng << "," << p.lat;
    for (size_t k = 1; k < hits.size(); ++k) {
      EXPECT_GE(tree->depth(hits[k - 1]), tree->depth(hits[k]));
    }
    three_deep += hits.size() == 3;
  }
  EXPECT_GT(three_deep, 5000u / testing::kRandomPointDivisor);
}

TEST(RingTreeTest, UrbanCoreAndCustomRingsFindTheirPlace) {
  std::vector<Ring> rings = SichuanRings();
  // An urban core across the 通川区/达川区 border, a custom zone inside it, another in 通川区
  // outside the core, and a "province" drawn inside Dazhou, which cannot sit under a city.
  rings.push_back(Square("dz-core", RingLevel::kUrbanCore,
                         "107.44,31.18 107.52,31.18 107.52,31.25 107.44,31.25"));
  rings.push_back(
      Square("dz-zone", RingLevel::kCustom, "107.46,31.20 107.47,31.20 107.47,31.21 107.46,31.21"));
  rings.push_back(
      Square("tc-zone", RingLevel::kCustom, "107.35,31.35 107.36,31.35 107.36,31.36 107.35,31.36"));
  rings.push_back(
      Square("odd-province", RingLevel::kProvince, "107.0,30.5 107.1,30.5 107.1,30.6 107.0,30.6"));
  auto tree = RingTree::Build(std::move(rings));
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  EXPECT_EQ(tree->Find("dz-core")->parent_id, "511700");
  EXPECT_EQ(tree->Find("dz-zone")->parent_id, "dz-core");
  EXPECT_EQ(tree->Find("tc-zone")->parent_id, "511702");
  EXPECT_EQ(tree->Find("odd-province")->parent_id, "");
  // Counties stay under their city, not under the smaller urban core.
  EXPECT_EQ(tree->Find("511702")->parent_id, "511700");
  EXPECT_EQ(tree->Locate({107.465, 31.205}),
            (std::vector<std::string>{"dz-zone", "dz-core", "511702", "511700", "510000"}));
  EXPECT_EQ(tree->Locate({107.45, 31.24}),
            (std::vector<std::string>{"dz-core", "511702", "511700", "510000"}));
  EXPECT_EQ(tree->Locate({107.355, 31.355}),
            (std::vector<std::string>{"tc-zone", "511702", "511700", "510000"}));
}

TEST(RingTreeTest, BuildErrorsNameTheRing) {
  std::vector<Ring> rings = {Square("a", RingLevel::kCity, "0,0 1,0 1,1 0,1"),
                             Square("a", RingLevel::kCounty, "0.2,0.2 0.4,0.2 0.4,0.4")};
  auto dup = RingTree::Build(rings);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().field(), "rings[1].id");

  rings[1].id = "b";
  rings[1].geometry.polygons[0].outer[1].lat = 95;
  auto bad = RingTree::Build(rings);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "rings[1].geometry.coordinates[0][0][1]");

  rings[1] = Square("b c", RingLevel::kCounty, "0.2,0.2 0.4,0.2 0.4,0.4");
  auto id = RingTree::Build(rings);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().field(), "rings[1].id");

  rings[1].id = "b";
  rings[1].name.clear();
  EXPECT_EQ(RingTree::Build(rings).status().field(), "rings[1].name");

  rings[1].name = "b";
  auto ok = RingTree::Build(rings);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->Find("b")->parent_id, "a");
}

TEST(RingTest, JsonRoundTripsAndErrorsNameTheField) {
  auto tree = RingTree::Build(RingsFrom("datav_511700_full.json", RingLevel::kCounty));
  ASSERT_TRUE(tree.ok());
  const Ring& r = tree->rings()[0];
  auto back = RingFromJson(nlohmann::json::parse(RingToJson(r).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(back->properties.value("name", ""), "通川区");

  nlohmann::json j = RingToJson(r);
  j["level"] = "town";
  EXPECT_EQ(RingFromJson(j).status().field(), "level");
  j = RingToJson(r);
  j.erase("name");
  EXPECT_EQ(RingFromJson(j).status().field(), "name");
  j = RingToJson(r);
  j["geometry"]["type"] = "LineString";
  EXPECT_EQ(RingFromJson(j).status().field(), "geometry.type");
}

TEST(RingTest, ParsesLevels) {
  EXPECT_EQ(*ParseRingLevel("district"), RingLevel::kCounty);
  EXPECT_EQ(*ParseRingLevel("urban_core"), RingLevel::kUrbanCore);
  for (RingLevel l : {RingLevel::kProvince, RingLevel::kCity, RingLevel::kCounty,
                      RingLevel::kUrbanCore, RingLevel::kCustom}) {
    EXPECT_EQ(*ParseRingLevel(RingLevelName(l)), l);
  }
  auto bad = ParseRingLevel("town", "--level");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "--level");
}

}  // namespace
}  // namespace quanyu::geo
