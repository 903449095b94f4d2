// Alerts end to end over real sockets: a passage of a listed plate, posted over HTTP, raises
// an alert that a WebSocket subscriber receives; repeated hits fold; the lifecycle is
// attributed and audited; a reconnecting subscriber resumes after the last id it saw.
#include <gtest/gtest.h>

#include "api/ws_client.h"
#include "core/time_format.h"
#include "rules/alert_lists.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

StatusOr<api::ClientResponse> Patch(api::HttpClient& c, const std::string& target,
                                    const std::string& body) {
  return c.Send("PATCH", target, body, {{"Content-Type", "application/json"}});
}
StatusOr<api::ClientResponse> Put(api::HttpClient& c, const std::string& target,
                                  const std::string& body) {
  return c.Send("PUT", target, body, {{"Content-Type", "application/json"}});
}
std::string ErrorField(const api::ClientResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("error")) return "<no error body>";
  return j["error"].value("field", "");
}

class AlertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.client()
                  .Post("/api/v1/checkpoints",
                        R"({"id":"K1","name":"西外卡口","lng":107.45,"lat":31.21})")
                  ->status,
              201);
    govern::Principal commander;
    commander.kind = govern::PrincipalKind::kUser;
    commander.id = "chief";
    commander.agency = "bureau";
    commander.role = "commander";
    rules::AlertLists& lists = *server_.app().alert_lists();
    ASSERT_TRUE(
        lists.CreateList(commander, rules::AlertList{"stolen", "被盗抢车辆", "bureau", "", 0, ""})
            .ok());
    rules::AlertEntry e;
    e.list_id = "stolen";
    e.plate = "川S12345";
    e.category = rules::Category::kStolenVehicle;
    e.priority = 1;
    e.legal_basis = {"2026-0042", "达州市公安局", "王伟"};
    e.valid_from = SystemClock::Get()->Now() - kMicrosPerDay;
    e.valid_until = SystemClock::Get()->Now() + 30 * kMicrosPerDay;
    auto added = lists.AddEntry(commander, e);
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    server_.As("operator");
    operator_token_ = server_.Login({{"user", "operator-user"}, {"password", kTestPassword}});
  }

  void Post(const std::string& id, const std::string& plate, UnixMicros t) {
    json rec = {{"id", id},
                {"checkpoint_id", "K1"},
                {"pass_time", FormatRfc3339(t, kChinaOffsetSeconds)},
                {"plate", plate}};
    auto r = server_.feed().Post("/api/v1/passages", json::array({rec}).dump());
    ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  }

  // A subscriber to /api/v1/stream?<query>. A read that waits longer than the client's
  // deadline (10 s) fails the test instead of hanging it.
  std::unique_ptr<api::WsClient> Subscribe(const std::string& query) {
    auto ws =
        api::WsClient::Connect("127.0.0.1", server_.port(),
                               "/api/v1/stream?" + query + "&access_token=" + operator_token_);
    EXPECT_TRUE(ws.ok()) << ws.status().ToString();
    return ws.ok() ? std::move(*ws) : nullptr;
  }

  static json Read(api::WsClient* ws) {
    if (ws == nullptr) return json{{"error", "no subscriber"}};
    auto m = ws->Read();
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? json::parse(*m) : json{{"error", m.status().ToString()}};
  }

  ServerFixture server_;
  std::string operator_token_;
};

TEST_F(AlertTest, ListedPlateRaisesAnAlertOnTheStreamAndRepeatsFold) {
  auto ws = Subscribe("topics=alert");
  ASSERT_NE(ws, nullptr);
  const UnixMicros now = SystemClock::Get()->Now();
  Post("P0", "川A00000", now);  // not listed: nothing
  Post("P1", "川S12345", now);
  json m = Read(ws.get());
  EXPECT_EQ(m["topic"], "alert");
  EXPECT_EQ(m["event"], "raised");
  const json& a = m["data"];
  EXPECT_EQ(a["id"], 1);
  EXPECT_EQ(a["type"], "list_hit");
  EXPECT_EQ(a["plate"], "川S12345");
  EXPECT_EQ(a["record_id"], "P1");
  EXPECT_EQ(a["checkpoint_name"], "西外卡口");
  EXPECT_EQ(a["category"], "stolen_vehicle");
  EXPECT_EQ(a["case_no"], "2026-0042");
  EXPECT_EQ(a["owner_agency"], "bureau");
  EXPECT_EQ(a["priority"], 1);
  EXPECT_EQ(a["state"], "new");

  Post("P2", "川S12345", now + 60 * kMicrosPerSecond);
  json fold = Read(ws.get());
  EXPECT_EQ(fold["event"], "updated");
  EXPECT_EQ(fold["data"]["id"], 1);
  EXPECT_EQ(fold["data"]["count"], 2);
  EXPECT_EQ(fold["data"]["record_id"], "P2");

  auto list = server_.As("operator").Get("/api/v1/alerts?state=new");
  ASSERT_TRUE(list.ok() && list->status == 200) << (list.ok() ? list->body : "");
  json items = json::parse(list->body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["count"], 2);
  EXPECT_TRUE(ws->Close().ok());
}

TEST_F(AlertTest, ARenamedCheckpointShowsItsNewNameInTheNextAlert) {
  auto ws = Subscribe("topics=alert");
  ASSERT_NE(ws, nullptr);
  const UnixMicros now = SystemClock::Get()->Now();
  Post("P1", "川S12345", now - 12 * kMicrosPerMinute);
  EXPECT_EQ(Read(ws.get())["data"]["checkpoint_name"], "西外卡口");
  auto renamed = Put(server_.client(), "/api/v1/checkpoints/K1",
                     R"({"name":"西外收费站卡口","lng":107.45,"lat":31.21})");
  ASSERT_TRUE(renamed.ok() && renamed->status == 200) << (renamed.ok() ? renamed->body : "");
  // Beyond the fold window: a new alert, which names the checkpoint as it is now.
  Post("P2", "川S12345", now);
  json m = Read(ws.get());
  EXPECT_EQ(m["event"], "raised");
  EXPECT_EQ(m["data"]["checkpoint_name"], "西外收费站卡口");
}

TEST_F(AlertTest, LifecycleStepsAreAttributedAuditedAndForwardOnly) {
  Post("P1", "川S12345", SystemClock::Get()->Now());
  api::HttpClient& op = server_.As("operator");
  auto ack = Patch(op, "/api/v1/alerts/1", R"({"state":"acknowledged"})");
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(ack->status, 200) << ack->body;
  json a = json::parse(ack->body);
  EXPECT_EQ(a["state"], "acknowledged");
  EXPECT_EQ(a["history"].back()["actor"], "user:operator-user");

  auto back = Patch(op, "/api/v1/alerts/1", R"({"state":"new"})");
  EXPECT_EQ(back->status, 400);
  EXPECT_EQ(ErrorField(*back), "state");
  auto no_note = Patch(op, "/api/v1/alerts/1", R"({"state":"closed"})");
  EXPECT_EQ(no_note->status, 400);
  EXPECT_EQ(ErrorField(*no_note), "note");
  auto closed = Patch(op, "/api/v1/alerts/1", R"({"state":"closed","note":"车辆已拦截"})");
  ASSERT_EQ(closed->status, 200) << closed->body;
  // The analyst may not change alerts; nor read them.
  EXPECT_EQ(Patch(server_.As("analyst"), "/api/v1/alerts/1", R"({"state":"closed"})")->status, 403);
  EXPECT_EQ(server_.As("analyst").Get("/api/v1/alerts/1")->status, 403);
  auto audit = server_.As("auditor").Get("/api/v1/audit?target=alert:1");
  ASSERT_TRUE(audit.ok() && audit->status == 200) << (audit.ok() ? audit->body : "");
  std::string body = audit->body;
  EXPECT_NE(body.find("alert.acknowledged"), std::string::npos);
  EXPECT_NE(body.find("alert.closed"), std::string::npos);
  EXPECT_NE(body.find("车辆已拦截"), std::string::npos);
}

TEST_F(AlertTest, AReconnectingSubscriberResumesAfterTheLastIdWithoutGaps) {
  // Pass times in the past: devices may send late, not from the future.
  const UnixMicros now = SystemClock::Get()->Now() - 60 * 60 * kMicrosPerSecond;
  Post("P1", "川S12345", now);
  auto ws = Subscribe("topics=alert&after=0");
  ASSERT_NE(ws, nullptr);
  EXPECT_EQ(Read(ws.get())["data"]["id"], 1);  // the backlog
  EXPECT_TRUE(ws->Close().ok());
  // While away: the alert is closed, and two more are raised (one beyond the fold window).
  ASSERT_EQ(Patch(server_.As("operator"), "/api/v1/alerts/1", R"({"state":"closed","note":"误报"})")
                ->status,
            200);
  Post("P2", "川S12345", now + kMicrosPerSecond);
  Post("P3", "川S12345", now + 20 * 60 * kMicrosPerSecond);
  auto again = Subscribe("topics=alert&after=1");
  ASSERT_NE(again, nullptr);
  json first = Read(again.get());
  json second = Read(again.get());
  EXPECT_EQ(first["data"]["id"], 2);
  EXPECT_EQ(second["data"]["id"], 3);
  // Live again after the backlog.
  Post("P4", "川S12345", now + 21 * 60 * kMicrosPerSecond);
  json live = Read(again.get());
  EXPECT_EQ(live["data"]["id"], 3);
  EXPECT_EQ(live["data"]["count"], 2);
  EXPECT_TRUE(again->Close().ok());
}

TEST_F(AlertTest, ALiveSubscriberGetsAnAlertRaisedTheMomentItIsConnected) {
  // The subscription exists before the handshake is answered: an alert raised as soon as the
  // client holds its connection reaches it, every time.
  const UnixMicros now = SystemClock::Get()->Now();
  for (int i = 0; i < 20; ++i) {
    auto ws = Subscribe("topics=alert");
    ASSERT_NE(ws, nullptr);
    const std::string id = "R" + std::to_string(i);
    Post(id, "川S12345", now + i * kMicrosPerSecond);
    json m = Read(ws.get());
    ASSERT_EQ(m["topic"], "alert") << i;
    EXPECT_EQ(m["data"]["record_id"], id);
    EXPECT_TRUE(ws->Close().ok());
  }
}

TEST_F(AlertTest, FiltersChooseWhatTheStreamSends) {
  auto ws = Subscribe("topics=alert&priority=1&type=ring_entry");
  ASSERT_NE(ws, nullptr);
  auto all = Subscribe("topics=alert&priority=1");
  ASSERT_NE(all, nullptr);
  Post("P1", "川S12345", SystemClock::Get()->Now());  // a list_hit
  EXPECT_EQ(Read(all.get())["data"]["type"], "list_hit");
  // The filtered subscriber got nothing: a bad subscription message answers with an error,
  // which is then the next thing it reads.
  ASSERT_TRUE(ws->Send(R"({"subscribe":["alert"],"filter":{"priority":9}})").ok());
  json err = Read(ws.get());
  EXPECT_EQ(err["error"]["field"], "priority");
}

TEST_F(AlertTest, EnteringARingThroughAnInboundCheckpointIsARingEntryWithAValidCapForm) {
  // A square ring about 10 km across, and a checkpoint on its west edge watching eastbound
  // (inbound) traffic: its assignment is derived from position and bearing.
  constexpr char kRing[] = R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"id":"city","name":"示例市"},"geometry":{"type":"Polygon",
     "coordinates":[[[104.0,30.6],[104.1,30.6],[104.1,30.7],[104.0,30.7],[104.0,30.6]]]}}]})";
  auto imported = server_.client().Send("POST", "/api/v1/rings?level=city", kRing,
                                        {{"Content-Type", "application/json"}});
  ASSERT_TRUE(imported.ok() && imported->status < 300) << (imported.ok() ? imported->body : "");
  auto cp = server_.client().Post(
      "/api/v1/checkpoints",
      R"({"id":"EDGE","name":"西入城卡口","lng":104.0,"lat":30.65,"directions":[90]})");
  ASSERT_EQ(cp->status, 201) << cp->body;
  auto rings = server_.client().Get("/api/v1/checkpoints/EDGE/rings");
  ASSERT_EQ(rings->status, 200) << rings->body;
  ASSERT_NE(rings->body.find("\"inbound\":true"), std::string::npos) << rings->body;

  auto ws = Subscribe("topics=alert&type=ring_entry");
  ASSERT_NE(ws, nullptr);
  json rec = {{"id", "E1"},
              {"checkpoint_id", "EDGE"},
              {"pass_time", FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds)},
              {"plate", "川S12345"}};
  ASSERT_EQ(server_.feed().Post("/api/v1/passages", json::array({rec}).dump())->status, 200);
  json m = Read(ws.get());
  EXPECT_EQ(m["data"]["type"], "ring_entry");
  EXPECT_EQ(m["data"]["ring_id"], "city");
  EXPECT_EQ(m["data"]["ring_name"], "示例市");
  const int id = m["data"]["id"];

  auto cap = server_.As("operator").Get("/api/v1/alerts/" + std::to_string(id) + "/cap");
  ASSERT_EQ(cap->status, 200) << cap->body;
  EXPECT_NE(cap->body.find("urn:oasis:names:tc:emergency:cap:1.2"), std::string::npos);
  std::string lint;
  EXPECT_EQ(Xmllint(cap->body, &lint), 0) << lint << "\n" << cap->body;
}

TEST_F(AlertTest, AlertRulesAreReadAndReplacedOverTheApi) {
  auto got = server_.As("commander").Get("/api/v1/alert-rules");
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body)["rules"].size(), 3u);
  json rules = json::parse(got->body)["rules"];
  rules[0]["enabled"] = false;  // no list_hit alerts
  auto put = Put(server_.As("commander"), "/api/v1/alert-rules", json{{"rules", rules}}.dump());
  ASSERT_EQ(put->status, 200) << put->body;
  Post("P1", "川S12345", SystemClock::Get()->Now());
  auto list = server_.As("commander").Get("/api/v1/alerts");
  EXPECT_TRUE(json::parse(list->body)["items"].empty());
  rules[0]["priority"] = 9;
  auto bad = Put(server_.As("commander"), "/api/v1/alert-rules", json{{"rules", rules}}.dump());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(ErrorField(*bad), "rules[0].priority");
  // The rules survive a restart.
  server_.Restart();
  auto after = server_.As("commander").Get("/api/v1/alert-rules");
  EXPECT_EQ(json::parse(after->body)["rules"][0]["enabled"], false);
}

}  // namespace
}  // namespace quanyu::testing
