// Test helper: an ASCII road map (test_map.h) written as a small OpenStreetMap XML file, for
// tests of what is only built from a file (RoadNetwork). Cells are `cell_m` metres square and
// every road is residential with the given maxspeed, so travel times are easy to count: at the
// defaults (100 m, 36 km/h) each cell takes 10 s.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "geo/lnglat.h"
#include "roads/test_map.h"

namespace quanyu::roads::testing {

struct OsmTestMap {
  std::string path;
  std::map<char, geo::LngLat> nodes;  // letter -> position
  double cell_m = 100;
  // The position of (row, column) of the drawing; columns may be fractional.
  geo::LngLat At(double row, double col) const {
    constexpr double kMetresPerDegree = geo::kEarthRadiusMeters * M_PI / 180;
    return {104.0 + col * cell_m / (kMetresPerDegree * std::cos(30.0 * M_PI / 180)),
            30.0 - row * cell_m / kMetresPerDegree};
  }
};

// Writes `text` (test_map.h syntax) to `path` as .osm XML.
inline OsmTestMap WriteOsmTestMap(const std::string& text, const std::string& path,
                                  double cell_m = 100, int maxspeed_kmh = 36) {
  OsmTestMap out;
  out.path = path;
  out.cell_m = cell_m;
  const AsciiMap map = ParseAsciiMap(text);
  std::ofstream f(path);
  f.precision(10);
  f << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"test\">\n";
  for (const Road& r : map.set.roads) {
    for (size_t i = 0; i < r.node_ids.size(); ++i) {
      const char c = NodeChar(r.node_ids[i]);
      if (out.nodes.count(c) != 0) continue;
      // Back from test_map.h's grid to row and column.
      const double col = std::round((r.points[i].lng - 104.0) / 0.0001);
      const double row = std::round((30.0 - r.points[i].lat) / 0.0002);
      out.nodes[c] = out.At(row, col);
      f << " <node id=\"" << r.node_ids[i] << "\" version=\"1\" lat=\"" << out.nodes[c].lat
        << "\" lon=\"" << out.nodes[c].lng << "\"/>\n";
    }
  }
  for (const Road& r : map.set.roads) {
    f << " <way id=\"" << r.way_id << "\" version=\"1\">";
    for (int64_t n : r.node_ids) f << "<nd ref=\"" << n << "\"/>";
    f << "<tag k=\"highway\" v=\"residential\"/><tag k=\"maxspeed\" v=\"" << maxspeed_kmh << "\"/>";
    if (r.oneway == Oneway::kForward) f << "<tag k=\"oneway\" v=\"yes\"/>";
    if (r.oneway == Oneway::kBackward) f << "<tag k=\"oneway\" v=\"-1\"/>";
    f << "</way>\n";
  }
  f << "</osm>\n";
  EXPECT_TRUE(f.good()) << "cannot write " << path;
  return out;
}

}  // namespace quanyu::roads::testing
