#include "tools/closure.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/app.h"
#include "roads/osm_reader.h"
#include "tools/import_rings.h"

namespace quanyu::tools {
namespace {

// A square ring about 960 m x 1110 m, and two roads crossing it west to east: a two-way
// primary road at 30.005 N and a one-way (eastbound) residential street at 30.008 N.
constexpr char kRingGeoJson[] = R"({"type":"FeatureCollection","features":[{"type":"Feature",
  "properties":{"id":"R1","name":"测试圈"},"geometry":{"type":"Polygon","coordinates":
  [[[104.00,30.00],[104.01,30.00],[104.01,30.01],[104.00,30.01],[104.00,30.00]]]}}]})";

constexpr char kOsmXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.005" lon="103.995" version="1"/>
  <node id="2" lat="30.005" lon="104.015" version="1"/>
  <node id="3" lat="30.008" lon="103.995" version="1"/>
  <node id="4" lat="30.008" lon="104.015" version="1"/>
  <way id="100" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>
    <tag k="name" v="测试大道"/></way>
  <way id="200" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/>
    <tag k="oneway" v="yes"/></way>
</osm>
)";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quanyu-closure-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name, const std::string& text = {}) const {
    std::string p = path_ + "/" + name;
    if (!text.empty()) std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CommandRun {
  int code;
  std::string out, err;
};

CommandRun RunCommand(const ClosureCommand& cmd) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  CommandRun r;
  r.code = RunClosure(cmd, out, err);
  for (auto [f, s] : {std::pair{out, &r.out}, std::pair{err, &r.err}}) {
    std::rewind(f);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) s->append(buf, n);
    std::fclose(f);
  }
  return r;
}

class ClosureCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.path() + "/data";
    auto lock = api::DataDirLock::Acquire(data_);
    ASSERT_TRUE(lock.ok());
    auto store = api::OpenStore(data_);
    ASSERT_TRUE(store.ok());
    auto rings = ImportRings(store->get(), dir_.File("ring.geojson", kRingGeoJson),
                             geo::Crs::kWgs84, geo::RingLevel::kCustom);
    ASSERT_TRUE(rings.ok()) << rings.status().ToString();
    // Watches eastbound traffic 100 m north of the primary road's west crossing: its inbound.
    registry::Checkpoint c;
    c.id = "CP-WEST";
    c.name = "西口";
    c.position = {104.0, 30.0059};
    c.directions = {90};
    ASSERT_TRUE((*store)->PutCheckpoint(c).ok());
    // A faulty one at the east crossing.
    c.id = "CP-EAST";
    c.position = {104.01, 30.005};
    c.directions = {};
    c.status = registry::CheckpointStatus::kFaulty;
    ASSERT_TRUE((*store)->PutCheckpoint(c).ok());
    cmd_.osm_file = dir_.File("roads.osm", kOsmXml);
    cmd_.data_dir = data_;
    cmd_.progress = false;
  }

  TempDir dir_;
  std::string data_;
  ClosureCommand cmd_;
};

TEST_F(ClosureCommandTest, PrintsSavesAndWritesTheGaps) {
  cmd_.save = true;
  cmd_.geojson_out = dir_.File("gaps.geojson");
  CommandRun r = RunCommand(cmd_);
  ASSERT_EQ(r.code, 0) << r.err;
  // Primary: 2 crossings x 2 directions; residential: 2 crossings x 1 direction. Covered: the
  // primary's westside inbound only (the east checkpoint is faulty).
  EXPECT_NE(r.out.find("R1 测试圈: 4 crossings, 6 directions, 1 covered, ratio 16.7 %, weighted "
                       "22.2 %; gaps by class: primary 3, residential 2"),
            std::string::npos)
      << r.out;

  nlohmann::json gaps = nlohmann::json::parse(ReadAll(cmd_.geojson_out));
  EXPECT_EQ(gaps["type"], "FeatureCollection");
  ASSERT_EQ(gaps["features"].size(), 4u);
  EXPECT_EQ(gaps["features"][0]["properties"]["gaps"], nlohmann::json({"outbound"}));
  EXPECT_EQ(gaps["features"][0]["properties"]["ring_name"], "测试圈");
  EXPECT_EQ(gaps["features"][1]["properties"]["inactive_checkpoint"], "CP-EAST");

  store::StoreOptions so;
  so.url = api::StoreUrlFor(data_);
  so.read_only = true;
  auto store = store::Store::Open(so);
  ASSERT_TRUE(store.ok());
  auto doc = (*store)->GetDocument(roads::kRingCrossingsKind, "R1");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  auto stored = roads::RingCrossingsFromJson(nlohmann::json::parse(doc->body));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->crossings.size(), 4u);
  EXPECT_EQ(stored->source, "roads.osm");
  store::AuditQuery q;
  q.action = "ring_crossings.save";
  auto audit = (*store)->ListAudit(q);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].outcome, "ok");
  EXPECT_EQ((*audit)[0].target, "osm:roads.osm");
}

TEST_F(ClosureCommandTest, ToleranceAndRingSelection) {
  cmd_.tolerance_m = 50;  // the west checkpoint is about 100 m away
  CommandRun r = RunCommand(cmd_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("6 directions, 0 covered"), std::string::npos) << r.out;
  cmd_.ring_ids = {"NOPE"};
  r = RunCommand(cmd_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--ring"), std::string::npos) << r.err;
}

TEST_F(ClosureCommandTest, PlacesASimulatedCheckpointSetThatImportsAndCovers) {
  cmd_.place_checkpoints = dir_.File("placed.csv");
  CommandRun r = RunCommand(cmd_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto rows = registry::ParseCheckpointsCsv(ReadAll(cmd_.place_checkpoints), geo::Crs::kWgs84);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  // Both primary sites; the first of the residential ones (every 5th).
  ASSERT_EQ(rows->size(), 3u);
  std::vector<registry::Checkpoint> placed;
  for (const auto& row : *rows) {
    ASSERT_TRUE(row.checkpoint.ok()) << row.checkpoint.status().ToString();
    placed.push_back(*row.checkpoint);
  }
  EXPECT_EQ(placed[0].directions, (std::vector<int>{90, 270}));
  EXPECT_EQ(placed[0].status, registry::CheckpointStatus::kActive);
  EXPECT_EQ(placed[2].directions, (std::vector<int>{90}));  // one-way eastbound
  EXPECT_NE(placed[0].name.find("测试大道"), std::string::npos);

  // Against the placed set alone: the primary road is closed, and the residential street's
  // west (inbound) crossing is watched.
  {
    auto lock = api::DataDirLock::Acquire(data_);
    ASSERT_TRUE(lock.ok());
    auto store = api::OpenStore(data_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->DeleteCheckpoint("CP-WEST").ok());
    ASSERT_TRUE((*store)->DeleteCheckpoint("CP-EAST").ok());
    ASSERT_TRUE((*store)->PutCheckpoints(placed).ok());
  }
  cmd_.place_checkpoints.clear();
  r = RunCommand(cmd_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("4 crossings, 6 directions, 5 covered, ratio 83.3 %, weighted 94.4 %; "
                       "gaps by class: residential 1"),
            std::string::npos)
      << r.out;
}

// The figures docs/closure.md reports: the bundled extract, Chengdu's districts and the bundled
// simulated checkpoint set.
TEST(ClosureDemoTest, ChengduFiguresOfTheDocs) {
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
  const std::string root = src;
  store::StoreOptions so;
  so.url = "sqlite::memory:";
  auto store = store::Store::Open(so);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(ImportRings(store->get(), root + "/data/boundaries/datav_510100_full.json",
                          geo::Crs::kGcj02, geo::RingLevel::kCounty)
                  .ok());
  auto rings = LoadRings(store->get());
  ASSERT_TRUE(rings.ok());
  auto roads = roads::ReadRoads(root + "/data/osm/chengdu_central.osm.pbf");
  ASSERT_TRUE(roads.ok());
  auto rows = registry::ParseCheckpointsCsv(ReadAll(root + "/data/checkpoints/chengdu_closure.csv"),
                                            geo::Crs::kWgs84);
  ASSERT_TRUE(rows.ok());
  std::vector<registry::Checkpoint> checkpoints;
  for (const auto& row : *rows) {
    ASSERT_TRUE(row.checkpoint.ok()) << row.checkpoint.status().ToString();
    checkpoints.push_back(*row.checkpoint);
  }
  ASSERT_EQ(checkpoints.size(), 98u);
  auto results = ComputeRingClosures(*rings, roads->roads, checkpoints, {}, "chengdu");
  size_t crossings = 0, directions = 0, covered = 0;
  for (const RingClosure& rc : results) {
    crossings += rc.report.crossings;
    directions += rc.report.directions;
    covered += rc.report.covered;
    if (rc.ring_id == "510106") {
      EXPECT_EQ(rc.ring_name, "金牛区");
      EXPECT_EQ(rc.report.crossings, 108u);
      EXPECT_EQ(rc.report.directions, 156u);
      EXPECT_EQ(rc.report.covered, 102u);
    }
  }
  EXPECT_EQ(crossings, 352u);
  EXPECT_EQ(directions, 522u);
  EXPECT_EQ(covered, 306u);
  // The same crossings with no checkpoint at all: every direction is a gap.
  auto bare = ComputeRingClosures(*rings, roads->roads, {}, {}, "chengdu");
  for (const RingClosure& rc : bare) EXPECT_EQ(rc.report.covered, 0u);
}

}  // namespace
}  // namespace quanyu::tools
