// Routes of alerts (/api/v1/alerts) and of the rules that raise them (/api/v1/alert-rules).
#include <nlohmann/json.hpp>

#include "api/alerting.h"
#include "api/handler_util.h"
#include "api/handlers.h"
#include "core/time_format.h"
#include "rules/alerts.h"
#include "rules/cap.h"
#include "rules/engine.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

StatusOr<uint64_t> AlertId(Request& req) {
  const std::string& text = req.path_params["id"];
  char* end = nullptr;
  unsigned long long id = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || id == 0) {
    return InvalidArgument("id", "an alert id is a whole number from 1");
  }
  return static_cast<uint64_t>(id);
}

class AlertRoutes {
 public:
  explicit AlertRoutes(const Services* s) : s_(s) {}

  Response List(Request& req) {
    store::AlertQuery q;
    for (const std::string& st : SplitComma(req.Query("state"))) {
      auto parsed = rules::ParseAlertState(st, "state");
      if (!parsed.ok()) return Response::Error(parsed.status());
      q.states.push_back(st);
    }
    if (std::string t = req.Query("type"); !t.empty()) {
      auto parsed = rules::ParseAlertType(t, "type");
      if (!parsed.ok()) return Response::Error(parsed.status());
      q.type = t;
    }
    q.ring_id = req.Query("ring_id");
    q.plate = req.Query("plate");
    q.owner_agency = req.Query("agency");
    auto priority = IntParam(req, "priority", 0, 1, 4);
    if (!priority.ok()) return Response::Error(priority.status());
    q.max_priority = static_cast<int>(*priority);
    auto after = IntParam(req, "after", 0, 0, INT64_MAX);
    if (!after.ok()) return Response::Error(after.status());
    q.after_id = static_cast<uint64_t>(*after);
    for (const char* k : {"from", "to"}) {
      if (std::string v = req.Query(k); !v.empty()) {
        auto t = ParseRfc3339(v, k);
        if (!t.ok()) return Response::Error(t.status());
        (k[0] == 'f' ? q.from : q.to) = *t;
      }
    }
    auto limit = LimitParam(req, 100, 1000);
    if (!limit.ok()) return Response::Error(limit.status());
    q.limit = *limit;
    // Newest first for a queue, unless resuming after an id.
    q.newest_first = q.after_id == 0 && req.Query("order") != "oldest";
    auto list = s_->alerts->List(req.principal, q);
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const rules::Alert& a : *list) {
      items.push_back(rules::AlertToJson(a, s_->local_offset_seconds));
    }
    return JsonResponse(200, {{"items", std::move(items)}, {"last_id", s_->alerts->last_id()}});
  }

  Response Get(Request& req) {
    auto id = AlertId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto a = s_->alerts->Get(req.principal, *id);
    if (!a.ok()) return Response::Error(a.status());
    return JsonResponse(200, rules::AlertToJson(*a, s_->local_offset_seconds));
  }

  // The alert as an OASIS CAP 1.2 message (the same form webhooks deliver).
  Response GetCap(Request& req) {
    auto id = AlertId(req);
    if (!id.ok()) return Response::Error(id.status());
    auto a = s_->alerts->Get(req.principal, *id);
    if (!a.ok()) return Response::Error(a.status());
    return Response::Text(200, rules::AlertToCap(*a, s_->cap), "application/cap+xml");
  }

  // {"state": "acknowledged" | "dispatched" | "closed", "note": "..."}
  Response Change(Request& req) {
    auto id = AlertId(req);
    if (!id.ok()) return Response::Error(id.status());
    req.audit_target = "alert:" + std::to_string(*id);
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto state = body->find("state");
    if (state == body->end() || !state->is_string()) {
      return Response::Error(
          InvalidArgument("state", "is required: acknowledged, dispatched or closed"));
    }
    auto to = rules::ParseAlertState(state->get<std::string>(), "state");
    if (!to.ok()) return Response::Error(to.status());
    std::string note;
    if (auto n = body->find("note"); n != body->end() && !n->is_null()) {
      if (!n->is_string()) return Response::Error(InvalidArgument("note", "must be a string"));
      note = n->get<std::string>();
    }
    auto a = s_->alerts->Transition(req.principal, *id, *to, note);
    if (!a.ok()) return Response::Error(a.status());
    return JsonResponse(200, rules::AlertToJson(*a, s_->local_offset_seconds));
  }

  Response GetRules(Request&) {
    return JsonResponse(200, {{"rules", rules::RulesToJson(s_->alerting->Rules())}});
  }

  // {"rules": [...]} replaces the rules in force.
  Response PutRules(Request& req) {
    req.audit_target = "alert_rules";
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto it = body->find("rules");
    if (it == body->end()) return Response::Error(InvalidArgument("rules", "is required"));
    auto rules = rules::RulesFromJson(*it);
    if (!rules.ok()) return Response::Error(rules.status());
    Status st = s_->alerting->SetRules(*rules, s_->clock->Now());
    if (!st.ok()) return Response::Error(st);
    return JsonResponse(200, {{"rules", rules::RulesToJson(s_->alerting->Rules())}});
  }

 private:
  const Services* s_;
};

}  // namespace

void RegisterAlertRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<AlertRoutes>(services);
  auto bind = [routes](Response (AlertRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/alerts", "List alerts (newest first, or after an id)",
              Needs("alert.read"), bind(&AlertRoutes::List));
  router->Add("GET", "/api/v1/alerts/{id}", "Get an alert", Needs("alert.read"),
              bind(&AlertRoutes::Get));
  router->Add("GET", "/api/v1/alerts/{id}/cap", "An alert as OASIS CAP 1.2 XML",
              Needs("alert.read"), bind(&AlertRoutes::GetCap));
  router->Add("PATCH", "/api/v1/alerts/{id}", "Acknowledge, dispatch or close an alert",
              Needs("alert.write"), bind(&AlertRoutes::Change));
  router->Add("GET", "/api/v1/alert-rules", "The rules that raise alerts", Needs("ring.read"),
              bind(&AlertRoutes::GetRules));
  router->Add("PUT", "/api/v1/alert-rules", "Replace the rules that raise alerts",
              Needs("ring.write"), bind(&AlertRoutes::PutRules));
}

}  // namespace quanyu::api
