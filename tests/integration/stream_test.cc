// The WebSocket stream over a real socket: a subscriber sees the ingest topic tick with the
// counts of what was just submitted.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "core/time_format.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

TEST(StreamTest, SubscriberReceivesIngestCounts) {
  ServerFixture server;
  ASSERT_EQ(
      server.client()
          .Post("/api/v1/checkpoints", R"({"id":"K1","name":"一号卡口","lng":104.07,"lat":30.67})")
          ->status,
      201);
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::websocket::stream<tcp::socket> ws(ioc);
  net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server.port())));
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
  }
  ws.handshake("127.0.0.1", "/api/v1/stream?topics=ingest&access_token=" + server.admin_token());
  // The first tick proves the subscription is live before anything is submitted.
  beast::flat_buffer first;
  ws.read(first);
  uint64_t last_seq = json::parse(beast::buffers_to_string(first.data()))["seq"];

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
    beast::flat_buffer buf;
    ws.read(buf);
    json msg = json::parse(beast::buffers_to_string(buf.data()));
    EXPECT_EQ(msg["topic"], "ingest");
    EXPECT_GT(msg["seq"].get<uint64_t>(), last_seq);
    last_seq = msg["seq"];
    accepted += msg["data"]["accepted"].get<int>();
    rejected += msg["data"]["rejected"].get<int>();
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_EQ(rejected, 1);
  ws.close(beast::websocket::close_code::normal);
}

}  // namespace
}  // namespace quanyu::testing
