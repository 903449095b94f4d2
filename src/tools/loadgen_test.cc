#include "tools/loadgen.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace quanyu::tools {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// An HTTP server on a real socket that refuses the first `busy` passage requests with 503 (as
// quanyu does when its store is behind) and accepts every later one; it keeps the bodies.
class BusyServer {
 public:
  explicit BusyServer(int busy)
      : busy_(busy), acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~BusyServer() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept
    thread_.join();
  }
  std::string target() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<std::pair<int, std::string>> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Serve() {
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      boost::beast::flat_buffer buf;
      for (;;) {
        http::request<http::string_body> req;
        http::read(s, buf, req, ec);
        if (ec) break;
        http::response<http::string_body> res;
        res.version(11);
        res.keep_alive(true);
        res.set(http::field::content_type, "application/json");
        std::lock_guard lock(mu_);
        if (busy_ > 0) {
          --busy_;
          res.result(http::status::service_unavailable);
          res.set(http::field::retry_after, "1");
          res.body() =
              R"({"error":{"code":"resource_exhausted","message":"the store is behind","field":null}})";
        } else {
          res.result(http::status::ok);
          res.body() = R"({"accepted":1,"duplicates":0,"rejected":0})";
        }
        seen_.push_back({res.result_int(), req.body()});
        res.prepare_payload();
        http::write(s, res, ec);
        if (ec) break;
      }
    }
  }

  int busy_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::pair<int, std::string>> seen_;
  std::thread thread_;
};

// A request refused as busy is sent again, unchanged, and counted; nothing is lost or failed.
TEST(LoadgenTest, BusyRefusalsAreSentAgain) {
  BusyServer server(2);
  LoadgenOptions o;
  o.target = server.target();
  o.format = "ndjson";
  o.batch = 1;
  o.connections = 1;
  o.records = 3;
  o.quiet = true;
  o.token = "test";
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "QUANYU_SOURCE_DIR is not set (run the test through ctest)";
  o.checkpoints_files = {std::string(src) + "/data/checkpoints/chengdu_demo.geojson"};
  auto rep = RunLoadgen(o);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  EXPECT_EQ(rep->records, 3u);
  EXPECT_EQ(rep->requests, 3u);
  EXPECT_EQ(rep->failed_requests, 0u);
  EXPECT_EQ(rep->busy_resent, 2u);
  EXPECT_EQ(rep->accepted, 3u);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].first, 503);
  EXPECT_EQ(seen[1].first, 503);
  EXPECT_EQ(seen[2].first, 200);
  EXPECT_EQ(seen[0].second, seen[1].second);  // the same records, so the same ids
  EXPECT_EQ(seen[1].second, seen[2].second);
  EXPECT_NE(seen[2].second, seen[3].second);
}

}  // namespace
}  // namespace quanyu::tools
