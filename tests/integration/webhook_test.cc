// Webhooks over real sockets: a receiving HTTP server in the test, the quanyu server delivering
// to it (retries, back-off, signature, permanent failures, CAP bodies that validate against the
// CAP 1.2 schema, resumption after a restart), and the /api/v1/webhooks routes.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "api/http_server.h"
#include "api/webhooks.h"
#include "rules/alert.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// An HTTP server that answers POST /hook from a script of statuses (the last one repeats)
// and records every request.
class Receiver {
 public:
  explicit Receiver(std::vector<int> script) : script_(std::move(script)) {
    router_.Add("POST", "/hook", "test receiver", api::Public(), [this](api::Request& req) {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
      int status = script_[std::min(requests_.size() - 1, script_.size() - 1)];
      return api::Response::Json(status, R"({"received":true})");
    });
    api::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    server_ = std::make_unique<api::HttpServer>(&router_, o);
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  ~Receiver() { server_->Stop(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  void Answer(std::vector<int> script) {
    std::lock_guard lock(mu_);
    script_ = std::move(script);
    requests_.clear();
  }
  std::vector<api::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<int> script_;
  std::vector<api::Request> requests_;
  api::Router router_;
  std::unique_ptr<api::HttpServer> server_;
};

api::AppOptions FastRetries() {
  api::AppOptions o;
  o.webhooks.backoff_base = milliseconds(20);
  o.webhooks.backoff_cap = milliseconds(100);
  o.webhooks.timeout = milliseconds(5000);
  return o;
}

rules::Alert SampleAlert(uint64_t id, const std::string& checkpoint_name = "西外卡口") {
  rules::Alert a;
  a.id = id;
  a.type = rules::AlertType::kListHit;
  a.rule_id = "list_hit";
  a.priority = 1;
  a.plate = "川S12345";
  a.record_id = "P1";
  a.checkpoint_id = "51170200001210000001";
  a.checkpoint_name = checkpoint_name;
  a.position = {107.47, 31.21};
  a.pass_time = a.first_seen = a.last_seen = SystemClock::Get()->Now();
  a.created = a.updated = a.pass_time + 1000;
  a.owner_agency = "bureau";
  a.category = rules::Category::kStolenVehicle;
  a.history = {{rules::AlertState::kNew, a.created, "system", "", ""}};
  return a;
}

std::string Hmac(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  return "sha256=" + hex;
}

json CreateHook(ServerFixture& server, const json& body) {
  auto r = server.As("commander").Post("/api/v1/webhooks", body.dump());
  EXPECT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().ToString());
  return r.ok() ? Json(*r) : json();
}

// Polls the delivery history until its newest entry is delivered or failed (10 s at most).
json WaitFinished(ServerFixture& server, const std::string& id) {
  json last;
  for (int i = 0; i < 1000; ++i) {
    auto r = server.As("commander").Get("/api/v1/webhooks/" + id + "/deliveries");
    if (r.ok() && r->status == 200) {
      last = Json(*r);
      if (!last["items"].empty() &&
          (last["items"][0]["state"] == "delivered" || last["items"][0]["state"] == "failed")) {
        return last["items"][0];
      }
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  ADD_FAILURE() << "no finished delivery: " << last.dump();
  return {};
}

TEST(WebhookTest, ServerErrorsAreRetriedUntilDeliveredWithAVerifiableSignature) {
  Receiver receiver({500, 500, 200});
  ServerFixture server(FastRetries());
  json hook = CreateHook(server, {{"url", receiver.url()}, {"description", "指挥中心"}});
  const std::string id = hook["id"];
  const std::string secret = hook["secret"];
  ASSERT_GE(secret.size(), 16u);

  rules::Alert alert = SampleAlert(101);
  const std::string body = rules::AlertToJson(alert, kChinaOffsetSeconds).dump();
  EXPECT_EQ(server.app().webhooks().Publish(alert, body), 1u);
  json d = WaitFinished(server, id);
  EXPECT_EQ(d["state"], "delivered");
  EXPECT_EQ(d["attempts"], 3);
  EXPECT_EQ(d["last_status"], 200);
  EXPECT_EQ(d["alert_id"], 101);
  EXPECT_EQ(d["event"], "alert");

  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& req : requests) {
    EXPECT_EQ(req.body, body);
    // The receiver's check: HMAC-SHA256 of the raw body under the secret it was given.
    EXPECT_EQ(req.Header("x-quanyu-signature"), Hmac(secret, req.body));
    EXPECT_EQ(req.Header("x-quanyu-delivery"), d["id"]);
    EXPECT_EQ(req.Header("x-quanyu-webhook"), id);
    EXPECT_EQ(req.Header("content-type"), "application/json");
  }
  EXPECT_NE(requests[0].Header("x-quanyu-signature"), Hmac("another secret 123", body));

  auto metrics = server.NewClient()->Get("/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("quanyu_webhook_attempts_total{outcome=\"retry\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("quanyu_webhook_attempts_total{outcome=\"delivered\"}"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("quanyu_webhook_pending"), std::string::npos);
}

TEST(WebhookTest, NotFoundEndsAsFailedWithoutRetries) {
  Receiver receiver({404});
  ServerFixture server(FastRetries());
  json hook = CreateHook(server, {{"url", receiver.url()}});
  server.app().webhooks().Publish(SampleAlert(7), "{}");
  json d = WaitFinished(server, hook["id"]);
  EXPECT_EQ(d["state"], "failed");
  EXPECT_EQ(d["attempts"], 1);
  EXPECT_EQ(d["last_status"], 404);
  EXPECT_NE(d["last_error"].get<std::string>().find("HTTP 404"), std::string::npos);
  // Several back-off periods later, still exactly one request.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(WebhookTest, CapWebhookReceivesXmlThatValidates) {
  Receiver receiver({200});
  ServerFixture server(FastRetries());
  json hook = CreateHook(server, {{"url", receiver.url()},
                                  {"format", "cap"},
                                  {"filter", {{"types", {"list_hit"}}, {"min_priority", 2}}}});
  ASSERT_EQ(hook["format"], "cap");
  EXPECT_EQ(server.app().webhooks().Publish(SampleAlert(5, "A&B <东> 卡口"), "{}"), 1u);
  rules::Alert low = SampleAlert(6);
  low.priority = 3;  // below the filter's priority: not delivered
  EXPECT_EQ(server.app().webhooks().Publish(low, "{}"), 0u);
  json d = WaitFinished(server, hook["id"]);
  EXPECT_EQ(d["state"], "delivered");
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& xml = requests[0].body;
  EXPECT_EQ(requests[0].Header("content-type").rfind("application/cap+xml", 0), 0u);
  EXPECT_NE(xml.find("<identifier>quanyu-quanyu-alert-5</identifier>"), std::string::npos);
  EXPECT_NE(xml.find("A&amp;B &lt;东&gt; 卡口"), std::string::npos);
  std::string out;
  EXPECT_EQ(Xmllint(xml, &out), 0) << out << "\n" << xml;

  // The test payload of a CAP webhook is a CAP message with status Test.
  auto t = server.As("commander")
               .Post("/api/v1/webhooks/" + hook["id"].get<std::string>() + "/test", "");
  ASSERT_EQ(t->status, 200) << t->body;
  EXPECT_EQ(Json(*t)["state"], "delivered");
  EXPECT_EQ(Json(*t)["event"], "test");
  requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[1].body.find("<status>Test</status>"), std::string::npos);
  EXPECT_EQ(Xmllint(requests[1].body, &out), 0) << out;
}

TEST(WebhookTest, PendingDeliveryIsDeliveredAfterARestart) {
  Receiver receiver({503});
  ServerFixture server(FastRetries());
  json hook = CreateHook(server, {{"url", receiver.url()}});
  const std::string id = hook["id"];
  server.app().webhooks().Publish(SampleAlert(9), R"({"id":9})");
  json before;
  for (int i = 0; i < 500; ++i) {
    before = Json(*server.As("commander").Get("/api/v1/webhooks/" + id + "/deliveries"));
    if (!before["items"].empty() && before["items"][0]["state"] == "retrying") break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(before["items"][0]["state"], "retrying") << before.dump();
  EXPECT_EQ(before["items"][0]["last_status"], 503);

  server.Restart();  // a new process: nothing in memory survives
  receiver.Answer({200});
  json d = WaitFinished(server, id);
  EXPECT_EQ(d["state"], "delivered");
  EXPECT_GE(d["attempts"].get<int>(), 2);
  ASSERT_FALSE(receiver.requests().empty());
  EXPECT_EQ(receiver.requests().back().body, R"({"id":9})");
}

TEST(WebhookTest, RoutesValidateHideTheSecretAndAreAudited) {
  Receiver receiver({200});
  ServerFixture server(FastRetries());
  api::HttpClient& commander = server.As("commander");  // webhook.write

  auto bad = commander.Post("/api/v1/webhooks", json{{"url", "ftp://x.org/in"}}.dump());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Json(*bad)["error"]["field"], "url");
  bad = commander.Post("/api/v1/webhooks", json{{"description", "no url"}}.dump());
  EXPECT_EQ(Json(*bad)["error"]["field"], "url");
  bad = commander.Post("/api/v1/webhooks",
                       json{{"url", receiver.url()}, {"filter", {{"types", {"face"}}}}}.dump());
  EXPECT_EQ(Json(*bad)["error"]["field"], "filter.types");
  bad = commander.Post("/api/v1/webhooks", json{{"url", receiver.url()}, {"format", "xml"}}.dump());
  EXPECT_EQ(Json(*bad)["error"]["field"], "format");

  json hook = CreateHook(server, {{"url", receiver.url()}, {"secret", "a shared secret 42"}});
  const std::string id = hook["id"];
  EXPECT_EQ(hook["secret"], "a shared secret 42");
  auto got = commander.Get("/api/v1/webhooks/" + id);
  ASSERT_EQ(got->status, 200);
  EXPECT_FALSE(Json(*got).contains("secret"));
  EXPECT_EQ(Json(*got)["created_by"], "user:commander-user");
  auto list = commander.Get("/api/v1/webhooks");
  EXPECT_EQ(list->body.find("a shared secret 42"), std::string::npos);
  EXPECT_EQ(Json(*list)["items"].size(), 1u);

  auto patched = commander.Send("PATCH", "/api/v1/webhooks/" + id,
                                json{{"active", false}, {"description", "paused"}}.dump(),
                                {{"Content-Type", "application/json"}});
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(Json(*patched)["active"], false);
  EXPECT_FALSE(Json(*patched).contains("secret"));
  EXPECT_EQ(server.app().webhooks().Publish(SampleAlert(1), "{}"), 0u);  // inactive

  // A test delivery goes out even to an inactive webhook, signed, marked as a test.
  auto t = commander.Post("/api/v1/webhooks/" + id + "/test", "");
  ASSERT_EQ(t->status, 200) << t->body;
  ASSERT_EQ(receiver.requests().size(), 1u);
  api::Request sent = receiver.requests()[0];
  EXPECT_EQ(sent.Header("x-quanyu-event"), "test");
  EXPECT_EQ(Json(api::ClientResponse{200, sent.body, {}})["test"], true);
  EXPECT_EQ(sent.Header("x-quanyu-signature"), Hmac("a shared secret 42", sent.body));

  // A new secret on request, shown in that answer only.
  auto rotated = commander.Send("PATCH", "/api/v1/webhooks/" + id, R"({"secret":null})",
                                {{"Content-Type", "application/json"}});
  ASSERT_EQ(rotated->status, 200);
  const std::string new_secret = Json(*rotated)["secret"];
  EXPECT_NE(new_secret, "a shared secret 42");
  ASSERT_EQ(commander.Post("/api/v1/webhooks/" + id + "/test", "")->status, 200);
  EXPECT_EQ(receiver.requests().back().Header("x-quanyu-signature"),
            Hmac(new_secret, receiver.requests().back().body));

  auto deliveries = Json(*commander.Get("/api/v1/webhooks/" + id + "/deliveries?limit=1"));
  EXPECT_EQ(deliveries["items"].size(), 1u);
  EXPECT_EQ(commander.Get("/api/v1/webhooks/" + id + "/deliveries?limit=0")->status, 400);

  EXPECT_EQ(commander.Send("DELETE", "/api/v1/webhooks/" + id)->status, 204);
  EXPECT_EQ(commander.Get("/api/v1/webhooks/" + id)->status, 404);
  EXPECT_EQ(commander.Get("/api/v1/webhooks/" + id + "/deliveries")->status, 404);

  // Every write is in the audit log under the webhook, without its secret.
  auto audit = server.As("auditor").Get("/api/v1/audit?target=webhook:" + id + "&limit=100");
  ASSERT_EQ(audit->status, 200) << audit->body;
  std::set<std::string> actions;
  const json records = Json(*audit)["items"];
  for (const auto& r : records) actions.insert(r["action"].get<std::string>());
  EXPECT_TRUE(actions.count("POST /api/v1/webhooks")) << audit->body;
  EXPECT_TRUE(actions.count("PATCH /api/v1/webhooks/{id}")) << audit->body;
  EXPECT_TRUE(actions.count("POST /api/v1/webhooks/{id}/test")) << audit->body;
  EXPECT_TRUE(actions.count("DELETE /api/v1/webhooks/{id}")) << audit->body;
  EXPECT_EQ(audit->body.find("a shared secret 42"), std::string::npos);
  EXPECT_EQ(audit->body.find(new_secret), std::string::npos);
}

}  // namespace
}  // namespace quanyu::testing
