#include "geo/prepared.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "geo/test_data.h"

namespace quanyu::geo {
namespace {

using testing::LoadGcjFeatures;
using testing::PolygonFromText;

std::vector<MultiPolygon> Geometries(const std::string& file) {
  std::vector<MultiPolygon> out;
  for (PolygonFeature& f : LoadGcjFeatures(file)) out.push_back(std::move(f.geometry));
  return out;
}

std::vector<LngLat> Vertices(const MultiPolygon& mp) {
  std::vector<LngLat> out;
  for (const Polygon& p : mp.polygons) {
    out.insert(out.end(), p.outer.begin(), p.outer.end());
    for (const LinearRing& h : p.holes) out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

std::vector<LngLat> RandomPoints(const BBox& b, int n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lng(b.min_lng, b.max_lng), lat(b.min_lat, b.max_lat);
  std::vector<LngLat> out(n);
  for (LngLat& p : out) p = {lng(rng), lat(rng)};
  return out;
}

TEST(PreparedTest, SquareFollowsTheBoundaryRule) {
  const MultiPolygon square = PolygonFromText("0,0 10,0 10,10 0,10");
  const PreparedPolygon p(square);
  // West and south sides are in, east and north sides out; of the corners only south-west.
  const std::pair<LngLat, bool> cases[] = {
      {{5, 5}, true},        {{0, 5}, true},   {{5, 0}, true},   {{10, 5}, false},
      {{5, 10}, false},      {{0, 0}, true},   {{10, 0}, false}, {{0, 10}, false},
      {{10, 10}, false},     {{-1, 5}, false}, {{11, 5}, false}, {{5, -1e-9}, false},
      {{5, 9.999999}, true},
  };
  for (const auto& [pt, want] : cases) {
    EXPECT_EQ(p.Contains(pt), want) << pt.lng << "," << pt.lat;
    EXPECT_EQ(ContainsBruteForce(square, pt), want) << pt.lng << "," << pt.lat;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(p.Contains({nan, 5}));
  EXPECT_FALSE(p.Contains({5, nan}));
}

TEST(PreparedTest, HolesAndPartsCountByParity) {
  MultiPolygon mp = PolygonFromText("0,0 10,0 10,10 0,10", {"2,2 8,2 8,8 2,8"});
  mp.polygons.push_back(PolygonFromText("4,4 6,4 6,6 4,6").polygons[0]);  // island in the hole
  const PreparedPolygon p(mp);
  EXPECT_TRUE(p.Contains({1, 1}));
  EXPECT_FALSE(p.Contains({3, 3}));
  EXPECT_TRUE(p.Contains({5, 5}));
  EXPECT_FALSE(p.Contains({20, 5}));
}

TEST(PreparedTest, TilesShareTheirCommonEdgeWithoutOverlap) {
  // Two triangles and a square meeting along slanted and straight edges.
  const std::vector<MultiPolygon> tiles = {PolygonFromText("0,0 4,0 0,3"),
                                           PolygonFromText("4,0 4,3 0,3"),
                                           PolygonFromText("4,0 8,0 8,3 4,3")};
  std::vector<PreparedPolygon> prepared(tiles.begin(), tiles.end());
  for (LngLat q : {LngLat{2, 1.5}, LngLat{4, 1}, LngLat{4, 0}, LngLat{4, 3 - 1e-12},
                   LngLat{1, 2.25}, LngLat{0, 3 - 1e-9}}) {
    int n = 0;
    for (const PreparedPolygon& p : prepared) n += p.Contains(q);
    EXPECT_EQ(n, 1) << q.lng << "," << q.lat;
  }
}

// Every bundled boundary, a few band counts: the band index answers as the brute force does, on
// random points over each box and on every vertex.
TEST(PreparedTest, AgreesWithBruteForceOnRealBoundaries) {
  size_t inside = 0, checked = 0;
  for (const char* file :
       {"datav_511700_full.json", "datav_510000_sichuan_outline.json", "datav_510100_full.json"}) {
    for (const MultiPolygon& mp : Geometries(file)) {
      for (int bands : {0, 1, 7}) {
        const PreparedPolygon p(mp, PreparedPolygon::Options{bands});
        for (LngLat q : RandomPoints(p.bbox(), 20000 / testing::kRandomPointDivisor, 7)) {
          const bool want = ContainsBruteForce(mp, q);
          ASSERT_EQ(p.Contains(q), want) << file << " " << q.lng << "," << q.lat;
          inside += want;
          ++checked;
        }
        for (LngLat q : Vertices(mp)) {
          ASSERT_EQ(p.Contains(q), ContainsBruteForce(mp, q))
              << file << " vertex " << q.lng << "," << q.lat;
        }
      }
    }
  }
  // The sample hit both sides, so the comparison could have failed either way.
  EXPECT_GT(inside, checked / 4);
  EXPECT_LT(inside, checked * 9 / 10);
}

std::set<uint32_t> BruteForceHits(const std::vector<MultiPolygon>& geoms, LngLat q) {
  std::set<uint32_t> out;
  for (uint32_t i = 0; i < geoms.size(); ++i) {
    if (ContainsBruteForce(geoms[i], q)) out.insert(i);
  }
  return out;
}

TEST(PreparedTest, RingIndexAgreesWithBruteForceOnDazhouCounties) {
  const std::vector<MultiPolygon> counties = Geometries("datav_511700_full.json");
  ASSERT_EQ(counties.size(), 7u);
  BBox all;
  for (const MultiPolygon& mp : counties) all.Extend(BoundingBox(mp));
  std::vector<LngLat> points = RandomPoints(all, 100000 / testing::kRandomPointDivisor, 11);
  for (const MultiPolygon& mp : counties) {
    for (LngLat v : Vertices(mp)) points.push_back(v);
  }
  for (int max_cells : {1, 100, 1 << 16, 1 << 20}) {
    RingIndex index(std::vector<PreparedPolygon>(counties.begin(), counties.end()),
                    RingIndex::Options{max_cells});
    EXPECT_LE(static_cast<int64_t>(index.cells_x()) * index.cells_y(), max_cells);
    std::vector<uint32_t> hits;
    size_t found = 0;
    for (LngLat q : points) {
      index.Locate(q, &hits);
      const std::set<uint32_t> want = BruteForceHits(counties, q);
      ASSERT_EQ(std::set<uint32_t>(hits.begin(), hits.end()), want)
          << "max_cells " << max_cells << " at " << q.lng << "," << q.lat;
      ASSERT_TRUE(std::is_sorted(hits.begin(), hits.end()));
      found += !hits.empty();
    }
    EXPECT_GT(found, points.size() / 4);
    if (max_cells == 1 << 16) {
      // Most cells need no edge test: that is where the speed comes from.
      EXPECT_LT(index.boundary_entries() * 5,
                static_cast<size_t>(index.cells_x()) * index.cells_y());
    }
  }
  std::vector<uint32_t> hits;
  RingIndex empty;
  empty.Locate({107.5, 31.2}, &hits);
  EXPECT_TRUE(hits.empty());
}

// The counties of a prefecture tile it with identical shared vertices: by the boundary rule a
// point on a shared vertex or edge belongs to exactly one county.
TEST(PreparedTest, SharedCountyBordersBelongToExactlyOneCounty) {
  const std::vector<MultiPolygon> counties = Geometries("datav_511700_full.json");
  RingIndex index(std::vector<PreparedPolygon>(counties.begin(), counties.end()));
  std::map<std::pair<double, double>, int> owners;  // vertex -> counties having it
  for (const MultiPolygon& mp : counties) {
    std::set<std::pair<double, double>> own;
    for (LngLat v : Vertices(mp)) own.insert({v.lng, v.lat});
    for (const auto& v : own) ++owners[v];
  }
  std::vector<uint32_t> hits;
  size_t shared_vertices = 0, owned = 0, shared_edges = 0;
  for (const auto& [v, n] : owners) {
    index.Locate({v.first, v.second}, &hits);
    EXPECT_LE(hits.size(), 1u) << v.first << "," << v.second;
    if (n >= 2) {
      // Where two counties meet Dazhou's outer border the outside may own the point.
      ++shared_vertices;
      owned += hits.size();
    }
  }
  EXPECT_GT(owned, shared_vertices * 95 / 100);
  for (const MultiPolygon& mp : counties) {
    for (const Polygon& p : mp.polygons) {
      for (size_t i = 0; i + 1 < p.outer.size(); ++i) {
        LngLat a = p.outer[i], b = p.outer[i + 1];
        if (owners[{a.lng, a.lat}] < 2 || owners[{b.lng, b.lat}] < 2) continue;
        // Both ends shared: most such edges are a stretch of common border.
        LngLat mid{a.lng + (b.lng - a.lng) / 2, a.lat + (b.lat - a.lat) / 2};
        index.Locate(mid, &hits);
        EXPECT_LE(hits.size(), 1u);
        shared_edges += hits.size() == 1;
      }
    }
  }
  EXPECT_GT(shared_vertices, 500u);
  EXPECT_GT(shared_edges, 500u);
}

}  // namespace
}  // namespace quanyu::geo
