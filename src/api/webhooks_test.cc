#include "api/webhooks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

namespace quanyu::api {
namespace {

using std::chrono::milliseconds;

rules::Alert SampleAlert(uint64_t id = 7) {
  rules::Alert a;
  a.id = id;
  a.type = rules::AlertType::kRingEntry;
  a.rule_id = "ring-r1";
  a.priority = 2;
  a.plate = "川A12345";
  a.checkpoint_id = "CP1";
  a.checkpoint_name = "北门";
  a.owner_agency = "cdpsb";
  a.ring_id = "510104";
  a.ring_name = "锦江区";
  a.pass_time = a.created = a.updated = 1'795'000'000'000'000;
  return a;
}

TEST(WebhookFilterTest, EveryFilterMustMatchAndEmptyMeansAll) {
  Webhook w;
  rules::Alert a = SampleAlert();
  EXPECT_TRUE(Matches(w, a));
  w.active = false;
  EXPECT_FALSE(Matches(w, a));
  w.active = true;

  w.filter.types = {rules::AlertType::kListHit};
  EXPECT_FALSE(Matches(w, a));
  w.filter.types.push_back(rules::AlertType::kRingEntry);
  EXPECT_TRUE(Matches(w, a));

  w.filter.min_priority = 1;  // only the most urgent
  EXPECT_FALSE(Matches(w, a));
  w.filter.min_priority = 2;
  EXPECT_TRUE(Matches(w, a));

  w.filter.ring_ids = {"510105"};
  EXPECT_FALSE(Matches(w, a));
  w.filter.ring_ids = {"510105", "510104"};
  EXPECT_TRUE(Matches(w, a));
  rules::Alert no_ring = a;
  no_ring.ring_id.clear();
  EXPECT_FALSE(Matches(w, no_ring));

  w.filter.agencies = {"other"};
  EXPECT_FALSE(Matches(w, a));
  w.filter.agencies = {"cdpsb"};
  EXPECT_TRUE(Matches(w, a));
}

TEST(WebhookBackoffTest, DoublesFromTheBaseUpToTheCapLessJitter) {
  WebhooksOptions o;  // 1 s base, 10 min cap, jitter 0.2
  EXPECT_EQ(BackoffDelay(1, o, 0.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(2, o, 0.0), milliseconds(2000));
  EXPECT_EQ(BackoffDelay(3, o, 0.0), milliseconds(4000));
  EXPECT_EQ(BackoffDelay(7, o, 0.0), milliseconds(64000));
  EXPECT_EQ(BackoffDelay(11, o, 0.0), milliseconds(600000));  // 1024 s, capped
  EXPECT_EQ(BackoffDelay(500, o, 0.0), milliseconds(600000));
  // Jitter takes off at most 20 %.
  EXPECT_EQ(BackoffDelay(3, o, 0.5), milliseconds(3600));
  EXPECT_GE(BackoffDelay(3, o, 0.999999), milliseconds(3200));
  o.jitter = 0;
  EXPECT_EQ(BackoffDelay(3, o, 0.9), milliseconds(4000));
}

TEST(WebhookSignatureTest, IsHmacSha256OfTheBody) {
  // RFC 4231, test case 2.
  EXPECT_EQ(WebhookSignature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookUrlTest, NamesTheFieldAndSaysWhatIsWrong) {
  EXPECT_TRUE(ValidateWebhookUrl("https://alerts.example.org/hook?x=1").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://127.0.0.1:8081/in").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://[::1]:8081/in").ok());
  for (const char* bad : {"", "ftp://x.org/", "alerts.example.org/hook", "http:///path",
                          "http://x.org:0/", "http://x.org:99999/", "http://user:pw@x.org/",
                          "http://x.org/a b", "http://x.org/#frag", "http://x.org:/"}) {
    Status st = ValidateWebhookUrl(bad, "url");
    EXPECT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.field(), "url") << bad;
  }
  EXPECT_NE(ValidateWebhookUrl("ftp://x.org/").message().find("http or https"), std::string::npos);
}

TEST(WebhookHttpPostTest, ASilentReceiverIsCutOffAtTheTimeoutAndARefusalIsReported) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  // The kernel completes the connection (backlog); nobody ever answers.
  auto silent = HttpPost("http://127.0.0.1:" + port + "/in", "{}", {}, milliseconds(200));
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.status().message().find("no answer within 200 ms"), std::string::npos)
      << silent.status().ToString();
  acceptor.close();
  auto refused = HttpPost("http://127.0.0.1:" + port + "/in", "{}", {}, milliseconds(2000));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("connect failed"), std::string::npos)
      << refused.status().ToString();
}

// A receiver that answers from a script, recording what it was sent.
struct FakeReceiver {
  std::mutex mu;
  std::vector<int> script;  // statuses to answer, in order; then the last one again
  std::vector<std::map<std::string, std::string>> headers;
  std::vector<std::string> bodies;
  bool network_error = false;

  WebhookSender Sender() {
    return [this](const std::string&, const std::string& body,
                  const std::map<std::string, std::string>& h,
                  milliseconds) -> StatusOr<ClientResponse> {
      std::lock_guard lock(mu);
      bodies.push_back(body);
      headers.push_back(h);
      if (network_error) return Unavailable("connect failed: Connection refused");
      ClientResponse r;
      size_t i = std::min(bodies.size() - 1, script.size() - 1);
      r.status = script[i];
      return r;
    };
  }
  size_t calls() {
    std::lock_guard lock(mu);
    return bodies.size();
  }
};

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions so;
    so.url = "sqlite::memory:";
    auto s = store::Store::Open(so);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  WebhooksOptions Options() {
    WebhooksOptions o;
    o.backoff_base = milliseconds(2);
    o.backoff_cap = milliseconds(20);
    o.sender = receiver_.Sender();
    return o;
  }
  // Waits (up to 10 s) until the delivery's state is one of the finished ones.
  Delivery WaitFinished(Webhooks& hooks, const std::string& webhook_id) {
    for (int i = 0; i < 2000; ++i) {
      auto list = hooks.Deliveries(webhook_id, 1);
      if (list.ok() && !list->empty() && list->front().finished_state()) return list->front();
      std::this_thread::sleep_for(milliseconds(5));
    }
    ADD_FAILURE() << "delivery did not finish";
    return {};
  }

  std::unique_ptr<store::Store> store_;
  FakeReceiver receiver_;
};

TEST_F(WebhooksTest, RetriesServerErrorsUntilDeliveredAndSigns) {
  receiver_.script = {500, 503, 200};
  Webhooks hooks(store_.get(), SystemClock::Get(), Options());
  ASSERT_TRUE(hooks.Start().ok());
  Webhook w;
  w.url = "http://receiver.test/in";
  auto made = hooks.Create(w, "user:admin");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(hooks.Publish(SampleAlert(), R"({"id":7})"), 1u);
  Delivery d = WaitFinished(hooks, made->id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_status, 200);
  EXPECT_EQ(d.alert_id, 7u);
  ASSERT_EQ(receiver_.calls(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(receiver_.bodies[i], R"({"id":7})");
    EXPECT_EQ(receiver_.headers[i]["X-Quanyu-Signature"],
              WebhookSignature(made->secret, R"({"id":7})"));
    EXPECT_EQ(receiver_.headers[i]["X-Quanyu-Delivery"], d.id);  // the same on every attempt
    EXPECT_EQ(receiver_.headers[i]["X-Quanyu-Event"], "alert");
  }
}

TEST_F(WebhooksTest, ClientErrorsFailAtOnceButTimeoutsAndRateLimitsAreRetried) {
  for (auto [status, attempts, state] : {std::tuple{404, 1, DeliveryState::kFailed},
                                         {400, 1, DeliveryState::kFailed},
                                         {301, 1, DeliveryState::kFailed},
                                         {408, 2, DeliveryState::kDelivered},
                                         {429, 2, DeliveryState::kDelivered}}) {
    FakeReceiver r;
    r.script = {status, 204};
    WebhooksOptions o = Options();
    o.sender = r.Sender();
    Webhooks hooks(store_.get(), SystemClock::Get(), o);
    ASSERT_TRUE(hooks.Start().ok());
    Webhook w;
    w.url = "http://receiver.test/in";
    auto made = hooks.Create(w, "user:admin");
    ASSERT_TRUE(made.ok());
    hooks.Publish(SampleAlert(), "{}");
    Delivery d = WaitFinished(hooks, made->id);
    EXPECT_EQ(d.attempts, attempts) << status;
    EXPECT_EQ(d.state, state) << status;
    if (state == DeliveryState::kFailed) {
      EXPECT_EQ(d.last_status, status);
      EXPECT_EQ(d.last_error.rfind("HTTP " + std::to_string(status), 0), 0u) << d.last_error;
    }
    hooks.Stop();
    ASSERT_TRUE(hooks.Delete(made->id).ok());
  }
}

TEST_F(WebhooksTest, GivesUpAfterMaxAttempts) {
  receiver_.network_error = true;
  WebhooksOptions o = Options();
  o.max_attempts = 4;
  Webhooks hooks(store_.get(), SystemClock::Get(), o);
  ASSERT_TRUE(hooks.Start().ok());
  Webhook w;
  w.url = "http://receiver.test/in";
  auto made = hooks.Create(w, "user:admin");
  hooks.Publish(SampleAlert(), "{}");
  Delivery d = WaitFinished(hooks, made->id);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.attempts, 4);
  EXPECT_EQ(receiver_.calls(), 4u);
  EXPECT_NE(d.last_error.find("gave up after 4 attempts"), std::string::npos) << d.last_error;
  EXPECT_NE(d.last_error.find("Connection refused"), std::string::npos) << d.last_error;
}

TEST_F(WebhooksTest, OnlyMatchingActiveWebhooksGetADeliveryInTheirFormat) {
  Webhooks hooks(store_.get(), SystemClock::Get(), Options());
  receiver_.script = {200};
  ASSERT_TRUE(hooks.Start().ok());
  Webhook json_hook, cap_hook, other_ring, inactive;
  json_hook.url = cap_hook.url = other_ring.url = inactive.url = "https://r.test/";
  cap_hook.format = WebhookFormat::kCap;
  other_ring.filter.ring_ids = {"999"};
  inactive.active = false;
  auto j = hooks.Create(json_hook, "a");
  auto c = hooks.Create(cap_hook, "a");
  ASSERT_TRUE(hooks.Create(other_ring, "a").ok());
  ASSERT_TRUE(hooks.Create(inactive, "a").ok());
  EXPECT_EQ(hooks.Publish(SampleAlert(), R"({"id":7})"), 2u);
  WaitFinished(hooks, j->id);
  WaitFinished(hooks, c->id);
  ASSERT_EQ(receiver_.calls(), 2u);
  int cap_seen = 0;
  for (size_t i = 0; i < 2; ++i) {
    if (receiver_.headers[i]["Content-Type"].rfind("application/cap+xml", 0) == 0) {
      ++cap_seen;
      EXPECT_NE(receiver_.bodies[i].find("<identifier>quanyu-quanyu-alert-7</identifier>"),
                std::string::npos);
    } else {
      EXPECT_EQ(receiver_.bodies[i], R"({"id":7})");
    }
  }
  EXPECT_EQ(cap_seen, 1);
}

TEST_F(WebhooksTest, PendingDeliveriesSurviveARestartAndHistoryIsKept) {
  receiver_.network_error = true;
  WebhooksOptions o = Options();
  o.backoff_base = milliseconds(50);
  o.backoff_cap = milliseconds(50);
  o.jitter = 0;
  std::string id;
  {
    Webhooks hooks(store_.get(), SystemClock::Get(), o);
    ASSERT_TRUE(hooks.Start().ok());
    Webhook w;
    w.url = "http://receiver.test/in";
    id = hooks.Create(w, "a")->id;
    hooks.Publish(SampleAlert(1), "{\"id\":1}");
    // The first one is under way; the second is still queued when Stop comes.
    for (int i = 0; i < 1000 && receiver_.calls() == 0; ++i)
      std::this_thread::sleep_for(milliseconds(2));
    hooks.Publish(SampleAlert(2), "{\"id\":2}");
    hooks.Stop();
  }
  {
    std::lock_guard lock(receiver_.mu);
    receiver_.network_error = false;
    receiver_.script = {200};
  }
  Webhooks again(store_.get(), SystemClock::Get(), o);
  ASSERT_TRUE(again.Start().ok());
  for (int i = 0; i < 2000; ++i) {
    auto list = again.Deliveries(id, 10);
    if (list->size() == 2 && list->at(0).finished_state() && list->at(1).finished_state()) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  auto list = again.Deliveries(id, 10);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at(0).alert_id, 2u);  // newest first
  EXPECT_EQ(list->at(1).alert_id, 1u);
  for (const auto& d : *list) {
    EXPECT_EQ(d.state, DeliveryState::kDelivered) << d.id;
    EXPECT_TRUE(d.body.empty());  // dropped once delivered
  }
  EXPECT_GE(list->at(1).attempts, 2);
}

TEST_F(WebhooksTest, HistoryIsBoundedPerWebhook) {
  receiver_.script = {200};
  WebhooksOptions o = Options();
  o.history_limit = 3;
  Webhooks hooks(store_.get(), SystemClock::Get(), o);
  ASSERT_TRUE(hooks.Start().ok());
  Webhook w;
  w.url = "http://receiver.test/in";
  auto made = hooks.Create(w, "a");
  for (uint64_t i = 1; i <= 6; ++i) {
    hooks.Publish(SampleAlert(i), "{}");
    for (int k = 0; k < 2000 && receiver_.calls() < i; ++k)
      std::this_thread::sleep_for(milliseconds(1));
  }
  for (int k = 0; k < 2000; ++k) {
    auto l = hooks.Deliveries(made->id, 100);
    if (l->size() == 3 && l->front().alert_id == 6 && l->front().finished_state()) break;
    std::this_thread::sleep_for(milliseconds(2));
  }
  auto list = hooks.Deliveries(made->id, 100);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ(list->front().alert_id, 6u);
  EXPECT_EQ(list->back().alert_id, 4u);
  // The stored copies of the trimmed deliveries are deleted just after the list is trimmed.
  auto docs = store_->ListDocuments(kWebhookDeliveryDoc);
  for (int k = 0; k < 2000 && docs.ok() && docs->size() != 3; ++k) {
    std::this_thread::sleep_for(milliseconds(2));
    docs = store_->ListDocuments(kWebhookDeliveryDoc);
  }
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ(docs->size(), 3u);
}

TEST_F(WebhooksTest, ValidationNamesFields) {
  Webhooks hooks(store_.get(), SystemClock::Get(), Options());
  Webhook w;
  w.url = "mailto:x@y";
  EXPECT_EQ(hooks.Create(w, "a").status().field(), "url");
  w.url = "http://x.org/";
  w.secret = "short";
  EXPECT_EQ(hooks.Create(w, "a").status().field(), "secret");
  w.secret.clear();
  w.filter.min_priority = 5;
  EXPECT_EQ(hooks.Create(w, "a").status().field(), "filter.min_priority");
}

}  // namespace
}  // namespace quanyu::api
