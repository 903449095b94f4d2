#include "tools/import_places.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "geo/test_data.h"
#include "places/place.h"
#include "roads/network.h"
#include "tools/reach.h"

namespace quanyu::tools {
namespace {

using geo::testing::SourceDir;

class DataDir {
 public:
  DataDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quanyu-places-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~DataDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Output captured from a FILE*.
struct Capture {
  Capture() : f(std::tmpfile()) {}
  ~Capture() { std::fclose(f); }
  std::string Text() {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
    return s;
  }
  std::FILE* f;
};

std::vector<places::Place> Stored(const std::string& dir) {
  auto store = api::OpenStore(dir);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  auto loaded = places::LoadPlaces(store->get());
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? *loaded : std::vector<places::Place>{};
}

TEST(ImportPlacesTest, ImportsMonacoAndReplacesStaleOsmPlaces) {
  DataDir dir;
  ImportPlacesCommand cmd;
  cmd.file = SourceDir() + "/data/osm/monaco.osm.pbf";
  cmd.data_dir = dir.path();
  cmd.progress = false;
  Capture out, err;
  ASSERT_EQ(RunImportPlaces(cmd, out.f, err.f), 0) << err.Text();
  EXPECT_NE(out.Text().find("school"), std::string::npos) << out.Text();
  std::vector<places::Place> first = Stored(dir.path());
  ASSERT_FALSE(first.empty());
  size_t schools = 0;
  for (const places::Place& p : first) {
    EXPECT_EQ(p.source, "osm");
    if (p.category == places::PlaceCategory::kSchool) ++schools;
  }
  EXPECT_GE(schools, 1u);

  // A stale OSM place and a manual one; --replace deletes only the stale one.
  {
    auto store = api::OpenStore(dir.path());
    ASSERT_TRUE(store.ok());
    places::Place stale = first[0], manual = first[0];
    stale.id = "osm:n1";
    manual.id = "manual:1";
    manual.source = "manual";
    const std::vector<places::Place> extra = {stale, manual};
    ASSERT_TRUE(places::PutPlaces(store->get(), extra, 1).ok());
  }
  cmd.replace = true;
  Capture out2, err2;
  ASSERT_EQ(RunImportPlaces(cmd, out2.f, err2.f), 0) << err2.Text();
  EXPECT_NE(out2.Text().find("1 stale OSM places deleted"), std::string::npos) << out2.Text();
  std::vector<places::Place> second = Stored(dir.path());
  EXPECT_EQ(second.size(), first.size() + 1);
  bool manual_kept = false, stale_kept = false;
  for (const places::Place& p : second) {
    manual_kept = manual_kept || p.id == "manual:1";
    stale_kept = stale_kept || p.id == "osm:n1";
  }
  EXPECT_TRUE(manual_kept);
  EXPECT_FALSE(stale_kept);
}

TEST(ReachCommandTest, OriginsFromUnits) {
  const std::vector<store::Document> units = {
      {"unit", "u1",
       R"({"id":"u1","name":"巡逻一组","kind":"patrol_car","status":"on_duty","position":[7.42,43.73],"home":[7.41,43.72]})",
       0},
      {"unit", "u2", R"({"id":"u2","kind":"patrol_car","home":[7.41,43.72]})", 0},
      {"unit", "u3", R"({"id":"u3","kind":"ambulance","position":[7.42,43.73]})", 0},
      {"unit", "u4",
       R"({"id":"u4","kind":"patrol_car","status":"off_duty","position":[7.42,43.73]})", 0},
      {"unit", "u5", R"({"id":"u5","kind":"motorcycle"})", 0},
      {"unit", "u6", R"({"id":"u6","position":"here"})", 0},
      {"unit", "u7", "not json", 0},
  };
  std::vector<std::string> skipped;
  const auto origins = OriginsFromUnits(units, &skipped);
  ASSERT_EQ(origins.size(), 2u);
  EXPECT_EQ(origins[0].id, "u1");
  EXPECT_EQ(origins[0].name, "巡逻一组");
  EXPECT_EQ(origins[0].position, (geo::LngLat{7.42, 43.73}));
  EXPECT_EQ(origins[1].id, "u2");
  EXPECT_EQ(origins[1].position, (geo::LngLat{7.41, 43.72}));
  EXPECT_EQ(skipped.size(), 5u);
}

TEST(ReachCommandTest, MonacoWithOneUnit) {
  DataDir dir;
  Capture out0, err0;
  ReachCommand cmd;
  cmd.data_dir = dir.path();
  cmd.progress = false;
  // No network yet.
  EXPECT_EQ(RunReach(cmd, out0.f, err0.f), 1);
  EXPECT_NE(err0.Text().find("no road network"), std::string::npos) << err0.Text();

  const std::string monaco = SourceDir() + "/data/osm/monaco.osm.pbf";
  std::filesystem::create_directories(dir.path() + "/roads");
  std::filesystem::copy_file(monaco, dir.path() + "/" + roads::kNetworkFile);
  ImportPlacesCommand ip;
  ip.file = monaco;
  ip.data_dir = dir.path();
  ip.progress = false;
  Capture out1, err1;
  ASSERT_EQ(RunImportPlaces(ip, out1.f, err1.f), 0) << err1.Text();

  // No unit yet.
  Capture out2, err2;
  EXPECT_EQ(RunReach(cmd, out2.f, err2.f), 1);
  EXPECT_NE(err2.Text().find("no origin"), std::string::npos) << err2.Text();

  {
    auto store = api::OpenStore(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->PutDocument({"unit", "u1",
                                   R"({"id":"u1","name":"Patrol","kind":"patrol_car",)"
                                   R"("position":[7.4246,43.7384]})",
                                   1})
                    .ok());
  }
  cmd.geojson_file = dir.path() + "/reach.geojson";
  Capture out3, err3;
  ASSERT_EQ(RunReach(cmd, out3.f, err3.f), 0) << err3.Text();
  const std::string text = out3.Text();
  EXPECT_NE(text.find("road share"), std::string::npos) << text;
  std::ifstream f(cmd.geojson_file);
  const nlohmann::json j = nlohmann::json::parse(f);
  EXPECT_EQ(j["type"], "FeatureCollection");
  ASSERT_GE(j["features"].size(), 3u);
  EXPECT_EQ(j["features"][0]["properties"]["minutes"], 1.0);
  EXPECT_EQ(j["features"][2]["geometry"]["type"], "MultiPolygon");
  EXPECT_FALSE(j["features"][2]["geometry"]["coordinates"].empty());
}

}  // namespace
}  // namespace quanyu::tools
