#include "rings/ring_service.h"

#include <gtest/gtest.h>

namespace quanyu::rings {
namespace {

using nlohmann::json;
using registry::RingWatch;

std::unique_ptr<store::Store> MemoryStore() {
  store::StoreOptions o;
  o.url = "sqlite::memory:";
  auto s = store::Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// A square city about 10 km across near Chengdu and a county in its south-west quarter, plus
// a feature without a name (refused).
constexpr char kRings[] = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"city","name":"示例市"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.1,30.6],[104.1,30.7],[104.0,30.7],[104.0,30.6]]]}},
  {"type":"Feature","properties":{"id":"county","name":"示例县"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.05,30.6],[104.05,30.65],[104.0,30.65],[104.0,30.6]]]}},
  {"type":"Feature","properties":{"id":"nameless"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.05,30.6],[104.05,30.65],[104.0,30.6]]]}}]})";

registry::Checkpoint Checkpoint(std::string id, geo::LngLat p, std::vector<int> directions) {
  registry::Checkpoint c;
  c.id = std::move(id);
  c.name = "卡口 " + c.id;
  c.position = p;
  c.directions = std::move(directions);
  return c;
}

class RingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MemoryStore();
    // On the city's west side above the county, watching eastbound traffic; and one in the
    // middle of the city.
    ASSERT_TRUE(store_->PutCheckpoint(Checkpoint("EDGE", {104.0, 30.675}, {90})).ok());
    ASSERT_TRUE(store_->PutCheckpoint(Checkpoint("MIDDLE", {104.075, 30.675}, {90})).ok());
    Open();
  }
  void Open() {
    auto s = RingService::Open(store_.get(), SystemClock::Get());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(s).value();
  }
  std::vector<RingWatch> Guards(const std::string& id) {
    auto ctx = service_->snapshot();
    auto it = ctx->guards.find(id);
    return it == ctx->guards.end() ? std::vector<RingWatch>() : it->second;
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RingService> service_;
};

TEST_F(RingServiceTest, ImportTakesTheGoodFeaturesAndAssignsCheckpoints) {
  EXPECT_TRUE(service_->snapshot()->tree->rings().empty());
  EXPECT_TRUE(service_->snapshot()->guards.empty());
  int published = 0;
  service_->OnChange([&](std::shared_ptr<const registry::RingContext> ctx) {
    ++published;
    EXPECT_EQ(ctx, service_->snapshot());
  });
  auto r = service_->Import(kRings, geo::Crs::kWgs84, geo::RingLevel::kCity);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->accepted.size(), 2u);
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].index, 2u);
  EXPECT_EQ(r->rejected[0].field, "features[2].properties.name");
  EXPECT_EQ(published, 1);

  auto ctx = service_->snapshot();
  EXPECT_EQ(ctx->tree->rings().size(), 2u);
  EXPECT_EQ(Guards("EDGE"), (std::vector<RingWatch>{{"city", true, false, false}}));
  EXPECT_TRUE(Guards("MIDDLE").empty());
  EXPECT_EQ(ctx->inside.at("MIDDLE"), std::vector<std::string>{"city"});

  // The rings are stored: a new service over the same store sees them.
  Open();
  EXPECT_EQ(service_->snapshot()->tree->rings().size(), 2u);
  EXPECT_EQ(Guards("EDGE"), (std::vector<RingWatch>{{"city", true, false, false}}));

  // A document with no good feature stores nothing and names the field.
  auto bad = service_->Import(R"({"type":"FeatureCollection","features":[{"type":"Feature",
      "properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[104,30]}}]})",
                              geo::Crs::kWgs84, geo::RingLevel::kCustom);
  EXPECT_EQ(bad.status().field(), "features[0].geometry.type");
  EXPECT_EQ(service_->snapshot()->tree->rings().size(), 2u);
}

TEST_F(RingServiceTest, AManualAssignmentWinsUntilCleared) {
  ASSERT_TRUE(service_->Import(kRings, geo::Crs::kWgs84, geo::RingLevel::kCity).ok());
  auto set = service_->SetManual(
      "MIDDLE", json::parse(R"([{"ring_id":"county","inbound":true,"outbound":true}])"));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_TRUE(set->derived.empty());
  EXPECT_EQ(Guards("MIDDLE"), (std::vector<RingWatch>{{"county", true, true, true}}));
  // An empty manual assignment: the edge checkpoint guards nothing any more.
  ASSERT_TRUE(service_->SetManual("EDGE", json::array()).ok());
  EXPECT_TRUE(Guards("EDGE").empty());
  auto edge = service_->Assignment("EDGE");
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->derived, (std::vector<RingWatch>{{"city", true, false, false}}));
  ASSERT_TRUE(edge->manual.has_value());
  EXPECT_TRUE(edge->manual->empty());

  // Kept across a restart.
  Open();
  EXPECT_EQ(Guards("MIDDLE"), (std::vector<RingWatch>{{"county", true, true, true}}));
  EXPECT_TRUE(Guards("EDGE").empty());

  EXPECT_EQ(*service_->ClearManual("EDGE"), true);
  EXPECT_EQ(*service_->ClearManual("EDGE"), false);
  EXPECT_EQ(Guards("EDGE"), (std::vector<RingWatch>{{"city", true, false, false}}));

  auto unknown_ring =
      service_->SetManual("EDGE", json::parse(R"([{"ring_id":"atlantis","inbound":true}])"));
  EXPECT_EQ(unknown_ring.status().field(), "rings[0].ring_id");
  EXPECT_EQ(service_->SetManual("NOPE", json::array()).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Assignment("NOPE").status().code(), StatusCode::kNotFound);
}

TEST_F(RingServiceTest, CheckpointChangesRebuildTheSnapshot) {
  ASSERT_TRUE(service_->Import(kRings, geo::Crs::kWgs84, geo::RingLevel::kCity).ok());
  auto before = service_->snapshot();
  // MIDDLE moves onto the county's east side (inside the city), watching westbound traffic.
  service_->OnCheckpointChanged(Checkpoint("MIDDLE", {104.05, 30.62}, {270}));
  EXPECT_EQ(Guards("MIDDLE"), (std::vector<RingWatch>{{"county", true, false, false}}));
  EXPECT_EQ(service_->snapshot()->inside.at("MIDDLE"), (std::vector<std::string>{"city"}));
  EXPECT_TRUE(before->guards.count("MIDDLE") == 0) << "a published snapshot never changes";
  // A new checkpoint on the shared west side guards both, innermost first.
  service_->OnCheckpointChanged(Checkpoint("WEST", {104.0, 30.62}, {}));
  EXPECT_EQ(Guards("WEST"),
            (std::vector<RingWatch>{{"county", true, true, false}, {"city", true, true, false}}));
  ASSERT_TRUE(
      service_->SetManual("WEST", json::parse(R"([{"ring_id":"city","inbound":true}])")).ok());
  service_->OnCheckpointDeleted("WEST");
  EXPECT_EQ(service_->snapshot()->guards.count("WEST"), 0u);
  EXPECT_EQ(service_->snapshot()->inside.count("WEST"), 0u);
  EXPECT_FALSE(store_->GetDocument(kManualWatchDocumentKind, "WEST").ok());
}

TEST_F(RingServiceTest, DeletingARingReplacesItsChildrenAndDropsItsWatches) {
  ASSERT_TRUE(service_->Import(kRings, geo::Crs::kWgs84, geo::RingLevel::kCity).ok());
  ASSERT_TRUE(service_
                  ->Import(R"({"type":"FeatureCollection","features":[{"type":"Feature",
      "properties":{"id":"province","name":"示例省"},"geometry":{"type":"Polygon",
      "coordinates":[[[103,30],[105,30],[105,31],[103,31],[103,30]]]}}]})",
                           geo::Crs::kWgs84, geo::RingLevel::kProvince)
                  .ok());
  EXPECT_EQ(service_->snapshot()->tree->Find("city")->parent_id, "province");
  ASSERT_TRUE(
      service_->SetManual("MIDDLE", json::parse(R"([{"ring_id":"city","inbound":true}])")).ok());
  ASSERT_TRUE(service_->Delete("city").ok());
  auto ctx = service_->snapshot();
  EXPECT_EQ(ctx->tree->Find("city"), nullptr);
  EXPECT_EQ(ctx->tree->Find("county")->parent_id, "province");
  EXPECT_TRUE(Guards("EDGE").empty());
  EXPECT_TRUE(Guards("MIDDLE").empty());
  EXPECT_EQ(ctx->inside.at("MIDDLE"), std::vector<std::string>{"province"});
  EXPECT_EQ(service_->Delete("city").code(), StatusCode::kNotFound);
  // Stored as such.
  auto stored = LoadRings(store_.get());
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  for (const geo::Ring& r : *stored) {
    if (r.id == "county") {
      EXPECT_EQ(r.parent_id, "province");
    }
  }
}

}  // namespace
}  // namespace quanyu::rings
