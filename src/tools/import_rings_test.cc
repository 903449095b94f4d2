#include "tools/import_rings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace quanyu::tools {
namespace {

std::string Boundary(const std::string& name) {
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  EXPECT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
  return std::string(src == nullptr ? "." : src) + "/data/boundaries/" + name;
}

std::unique_ptr<store::Store> MemoryStore() {
  store::StoreOptions o;
  o.url = "sqlite::memory:";
  auto s = store::Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(ImportRingsTest, LevelsImportedInAnyOrderEndInOneTree) {
  auto store = MemoryStore();
  auto counties = ImportRings(store.get(), Boundary("datav_511700_full.json"), geo::Crs::kGcj02,
                              geo::RingLevel::kCounty);
  ASSERT_TRUE(counties.ok()) << counties.status().ToString();
  ASSERT_EQ(counties->rings.size(), 7u);
  EXPECT_EQ(counties->rings[0].id, "511702");
  EXPECT_EQ(counties->rings[0].name, "通川区");
  EXPECT_EQ(counties->rings[0].parent_id, "");
  EXPECT_GT(counties->rings[0].area_km2, 500);
  EXPECT_LT(counties->rings[0].area_km2, 1500);

  auto province = ImportRings(store.get(), Boundary("datav_510000_sichuan_outline.json"),
                              geo::Crs::kGcj02, geo::RingLevel::kProvince);
  ASSERT_TRUE(province.ok()) << province.status().ToString();
  EXPECT_EQ(province->reparented, 7u);  // the counties now sit under Sichuan

  auto cities = ImportRings(store.get(), Boundary("datav_510000_full.json"), geo::Crs::kGcj02,
                            geo::RingLevel::kCity);
  ASSERT_TRUE(cities.ok()) << cities.status().ToString();
  EXPECT_EQ(cities->rings.size(), 21u);
  EXPECT_EQ(cities->reparented, 7u);  // and now under Dazhou
  for (const ImportedRing& r : cities->rings) {
    EXPECT_EQ(r.parent_id, "510000") << r.name;
    EXPECT_EQ(r.parent_name, "四川省") << r.name;
  }

  auto again = ImportRings(store.get(), Boundary("datav_511700_full.json"), geo::Crs::kGcj02,
                           geo::RingLevel::kCounty);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->replaced, 7u);
  EXPECT_EQ(again->reparented, 0u);
  EXPECT_EQ(again->rings[0].parent_id, "511700");
  EXPECT_EQ(again->rings[0].parent_name, "达州市");

  auto stored = LoadRings(store.get());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), 1u + 21u + 7u);
  auto tree = geo::RingTree::Build(std::move(stored).value());
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->Find("511725")->parent_id, "511700");
  EXPECT_EQ(tree->Find("511725")->level, geo::RingLevel::kCounty);
  EXPECT_EQ(tree->Locate({107.4681, 31.2128}),
            (std::vector<std::string>{"511702", "511700", "510000"}));
}

TEST(ImportRingsTest, ABadFeatureRejectsTheFileAndStoresNothing) {
  auto store = MemoryStore();
  char path[] = "/tmp/quanyu_rings_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << R"({"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"adcode":1,"name":"a"},
       "geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}},
      {"type":"Feature","properties":{"name":"b"},
       "geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}]})";
  }
  auto r = ImportRings(store.get(), path, geo::Crs::kWgs84, geo::RingLevel::kCustom);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "features[1].properties.adcode");
  EXPECT_TRUE(LoadRings(store.get())->empty());

  auto missing =
      ImportRings(store.get(), "/nonexistent.json", geo::Crs::kWgs84, geo::RingLevel::kCustom);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  std::remove(path);
}

TEST(ImportRingsTest, DryRunPlacesTheFileAlone) {
  auto r = ImportRings(nullptr, Boundary("datav_511700_full.json"), geo::Crs::kGcj02,
                       geo::RingLevel::kCounty);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rings.size(), 7u);
  for (const ImportedRing& ring : r->rings) EXPECT_EQ(ring.parent_id, "");
}

}  // namespace
}  // namespace quanyu::tools
