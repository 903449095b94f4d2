// Routes of /api/v1/webhooks: subscriptions that deliver alerts to other systems, their
// delivery history and a test delivery. Writes are audited by the router's GovernedAccess
// (target "webhook:<id>"); the secret is never part of an answer except the one that made it.
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "api/webhooks.h"
#include "core/time_format.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

Response JsonAnswer(int status, const json& j) { return Response::Json(status, j.dump()); }

json WebhookToJson(const Webhook& w, int offset) {
  json types = json::array();
  for (auto t : w.filter.types) types.push_back(std::string(rules::AlertTypeName(t)));
  return {{"id", w.id},
          {"url", w.url},
          {"description", w.description},
          {"format", std::string(WebhookFormatName(w.format))},
          {"filter",
           {{"types", types},
            {"min_priority", w.filter.min_priority},
            {"ring_ids", w.filter.ring_ids},
            {"agencies", w.filter.agencies}}},
          {"active", w.active},
          {"created_by", w.created_by},
          {"created", FormatRfc3339(w.created, offset)},
          {"updated", FormatRfc3339(w.updated, offset)}};
}

json DeliveryToJson(const Delivery& d, int offset) {
  auto t = [&](UnixMicros v) { return v == 0 ? json(nullptr) : json(FormatRfc3339(v, offset)); };
  return {{"id", d.id},
          {"webhook_id", d.webhook_id},
          {"event", d.event},
          {"alert_id", d.alert_id},
          {"state", std::string(DeliveryStateName(d.state))},
          {"attempts", d.attempts},
          {"last_status", d.last_status == 0 ? json(nullptr) : json(d.last_status)},
          {"last_error", d.last_error},
          {"created", t(d.created)},
          {"last_attempt", t(d.last_attempt)},
          {"next_attempt", t(d.next_attempt)},
          {"finished", t(d.finished)}};
}

StatusOr<std::vector<std::string>> Strings(const json& j, const std::string& field) {
  if (!j.is_array()) return InvalidArgument(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) return InvalidArgument(field, "must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Applies the fields present in body to w. `regenerate` is set when the body asks for a new
// secret ("secret": null).
Status ApplyWebhookJson(const json& body, Webhook* w, bool* regenerate) {
  for (auto [name, field] : {std::pair{"url", &w->url}, {"description", &w->description}}) {
    if (auto it = body.find(name); it != body.end()) {
      if (!it->is_string()) return InvalidArgument(name, "must be a string");
      *field = it->get<std::string>();
    }
  }
  if (auto it = body.find("format"); it != body.end()) {
    if (*it == "json") {
      w->format = WebhookFormat::kJson;
    } else if (*it == "cap") {
      w->format = WebhookFormat::kCap;
    } else {
      return InvalidArgument("format", "must be \"json\" or \"cap\"");
    }
  }
  if (auto it = body.find("active"); it != body.end()) {
    if (!it->is_boolean()) return InvalidArgument("active", "must be true or false");
    w->active = it->get<bool>();
  }
  if (auto it = body.find("secret"); it != body.end()) {
    if (it->is_null()) {
      *regenerate = true;
    } else if (it->is_string()) {
      w->secret = it->get<std::string>();
      if (w->secret.empty()) *regenerate = true;
    } else {
      return InvalidArgument("secret", "must be a string, or null for a new one");
    }
  }
  if (auto it = body.find("filter"); it != body.end()) {
    if (!it->is_object()) return InvalidArgument("filter", "must be an object");
    const json& f = *it;
    if (auto t = f.find("types"); t != f.end()) {
      ASSIGN_OR_RETURN(std::vector<std::string> names, Strings(*t, "filter.types"));
      w->filter.types.clear();
      for (const auto& n : names) {
        ASSIGN_OR_RETURN(rules::AlertType type, rules::ParseAlertType(n, "filter.types"));
        w->filter.types.push_back(type);
      }
    }
    if (auto p = f.find("min_priority"); p != f.end()) {
      if (!p->is_number_integer()) {
        return InvalidArgument("filter.min_priority", "must be a whole number from 1 to 4");
      }
      w->filter.min_priority = p->get<int>();
    }
    if (auto r = f.find("ring_ids"); r != f.end()) {
      ASSIGN_OR_RETURN(w->filter.ring_ids, Strings(*r, "filter.ring_ids"));
    }
    if (auto a = f.find("agencies"); a != f.end()) {
      ASSIGN_OR_RETURN(w->filter.agencies, Strings(*a, "filter.agencies"));
    }
  }
  return Status::Ok();
}

StatusOr<json> ObjectBody(const Request& req) {
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("body", "request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("body", "request body must be a JSON object");
  return j;
}

class WebhookRoutes {
 public:
  explicit WebhookRoutes(const Services* s) : s_(s) {}

  Response List(Request&) {
    if (s_->webhooks == nullptr) return Unavailable();
    json items = json::array();
    for (const auto& w : s_->webhooks->List()) {
      items.push_back(WebhookToJson(w, s_->local_offset_seconds));
    }
    return JsonAnswer(200, {{"items", items}});
  }

  // The secret is generated unless the body gives one, and returned in this answer only.
  Response Create(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    auto body = ObjectBody(req);
    if (!body.ok()) return Response::Error(body.status());
    Webhook w;
    bool regenerate = false;
    Status st = ApplyWebhookJson(*body, &w, &regenerate);
    if (!st.ok()) return Response::Error(st);
    if (w.url.empty()) return Response::Error(InvalidArgument("url", "is required"));
    auto made = s_->webhooks->Create(w, req.principal.Actor());
    if (!made.ok()) return Response::Error(made.status());
    req.audit_target = "webhook:" + made->id;
    req.audit_detail = json{{"url", made->url}, {"format", WebhookFormatName(made->format)}}.dump();
    json out = WebhookToJson(*made, s_->local_offset_seconds);
    out["secret"] = made->secret;
    return JsonAnswer(201, out);
  }

  Response Get(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    auto w = s_->webhooks->Get(req.path_params["id"]);
    if (!w.ok()) return Response::Error(w.status());
    return JsonAnswer(200, WebhookToJson(*w, s_->local_offset_seconds));
  }

  // Changes the fields given; "secret": null makes a new secret, returned in this answer.
  Response Patch(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    const std::string& id = req.path_params["id"];
    req.audit_target = "webhook:" + id;
    auto body = ObjectBody(req);
    if (!body.ok()) return Response::Error(body.status());
    auto w = s_->webhooks->Get(id);
    if (!w.ok()) return Response::Error(w.status());
    bool regenerate = false;
    const std::string old_secret = w->secret;
    Status st = ApplyWebhookJson(*body, &*w, &regenerate);
    if (!st.ok()) return Response::Error(st);
    if (regenerate) w->secret = NewWebhookSecret();
    auto updated = s_->webhooks->Update(*w);
    if (!updated.ok()) return Response::Error(updated.status());
    json changed = json::array();
    for (const auto& [k, v] : body->items()) changed.push_back(k);
    req.audit_detail = json{{"changed", changed}}.dump();
    json out = WebhookToJson(*updated, s_->local_offset_seconds);
    if (regenerate) out["secret"] = updated->secret;
    return JsonAnswer(200, out);
  }

  Response Delete(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    const std::string& id = req.path_params["id"];
    req.audit_target = "webhook:" + id;
    Status st = s_->webhooks->Delete(id);
    if (!st.ok()) return Response::Error(st);
    return Response::Json(204, "");
  }

  Response Deliveries(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    size_t limit = 100;
    if (std::string v = req.Query("limit"); !v.empty()) {
      char* end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 1 || n > 1000) {
        return Response::Error(InvalidArgument("limit", "must be a whole number from 1 to 1000"));
      }
      limit = static_cast<size_t>(n);
    }
    auto list = s_->webhooks->Deliveries(req.path_params["id"], limit);
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& d : *list) items.push_back(DeliveryToJson(d, s_->local_offset_seconds));
    return JsonAnswer(200, {{"items", items}});
  }

  // One attempt, now; the answer is the delivery as it ended.
  Response Test(Request& req) {
    if (s_->webhooks == nullptr) return Unavailable();
    const std::string& id = req.path_params["id"];
    req.audit_target = "webhook:" + id;
    auto d = s_->webhooks->SendTest(id);
    if (!d.ok()) return Response::Error(d.status());
    return JsonAnswer(200, DeliveryToJson(*d, s_->local_offset_seconds));
  }

 private:
  static Response Unavailable() {
    return Response::Error(quanyu::Unavailable("webhooks are not running on this server"));
  }
  const Services* s_;
};

}  // namespace

void RegisterWebhookRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<WebhookRoutes>(services);
  auto bind = [routes](Response (WebhookRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/api/v1/webhooks", "List webhooks", Needs("webhook.read"),
              bind(&WebhookRoutes::List));
  router->Add("POST", "/api/v1/webhooks", "Create a webhook (its secret is returned once)",
              Needs("webhook.write"), bind(&WebhookRoutes::Create));
  router->Add("GET", "/api/v1/webhooks/{id}", "Get a webhook", Needs("webhook.read"),
              bind(&WebhookRoutes::Get));
  router->Add("PATCH", "/api/v1/webhooks/{id}", "Change a webhook", Needs("webhook.write"),
              bind(&WebhookRoutes::Patch));
  router->Add("DELETE", "/api/v1/webhooks/{id}", "Delete a webhook and its history",
              Needs("webhook.write"), bind(&WebhookRoutes::Delete));
  router->Add("GET", "/api/v1/webhooks/{id}/deliveries", "A webhook's delivery history",
              Needs("webhook.read"), bind(&WebhookRoutes::Deliveries));
  router->Add("POST", "/api/v1/webhooks/{id}/test", "Send a test payload to a webhook",
              Needs("webhook.write"), bind(&WebhookRoutes::Test));
}

}  // namespace quanyu::api
