// StreamHub: fan-out of server events to WebSocket subscribers (`/api/v1/stream`).
//
// A client connects and may send {"subscribe": ["ingest", ...]} to choose topics (default:
// all). Every message is a JSON object {"topic", "seq", "time", "data"}; seq increases per
// hub so a client can tell whether it missed messages. Topics today: "ingest" (per-second
// counts of accepted/duplicate/rejected records and the store backlog — no personal data).
// Thread safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/router.h"

namespace quanyu::api {

class StreamHub {
 public:
  // The WebSocket handler to register on the router.
  WsHandler Handler();
  // Sends `data_json` (a JSON object text) under `topic` to every subscriber of the topic.
  void Publish(const std::string& topic, const std::string& data_json, const std::string& time);
  size_t subscribers() const;

 private:
  struct Sub {
    std::weak_ptr<WsConnection> conn;
    std::set<std::string> topics;  // empty = all
  };
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Sub>> subs_;
  uint64_t seq_ = 0;
};

}  // namespace quanyu::api
