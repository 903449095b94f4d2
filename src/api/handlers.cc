#include "api/handlers.h"

#include <nlohmann/json.hpp>

#include "api/alerting.h"
#include "api/handler_util.h"
#include "core/json_text.h"
#include "core/time_format.h"
#include "events/parse.h"
#include "govern/audit.h"
#include "govern/roles.h"
#include "registry/checkpoint.h"

namespace quanyu::api {
namespace {

using nlohmann::json;

json QuarantineToJson(const events::QuarantineEntry& q, int offset) {
  json payload = json::parse(q.payload, nullptr, false);
  json j = {{"id", q.id},
            {"received", FormatRfc3339(q.received, offset)},
            {"source", std::string(events::SourceName(q.source))},
            {"record_id", q.record_id},
            {"code", q.code},
            {"field", q.field},
            {"message", q.message},
            {"state", q.state}};
  // The payload is kept as received; show it as JSON when it is JSON, else as text.
  j["payload"] = payload.is_discarded() ? json(q.payload) : payload;
  if (q.state != "open") {
    j["resolved"] = FormatRfc3339(q.resolved, offset);
    j["resolution_note"] = q.resolution_note;
  }
  return j;
}

json ResultToJson(const ingest::ItemResult& r) {
  json j = {{"id", r.id}, {"status", std::string(ingest::OutcomeName(r.outcome))}};
  if (r.outcome == ingest::Outcome::kRejected) {
    j["quarantine_id"] = r.quarantine_id;
    j["error"] = {
        {"code", r.rejection.code}, {"field", r.rejection.field}, {"message", r.rejection.message}};
  }
  return j;
}

events::Parser& ThreadParser() {
  thread_local events::Parser parser;
  return parser;
}

// The ingest handlers' items and results, kept per thread (a handler runs to its end on the
// thread that started it), so that a batch reuses the strings of the batches before it. What
// a bulk load of many thousand records left is let go.
constexpr size_t kKeepItemsPerThread = 2048;
events::ParsedItems& ThreadItems() {
  thread_local events::ParsedItems items;
  items.Clear();
  items.ShrinkTo(kKeepItemsPerThread);
  return items;
}
std::vector<ingest::ItemResult>& ThreadResults() {
  thread_local std::vector<ingest::ItemResult> results;
  if (results.size() > kKeepItemsPerThread) {
    results.resize(kKeepItemsPerThread);
    results.shrink_to_fit();
  }
  return results;
}

// One status per submitted object, in GA/T 1400's reply form. StatusCode "0" is OK; "8"
// (invalid JSON content) for a rejected object, whose StatusString gives field and reason.
// Written directly: a reply to a batch of 500 is about 60 KB, and building it as a document
// first cost more than parsing the request.
std::string Gat1400Statuses(std::string_view url, const std::vector<ingest::ItemResult>& results,
                            std::string_view local_time) {
  std::string head = "{\"RequestURL\":";
  AppendJsonString(url, &head);
  head += ",\"Id\":";
  std::string time = ",\"LocalTime\":";
  AppendJsonString(local_time, &time);
  std::string out;
  out.reserve(64 + results.size() * (head.size() + time.size() + 80));
  out += "{\"ResponseStatusListObject\":{\"ResponseStatusObject\":[";
  for (size_t i = 0; i < results.size(); ++i) {
    const ingest::ItemResult& r = results[i];
    if (i > 0) out += ',';
    out += head;
    AppendJsonString(r.id, &out);
    out += time;
    switch (r.outcome) {
      case ingest::Outcome::kAccepted:
        out += ",\"StatusCode\":\"0\",\"StatusString\":\"OK\"}";
        break;
      case ingest::Outcome::kDuplicate:
        out += ",\"StatusCode\":\"0\",\"StatusString\":\"OK (duplicate of a stored record)\"}";
        break;
      case ingest::Outcome::kRejected:
        out += ",\"StatusCode\":\"8\",\"StatusString\":";
        AppendJsonString(r.rejection.field + ": " + r.rejection.message + " (quarantine " +
                             r.quarantine_id + ")",
                         &out);
        out += '}';
        break;
    }
  }
  out += "]}}";
  return out;
}

// A GA/T 1400 error reply that is also a quanyu error body.
Response Gat1400Error(const std::string& url, const Status& st, const std::string& gat_code,
                      const std::string& local_time) {
  Response r = Response::Error(st);
  json body = json::parse(r.body);
  body["ResponseStatusObject"] = {{"RequestURL", url},
                                  {"StatusCode", gat_code},
                                  {"StatusString", st.ToString()},
                                  {"Id", ""},
                                  {"LocalTime", local_time}};
  r.body = body.dump();
  return r;
}

// A device submits records only for its own ids: a record naming another device or
// checkpoint is refused (and kept in quarantine with the reason, like any rejected record).
void RestrictToDevice(const govern::Principal& p, events::Source source,
                      events::ParsedItems* items) {
  if (p.kind != govern::PrincipalKind::kDevice) return;
  const auto& ids = p.allowed_ids;
  if (std::find(ids.begin(), ids.end(), govern::kAnyId) != ids.end()) return;  // any id
  auto allowed = [&](const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  const bool gat = source == events::Source::kGat1400;
  for (events::ParsedItem& item : *items) {
    if (!item.ok) continue;
    const events::PassageRecord& r = item.record;
    const char* field = nullptr;
    std::string id;
    if (!allowed(r.checkpoint_id)) {
      field = gat ? "TollgateID" : "checkpoint_id";
      id = r.checkpoint_id;
    } else if (!r.device_id.empty() && !allowed(r.device_id)) {
      field = gat ? "DeviceID" : "device_id";
      id = r.device_id;
    }
    if (field == nullptr) continue;
    item.ok = false;
    item.rejection = events::Rejection{
        "device_not_allowed", field,
        "device " + p.id + " may submit records only for its own ids, not \"" + id + "\""};
  }
}

json AgencyToJson(const govern::Agency& a) {
  return {{"id", a.id}, {"name", a.name}, {"kind", a.kind}, {"parent", a.parent}};
}

json UserToJson(const govern::User& u, int offset) {
  json j = {{"id", u.id},
            {"display_name", u.display_name},
            {"agency", u.agency},
            {"role", u.role},
            {"scope",
             {{"kind", std::string(govern::ScopeKindName(u.scope.kind))},
              {"districts", u.scope.districts}}},
            {"disabled", u.disabled},
            {"created", FormatRfc3339(u.created, offset)}};
  j["locked_until"] = u.locked_until != 0 ? json(FormatRfc3339(u.locked_until, offset)) : json();
  return j;
}

json DeviceToJson(const govern::Device& d, int offset) {
  return {{"id", d.id},           {"name", d.name},
          {"agency", d.agency},   {"allowed_ids", d.allowed_ids},
          {"revoked", d.revoked}, {"created", FormatRfc3339(d.created, offset)}};
}

// Who a token acts as, with the permissions its role grants (what a client may show).
json PrincipalToJson(const govern::Principal& p) {
  const govern::RoleTable& roles = govern::RoleTable::Builtin();
  json permissions = json::array();
  for (const govern::PermissionInfo& perm : roles.permissions()) {
    if (roles.Allows(p.role, perm.name)) permissions.push_back(perm.name);
  }
  return {{"actor", p.Actor()},
          {"id", p.id},
          {"agency", p.agency},
          {"role", p.role},
          {"permissions", std::move(permissions)},
          {"scope",
           {{"kind", std::string(govern::ScopeKindName(p.scope.kind))},
            {"districts", p.scope.districts}}}};
}

// Reads an optional string member; InvalidArgument naming it if present and not a string.
StatusOr<std::string> OptString(const json& body, const char* name, std::string def = {}) {
  if (!body.contains(name) || body[name].is_null()) return def;
  if (!body[name].is_string()) return InvalidArgument(name, "must be a string");
  return body[name].get<std::string>();
}

StatusOr<govern::Scope> ScopeFromJson(const json& body) {
  govern::Scope scope;
  if (!body.contains("scope") || body["scope"].is_null()) return scope;
  const json& s = body["scope"];
  if (!s.is_object()) return InvalidArgument("scope", "must be an object {kind, districts}");
  ASSIGN_OR_RETURN(std::string kind, OptString(s, "kind", "all"));
  auto k = govern::ParseScopeKind(kind);
  if (!k.ok()) return Status(k.status().code(), k.status().message(), "scope.kind");
  scope.kind = *k;
  if (s.contains("districts")) {
    if (!s["districts"].is_array()) {
      return InvalidArgument("scope.districts", "must be an array of division codes");
    }
    for (const auto& d : s["districts"]) {
      if (!d.is_string()) return InvalidArgument("scope.districts", "must hold strings");
      scope.districts.push_back(d.get<std::string>());
    }
  }
  return scope;
}

StatusOr<UnixMicros> TimeParam(const Request& req, const char* name, UnixMicros def) {
  std::string v = req.Query(name);
  if (v.empty()) return def;
  return ParseRfc3339(v, name);
}

// A GA/T 1400 success reply to a system request (register, keep-alive, unregister).
Response Gat1400Ok(const std::string& url, const std::string& status_string, const std::string& id,
                   const std::string& local_time) {
  return Response::Json(200, json{{"ResponseStatusObject",
                                   {{"RequestURL", url},
                                    {"StatusCode", "0"},
                                    {"StatusString", status_string},
                                    {"Id", id},
                                    {"LocalTime", local_time}}}}
                                 .dump());
}

class Routes {
 public:
  explicit Routes(const Services* s) : s_(s) {}

  Response Health(Request&) {
    return JsonResponse(200, {{"status", "ok"}, {"version", s_->version}});
  }

  Response About(Request&) {
    return JsonResponse(200,
                        {{"name", "quanyu"}, {"version", s_->version}, {"notice", s_->notice}});
  }

  Response MetricsText(Request&) {
    return Response::Text(200, s_->metrics->RenderPrometheus(),
                          "text/plain; version=0.0.4; charset=utf-8");
  }

  Response OpenApi(Request&) {
    return Response::Text(200, std::string(OpenApiYaml()), "application/yaml");
  }

  // --- checkpoints ---
  Response ListCheckpoints(Request& req) {
    store::CheckpointQuery q;
    auto limit = LimitParam(req, 1000, 10000);
    if (!limit.ok()) return Response::Error(limit.status());
    q.limit = *limit;
    q.after_id = req.Query("after");
    if (std::string st = req.Query("status"); !st.empty()) {
      auto parsed = registry::ParseCheckpointStatus(st);
      if (!parsed.ok()) return Response::Error(parsed.status());
      q.status = *parsed;
    }
    auto list = s_->store->ListCheckpoints(q);
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& c : *list) {
      if (req.principal.InDistrictScope(c.division_code)) {
        items.push_back(registry::CheckpointToJson(c));
      }
    }
    json out = {{"items", items}};
    out["next_after"] = list->size() == q.limit ? json(list->back().id) : json(nullptr);
    return JsonResponse(200, out);
  }

  Response GetCheckpoint(Request& req) {
    auto c = s_->store->GetCheckpoint(req.path_params["id"]);
    if (!c.ok()) return Response::Error(c.status());
    if (!req.principal.InDistrictScope(c->division_code)) {
      return Response::Error(NotFound("checkpoint \"" + c->id + "\" not found in your scope"));
    }
    return JsonResponse(200, registry::CheckpointToJson(*c));
  }

  Response CreateCheckpoint(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto c = registry::CheckpointFromJson(*body, geo::Crs::kWgs84);
    if (!c.ok()) return Response::Error(c.status());
    if (s_->store->GetCheckpoint(c->id).ok()) {
      return Response::Error(Status(StatusCode::kAlreadyExists,
                                    "checkpoint " + c->id + " exists; use PUT to replace", "id"));
    }
    return Save(std::move(c).value(), 201);
  }

  Response PutCheckpoint(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    const std::string& id = req.path_params["id"];
    if (body->contains("id") && (*body)["id"] != id) {
      return Response::Error(InvalidArgument("id", "the id in the body differs from the URL"));
    }
    (*body)["id"] = id;
    auto c = registry::CheckpointFromJson(*body, geo::Crs::kWgs84);
    if (!c.ok()) return Response::Error(c.status());
    return Save(std::move(c).value(), 200);
  }

  // PATCH merges the given fields into the stored checkpoint (RFC 7386 merge patch).
  Response PatchCheckpoint(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    const std::string& id = req.path_params["id"];
    auto existing = s_->store->GetCheckpoint(id);
    if (!existing.ok()) return Response::Error(existing.status());
    json merged = registry::CheckpointToJson(*existing);
    if (body->contains("id") && (*body)["id"] != id) {
      return Response::Error(InvalidArgument("id", "the id of a checkpoint cannot be changed"));
    }
    if (body->contains("crs") && (body->contains("lng") || body->contains("lat")) &&
        !(body->contains("lng") && body->contains("lat"))) {
      return Response::Error(InvalidArgument("lng", "give both lng and lat with crs"));
    }
    merged.merge_patch(*body);
    auto c = registry::CheckpointFromJson(merged, geo::Crs::kWgs84);
    if (!c.ok()) return Response::Error(c.status());
    c->created = existing->created;
    return Save(std::move(c).value(), 200);
  }

  Response DeleteCheckpoint(Request& req) {
    const std::string& id = req.path_params["id"];
    Status st = s_->store->DeleteCheckpoint(id);
    if (!st.ok()) return Response::Error(st);
    CheckpointChanged(id, nullptr);
    return Response::Json(204, "");
  }

  // --- ingest ---
  Response Gat1400MotorVehicles(Request& req) {
    const std::string url = "/VIID/MotorVehicles";
    std::string local_time = FormatCompactLocalTime(s_->clock->Now(), s_->local_offset_seconds);
    // Under back-pressure a batch is refused before it costs a parse.
    if (Status room = s_->pipeline->CanTake(); !room.ok()) {
      return Gat1400Error(url, room, "2", local_time);  // 2: device busy
    }
    events::ParsedItems& items = ThreadItems();
    events::ParseOptions opts;
    opts.local_offset_seconds = s_->local_offset_seconds;
    opts.received = s_->clock->Now();
    Status st = ThreadParser().ParseGat1400MotorVehicles(req.body, opts, &items);
    if (!st.ok()) {
      bool not_json = st.field().empty() || st.field() == "body";
      return Gat1400Error(url, st, not_json ? "7" : "8", local_time);
    }
    RestrictToDevice(req.principal, events::Source::kGat1400, &items);
    std::vector<ingest::ItemResult>& results = ThreadResults();
    st = s_->pipeline->Submit(events::Source::kGat1400, items.span(), &results);
    if (!st.ok()) return Gat1400Error(url, st, "2", local_time);  // 2: device busy
    return Response::Json(200, Gat1400Statuses(url, results, local_time));
  }

  // Biometric and person objects are outside what quanyu does.
  Response Gat1400NotSupported(Request& req) {
    std::string local_time = FormatCompactLocalTime(s_->clock->Now(), s_->local_offset_seconds);
    return Gat1400Error(
        req.path,
        Unimplemented("not supported: quanyu does not accept face, person or other biometric "
                      "records; only vehicle passage records (/VIID/MotorVehicles)"),
        "4", local_time);
  }

  // GA/T 1400 registration with HTTP Digest: the first request gets a challenge, the answer
  // to it registers the device (bound to its address) until it stops sending keep-alives.
  Response Gat1400Register(Request& req) {
    const std::string url = "/VIID/System/Register";
    const UnixMicros now = s_->clock->Now();
    const std::string local_time = FormatCompactLocalTime(now, s_->local_offset_seconds);
    auto challenge = [&](const std::string& why, bool stale) {
      Response r = Gat1400Error(url, Unauthenticated(why), "4", local_time);
      r.headers.emplace_back("WWW-Authenticate", s_->digest->Challenge(now, stale));
      return r;
    };
    const std::string& auth = req.Header("authorization");
    if (auth.empty()) return challenge("authenticate with HTTP Digest (RFC 7616)", false);
    auto params = ParseDigestAuthorization(auth);
    if (!params.ok()) return Gat1400Error(url, params.status(), "7", local_time);
    req.audit_target = "device:" + params->username;
    // The body names the device too; it must be the one authenticating.
    json body = json::parse(req.body, nullptr, false);
    if (body.is_object() && body.contains("RegisterObject") && body["RegisterObject"].is_object()) {
      const json& id = body["RegisterObject"].value("DeviceID", json());
      if (id.is_string() && id.get<std::string>() != params->username) {
        return Gat1400Error(url, InvalidArgument("DeviceID", "differs from the Digest user name"),
                            "4", local_time);
      }
    }
    auto device = s_->accounts->GetDevice(params->username);
    if (!device.ok() || device->revoked) return challenge("unknown or revoked device", false);
    switch (s_->digest->Verify(*params, req.method, req.target, device->digest_ha1, now)) {
      case DigestResult::kOk:
        break;
      case DigestResult::kStale:
        return challenge("the nonce is stale: answer the new challenge", true);
      default:
        return challenge("wrong credentials", false);
    }
    req.principal = govern::Accounts::PrincipalOf(*device);
    s_->devices->Register(req.principal, RemoteHost(req.remote));
    return Gat1400Ok(url, "registered", device->id, local_time);
  }

  // A device using a bearer token has no registration to keep alive; that is fine. One that
  // identifies itself by User-Identify must still be registered from this address.
  Response Gat1400Keepalive(Request& req) {
    const std::string url = "/VIID/System/Keepalive";
    const std::string local_time =
        FormatCompactLocalTime(s_->clock->Now(), s_->local_offset_seconds);
    if (req.principal.kind == govern::PrincipalKind::kDevice &&
        !s_->devices->Keepalive(req.principal.id, RemoteHost(req.remote)) &&
        !req.Header("user-identify").empty()) {
      return Gat1400Error(url, Unauthenticated("not registered: register again"), "4", local_time);
    }
    return Gat1400Ok(url, "OK", req.principal.id, local_time);
  }

  Response Gat1400Unregister(Request& req) {
    s_->devices->Unregister(req.principal.id);
    return Gat1400Ok("/VIID/System/UnRegister", "unregistered", req.principal.id,
                     FormatCompactLocalTime(s_->clock->Now(), s_->local_offset_seconds));
  }

  Response Gat1400Time(Request&) {
    UnixMicros now = s_->clock->Now();
    return JsonResponse(200,
                        {{"SystemTimeObject",
                          {{"VIIDServerID", s_->server_id},
                           {"TimeMode", "1"},
                           {"LocalTime", FormatCompactLocalTime(now, s_->local_offset_seconds)},
                           {"TimeZone", "Asia/Shanghai"}}}});
  }

  Response PostPassages(Request& req) {
    if (Status room = s_->pipeline->CanTake(); !room.ok()) return Response::Error(room);
    events::ParsedItems& items = ThreadItems();
    events::ParseOptions opts;
    opts.local_offset_seconds = s_->local_offset_seconds;
    opts.received = s_->clock->Now();
    Status st = ThreadParser().ParsePassagesJson(req.body, opts, &items);
    if (!st.ok()) return Response::Error(st);
    RestrictToDevice(req.principal, events::Source::kApi, &items);
    std::vector<ingest::ItemResult>& results = ThreadResults();
    st = s_->pipeline->Submit(events::Source::kApi, items.span(), &results);
    if (!st.ok()) return Response::Error(st);
    size_t accepted = 0, dups = 0, rejected = 0;
    json list = json::array();
    for (const auto& r : results) {
      accepted += r.outcome == ingest::Outcome::kAccepted;
      dups += r.outcome == ingest::Outcome::kDuplicate;
      rejected += r.outcome == ingest::Outcome::kRejected;
      list.push_back(ResultToJson(r));
    }
    return JsonResponse(
        200,
        {{"accepted", accepted}, {"duplicates", dups}, {"rejected", rejected}, {"results", list}});
  }

  // Purpose-bound (the router has checked purpose and case_no): passages of a plate or at a
  // checkpoint in a time window, newest first, within the caller's district scope.
  Response SearchPassages(Request& req) {
    store::PassageQuery q;
    q.plate = req.Query("plate");
    q.checkpoint_id = req.Query("checkpoint_id");
    if (q.plate.empty() && q.checkpoint_id.empty()) {
      return Response::Error(InvalidArgument("plate", "give a plate or a checkpoint_id"));
    }
    auto from = TimeParam(req, "from", 0);
    if (!from.ok()) return Response::Error(from.status());
    auto to = TimeParam(req, "to", s_->clock->Now() + kMicrosPerHour);
    if (!to.ok()) return Response::Error(to.status());
    if (*from >= *to) return Response::Error(InvalidArgument("from", "must be before to"));
    q.from = *from;
    q.to = *to;
    auto limit = LimitParam(req, 1000, 10000);
    if (!limit.ok()) return Response::Error(limit.status());
    q.limit = *limit;
    auto found = s_->store->FindPassages(q);
    if (!found.ok()) return Response::Error(found.status());
    std::map<std::string, bool> in_scope;  // checkpoint -> within the caller's districts
    json items = json::array();
    for (const auto& p : *found) {
      auto [it, fresh] = in_scope.try_emplace(p.checkpoint_id, true);
      if (fresh && !req.principal.scope.districts.empty()) {
        auto c = s_->store->GetCheckpoint(p.checkpoint_id);
        it->second = c.ok() && req.principal.InDistrictScope(c->division_code);
      }
      if (!it->second) continue;
      items.push_back(json::parse(events::PassageToJson(p, s_->local_offset_seconds)));
    }
    req.audit_target = !q.plate.empty() ? "plate:" + q.plate : "checkpoint:" + q.checkpoint_id;
    req.audit_detail = json{{"returned", items.size()}}.dump();
    return JsonResponse(200, {{"items", items}, {"count", items.size()}});
  }

  // --- identity ---
  Response Login(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto user = OptString(*body, "user");
    auto device = OptString(*body, "device");
    auto password = OptString(*body, "password");
    auto secret = OptString(*body, "secret");
    for (const auto* v : {&user, &device, &password, &secret}) {
      if (!v->ok()) return Response::Error(v->status());
    }
    StatusOr<govern::IssuedToken> t = Status(StatusCode::kInternal, "unset");
    if (!device->empty()) {
      req.audit_target = "device:" + *device;
      t = s_->accounts->DeviceLogin(*device, *secret, req.remote);
    } else {
      if (user->empty()) return Response::Error(InvalidArgument("user", "give user and password"));
      req.audit_target = "user:" + *user;
      t = s_->accounts->Login(*user, *password, req.remote);
    }
    if (!t.ok()) return Response::Error(t.status());
    req.principal = t->principal;
    return JsonResponse(200,
                        {{"token", t->token},
                         {"token_type", "Bearer"},
                         {"expires", FormatRfc3339(t->session.expires, s_->local_offset_seconds)},
                         {"principal", PrincipalToJson(t->principal)}});
  }

  Response Logout(Request& req) {
    Status st = s_->accounts->Logout(req.principal);
    if (!st.ok()) return Response::Error(st);
    return Response::Json(204, "");
  }

  Response Me(Request& req) { return JsonResponse(200, PrincipalToJson(req.principal)); }

  Response ListAgencies(Request&) {
    auto list = s_->accounts->ListAgencies();
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& a : *list) items.push_back(AgencyToJson(a));
    return JsonResponse(200, {{"items", items}});
  }

  Response CreateAgency(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    govern::Agency a;
    for (auto [name, field] :
         {std::pair{"id", &a.id}, {"name", &a.name}, {"kind", &a.kind}, {"parent", &a.parent}}) {
      auto v = OptString(*body, name);
      if (!v.ok()) return Response::Error(v.status());
      *field = *v;
    }
    req.audit_target = "agency:" + a.id;
    Status st = s_->accounts->AddAgency(a);
    if (!st.ok()) return Response::Error(st);
    return JsonResponse(201, AgencyToJson(*s_->accounts->GetAgency(a.id)));
  }

  Response ListUsers(Request&) {
    auto list = s_->accounts->ListUsers();
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& u : *list) items.push_back(UserToJson(u, s_->local_offset_seconds));
    return JsonResponse(200, {{"items", items}});
  }

  // The password is generated and returned once unless the body gives one.
  Response CreateUser(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    govern::User u;
    for (auto [name, field] : {std::pair{"id", &u.id},
                               {"display_name", &u.display_name},
                               {"agency", &u.agency},
                               {"role", &u.role}}) {
      auto v = OptString(*body, name);
      if (!v.ok()) return Response::Error(v.status());
      *field = *v;
    }
    auto scope = ScopeFromJson(*body);
    if (!scope.ok()) return Response::Error(scope.status());
    u.scope = *scope;
    auto given = OptString(*body, "password");
    if (!given.ok()) return Response::Error(given.status());
    std::string password = given->empty() ? govern::RandomPassword(16) : *given;
    req.audit_target = "user:" + u.id;
    Status st = s_->accounts->AddUser(u, password);
    if (!st.ok()) return Response::Error(st);
    json out = UserToJson(*s_->accounts->GetUser(u.id), s_->local_offset_seconds);
    if (given->empty()) out["password"] = password;
    return JsonResponse(201, out);
  }

  // {"disabled": bool} and/or {"password": "..."} (a reset; {"password": null} generates one).
  Response PatchUser(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    const std::string& id = req.path_params["id"];
    req.audit_target = "user:" + id;
    auto user = s_->accounts->GetUser(id);
    if (!user.ok()) return Response::Error(user.status());
    std::optional<std::string> generated;
    if (body->contains("password")) {
      const json& pw = (*body)["password"];
      if (!pw.is_null() && !pw.is_string()) {
        return Response::Error(InvalidArgument("password", "must be a string or null"));
      }
      std::string password = pw.is_string() ? pw.get<std::string>() : govern::RandomPassword(16);
      if (!pw.is_string()) generated = password;
      Status st = s_->accounts->ResetPassword(id, password);
      if (!st.ok()) return Response::Error(st);
    }
    if (body->contains("disabled")) {
      if (!(*body)["disabled"].is_boolean()) {
        return Response::Error(InvalidArgument("disabled", "must be true or false"));
      }
      Status st = s_->accounts->SetUserDisabled(id, (*body)["disabled"].get<bool>());
      if (!st.ok()) return Response::Error(st);
    }
    json out = UserToJson(*s_->accounts->GetUser(id), s_->local_offset_seconds);
    if (generated) out["password"] = *generated;
    return JsonResponse(200, out);
  }

  Response ListDevices(Request&) {
    auto list = s_->accounts->ListDevices();
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& d : *list) items.push_back(DeviceToJson(d, s_->local_offset_seconds));
    return JsonResponse(200, {{"items", items}});
  }

  // Returns the device's secret once.
  Response CreateDevice(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    govern::Device d;
    for (auto [name, field] : {std::pair{"id", &d.id}, {"name", &d.name}, {"agency", &d.agency}}) {
      auto v = OptString(*body, name);
      if (!v.ok()) return Response::Error(v.status());
      *field = *v;
    }
    if (body->contains("allowed_ids")) {
      const json& ids = (*body)["allowed_ids"];
      if (!ids.is_array())
        return Response::Error(InvalidArgument("allowed_ids", "must be an array"));
      for (const auto& x : ids) {
        if (!x.is_string())
          return Response::Error(InvalidArgument("allowed_ids", "must hold strings"));
        d.allowed_ids.push_back(x.get<std::string>());
      }
    }
    req.audit_target = "device:" + d.id;
    auto secret = s_->accounts->AddDevice(d);
    if (!secret.ok()) return Response::Error(secret.status());
    json out = DeviceToJson(*s_->accounts->GetDevice(d.id), s_->local_offset_seconds);
    out["secret"] = *secret;
    return JsonResponse(201, out);
  }

  Response RevokeDevice(Request& req) {
    const std::string& id = req.path_params["id"];
    req.audit_target = "device:" + id;
    Status st = s_->accounts->RevokeDevice(id);
    if (!st.ok()) return Response::Error(st);
    if (s_->devices != nullptr) s_->devices->Forget(id);
    return Response::Json(204, "");
  }

  // --- audit ---
  Response ListAudit(Request& req) {
    store::AuditQuery q;
    q.actor = req.Query("actor");
    q.action = req.Query("action");
    q.target = req.Query("target");
    auto from = TimeParam(req, "from", INT64_MIN);
    if (!from.ok()) return Response::Error(from.status());
    auto to = TimeParam(req, "to", INT64_MAX);
    if (!to.ok()) return Response::Error(to.status());
    q.from = *from;
    q.to = *to;
    std::string order = req.Query("order", "newest");
    if (order != "newest" && order != "oldest") {
      return Response::Error(InvalidArgument("order", "must be newest or oldest"));
    }
    q.newest_first = order == "newest";
    for (auto [name, field] :
         {std::pair{"after_seq", &q.after_seq}, {"before_seq", &q.before_seq}}) {
      std::string v = req.Query(name);
      if (v.empty()) continue;
      char* end = nullptr;
      unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') {
        return Response::Error(InvalidArgument(name, "must be a record number"));
      }
      *field = n;
    }
    auto limit = LimitParam(req, 100, 1000);
    if (!limit.ok()) return Response::Error(limit.status());
    q.limit = *limit;
    auto list = s_->store->ListAudit(q);
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& r : *list) {
      json detail = r.detail.empty() ? json() : json::parse(r.detail, nullptr, false);
      items.push_back({{"seq", r.seq},
                       {"time", FormatRfc3339(r.time, s_->local_offset_seconds)},
                       {"actor", r.actor},
                       {"agency", r.agency},
                       {"role", r.role},
                       {"action", r.action},
                       {"target", r.target},
                       {"purpose", r.purpose},
                       {"case_no", r.case_no},
                       {"request_id", r.request_id},
                       {"outcome", r.outcome},
                       {"detail", detail.is_discarded() ? json(r.detail) : detail},
                       {"prev_hash", r.prev_hash},
                       {"hash", r.hash}});
    }
    return JsonResponse(200, {{"items", items}});
  }

  Response VerifyAudit(Request&) {
    auto head = govern::ReadAuditHead(s_->data_dir);
    if (!head.ok()) return Response::Error(head.status());
    auto report = govern::VerifyAudit(*s_->store, *head);
    if (!report.ok()) return Response::Error(report.status());
    json out = {{"intact", report->ok},
                {"records_checked", report->records_checked},
                {"first_seq", report->first_seq},
                {"last_seq", report->last_seq},
                {"head_file", head->has_value()}};
    if (!report->ok) {
      out["first_broken_seq"] = report->first_broken_seq;
      out["reason"] = report->reason;
    }
    return JsonResponse(200, out);
  }

  Response PassageStats(Request&) {
    // The pipeline first: pending_store then counts records the store snapshot may not hold
    // yet, so that pending_store == 0 means the snapshot holds everything acknowledged before.
    ingest::PipelineStats p = s_->pipeline->Stats();
    auto stats = s_->store->GetPassageStats();
    if (!stats.ok()) return Response::Error(stats.status());
    json out = {
        {"stored", stats->passages},
        {"quarantined_open", stats->quarantined_open},
        {"quarantined_total", stats->quarantined_total},
        {"quarantine_by_code", stats->quarantine_by_code},
        {"pending_store", p.queued},
        {"since_start",
         {{"accepted", p.accepted}, {"duplicates", p.duplicates}, {"rejected", p.rejected}}}};
    out["oldest_pass_time"] =
        stats->oldest_pass_time
            ? json(FormatRfc3339(*stats->oldest_pass_time, s_->local_offset_seconds))
            : json(nullptr);
    out["newest_pass_time"] =
        stats->newest_pass_time
            ? json(FormatRfc3339(*stats->newest_pass_time, s_->local_offset_seconds))
            : json(nullptr);
    return JsonResponse(200, out);
  }

  // --- quarantine ---
  Response ListQuarantine(Request& req) {
    store::QuarantineQuery q;
    auto limit = LimitParam(req, 100, 1000);
    if (!limit.ok()) return Response::Error(limit.status());
    q.limit = *limit;
    q.state = req.Query("state");
    if (!q.state.empty() && q.state != "open" && q.state != "replayed" && q.state != "discarded") {
      return Response::Error(InvalidArgument("state", "must be open, replayed or discarded"));
    }
    q.code = req.Query("code");
    q.after_id = req.Query("after");
    auto list = s_->store->ListQuarantine(q);
    if (!list.ok()) return Response::Error(list.status());
    json items = json::array();
    for (const auto& e : *list) items.push_back(QuarantineToJson(e, s_->local_offset_seconds));
    json out = {{"items", items}};
    out["next_after"] = list->size() == q.limit ? json(list->back().id) : json(nullptr);
    return JsonResponse(200, out);
  }

  Response GetQuarantine(Request& req) {
    auto e = s_->store->GetQuarantine(req.path_params["id"]);
    if (!e.ok()) return Response::Error(e.status());
    return JsonResponse(200, QuarantineToJson(*e, s_->local_offset_seconds));
  }

  // Body (optional): {"record": {corrected object in its original form}, "note": "..."}.
  Response ReplayQuarantine(Request& req) {
    std::optional<std::string> corrected;
    std::string note;
    if (!req.body.empty()) {
      auto body = BodyObject(req);
      if (!body.ok()) return Response::Error(body.status());
      if (auto it = body->find("record"); it != body->end()) {
        if (!it->is_object())
          return Response::Error(InvalidArgument("record", "must be an object"));
        corrected = it->dump();
      }
      note = body->value("note", "");
    }
    auto r = s_->pipeline->Replay(req.path_params["id"], corrected, note);
    if (!r.ok()) return Response::Error(r.status());
    if (r->outcome == ingest::Outcome::kRejected) {
      json out = ResultToJson(*r);
      out["error"]["message"] = "still rejected: " + r->rejection.message;
      return JsonResponse(422, out);
    }
    return JsonResponse(200, ResultToJson(*r));
  }

  Response DiscardQuarantine(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    Status st = s_->pipeline->Discard(req.path_params["id"], body->value("note", ""));
    if (!st.ok()) return Response::Error(st);
    auto e = s_->store->GetQuarantine(req.path_params["id"]);
    if (!e.ok()) return Response::Error(e.status());
    return JsonResponse(200, QuarantineToJson(*e, s_->local_offset_seconds));
  }

 private:
  Response Save(registry::Checkpoint c, int status) {
    UnixMicros now = s_->clock->Now();
    if (c.created == 0) {
      auto existing = s_->store->GetCheckpoint(c.id);
      c.created = existing.ok() ? existing->created : now;
    }
    c.updated = now;
    Status st = s_->store->PutCheckpoint(c);
    if (!st.ok()) return Response::Error(st);
    CheckpointChanged(c.id, &c);
    return JsonResponse(status, registry::CheckpointToJson(c));
  }

  // Tells every service that keeps checkpoint details of a stored change (c) or deletion
  // (nullptr): the pipeline's validation, the ring assignment, the alerts' cached details.
  void CheckpointChanged(const std::string& id, const registry::Checkpoint* c) {
    if (c != nullptr) {
      s_->pipeline->OnCheckpointChanged(*c);
      if (s_->rings != nullptr) s_->rings->OnCheckpointChanged(*c);
    } else {
      s_->pipeline->OnCheckpointDeleted(id);
      if (s_->rings != nullptr) s_->rings->OnCheckpointDeleted(id);
    }
    if (s_->alerting != nullptr) s_->alerting->OnCheckpointChanged(id);
  }

  const Services* s_;
};

}  // namespace

void RegisterRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<Routes>(services);
  auto bind = [routes](Response (Routes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  router->Add("GET", "/healthz", "Liveness", Public(), bind(&Routes::Health));
  router->Add("GET", "/metrics", "Prometheus metrics", Public(), bind(&Routes::MetricsText));
  router->Add("GET", "/api/v1/about", "The server's name, version and notice (public)", Public(),
              bind(&Routes::About));
  router->Add("GET", "/api/v1/openapi.yaml", "This API's OpenAPI 3 description",
              Needs("api.describe"), bind(&Routes::OpenApi));

  router->AddWebSocket("/api/v1/stream", "Live events (WebSocket)", Needs("stream.subscribe"),
                       [services](Request& req, std::shared_ptr<WsConnection> conn) {
                         return services->hub->Handler()(req, std::move(conn));
                       });

  router->Add("POST", "/api/v1/auth/login", "Log in: a bearer token", Public(),
              bind(&Routes::Login));
  router->Add("POST", "/api/v1/auth/logout", "End this token's session", Needs("self"),
              bind(&Routes::Logout));
  router->Add("GET", "/api/v1/auth/me", "Who this token acts as", Needs("self"), bind(&Routes::Me));
  router->Add("GET", "/api/v1/agencies", "List agencies", Needs("agency.read"),
              bind(&Routes::ListAgencies));
  router->Add("POST", "/api/v1/agencies", "Create an agency", Needs("agency.write"),
              bind(&Routes::CreateAgency));
  router->Add("GET", "/api/v1/users", "List users", Needs("user.read"), bind(&Routes::ListUsers));
  router->Add("POST", "/api/v1/users", "Add a user", Needs("user.write"),
              bind(&Routes::CreateUser));
  router->Add("PATCH", "/api/v1/users/{id}", "Disable, enable or reset a user", Needs("user.write"),
              bind(&Routes::PatchUser));
  router->Add("GET", "/api/v1/devices", "List device credentials", Needs("user.read"),
              bind(&Routes::ListDevices));
  router->Add("POST", "/api/v1/devices", "Add a device credential", Needs("user.write"),
              bind(&Routes::CreateDevice));
  router->Add("DELETE", "/api/v1/devices/{id}", "Revoke a device credential", Needs("user.write"),
              bind(&Routes::RevokeDevice));

  router->Add("GET", "/api/v1/audit", "Query the audit log", Needs("audit.read"),
              bind(&Routes::ListAudit));
  router->Add("GET", "/api/v1/audit/verify", "Verify the audit chain", Needs("audit.read"),
              bind(&Routes::VerifyAudit));

  router->Add("GET", "/api/v1/checkpoints", "List checkpoints", Needs("checkpoint.read"),
              bind(&Routes::ListCheckpoints));
  router->Add("POST", "/api/v1/checkpoints", "Create a checkpoint", Needs("checkpoint.write"),
              bind(&Routes::CreateCheckpoint));
  router->Add("GET", "/api/v1/checkpoints/{id}", "Get a checkpoint", Needs("checkpoint.read"),
              bind(&Routes::GetCheckpoint));
  router->Add("PUT", "/api/v1/checkpoints/{id}", "Create or replace a checkpoint",
              Needs("checkpoint.write"), bind(&Routes::PutCheckpoint));
  router->Add("PATCH", "/api/v1/checkpoints/{id}", "Change some fields of a checkpoint",
              Needs("checkpoint.write"), bind(&Routes::PatchCheckpoint));
  router->Add("DELETE", "/api/v1/checkpoints/{id}", "Delete a checkpoint",
              Needs("checkpoint.write"), bind(&Routes::DeleteCheckpoint));

  router->Add("POST", "/VIID/MotorVehicles", "GA/T 1400 vehicle passage records",
              DeviceNeeds("passage.ingest"), bind(&Routes::Gat1400MotorVehicles));
  router->Add("POST", "/VIID/Faces", "Not supported (biometric)", Public(),
              bind(&Routes::Gat1400NotSupported));
  router->Add("POST", "/VIID/Persons", "Not supported (biometric)", Public(),
              bind(&Routes::Gat1400NotSupported));
  router->Add("GET", "/VIID/System/Time", "GA/T 1400 server time", Public(),
              bind(&Routes::Gat1400Time));
  router->Add("POST", "/VIID/System/Register", "GA/T 1400 device registration (HTTP Digest)",
              DigestLogin(), bind(&Routes::Gat1400Register));
  router->Add("POST", "/VIID/System/Keepalive", "GA/T 1400 device keep-alive",
              DeviceNeeds("passage.ingest"), bind(&Routes::Gat1400Keepalive));
  router->Add("POST", "/VIID/System/UnRegister", "GA/T 1400 device unregistration",
              DeviceNeeds("passage.ingest"), bind(&Routes::Gat1400Unregister));

  router->Add("POST", "/api/v1/passages", "Bulk passage records (JSON array or NDJSON)",
              Needs("passage.ingest"), bind(&Routes::PostPassages));
  router->Add("GET", "/api/v1/passages", "Search passages (personal: purpose and case_no)",
              Needs("passage.search"), bind(&Routes::SearchPassages));
  router->Add("GET", "/api/v1/passages/stats", "Stored and quarantined counts",
              Needs("passage.stats"), bind(&Routes::PassageStats));

  RegisterAlertListRoutes(router, services);

  router->Add("GET", "/api/v1/quarantine", "List rejected records", Needs("quarantine.read"),
              bind(&Routes::ListQuarantine));
  router->Add("GET", "/api/v1/quarantine/{id}", "Get a rejected record", Needs("quarantine.read"),
              bind(&Routes::GetQuarantine));
  router->Add("POST", "/api/v1/quarantine/{id}/replay", "Correct and replay a rejected record",
              Needs("quarantine.write"), bind(&Routes::ReplayQuarantine));
  router->Add("POST", "/api/v1/quarantine/{id}/discard", "Close a rejected record with a note",
              Needs("quarantine.write"), bind(&Routes::DiscardQuarantine));
  RegisterAlertRoutes(router, services);
  RegisterRingRoutes(router, services);
  RegisterClosureRoutes(router, services);
  RegisterRoadRoutes(router, services);
  RegisterDispatchRoutes(router, services);
  RegisterPlaceRoutes(router, services);
  RegisterWebhookRoutes(router, services);
}

}  // namespace quanyu::api
