#include "geo/crs.h"

#include <gtest/gtest.h>

#include <random>

#include "geo/lnglat.h"

namespace quanyu::geo {
namespace {

// Published WGS-84 / GCJ-02 pairs used by the open implementations of the formula.
struct Pair {
  LngLat wgs, gcj;
};
const Pair kPairs[] = {
    {{121.5272106, 31.1774276}, {121.531541859215, 31.17530398364597}},  // Shanghai
    {{113.912316, 22.543847}, {113.9171764808363, 22.540796131694766}},  // Shenzhen
    {{116.377817, 39.911954}, {116.38404722455657, 39.91334545536069}},  // Beijing
};

TEST(CrsTest, ForwardMatchesPublishedPairs) {
  for (const Pair& p : kPairs) {
    LngLat g = Wgs84ToGcj02(p.wgs);
    EXPECT_NEAR(g.lng, p.gcj.lng, 1e-9);
    EXPECT_NEAR(g.lat, p.gcj.lat, 1e-9);
  }
}

TEST(CrsTest, InverseIsWithinACentimetre) {
  for (const Pair& p : kPairs) {
    LngLat w = Gcj02ToWgs84(p.gcj);
    EXPECT_LT(DistanceMeters(w, p.wgs), 0.01);
  }
}

TEST(CrsTest, RoundTripsAcrossSichuan) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> lng(97.3, 108.6), lat(26.0, 34.4);
  for (int i = 0; i < 10000; ++i) {
    LngLat w{lng(rng), lat(rng)};
    LngLat g = Wgs84ToGcj02(w);
    EXPECT_GT(DistanceMeters(w, g), 50.0);  // the offset is real here
    EXPECT_LT(DistanceMeters(Gcj02ToWgs84(g), w), 0.01);
  }
}

TEST(CrsTest, NoOffsetOutsideChina) {
  LngLat monaco{7.4246, 43.7384};
  EXPECT_EQ(Wgs84ToGcj02(monaco), monaco);
  EXPECT_EQ(Gcj02ToWgs84(monaco), monaco);
}

TEST(CrsTest, ParsesNames) {
  EXPECT_EQ(ParseCrs("GCJ-02"), Crs::kGcj02);
  EXPECT_EQ(ParseCrs("wgs84"), Crs::kWgs84);
  EXPECT_EQ(ParseCrs("EPSG:4326"), Crs::kWgs84);
  EXPECT_FALSE(ParseCrs("bd09").has_value());
}

}  // namespace
}  // namespace quanyu::geo
