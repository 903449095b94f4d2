// The WebSocket stream over a real socket: a subscriber sees the ingest topic tick with the
// counts of what was just submitted.
#include <gtest/gtest.h>

#include "api/ws_client.h"
#include "core/time_format.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

TEST(StreamTest, SubscriberReceivesIngestCounts) {
  ServerFixture server;
  ASSERT_EQ(
      server.client()
          .Post("/api/v1/checkpoints", R"({"id":"K1","name":"一号卡口","lng":104.07,"lat":30.67})")
          ->status,
      201);
  // Without a token the upgrade is refused; browsers pass the token in the query.
  {
    auto anon = server.NewClient();
    auto refused = anon->Send("GET", "/api/v1/stream?topics=ingest", "",
                              {{"Connection", "Upgrade"},
                               {"Upgrade", "websocket"},
                               {"Sec-WebSocket-Version", "13"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 401);
    EXPECT_EQ(refused->headers["www-authenticate"], "Bearer realm=\"quanyu\"");
    auto refused_ws = api::WsClient::Connect("127.0.0.1", server.port(), "/api/v1/stream");
    ASSERT_FALSE(refused_ws.ok());
    EXPECT_NE(refused_ws.status().ToString().find("HTTP 401"), std::string::npos)
        << refused_ws.status().ToString();
  }
  auto ws =
      api::WsClient::Connect("127.0.0.1", server.port(),
                             "/api/v1/stream?topics=ingest&access_token=" + server.admin_token());
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  // The first tick proves the subscription is live before anything is submitted.
  auto first = (*ws)->Read();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  uint64_t last_seq = json::parse(*first)["seq"];

  std::string now = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body += json{{"id", "S" + std::to_string(i)},
                 {"checkpoint_id", "K1"},
                 {"pass_time", now},
                 {"plate", "川A1234" + std::to_string(i)}}
                .dump() +
            "\n";
  }
  body += json{{"id", "BAD"}, {"checkpoint_id", "K1"}, {"pass_time", now}, {"plate", "XX"}}.dump();
  auto r = server.feed().Post("/api/v1/passages", body, "application/x-ndjson");
  ASSERT_TRUE(r.ok() && r->status == 200);

  // Sum the per-second counts until the submission shows (at most a few ticks).
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 5 && accepted < 5; ++i) {
    auto buf = (*ws)->Read();
    ASSERT_TRUE(buf.ok()) << buf.status().ToString();
    json msg = json::parse(*buf);
    EXPECT_EQ(msg["topic"], "ingest");
    EXPECT_GT(msg["seq"].get<uint64_t>(), last_seq);
    last_seq = msg["seq"];
    accepted += msg["data"]["accepted"].get<int>();
    rejected += msg["data"]["rejected"].get<int>();
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_EQ(rejected, 1);
  EXPECT_TRUE((*ws)->Close().ok());
}

}  // namespace
}  // namespace quanyu::testing
