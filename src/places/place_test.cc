#include "places/place.h"

#include <gtest/gtest.h>

namespace quanyu::places {
namespace {

Place School() {
  Place p;
  p.id = "osm:n42";
  p.name = "成都七中";
  p.category = PlaceCategory::kSchool;
  p.position = {104.05, 30.64};
  p.address = "林荫中街 1 号";
  p.source = "osm";
  p.tags = {{"amenity", "school"}};
  return p;
}

std::unique_ptr<store::Store> MemoryStore() {
  store::StoreOptions o;
  o.url = "sqlite::memory:";
  auto s = store::Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

TEST(PlaceCategoryTest, NamesAndLabelsRoundTrip) {
  for (PlaceCategory c : kAllPlaceCategories) {
    auto parsed = ParsePlaceCategory(PlaceCategoryName(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(PlaceCategoryName(PlaceCategory::kKeyEnterprise), "key_enterprise");
  EXPECT_EQ(PlaceCategoryLabel(PlaceCategory::kGovernment), "党政机关");
  EXPECT_EQ(PlaceCategoryLabel(PlaceCategory::kPolice), "公安机关");
  auto bad = ParsePlaceCategory("castle", "category");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "category");
}

TEST(PlaceTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidatePlace(School()).ok());
  Place p = School();
  p.id = "";
  EXPECT_EQ(ValidatePlace(p).field(), "id");
  p.id = "bad id";
  EXPECT_EQ(ValidatePlace(p).field(), "id");
  p.id = std::string(65, 'a');
  EXPECT_EQ(ValidatePlace(p).field(), "id");
  p = School();
  p.name = std::string(201, 'x');
  EXPECT_EQ(ValidatePlace(p, "places[3]").field(), "places[3].name");
  p = School();
  p.category = static_cast<PlaceCategory>(99);
  EXPECT_EQ(ValidatePlace(p).field(), "category");
  p = School();
  p.position = {200, 30};
  EXPECT_EQ(ValidatePlace(p).field(), "position");
}

TEST(PlaceTest, JsonRoundTrip) {
  const nlohmann::json j = PlaceToJson(School());
  EXPECT_EQ(j["category"], "school");
  EXPECT_EQ(j["category_label"], "学校");
  EXPECT_EQ(j["lng"], 104.05);
  auto back = PlaceFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, School());

  nlohmann::json bad = j;
  bad["lat"] = "north";
  EXPECT_EQ(PlaceFromJson(bad).status().field(), "lat");
  bad = j;
  bad["category"] = "zoo";
  EXPECT_EQ(PlaceFromJson(bad).status().field(), "category");
  bad = j;
  bad.erase("id");
  EXPECT_EQ(PlaceFromJson(bad).status().field(), "id");
}

TEST(PlaceTest, StoredAsDocuments) {
  auto store = MemoryStore();
  Place hospital = School();
  hospital.id = "manual:h1";
  hospital.name = "华西医院";
  hospital.category = PlaceCategory::kHospital;
  hospital.source = "manual";
  hospital.tags.clear();
  const std::vector<Place> places = {School(), hospital};
  ASSERT_TRUE(PutPlaces(store.get(), places, 1000).ok());
  auto loaded = LoadPlaces(store.get());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0], hospital);  // id order
  EXPECT_EQ((*loaded)[1], School());

  Place bad = School();
  bad.id = "";
  const std::vector<Place> invalid = {School(), bad};
  EXPECT_EQ(PutPlaces(store.get(), invalid, 2000).field(), "places[1].id");
}

}  // namespace
}  // namespace quanyu::places
