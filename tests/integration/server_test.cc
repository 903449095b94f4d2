// The real server over real sockets: checkpoints, GA/T 1400 and bulk ingest, quarantine and
// replay, duplicates, metrics, errors.
#include <gtest/gtest.h>

#include <thread>

#include "core/time_format.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

std::string Now14() { return FormatCompactLocalTime(SystemClock::Get()->Now()); }

// A MotorVehicleObject as a device sends it: numbers as strings, a vendor field.
json Vehicle(const std::string& id, const std::string& plate,
             const std::string& tollgate = "51170200001210000001") {
  return {{"MotorVehicleID", id},
          {"InfoKind", "1"},
          {"DeviceID", "51170200001320000001"},
          {"TollgateID", tollgate},
          {"PassTime", Now14()},
          {"LaneNo", "2"},
          {"HasPlate", "1"},
          {"PlateClass", "02"},
          {"PlateColor", "5"},
          {"PlateNo", plate},
          {"Speed", "48.5"},
          {"VehicleClass", "K33"},
          {"VehicleColor", 2},
          {"Direction", "3"},
          {"StorageUrl1", "http://img/1.jpg"},
          {"HikExt", {{"Confidence", "0.98"}}}};
}

std::string Envelope(const std::vector<json>& objects) {
  return json{{"MotorVehicleListObject", {{"MotorVehicleObject", objects}}}}.dump();
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = server_.client().Post("/api/v1/checkpoints", json{{"id", "51170200001210000001"},
                                                               {"name", "通川区西外卡口"},
                                                               {"lng", 107.4682},
                                                               {"lat", 31.2125},
                                                               {"directions", {"西向东", "东向西"}},
                                                               {"lanes", 4}}
                                                              .dump());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 201) << r->body;
  }
  api::ClientResponse Must(StatusOr<api::ClientResponse> r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : api::ClientResponse{};
  }
  json Stats() {
    // Reads go to the store; give the applier a moment to catch up.
    for (int i = 0; i < 200; ++i) {
      json s = Json(Must(server_.client().Get("/api/v1/passages/stats")));
      if (s["pending_store"] == 0) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Json(Must(server_.client().Get("/api/v1/passages/stats")));
  }
  ServerFixture server_;
};

TEST_F(ServerTest, HealthAndMetrics) {
  auto h = Must(server_.client().Get("/healthz"));
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(Json(h)["status"], "ok");
  EXPECT_FALSE(h.headers["x-request-id"].empty());
  auto m = Must(server_.client().Get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(
      m.body.find("quanyu_http_requests_total{method=\"GET\",route=\"/healthz\",code=\"200\"} 1"),
      std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("quanyu_ingest_queue_depth"), std::string::npos);
}

TEST_F(ServerTest, CheckpointCrudWithFieldErrors) {
  auto& c = server_.client();
  auto got = Must(c.Get("/api/v1/checkpoints/51170200001210000001"));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got)["division_code"], "511702");
  EXPECT_EQ(Json(got)["directions"], json({90, 270}));

  auto dup = Must(c.Post(
      "/api/v1/checkpoints",
      json{{"id", "51170200001210000001"}, {"name", "x"}, {"lng", 107}, {"lat", 31}}.dump()));
  EXPECT_EQ(dup.status, 409);

  auto bad = Must(c.Post("/api/v1/checkpoints",
                         json{{"id", "K2"}, {"name", "x"}, {"lng", "east"}, {"lat", 31}}.dump()));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json(bad)["error"]["field"], "lng");
  EXPECT_EQ(Json(bad)["error"]["code"], "invalid_argument");

  auto notjson = Must(c.Post("/api/v1/checkpoints", "{nope"));
  EXPECT_EQ(notjson.status, 400);
  EXPECT_EQ(Json(notjson)["error"]["field"], "body");

  auto patched =
      Must(c.Send("PATCH", "/api/v1/checkpoints/51170200001210000001", R"({"status":"faulty"})"));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Json(patched)["status"], "faulty");
  EXPECT_EQ(Json(patched)["name"], "通川区西外卡口");

  auto faulty = Must(c.Get("/api/v1/checkpoints?status=faulty"));
  EXPECT_EQ(Json(faulty)["items"].size(), 1u);

  EXPECT_EQ(Must(c.Send("DELETE", "/api/v1/checkpoints/51170200001210000001")).status, 204);
  EXPECT_EQ(Must(c.Get("/api/v1/checkpoints/51170200001210000001")).status, 404);
  EXPECT_EQ(Must(c.Send("DELETE", "/api/v1/checkpoints/51170200001210000001")).status, 404);
}

TEST_F(ServerTest, Gat1400IngestAnswersOneStatusPerObjectAndQuarantinesBadOnes) {
  auto& c = server_.client();
  std::vector<json> objs = {Vehicle("MV-0001", "川S12345"), Vehicle("MV-0002", "川A1"),
                            Vehicle("MV-0003", "川AD12345"),
                            Vehicle("MV-0004", "川S54321", "NO-SUCH-TOLLGATE")};
  objs.push_back(Vehicle("MV-0005", "未识别"));
  objs.back()["HasPlate"] = 0;
  auto r =
      Must(server_.feed().Post("/VIID/MotorVehicles", Envelope(objs), "application/VIID+JSON"));
  ASSERT_EQ(r.status, 200) << r.body;
  json statuses = Json(r)["ResponseStatusListObject"]["ResponseStatusObject"];
  ASSERT_EQ(statuses.size(), 5u);
  EXPECT_EQ(statuses[0]["StatusCode"], "0");
  EXPECT_EQ(statuses[0]["Id"], "MV-0001");
  EXPECT_EQ(statuses[1]["StatusCode"], "8");
  EXPECT_NE(statuses[1]["StatusString"].get<std::string>().find("PlateNo"), std::string::npos);
  EXPECT_EQ(statuses[2]["StatusCode"], "0");
  EXPECT_EQ(statuses[3]["StatusCode"], "8");
  EXPECT_NE(statuses[3]["StatusString"].get<std::string>().find("TollgateID"), std::string::npos);
  EXPECT_EQ(statuses[4]["StatusCode"], "0");  // no plate: accepted and flagged

  json stats = Stats();
  EXPECT_EQ(stats["stored"], 3);
  EXPECT_EQ(stats["quarantined_open"], 2);
  EXPECT_EQ(stats["quarantine_by_code"]["invalid_plate"], 1);
  EXPECT_EQ(stats["quarantine_by_code"]["unknown_checkpoint"], 1);

  // The resend of an accepted record is acknowledged and not stored twice.
  auto again =
      Must(server_.feed().Post("/VIID/MotorVehicles", Envelope({Vehicle("MV-0001", "川S12345")})));
  json st = Json(again)["ResponseStatusListObject"]["ResponseStatusObject"][0];
  EXPECT_EQ(st["StatusCode"], "0");
  EXPECT_NE(st["StatusString"].get<std::string>().find("duplicate"), std::string::npos);
  EXPECT_EQ(Stats()["stored"], 3);

  // The quarantine keeps reason and payload; image data never, references yes.
  auto q = Json(Must(c.Get("/api/v1/quarantine?code=invalid_plate")));
  ASSERT_EQ(q["items"].size(), 1u);
  json entry = q["items"][0];
  EXPECT_EQ(entry["record_id"], "MV-0002");
  EXPECT_EQ(entry["field"], "PlateNo");
  EXPECT_EQ(entry["source"], "gat1400");
  EXPECT_EQ(entry["payload"]["PlateNo"], "川A1");

  // Correct it and replay: accepted, and the entry is closed.
  json fixed = entry["payload"];
  fixed["PlateNo"] = "川A12345";
  auto replay = Must(c.Post("/api/v1/quarantine/" + entry["id"].get<std::string>() + "/replay",
                            json{{"record", fixed}, {"note", "plate re-read from image"}}.dump()));
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(Json(replay)["status"], "accepted");
  auto closed = Json(Must(c.Get("/api/v1/quarantine/" + entry["id"].get<std::string>())));
  EXPECT_EQ(closed["state"], "replayed");
  EXPECT_EQ(closed["resolution_note"], "plate re-read from image");
  EXPECT_EQ(Stats()["stored"], 4);
  // A second replay of a closed entry is refused.
  EXPECT_EQ(
      Must(c.Post("/api/v1/quarantine/" + entry["id"].get<std::string>() + "/replay", "")).status,
      409);

  // The unknown checkpoint: replaying unchanged fails again (422) and stays open...
  auto uq = Json(Must(c.Get("/api/v1/quarantine?code=unknown_checkpoint")))["items"][0];
  std::string uid = uq["id"];
  auto still = Must(c.Post("/api/v1/quarantine/" + uid + "/replay", ""));
  EXPECT_EQ(still.status, 422);
  EXPECT_EQ(Json(Must(c.Get("/api/v1/quarantine/" + uid)))["state"], "open");
  // ...until the checkpoint is registered; then the original payload is accepted.
  ASSERT_EQ(Must(c.Send("PUT", "/api/v1/checkpoints/NO-SUCH-TOLLGATE",
                        json{{"name", "新卡口"}, {"lng", 107.5}, {"lat", 31.2}}.dump()))
                .status,
            200);
  EXPECT_EQ(Must(c.Post("/api/v1/quarantine/" + uid + "/replay", "")).status, 200);
  EXPECT_EQ(Stats()["quarantined_open"], 0);
}

TEST_F(ServerTest, Gat1400EnvelopeErrorsAndBiometricsNotSupported) {
  auto& c = server_.client();
  auto notjson = Must(server_.feed().Post("/VIID/MotorVehicles", "<xml/>"));
  EXPECT_EQ(notjson.status, 400);
  EXPECT_EQ(Json(notjson)["ResponseStatusObject"]["StatusCode"], "7");
  EXPECT_EQ(Json(notjson)["error"]["code"], "invalid_argument");
  auto noenv = Must(server_.feed().Post("/VIID/MotorVehicles", R"({"Foo":[]})"));
  EXPECT_EQ(noenv.status, 400);
  EXPECT_NE(Json(noenv)["error"]["field"].get<std::string>().find("MotorVehicleListObject"),
            std::string::npos);
  auto faces = Must(c.Post("/VIID/Faces", R"({"FaceListObject":{"FaceObject":[]}})"));
  EXPECT_EQ(faces.status, 501);
  EXPECT_NE(Json(faces)["error"]["message"].get<std::string>().find("not supported"),
            std::string::npos);
  auto time = Json(Must(c.Get("/VIID/System/Time")));
  EXPECT_EQ(time["SystemTimeObject"]["LocalTime"].get<std::string>().size(), 14u);
}

TEST_F(ServerTest, BulkNdjsonAndJsonArray) {
  std::string now = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  std::string ndjson = json{{"id", "B1"},
                            {"checkpoint_id", "51170200001210000001"},
                            {"pass_time", now},
                            {"plate", "川S11111"},
                            {"plate_color", "blue"}}
                           .dump() +
                       "\n" + "{broken\n" +
                       json{{"id", "B2"},
                            {"checkpoint_id", "51170200001210000001"},
                            {"pass_time", now},
                            {"plate", "渝A22222"},
                            {"speed_kmh", 900}}
                           .dump() +
                       "\n";
  auto r = Must(server_.feed().Post("/api/v1/passages", ndjson, "application/x-ndjson"));
  ASSERT_EQ(r.status, 200) << r.body;
  json j = Json(r);
  EXPECT_EQ(j["accepted"], 1);
  EXPECT_EQ(j["rejected"], 2);
  EXPECT_EQ(j["results"][1]["error"]["code"], "invalid_json");
  EXPECT_EQ(j["results"][2]["error"]["code"], "invalid_speed");
  EXPECT_EQ(j["results"][2]["error"]["field"], "speed_kmh");

  json arr = json::array({json{{"id", "B3"},
                               {"checkpoint_id", "51170200001210000001"},
                               {"pass_time", now},
                               {"plate", "川S33333"}}});
  auto r2 = Must(server_.feed().Post("/api/v1/passages", arr.dump()));
  EXPECT_EQ(Json(r2)["accepted"], 1);
  EXPECT_EQ(Stats()["stored"], 2);
}

TEST_F(ServerTest, UnknownRoutesAndMethods) {
  auto& c = server_.client();
  auto nf = Must(c.Get("/api/v1/nothing-here"));
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(Json(nf)["error"]["code"], "not_found");
  EXPECT_EQ(Must(c.Send("DELETE", "/api/v1/passages/stats")).status, 405);
}

TEST_F(ServerTest, DataSurvivesAGracefulRestart) {
  ASSERT_EQ(Json(Must(server_.feed().Post(
                "/VIID/MotorVehicles",
                Envelope({Vehicle("R-1", "川S10001"),
                          Vehicle("R-2", "川S10002")}))))["ResponseStatusListObject"]
                                                         ["ResponseStatusObject"][1]["StatusCode"],
            "0");
  server_.Restart();
  EXPECT_EQ(Stats()["stored"], 2);
  EXPECT_EQ(Json(Must(server_.client().Get("/api/v1/checkpoints")))["items"].size(), 1u);
}

}  // namespace
}  // namespace quanyu::testing
