#include "registry/ring_assignment.h"

#include <gtest/gtest.h>

#include "geo/test_data.h"

namespace quanyu::registry {
namespace {

using geo::testing::PolygonFromText;
using nlohmann::json;

geo::Ring MakeRing(std::string id, geo::RingLevel level, const std::string& outer) {
  geo::Ring r;
  r.id = id;
  r.name = std::move(id);
  r.level = level;
  r.geometry = PolygonFromText(outer);
  return r;
}

// A city about 10 km square near Chengdu, and a county filling its south-west quarter (they
// share part of the city's west side).
geo::RingTree SquareTree() {
  auto tree = geo::RingTree::Build(
      {MakeRing("city", geo::RingLevel::kCity, "104.0,30.6 104.1,30.6 104.1,30.7 104.0,30.7"),
       MakeRing("county", geo::RingLevel::kCounty,
                "104.0,30.6 104.05,30.6 104.05,30.65 104.0,30.65")});
  EXPECT_TRUE(tree.ok()) << tree.status().ToString();
  return std::move(tree).value();
}

Checkpoint At(geo::LngLat p, std::vector<int> directions) {
  Checkpoint c;
  c.id = "K1";
  c.name = "test";
  c.position = p;
  c.directions = std::move(directions);
  return c;
}

std::vector<RingWatch> Watches(std::initializer_list<RingWatch> w) { return w; }

TEST(RingAssignmentTest, ABearingAcrossTheBoundaryWatchesOneWay) {
  geo::RingTree tree = SquareTree();
  const geo::LngLat west_side{104.0, 30.675};  // on the city's west side, above the county
  EXPECT_EQ(DeriveRingWatches(At(west_side, {90}), tree),
            Watches({{"city", true, false, false}}));  // eastbound: entering
  EXPECT_EQ(DeriveRingWatches(At(west_side, {270}), tree),
            Watches({{"city", false, true, false}}));  // westbound: leaving
  EXPECT_EQ(DeriveRingWatches(At(west_side, {90, 270}), tree),
            Watches({{"city", true, true, false}}));
  EXPECT_EQ(DeriveRingWatches(At(west_side, {}), tree),  // every direction
            Watches({{"city", true, true, false}}));
  EXPECT_EQ(DeriveRingWatches(At(west_side, {45}), tree),  // crossing at an angle
            Watches({{"city", true, false, false}}));
  // North or south along the boundary crosses nothing.
  EXPECT_TRUE(DeriveRingWatches(At(west_side, {0}), tree).empty());
  EXPECT_TRUE(DeriveRingWatches(At(west_side, {0, 180}), tree).empty());
  // On the north side (which the boundary rule leaves outside): southbound enters.
  EXPECT_EQ(DeriveRingWatches(At({104.07, 30.7}, {180}), tree),
            Watches({{"city", true, false, false}}));
}

TEST(RingAssignmentTest, NearTheEdgeCountsWithinTheToleranceOnly) {
  geo::RingTree tree = SquareTree();
  const geo::LngLat edge{104.0, 30.675};
  // 150 m outside and 150 m inside: still the city's checkpoint.
  EXPECT_EQ(DeriveRingWatches(At(geo::Destination(edge, 270, 150), {90}), tree),
            Watches({{"city", true, false, false}}));
  EXPECT_EQ(DeriveRingWatches(At(geo::Destination(edge, 90, 150), {270}), tree),
            Watches({{"city", false, true, false}}));
  // 500 m out, or in the middle of the city: no ring's checkpoint.
  EXPECT_TRUE(DeriveRingWatches(At(geo::Destination(edge, 270, 500), {90}), tree).empty());
  EXPECT_TRUE(DeriveRingWatches(At({104.075, 30.675}, {90}), tree).empty());
  // A wider tolerance takes the 500 m one in.
  EXPECT_EQ(DeriveRingWatches(At(geo::Destination(edge, 270, 500), {90}), tree, 600),
            Watches({{"city", true, false, false}}));
}

TEST(RingAssignmentTest, ASharedBoundaryGuardsBothRingsInnermostFirst) {
  geo::RingTree tree = SquareTree();
  // On the west side where the county shares it with the city.
  EXPECT_EQ(DeriveRingWatches(At({104.0, 30.62}, {90}), tree),
            Watches({{"county", true, false, false}, {"city", true, false, false}}));
  // On the county's east side, inside the city: entering the county is moving within the city.
  EXPECT_EQ(DeriveRingWatches(At({104.05, 30.62}, {270}), tree),
            Watches({{"county", true, false, false}}));
  EXPECT_EQ(DeriveRingWatches(At({104.05, 30.62}, {90}), tree),
            Watches({{"county", false, true, false}}));
}

TEST(RingAssignmentTest, OnTheLineBetweenTwoDazhouDistrictsEnteringOneIsLeavingTheOther) {
  std::vector<geo::Ring> rings;
  for (geo::PolygonFeature& f : geo::testing::LoadGcjFeatures("datav_511700_full.json")) {
    geo::Ring r;
    r.id = f.adcode;
    r.name = f.name;
    r.level = geo::RingLevel::kCounty;
    r.geometry = std::move(f.geometry);
    rings.push_back(std::move(r));
  }
  auto tree = geo::RingTree::Build(std::move(rings));
  ASSERT_TRUE(tree.ok()) << tree.status().ToString();
  const geo::Ring* tongchuan = tree->Find("511702");
  const geo::Ring* dachuan = tree->Find("511703");
  ASSERT_NE(tongchuan, nullptr);
  ASSERT_NE(dachuan, nullptr);
  // A run of vertices the two districts share: the middle one, with the line's direction.
  const geo::LinearRing& a = tongchuan->geometry.polygons[0].outer;
  auto shared = [&](geo::LngLat p) {
    for (const geo::Polygon& poly : dachuan->geometry.polygons) {
      for (const geo::LngLat& q : poly.outer) {
        if (q == p) return true;
      }
    }
    return false;
  };
  size_t best = 0, best_run = 0, run = 0;
  for (size_t k = 0; k + 1 < a.size(); ++k) {
    run = shared(a[k]) ? run + 1 : 0;
    if (run > best_run) best_run = run, best = k - run / 2;
  }
  ASSERT_GE(best_run, 20u) << "通川区 and 达川区 share a boundary";
  ASSERT_GE(best, 3u);
  const geo::LngLat on_line = a[best];
  const double along = geo::BearingDegrees(a[best - 3], a[best + 3]);
  for (double across : {along + 90, along - 90}) {
    int bearing = static_cast<int>(std::lround(std::fmod(across + 720, 360))) % 360;
    std::vector<RingWatch> w = DeriveRingWatches(At(on_line, {bearing}), *tree);
    const RingWatch* into_t = nullptr;
    const RingWatch* into_d = nullptr;
    for (const RingWatch& x : w) {
      if (x.ring_id == "511702") into_t = &x;
      if (x.ring_id == "511703") into_d = &x;
    }
    ASSERT_NE(into_t, nullptr) << "bearing " << bearing;
    ASSERT_NE(into_d, nullptr) << "bearing " << bearing;
    EXPECT_NE(into_t->inbound, into_t->outbound) << "bearing " << bearing;
    EXPECT_EQ(into_t->inbound, into_d->outbound) << "bearing " << bearing;
    EXPECT_EQ(into_t->outbound, into_d->inbound) << "bearing " << bearing;
    // Inbound means the road ahead is in the ring.
    std::vector<std::string> ahead = tree->Locate(geo::Destination(on_line, bearing, 1000));
    const bool ahead_in_t = std::find(ahead.begin(), ahead.end(), "511702") != ahead.end();
    EXPECT_EQ(into_t->inbound, ahead_in_t) << "bearing " << bearing;
  }
}

TEST(RingAssignmentTest, ManualWatchesAreValidatedFieldByField) {
  geo::RingTree tree = SquareTree();
  auto ok = ManualRingWatchesFromJson(
      json::parse(R"([{"ring_id":"city","inbound":true},{"ring_id":"county","outbound":true,
                      "inbound":true}])"),
      &tree);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, Watches({{"city", true, false, true}, {"county", true, true, true}}));
  EXPECT_EQ(RingWatchesToJson(*ok)[0],
            json::parse(R"({"ring_id":"city","inbound":true,"outbound":false,"manual":true})"));
  EXPECT_TRUE(ManualRingWatchesFromJson(json::array(), &tree).ok());

  auto field = [&](const char* text) {
    auto r = ManualRingWatchesFromJson(json::parse(text), &tree);
    return r.ok() ? std::string("ok") : r.status().field();
  };
  EXPECT_EQ(field(R"({"ring_id":"city"})"), "rings");
  EXPECT_EQ(field(R"([{"ring_id":"nowhere","inbound":true}])"), "rings[0].ring_id");
  EXPECT_EQ(field(R"([{"inbound":true}])"), "rings[0].ring_id");
  EXPECT_EQ(field(R"([{"ring_id":"city","inbound":true},{"ring_id":"city","outbound":true}])"),
            "rings[1].ring_id");
  EXPECT_EQ(field(R"([{"ring_id":"city","inbound":"yes"}])"), "rings[0].inbound");
  EXPECT_EQ(field(R"([{"ring_id":"city"}])"), "rings[0].inbound");
  EXPECT_EQ(field(R"([3])"), "rings[0]");
}

}  // namespace
}  // namespace quanyu::registry
