// Rings (圈层) over real sockets: import (WGS-84 and GCJ-02 boundary files), point location,
// the rings each checkpoint guards (derived from position and bearings, and set by hand),
// errors that name the field, and who may change rings.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "geo/crs.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

std::string Boundary(const std::string& name) {
  std::ifstream in(SourceDir() + "/data/boundaries/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read data/boundaries/" << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A square city about 10 km across near Chengdu; a county filling its south-west quarter; and
// a feature without a name.
constexpr char kCity[] = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"city","name":"示例市"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.1,30.6],[104.1,30.7],[104.0,30.7],[104.0,30.6]]]}},
  {"type":"Feature","properties":{"id":"nameless"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.05,30.6],[104.05,30.65],[104.0,30.6]]]}}]})";
constexpr char kCounty[] = R"({"type":"FeatureCollection","features":[
  {"type":"Feature","properties":{"id":"county","name":"示例县"},"geometry":{"type":"Polygon",
   "coordinates":[[[104.0,30.6],[104.05,30.6],[104.05,30.65],[104.0,30.65],[104.0,30.6]]]}}]})";

class RingsApiTest : public ::testing::Test {
 protected:
  api::ClientResponse Must(StatusOr<api::ClientResponse> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : api::ClientResponse{};
  }
  api::ClientResponse Send(const std::string& method, const std::string& target,
                           const std::string& body = "") {
    return Must(
        server_.client().Send(method, target, body, {{"Content-Type", "application/json"}}));
  }
  void ImportSquares() {
    auto city = Send("POST", "/api/v1/rings?level=city", kCity);
    ASSERT_EQ(city.status, 200) << city.body;
    auto county = Send("POST", "/api/v1/rings?level=county&crs=wgs84", kCounty);
    ASSERT_EQ(county.status, 200) << county.body;
  }
  std::vector<std::string> Locate(const std::string& query) {
    auto r = Send("GET", "/api/v1/rings/locate?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    const json body = Json(r);
    EXPECT_TRUE(body["rings"].is_array()) << r.body;
    std::vector<std::string> ids;
    for (const json& ring : body["rings"]) ids.push_back(ring["id"]);
    return ids;
  }
  std::string ErrorField(const api::ClientResponse& r) {
    json j = Json(r);
    return j.contains("error") ? j["error"].value("field", "") : "(no error)";
  }

  ServerFixture server_;
};

TEST_F(RingsApiTest, ImportReportsRefusedFeaturesAndLocatesInnermostFirst) {
  auto city = Send("POST", "/api/v1/rings?level=city", kCity);
  ASSERT_EQ(city.status, 200) << city.body;
  json summary = Json(city);
  ASSERT_EQ(summary["accepted"].size(), 1u);
  EXPECT_EQ(summary["accepted"][0]["id"], "city");
  EXPECT_NEAR(summary["accepted"][0]["area_km2"].get<double>(), 9.6 * 11.1, 5);
  ASSERT_EQ(summary["rejected"].size(), 1u);
  EXPECT_EQ(summary["rejected"][0]["index"], 1);
  EXPECT_EQ(summary["rejected"][0]["field"], "features[1].properties.name");

  auto county = Send("POST", "/api/v1/rings?level=county", kCounty);
  ASSERT_EQ(county.status, 200) << county.body;
  EXPECT_EQ(Json(county)["accepted"][0]["parent_id"], "city");
  EXPECT_EQ(Json(county)["accepted"][0]["parent_name"], "示例市");

  EXPECT_EQ(Locate("lng=104.02&lat=30.62"), (std::vector<std::string>{"county", "city"}));
  EXPECT_EQ(Locate("lng=104.08&lat=30.68"), (std::vector<std::string>{"city"}));
  EXPECT_TRUE(Locate("lng=105&lat=30.62").empty());
  // The same place given in GCJ-02.
  geo::LngLat gcj = geo::Wgs84ToGcj02({104.02, 30.62});
  EXPECT_EQ(
      Locate("lng=" + std::to_string(gcj.lng) + "&lat=" + std::to_string(gcj.lat) + "&crs=gcj02"),
      (std::vector<std::string>{"county", "city"}));
  auto located = Json(Send("GET", "/api/v1/rings/locate?lng=104.02&lat=30.62"));
  EXPECT_EQ(located["rings"][0]["name"], "示例县");
  EXPECT_EQ(located["rings"][0]["level"], "county");
  EXPECT_EQ(located["rings"][1]["level"], "city");

  auto list = Json(Send("GET", "/api/v1/rings"));
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_FALSE(list["items"][0].contains("geometry"));
  auto features = Json(Send("GET", "/api/v1/rings?geometry=true"));
  EXPECT_EQ(features["type"], "FeatureCollection");
  ASSERT_EQ(features["features"].size(), 2u);
  EXPECT_EQ(features["features"][0]["geometry"]["type"], "MultiPolygon");

  auto one = Json(Send("GET", "/api/v1/rings/county"));
  EXPECT_EQ(one["type"], "Feature");
  EXPECT_EQ(one["properties"]["parent_id"], "city");
  EXPECT_EQ(one["geometry"]["coordinates"][0][0][1], json::parse("[104.05,30.6]"));

  ASSERT_EQ(Send("DELETE", "/api/v1/rings/city").status, 204);
  EXPECT_EQ(Send("GET", "/api/v1/rings/city").status, 404);
  EXPECT_EQ(Send("DELETE", "/api/v1/rings/city").status, 404);
  EXPECT_EQ(Json(Send("GET", "/api/v1/rings/county"))["properties"]["parent_id"], nullptr);
  EXPECT_EQ(Locate("lng=104.02&lat=30.62"), (std::vector<std::string>{"county"}));

  // Imports and deletions are in the audit log.
  api::HttpClient& auditor = server_.As("auditor");
  auto audit = Json(Must(auditor.Get("/api/v1/audit?action=DELETE%20/api/v1/rings/%7Bid%7D")));
  ASSERT_GE(audit["items"].size(), 1u);
  EXPECT_EQ(audit["items"][0]["target"], "ring:city");
  auto imports = Json(Must(auditor.Get("/api/v1/audit?action=POST%20/api/v1/rings")));
  ASSERT_EQ(imports["items"].size(), 2u);
  EXPECT_EQ(imports["items"][1]["detail"]["accepted"], json::array({"city"}));
}

TEST_F(RingsApiTest, DazhouBoundaryFilesInGcj02) {
  auto counties =
      Send("POST", "/api/v1/rings?level=county&crs=gcj02", Boundary("datav_511700_full.json"));
  ASSERT_EQ(counties.status, 200) << counties.body;
  EXPECT_EQ(Json(counties)["accepted"].size(), 7u);
  auto cities =
      Send("POST", "/api/v1/rings?level=city&crs=gcj02", Boundary("datav_510000_full.json"));
  ASSERT_EQ(cities.status, 200) << cities.body;
  EXPECT_EQ(Json(cities)["reparented"], 7);
  // 通川区, in 达州市 (WGS-84 position of the city centre).
  EXPECT_EQ(Locate("lng=107.4681&lat=31.2128"), (std::vector<std::string>{"511702", "511700"}));
  // The stored geometry is WGS-84: the GCJ-02 file's first vertex, converted.
  json file = json::parse(Boundary("datav_511700_full.json"));
  json first = file["features"][0]["geometry"]["coordinates"][0][0][0];
  geo::LngLat want = geo::Gcj02ToWgs84({first[0].get<double>(), first[1].get<double>()});
  json stored = Json(Send("GET", "/api/v1/rings/511702"))["geometry"]["coordinates"][0][0][0];
  EXPECT_NEAR(stored[0].get<double>(), want.lng, 1e-9);
  EXPECT_NEAR(stored[1].get<double>(), want.lat, 1e-9);
  EXPECT_GT(std::abs(stored[0].get<double>() - first[0].get<double>()), 1e-3)
      << "GCJ-02 is some hundred metres off WGS-84 here";
}

TEST_F(RingsApiTest, CheckpointAssignmentDerivedOverriddenAndRestored) {
  ImportSquares();
  // On the city's west side above the county, watching eastbound traffic: it guards the city,
  // inbound.
  auto created = Send("POST", "/api/v1/checkpoints",
                      json{{"id", "K-WEST"},
                           {"name", "西口卡口"},
                           {"lng", 104.0},
                           {"lat", 30.675},
                           {"directions", {"西向东"}}}
                          .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  auto derived = Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"));
  EXPECT_EQ(derived["source"], "derived");
  ASSERT_EQ(derived["rings"].size(), 1u) << derived.dump();
  EXPECT_EQ(derived["rings"][0]["ring_id"], "city");
  EXPECT_EQ(derived["rings"][0]["name"], "示例市");
  EXPECT_EQ(derived["rings"][0]["inbound"], true);
  EXPECT_EQ(derived["rings"][0]["outbound"], false);
  EXPECT_EQ(derived["manual"], nullptr);
  // Watching both ways after an edit; the ring list counts it.
  ASSERT_EQ(
      Send("PATCH", "/api/v1/checkpoints/K-WEST", R"({"directions":["西向东","东向西"]})").status,
      200);
  derived = Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"));
  EXPECT_EQ(derived["rings"][0]["outbound"], true);
  auto list = Json(Send("GET", "/api/v1/rings"));
  for (const json& r : list["items"]) {
    EXPECT_EQ(r["checkpoint_count"], r["id"] == "city" ? 1 : 0) << r.dump();
  }

  // By hand: it guards the county instead, inbound only.
  auto put =
      Send("PUT", "/api/v1/checkpoints/K-WEST/rings", R"([{"ring_id":"county","inbound":true}])");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put)["source"], "manual");
  auto manual = Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"));
  EXPECT_EQ(manual["source"], "manual");
  ASSERT_EQ(manual["rings"].size(), 1u);
  EXPECT_EQ(manual["rings"][0]["ring_id"], "county");
  EXPECT_EQ(manual["rings"][0]["manual"], true);
  EXPECT_EQ(manual["derived"][0]["ring_id"], "city");
  // A manual assignment outlives a change of the checkpoint.
  ASSERT_EQ(Send("PATCH", "/api/v1/checkpoints/K-WEST", R"({"lanes":2})").status, 200);
  EXPECT_EQ(Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"))["source"], "manual");
  // And a restart.
  server_.Restart();
  EXPECT_EQ(Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"))["rings"][0]["ring_id"], "county");

  auto cleared = Send("DELETE", "/api/v1/checkpoints/K-WEST/rings");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(Json(cleared)["source"], "derived");
  EXPECT_EQ(Json(cleared)["rings"][0]["ring_id"], "city");

  // Moved to the middle of the city: it guards nothing, and stands in the city.
  ASSERT_EQ(Send("PATCH", "/api/v1/checkpoints/K-WEST", R"({"lng":104.08,"lat":30.68})").status,
            200);
  auto moved = Json(Send("GET", "/api/v1/checkpoints/K-WEST/rings"));
  EXPECT_TRUE(moved["rings"].empty()) << moved.dump();
  ASSERT_EQ(moved["inside"].size(), 1u);
  EXPECT_EQ(moved["inside"][0]["id"], "city");

  auto audit = Json(Must(server_.As("auditor").Get("/api/v1/audit?target=checkpoint:K-WEST")));
  std::set<std::string> actions;
  for (const json& a : audit["items"]) actions.insert(a["action"]);
  EXPECT_TRUE(actions.count("PUT /api/v1/checkpoints/{id}/rings")) << audit.dump();
  EXPECT_TRUE(actions.count("DELETE /api/v1/checkpoints/{id}/rings")) << audit.dump();

  ASSERT_EQ(Send("DELETE", "/api/v1/checkpoints/K-WEST").status, 204);
  EXPECT_EQ(Send("GET", "/api/v1/checkpoints/K-WEST/rings").status, 404);
}

TEST_F(RingsApiTest, BadInputNamesTheField) {
  ImportSquares();
  ASSERT_EQ(
      Send("POST", "/api/v1/checkpoints", R"({"id":"K1","name":"卡口","lng":104.0,"lat":30.675})")
          .status,
      201);
  auto field = [&](const std::string& method, const std::string& target,
                   const std::string& body = "") {
    auto r = Send(method, target, body);
    EXPECT_EQ(r.status, 400) << method << " " << target << ": " << r.body;
    return ErrorField(r);
  };
  EXPECT_EQ(field("GET", "/api/v1/rings/locate?lng=abc&lat=30"), "lng");
  EXPECT_EQ(field("GET", "/api/v1/rings/locate?lng=104"), "lat");
  EXPECT_EQ(field("GET", "/api/v1/rings/locate?lng=104&lat=91"), "lat");
  EXPECT_EQ(field("GET", "/api/v1/rings/locate?lng=104&lat=30&crs=bd09"), "crs");
  EXPECT_EQ(field("GET", "/api/v1/rings?geometry=yes"), "geometry");
  EXPECT_EQ(field("POST", "/api/v1/rings", kCounty), "level");
  EXPECT_EQ(field("POST", "/api/v1/rings?level=planet", kCounty), "level");
  EXPECT_EQ(field("POST", "/api/v1/rings?level=city&crs=bd09", kCounty), "crs");
  EXPECT_EQ(field("POST", "/api/v1/rings?level=city", "not json"), "body");
  EXPECT_EQ(field("POST", "/api/v1/rings?level=city",
                  R"({"type":"FeatureCollection","features":[{"type":"Feature",
                      "properties":{"name":"x","id":"x"},"geometry":{"type":"Polygon",
                      "coordinates":[[[104,30],[105,30],[104,30]]]}}]})"),
            "features[0].geometry.coordinates[0]");
  EXPECT_EQ(
      field("PUT", "/api/v1/checkpoints/K1/rings", R"([{"ring_id":"atlantis","inbound":true}])"),
      "rings[0].ring_id");
  EXPECT_EQ(field("PUT", "/api/v1/checkpoints/K1/rings", R"([{"ring_id":"city"}])"),
            "rings[0].inbound");
  EXPECT_EQ(field("PUT", "/api/v1/checkpoints/K1/rings", R"({"watches":[]})"), "rings");
  EXPECT_EQ(field("PUT", "/api/v1/checkpoints/K1/rings", "{"), "body");
  EXPECT_EQ(Send("PUT", "/api/v1/checkpoints/NOPE/rings", "[]").status, 404);
  // Nothing stored by the refused edits.
  EXPECT_EQ(Json(Send("GET", "/api/v1/checkpoints/K1/rings"))["source"], "derived");
  EXPECT_EQ(Json(Send("GET", "/api/v1/rings"))["items"].size(), 2u);
}

TEST_F(RingsApiTest, ReadersMayNotChangeRings) {
  ImportSquares();
  ASSERT_EQ(
      Send("POST", "/api/v1/checkpoints", R"({"id":"K1","name":"卡口","lng":104.0,"lat":30.675})")
          .status,
      201);
  api::HttpClient& analyst = server_.As("analyst");
  EXPECT_EQ(Must(analyst.Get("/api/v1/rings/locate?lng=104.02&lat=30.62")).status, 200);
  EXPECT_EQ(Must(analyst.Get("/api/v1/checkpoints/K1/rings")).status, 200);
  EXPECT_EQ(Must(analyst.Post("/api/v1/rings?level=city", kCounty)).status, 403);
  EXPECT_EQ(Must(analyst.Send("DELETE", "/api/v1/rings/city")).status, 403);
  EXPECT_EQ(Must(analyst.Send("PUT", "/api/v1/checkpoints/K1/rings", "[]")).status, 403);
  EXPECT_EQ(Must(server_.As("mediator").Get("/api/v1/rings")).status, 403);
  EXPECT_EQ(Json(Send("GET", "/api/v1/rings"))["items"].size(), 2u);
  auto refusals = Json(Must(server_.As("auditor").Get("/api/v1/audit?actor=user:analyst-user")));
  size_t denied = 0;
  for (const json& a : refusals["items"]) denied += a["outcome"] == "denied";
  EXPECT_EQ(denied, 3u);
}

}  // namespace
}  // namespace quanyu::testing
