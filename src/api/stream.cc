#include "api/stream.h"

#include <nlohmann/json.hpp>

#include "api/handler_util.h"
#include "core/json_text.h"
#include "core/time_format.h"
#include "govern/roles.h"
#include "rules/alerts.h"

namespace quanyu::api {

using nlohmann::json;

namespace {

StatusOr<std::set<std::string>> StringSet(const json& v, const std::string& field) {
  std::set<std::string> out;
  if (v.is_string()) {
    out.insert(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) return InvalidArgument(field, "must be a string or an array of strings");
  for (const json& x : v) {
    if (!x.is_string()) return InvalidArgument(field, "must be an array of strings");
    out.insert(x.get<std::string>());
  }
  return out;
}

std::string ErrorMessage(const Status& st) {
  return json{{"error",
               {{"code", std::string(StatusCodeName(st.code()))},
                {"message", st.message()},
                {"field", st.field()}}}}
      .dump();
}

}  // namespace

bool AlertFilter::Matches(const rules::Alert& a) const {
  if (!rings.empty() && !rings.count(a.ring_id)) return false;
  if (!types.empty() && !types.count(std::string(rules::AlertTypeName(a.type)))) return false;
  if (!agencies.empty() && !agencies.count(a.owner_agency)) return false;
  return max_priority == 0 || a.priority <= max_priority;
}

void StreamHub::EnableAlerts(AlertBacklog backlog, int offset_seconds) {
  std::lock_guard lock(mu_);
  backlog_ = std::move(backlog);
  offset_seconds_ = offset_seconds;
}

Status StreamHub::Configure(const json& j, Sub* s, std::optional<uint64_t>* after) {
  if (auto it = j.find("subscribe"); it != j.end()) {
    ASSIGN_OR_RETURN(s->topics, StringSet(*it, "subscribe"));
  }
  if (auto it = j.find("after"); it != j.end()) {
    if (!it->is_number_unsigned()) return InvalidArgument("after", "must be an alert id (>= 0)");
    *after = it->get<uint64_t>();
  }
  const json* f = &j;
  if (auto it = j.find("filter"); it != j.end()) {
    if (!it->is_object()) return InvalidArgument("filter", "must be an object");
    f = &*it;
  }
  AlertFilter filter;
  if (auto it = f->find("ring"); it != f->end()) {
    ASSIGN_OR_RETURN(filter.rings, StringSet(*it, "ring"));
  }
  if (auto it = f->find("type"); it != f->end()) {
    ASSIGN_OR_RETURN(filter.types, StringSet(*it, "type"));
    for (const std::string& t : filter.types) {
      RETURN_IF_ERROR(rules::ParseAlertType(t, "type").status());
    }
  }
  if (auto it = f->find("agency"); it != f->end()) {
    ASSIGN_OR_RETURN(filter.agencies, StringSet(*it, "agency"));
  }
  if (auto it = f->find("priority"); it != f->end()) {
    if (!it->is_number_integer() || it->get<int>() < 1 || it->get<int>() > 4) {
      return InvalidArgument("priority",
                             "must be 1 (highest) to 4: alerts of that priority or "
                             "higher are sent");
    }
    filter.max_priority = it->get<int>();
  }
  s->filter = std::move(filter);
  return Status::Ok();
}

std::string StreamHub::AlertMessage(const rules::Alert& a, bool is_new, const std::string& time) {
  // REQUIRES: mu_ held (seq_). Written directly (an alert waits for this), members in the
  // order json::dump would give them.
  std::string m = R"({"data":)";
  m.reserve(1024);
  rules::AppendAlertJson(a, offset_seconds_, &m);
  m += is_new ? R"(,"event":"raised","seq":)" : R"(,"event":"updated","seq":)";
  m += std::to_string(++seq_);
  m += R"(,"time":)";
  AppendJsonString(time, &m);
  m += R"(,"topic":"alert"})";
  return m;
}

WsHandler StreamHub::Handler() {
  return [this](Request& req, std::shared_ptr<WsConnection> conn) -> StatusOr<WsSession> {
    auto sub = std::make_shared<Sub>();
    sub->conn = conn;
    sub->who = req.principal;
    sub->may_read_alerts = govern::RoleTable::Builtin().Allows(req.principal.role, "alert.read");
    json q = json::object();
    if (std::string t = req.Query("topics"); !t.empty()) q["subscribe"] = json(SplitComma(t));
    for (const char* k : {"ring", "type", "agency"}) {
      if (std::string v = req.Query(k); !v.empty()) q[k] = json(SplitComma(v));
    }
    for (const char* k : {"priority", "after"}) {
      std::string v = req.Query(k);
      if (v.empty()) continue;
      json n = json::parse(v, nullptr, false);
      if (n.is_discarded() || !n.is_number_integer() || n.get<int64_t>() < 0) {
        return InvalidArgument(k, "must be a whole number");
      }
      q[k] = n.get<uint64_t>();
    }
    std::optional<uint64_t> after;
    RETURN_IF_ERROR(Configure(q, sub.get(), &after));
    if (after && sub->may_read_alerts && sub->Wants("alert")) {
      std::lock_guard lock(mu_);
      sub->catching_up = true;
    }
    {
      std::lock_guard lock(mu_);
      subs_.push_back(sub);
    }
    if (after && sub->catching_up) CatchUp(sub, *after);

    WsSession session;
    std::weak_ptr<Sub> weak = sub;
    session.on_message = [this, weak,
                          conn_weak = std::weak_ptr<WsConnection>(conn)](std::string_view msg) {
      auto s = weak.lock();
      auto c = conn_weak.lock();
      if (!s || !c) return;
      auto j = json::parse(msg, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("fixes")) {
        FixesHandler fixes;
        {
          std::lock_guard lock(mu_);
          fixes = fixes_;
        }
        if (!fixes || !govern::RoleTable::Builtin().Allows(s->who.role, "unit.report")) {
          c->Send(ErrorMessage(Status(StatusCode::kPermissionDenied,
                                      "sending position fixes needs the unit.report permission")));
          return;
        }
        c->Send(R"({"topic":"fixes","data":)" + fixes(s->who, j) + "}");
        return;
      }
      if (j.is_discarded() || !j.is_object() || !j.contains("subscribe")) {
        c->Send(ErrorMessage(InvalidArgument(
            "subscribe", "expected {\"subscribe\": [topics], \"after\": id, \"filter\": {...}}")));
        return;
      }
      Sub next;
      std::optional<uint64_t> after;
      Status st = Configure(j, &next, &after);
      if (!st.ok()) {
        c->Send(ErrorMessage(st));
        return;
      }
      {
        std::lock_guard lock(mu_);
        s->topics = std::move(next.topics);
        s->filter = std::move(next.filter);
        if (after && s->may_read_alerts && s->Wants("alert")) s->catching_up = true;
      }
      if (after && s->catching_up) CatchUp(s, *after);
    };
    session.on_close = [this, weak] {
      std::lock_guard lock(mu_);
      std::erase_if(subs_, [&](const std::shared_ptr<Sub>& s) { return s == weak.lock(); });
    };
    return session;
  };
}

void StreamHub::CatchUp(const std::shared_ptr<Sub>& s, uint64_t after) {
  AlertBacklog backlog;
  {
    std::lock_guard lock(mu_);
    backlog = backlog_;
  }
  auto conn = s->conn.lock();
  if (!conn) return;
  uint64_t cursor = after;
  constexpr size_t kPage = 1000;
  std::string now;
  while (backlog) {
    auto page = backlog(s->who, cursor, kPage);
    if (!page.ok()) {
      conn->Send(ErrorMessage(page.status()));
      break;
    }
    std::lock_guard lock(mu_);
    for (const rules::Alert& a : *page) {
      cursor = a.id;
      if (!s->filter.Matches(a)) continue;
      conn->Send(AlertMessage(a, /*is_new=*/true, FormatRfc3339(a.created, offset_seconds_)));
    }
    if (page->size() < kPage) break;
  }
  std::lock_guard lock(mu_);
  // Alerts raised while the backlog was read: send those beyond it, and every update.
  for (size_t i = 0; i < s->held.size(); ++i) {
    if (s->held_new[i] && s->held_ids[i] <= cursor) continue;
    conn->Send(std::move(s->held[i]));
  }
  s->held.clear();
  s->held_ids.clear();
  s->held_new.clear();
  s->catching_up = false;
}

void StreamHub::PublishAlert(const rules::Alert& alert, bool is_new, const std::string& time) {
  std::lock_guard lock(mu_);
  std::erase_if(subs_, [](const std::shared_ptr<Sub>& s) { return s->conn.expired(); });
  std::string msg;
  for (const auto& s : subs_) {
    if (!s->may_read_alerts || !s->Wants("alert")) continue;
    if (!rules::Alerts::Visible(s->who, alert) || !s->filter.Matches(alert)) continue;
    if (msg.empty()) msg = AlertMessage(alert, is_new, time);
    if (s->catching_up) {
      s->held.push_back(msg);
      s->held_ids.push_back(alert.id);
      s->held_new.push_back(is_new);
      continue;
    }
    if (auto c = s->conn.lock(); c && c->IsOpen()) c->Send(msg);
  }
}

void StreamHub::EnableFixes(FixesHandler handler) {
  std::lock_guard lock(mu_);
  fixes_ = std::move(handler);
}

void StreamHub::Publish(const std::string& topic, const std::string& data_json,
                        const std::string& time, const std::string& permission,
                        const Visible& visible) {
  std::vector<std::shared_ptr<WsConnection>> targets;
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = ++seq_;
    std::erase_if(subs_, [](const std::shared_ptr<Sub>& s) { return s->conn.expired(); });
    for (const auto& s : subs_) {
      if (!s->Wants(topic)) continue;
      if (!permission.empty() && !govern::RoleTable::Builtin().Allows(s->who.role, permission)) {
        continue;
      }
      if (visible && !visible(s->who)) continue;
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
