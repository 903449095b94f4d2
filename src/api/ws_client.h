// A small synchronous WebSocket client, over plain TCP or TLS, for the integration tests, the
// load generator and the alert latency benchmark. Every call takes a deadline; a call that
// misses it fails with a message saying so and leaves the client closed, so a test that
// waits for a message that never comes fails instead of hanging. One client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_client.h"
#include "core/status.h"

namespace quanyu::api {

class WsClient {
 public:
  using Timeout = std::chrono::milliseconds;
  static constexpr Timeout kDefaultTimeout = std::chrono::seconds(10);

  // Connects to host:port and upgrades `target` (e.g. "/api/v1/stream?topics=alert"). A
  // refused upgrade (say 401) fails with the HTTP status in the message.
  static StatusOr<std::unique_ptr<WsClient>> Connect(const std::string& host, uint16_t port,
                                                     const std::string& target,
                                                     const ClientOptions& options = {},
                                                     Timeout timeout = kDefaultTimeout);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Sends one text message.
  Status Send(std::string_view text, Timeout timeout = kDefaultTimeout);
  // Reads one whole message (text or binary).
  StatusOr<std::string> Read(Timeout timeout = kDefaultTimeout);
  // Sends a normal close and waits for the server's close.
  Status Close(Timeout timeout = kDefaultTimeout);
  bool is_open() const;

 private:
  struct Impl;
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::api
