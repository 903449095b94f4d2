#include "api/stream.h"

#include <nlohmann/json.hpp>

namespace quanyu::api {

WsHandler StreamHub::Handler() {
  return [this](Request& req, std::shared_ptr<WsConnection> conn) -> StatusOr<WsSession> {
    auto sub = std::make_shared<Sub>();
    sub->conn = conn;
    if (std::string t = req.Query("topics"); !t.empty()) {
      size_t start = 0;
      while (start <= t.size()) {
        size_t comma = t.find(',', start);
        std::string topic =
            t.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!topic.empty()) sub->topics.insert(topic);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    {
      std::lock_guard lock(mu_);
      subs_.push_back(sub);
    }
    WsSession session;
    std::weak_ptr<Sub> weak = sub;
    session.on_message = [this, weak,
                          conn_weak = std::weak_ptr<WsConnection>(conn)](std::string_view msg) {
      auto s = weak.lock();
      auto c = conn_weak.lock();
      if (!s || !c) return;
      auto j = nlohmann::json::parse(msg, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("subscribe") ||
          !j["subscribe"].is_array()) {
        c->Send(
            R"({"error":{"code":"invalid_argument","message":"expected {\"subscribe\": [topics]}","field":"subscribe"}})");
        return;
      }
      std::lock_guard lock(mu_);
      s->topics.clear();
      for (const auto& t : j["subscribe"]) {
        if (t.is_string()) s->topics.insert(t.get<std::string>());
      }
    };
    session.on_close = [this, weak] {
      std::lock_guard lock(mu_);
      std::erase_if(subs_, [&](const std::shared_ptr<Sub>& s) { return s == weak.lock(); });
    };
    return session;
  };
}

void StreamHub::Publish(const std::string& topic, const std::string& data_json,
                        const std::string& time) {
  std::vector<std::shared_ptr<WsConnection>> targets;
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = ++seq_;
    std::erase_if(subs_, [](const std::shared_ptr<Sub>& s) { return s->conn.expired(); });
    for (const auto& s : subs_) {
      if (!s->topics.empty() && !s->topics.count(topic)) continue;
      if (auto c = s->conn.lock(); c && c->IsOpen()) targets.push_back(c);
    }
  }
  if (targets.empty()) return;
  std::string msg = R"({"topic":")" + topic + R"(","seq":)" + std::to_string(seq) + R"(,"time":")" +
                    time + R"(","data":)" + data_json + "}";
  for (auto& c : targets) c->Send(msg);
}

size_t StreamHub::subscribers() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

}  // namespace quanyu::api
