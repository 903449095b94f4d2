// Test helpers: the source tree (found through the QUANYU_SOURCE_DIR environment variable
// that CTest sets) with the boundary files bundled under data/boundaries, temporary files, and
// polygons written as text.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/sanitizers.h"
#include "geo/polygon.h"

namespace quanyu::geo::testing {

// Random-point counts of the brute-force agreement tests are divided by this under
// AddressSanitizer, whose unoptimised build runs them about 30 times slower; every polygon
// vertex is still checked there.
inline constexpr int kRandomPointDivisor = QUANYU_ASAN ? 10 : 1;

// The source tree's root; fails the test (and answers ".") if CTest did not say.
inline std::string SourceDir() {
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  EXPECT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
  return src == nullptr ? "." : src;
}

// Writes `text` to a file named after this process and `name` in the temporary directory;
// returns its path (the caller removes it).
inline std::string WriteTempFile(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

// The text of data/boundaries/<name>; fails the test if it cannot be read.
inline std::string ReadBoundaryFile(const std::string& name) {
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  EXPECT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
  if (src == nullptr) return "";
  std::ifstream in(std::string(src) + "/data/boundaries/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read data/boundaries/" << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The features of a bundled GCJ-02 file, converted to WGS-84.
inline std::vector<PolygonFeature> LoadGcjFeatures(const std::string& name) {
  auto parsed = ParsePolygonFeatures(ReadBoundaryFile(name), Crs::kGcj02);
  EXPECT_TRUE(parsed.ok()) << name << ": " << parsed.status().ToString();
  return parsed.ok() ? std::move(parsed).value() : std::vector<PolygonFeature>();
}

// A closed ring from "lng,lat lng,lat ..." (the closing position may be left out).
inline LinearRing RingFromText(const std::string& text) {
  LinearRing r;
  std::istringstream in(text);
  std::string pos;
  while (in >> pos) {
    size_t comma = pos.find(',');
    r.push_back({std::stod(pos.substr(0, comma)), std::stod(pos.substr(comma + 1))});
  }
  if (!r.empty() && !(r.front() == r.back())) r.push_back(r.front());
  return r;
}

// A one-part multipolygon: outer ring and holes as text.
inline MultiPolygon PolygonFromText(const std::string& outer,
                                    const std::vector<std::string>& holes = {}) {
  Polygon p;
  p.outer = RingFromText(outer);
  for (const std::string& h : holes) p.holes.push_back(RingFromText(h));
  return MultiPolygon{{p}};
}

}  // namespace quanyu::geo::testing
