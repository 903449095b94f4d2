// The command-core routes: units (/api/v1/units, positions, statuses, tracks), incidents
// (/api/v1/incidents, dispatch, steps), the dispatch recommendation and the response KPIs.
// Coordinates are [lng, lat] in WGS-84, or GCJ-02 with "crs": "gcj02" in a body (converted on
// the way in; answers are WGS-84). Changes are published on the stream's "unit" and
// "incident" topics.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "api/handler_util.h"
#include "api/handlers.h"
#include "core/time_format.h"
#include "dispatch/service.h"
#include "geo/crs.h"
#include "roads/network.h"
#include "rules/alerts.h"

namespace quanyu::api {
namespace {

using dispatch::Incident;
using dispatch::Unit;
using nlohmann::json;

constexpr size_t kMaxFixesPerRequest = 10'000;

json Rounded(double v, double unit) { return std::round(v / unit) * unit; }

// Converts the [lng, lat] members named of a body from `crs` to WGS-84 in place.
Status ToWgs84Members(json* body, std::initializer_list<const char*> names, geo::Crs crs) {
  if (crs == geo::Crs::kWgs84) return Status::Ok();
  for (const char* n : names) {
    auto it = body->find(n);
    if (it == body->end() || it->is_null()) continue;
    ASSIGN_OR_RETURN(geo::LngLat p, LngLatJson(*it, n, crs));
    *it = json::array({p.lng, p.lat});
  }
  return Status::Ok();
}

StatusOr<UnixMicros> TimeParam(const Request& req, const char* name) {
  std::string v = req.Query(name);
  if (v.empty()) return UnixMicros{0};
  return ParseRfc3339(v, name);
}

class DispatchRoutes {
 public:
  explicit DispatchRoutes(const Services* s) : s_(s), d_(s->dispatch) {}

  // --- units ---

  json View(const Unit& u) const {
    const auto& o = d_->options();
    return dispatch::UnitViewJson(u, s_->clock->Now(), o.stale_after, o.timers);
  }

  // A user limited to its agency sees its agency's units.
  static bool InScope(const govern::Principal& who, const std::string& agency) {
    return who.scope.kind != govern::ScopeKind::kAgency || agency == who.agency;
  }
  static bool Sees(const Request& req, const Unit& u) { return InScope(req.principal, u.agency); }

  Response ListUnits(Request& req) {
    dispatch::UnitFilter f;
    for (const std::string& k : SplitComma(req.Query("kind"))) {
      auto kind = dispatch::ParseUnitKind(k, "kind");
      if (!kind.ok()) return Response::Error(kind.status());
      f.kinds.push_back(*kind);
    }
    for (const std::string& st : SplitComma(req.Query("status"))) {
      auto status = dispatch::ParseUnitStatus(st, "status");
      if (!status.ok()) return Response::Error(status.status());
      f.statuses.push_back(*status);
    }
    f.agency = req.Query("agency");
    json units = json::array();
    for (const Unit& u : d_->ListUnits(f)) {
      if (Sees(req, u)) units.push_back(View(u));
    }
    return JsonResponse(200, {{"units", std::move(units)}});
  }

  Response GetUnit(Request& req) {
    auto u = d_->GetUnit(req.path_params["id"]);
    if (!u.ok() || !Sees(req, *u)) {
      return Response::Error(NotFound("no unit " + req.path_params["id"]));
    }
    return JsonResponse(200, View(*u));
  }

  Response PutUnit(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto crs = CrsFromText(body->value("crs", ""), "crs");
    if (!crs.ok()) return Response::Error(crs.status());
    if (Status st = ToWgs84Members(&*body, {"home"}, *crs); !st.ok()) return Response::Error(st);
    if (auto id = req.path_params.find("id"); id != req.path_params.end()) {
      if (body->contains("id") && (*body)["id"] != id->second) {
        return Response::Error(InvalidArgument("id", "differs from the id in the path"));
      }
      (*body)["id"] = id->second;
    }
    // Status, position and assignment are not a client's to set here.
    for (const char* k : {"status", "status_since", "position", "fix_time", "heading", "speed_kmh",
                          "incident_id", "updated"}) {
      body->erase(k);
    }
    auto unit = dispatch::UnitFromJson(*body);
    if (!unit.ok()) return Response::Error(unit.status());
    req.audit_target = "unit:" + unit->id;
    auto put = d_->PutUnit(*unit);
    if (!put.ok()) return Response::Error(put.status());
    Publish("unit", put->first);
    return JsonResponse(put->second ? 201 : 200, View(put->first));
  }

  Response DeleteUnit(Request& req) {
    const std::string id = req.path_params["id"];
    req.audit_target = "unit:" + id;
    auto before = d_->GetUnit(id);
    Status st = d_->DeleteUnit(id);
    if (!st.ok()) return Response::Error(st);
    const std::string agency = before.ok() ? before->agency : "";
    s_->hub->Publish("unit", json{{"id", id}, {"deleted", true}}.dump(), Now(), "unit.read",
                     [agency](const govern::Principal& who) { return InScope(who, agency); });
    return JsonResponse(200, {{"deleted", id}});
  }

  // {"crs": "gcj02", "fixes": [{"unit_id", "position": [lng, lat], "time", "heading",
  // "speed_kmh", "status"}]} (or the array alone). Each fix is accepted or refused alone.
  Response PostFixes(Request& req) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      return Response::Error(InvalidArgument("body", "request body is not valid JSON"));
    }
    auto out = ReportFixes(req.principal, body);
    if (!out.ok()) return Response::Error(out.status());
    req.audit_detail =
        json{{"accepted", (*out)["accepted"]}, {"refused", (*out)["refused"]}}.dump();
    return JsonResponse(200, *out);
  }

  // The fixes of a body (HTTP or WebSocket) reported as `who`: {"accepted", "refused",
  // "results": [{"index", "unit_id", "ok", "current" | "error"}]}.
  StatusOr<json> ReportFixes(const govern::Principal& who, const json& body) {
    geo::Crs crs = geo::Crs::kWgs84;
    json fixes = body;
    if (body.is_object()) {
      ASSIGN_OR_RETURN(crs, CrsFromText(body.value("crs", ""), "crs"));
      fixes = body.value("fixes", json());
    }
    if (!fixes.is_array()) return InvalidArgument("fixes", "must be an array of position fixes");
    if (fixes.size() > kMaxFixesPerRequest) {
      return InvalidArgument(
          "fixes", "at most " + std::to_string(kMaxFixesPerRequest) + " fixes per request");
    }
    std::vector<dispatch::FixReport> reports;
    std::vector<size_t> index;  // report -> position in the request
    json results = json::array();
    size_t refused = 0;
    for (size_t i = 0; i < fixes.size(); ++i) {
      auto r = ParseFix(fixes[i], "fixes[" + std::to_string(i) + "]", crs);
      if (r.ok() && !MayReport(who, r->unit_id)) {
        r = Status(StatusCode::kPermissionDenied,
                   "device " + who.id + " may not report for unit " + r->unit_id);
      }
      if (!r.ok()) {
        ++refused;
        results.push_back({{"index", i}, {"ok", false}, {"error", ErrorJson(r.status())}});
        continue;
      }
      index.push_back(i);
      reports.push_back(std::move(*r));
      results.push_back(nullptr);
    }
    std::vector<dispatch::FixOutcome> outcomes = d_->ReportFixes(reports);
    size_t accepted = 0;
    for (size_t k = 0; k < outcomes.size(); ++k) {
      const dispatch::FixOutcome& o = outcomes[k];
      json& r = results[index[k]];
      r = {{"index", index[k]}, {"unit_id", reports[k].unit_id}, {"ok", o.status.ok()}};
      if (o.status.ok()) {
        ++accepted;
        r["current"] = o.current;
        if (o.current) {
          if (auto u = d_->GetUnit(reports[k].unit_id); u.ok()) Publish("unit", *u);
        }
      } else {
        ++refused;
        r["error"] = ErrorJson(o.status);
      }
    }
    return json{{"accepted", accepted}, {"refused", refused}, {"results", results}};
  }

  // A device reports only for the unit ids it is allowed; users for any.
  static bool MayReport(const govern::Principal& who, const std::string& unit_id) {
    if (who.kind != govern::PrincipalKind::kDevice) return true;
    const auto& ids = who.allowed_ids;
    return std::find(ids.begin(), ids.end(), unit_id) != ids.end() ||
           std::find(ids.begin(), ids.end(), govern::kAnyId) != ids.end();
  }

  // {"status": "en_route", "note": "..."}
  Response PutStatus(Request& req) {
    const std::string id = req.path_params["id"];
    req.audit_target = "unit:" + id;
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto st = body->find("status");
    if (st == body->end() || !st->is_string()) {
      return Response::Error(InvalidArgument("status", "is required"));
    }
    auto to = dispatch::ParseUnitStatus(st->get<std::string>(), "status");
    if (!to.ok()) return Response::Error(to.status());
    if (!MayReport(req.principal, id)) {
      return Response::Error(Status(StatusCode::kPermissionDenied,
                                    "device " + req.principal.id + " may not report for " + id));
    }
    auto u = d_->ReportStatus(req.principal.Actor(), id, *to, body->value("note", ""));
    if (!u.ok()) return Response::Error(u.status());
    Publish("unit", *u);
    if (!u->incident_id.empty()) PublishIncident(u->incident_id);
    return JsonResponse(200, View(*u));
  }

  // The track between from and to as a GeoJSON Feature: a LineString, with the fixes' times,
  // statuses and speeds in properties (for replay).
  Response Track(Request& req) {
    const std::string id = req.path_params["id"];
    auto unit = d_->GetUnit(id);
    if (!unit.ok() || !Sees(req, *unit)) return Response::Error(NotFound("no unit " + id));
    auto from = TimeParam(req, "from");
    if (!from.ok()) return Response::Error(from.status());
    auto to = TimeParam(req, "to");
    if (!to.ok()) return Response::Error(to.status());
    auto limit = LimitParam(req, 10'000, 100'000);
    if (!limit.ok()) return Response::Error(limit.status());
    auto fixes = d_->Track(id, *from, *to, *limit);
    if (!fixes.ok()) return Response::Error(fixes.status());
    json coords = json::array(), times = json::array(), statuses = json::array(),
         speeds = json::array();
    for (const store::UnitFix& f : *fixes) {
      coords.push_back(json::array({f.lng, f.lat}));
      times.push_back(FormatRfc3339(f.time, s_->local_offset_seconds));
      statuses.push_back(f.status);
      speeds.push_back(f.speed_kmh >= 0 ? json(f.speed_kmh) : json(nullptr));
    }
    json geometry = coords.size() >= 2   ? json{{"type", "LineString"}, {"coordinates", coords}}
                    : coords.size() == 1 ? json{{"type", "Point"}, {"coordinates", coords[0]}}
                                         : json(nullptr);
    return JsonResponse(200, {{"type", "Feature"},
                              {"geometry", geometry},
                              {"properties",
                               {{"unit_id", id},
                                {"fixes", fixes->size()},
                                {"times", times},
                                {"statuses", statuses},
                                {"speeds_kmh", speeds}}}});
  }

  // --- incidents ---

  // The agencies whose agency-scoped users see an incident: its own and those of the units
  // that work on it.
  std::set<std::string> AgenciesOf(const Incident& i) const {
    std::set<std::string> out = {i.agency};
    for (const dispatch::Assignment& a : i.assignments) {
      if (auto u = d_->GetUnit(a.unit_id); u.ok()) out.insert(u->agency);
    }
    return out;
  }
  static bool Sees(const govern::Principal& who, const std::set<std::string>& agencies) {
    return who.scope.kind != govern::ScopeKind::kAgency || agencies.count(who.agency) > 0;
  }
  // A user limited to its agency sees its agency's incidents and those its units work on.
  bool Sees(const Request& req, const Incident& i) const {
    return Sees(req.principal, AgenciesOf(i));
  }

  Response ListIncidents(Request& req) {
    std::optional<dispatch::IncidentState> state;
    if (std::string s = req.Query("state"); !s.empty()) {
      bool found = false;
      for (auto st : {dispatch::IncidentState::kOpen, dispatch::IncidentState::kDispatched,
                      dispatch::IncidentState::kOnScene, dispatch::IncidentState::kClosed}) {
        if (dispatch::IncidentStateName(st) == s) state = st, found = true;
      }
      if (!found) {
        return Response::Error(
            InvalidArgument("state", "must be open, dispatched, on_scene or closed"));
      }
    }
    auto from = TimeParam(req, "from");
    if (!from.ok()) return Response::Error(from.status());
    auto to = TimeParam(req, "to");
    if (!to.ok()) return Response::Error(to.status());
    auto limit = LimitParam(req, 100, 1000);
    if (!limit.ok()) return Response::Error(limit.status());
    json out = json::array();
    for (const Incident& i : d_->ListIncidents(state, *from, *to, *limit)) {
      if (Sees(req, i)) out.push_back(dispatch::IncidentToJson(i));
    }
    return JsonResponse(200, {{"incidents", std::move(out)}});
  }

  Response GetIncident(Request& req) {
    auto i = d_->GetIncident(req.path_params["id"]);
    if (!i.ok() || !Sees(req, *i)) {
      return Response::Error(NotFound("no incident " + req.path_params["id"]));
    }
    return JsonResponse(200, dispatch::IncidentToJson(*i));
  }

  // {"type", "priority", "source", "source_ref", "summary", "location": [lng, lat] | "address",
  // "reported", "crs"}. An incident from an alert ("source": "alert", "source_ref": alert id)
  // without a location takes the alert's checkpoint position.
  Response CreateIncident(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto crs = CrsFromText(body->value("crs", ""), "crs");
    if (!crs.ok()) return Response::Error(crs.status());
    if (Status st = ToWgs84Members(&*body, {"location"}, *crs); !st.ok()) {
      return Response::Error(st);
    }
    for (const char* k : {"id", "state", "assignments", "timeline", "created", "updated",
                          "located_by", "district", "district_name", "agency"}) {
      body->erase(k);
    }
    if (body->value("source", "") == "alert" && !body->contains("location") &&
        s_->alerts != nullptr) {
      const std::string ref = body->value("source_ref", "");
      char* end = nullptr;
      const uint64_t alert_id = std::strtoull(ref.c_str(), &end, 10);
      if (ref.empty() || *end != '\0') {
        return Response::Error(InvalidArgument("source_ref", "must be the alert's id"));
      }
      auto alert = s_->alerts->Get(req.principal, alert_id);
      if (!alert.ok()) return Response::Error(alert.status());
      (*body)["location"] = json::array({alert->position.lng, alert->position.lat});
      if (!body->contains("summary")) {
        (*body)["summary"] = "布控预警 " + alert->plate + " @ " + alert->checkpoint_name;
      }
    }
    auto input = dispatch::IncidentFromJson(*body);
    if (!input.ok()) return Response::Error(input.status());
    input->agency = req.principal.agency;
    auto inc = d_->CreateIncident(req.principal.Actor(), *input);
    if (!inc.ok()) return Response::Error(inc.status());
    req.audit_target = "incident:" + inc->id;
    PublishIncident(*inc);
    return JsonResponse(201, dispatch::IncidentToJson(*inc));
  }

  // {"unit_id", "note"}: the ETA and route length are estimated on the road network when it
  // is ready.
  Response Dispatch(Request& req) {
    const std::string id = req.path_params["id"];
    req.audit_target = "incident:" + id;
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    const std::string unit_id = body->value("unit_id", "");
    if (unit_id.empty()) return Response::Error(InvalidArgument("unit_id", "is required"));
    auto inc = d_->GetIncident(id);
    if (!inc.ok() || !Sees(req, *inc)) return Response::Error(NotFound("no incident " + id));
    double eta = -1, distance = -1;
    auto unit = d_->GetUnit(unit_id);
    if (unit.ok() && unit->Position() && inc->location && s_->roads != nullptr) {
      if (auto net = s_->roads->Get(); net.ok()) {
        auto r = (*net)->Route(*unit->Position(), *inc->location, roads::Metric::kTime);
        if (r.ok() && r->reachable) eta = r->duration_s, distance = r->distance_m;
      }
    }
    auto done =
        d_->Dispatch(req.principal.Actor(), id, unit_id, body->value("note", ""), eta, distance);
    if (!done.ok()) return Response::Error(done.status());
    req.audit_detail = json{{"unit_id", unit_id}}.dump();
    PublishIncident(*done);
    if (auto u = d_->GetUnit(unit_id); u.ok()) Publish("unit", *u);
    return JsonResponse(200, dispatch::IncidentToJson(*done));
  }

  // {"action": "acknowledged" | "en_route" | "arrived" | "cleared" | "cancelled" | "note" |
  // "closed" | "reopened", "unit_id", "note"}
  Response AddStep(Request& req) {
    const std::string id = req.path_params["id"];
    req.audit_target = "incident:" + id;
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    auto action = body->find("action");
    if (action == body->end() || !action->is_string()) {
      return Response::Error(InvalidArgument("action", "is required"));
    }
    dispatch::StepInput step;
    auto a = dispatch::ParseStepAction(action->get<std::string>(), "action");
    if (!a.ok()) return Response::Error(a.status());
    step.action = *a;
    step.unit_id = body->value("unit_id", "");
    step.note = body->value("note", "");
    auto inc = d_->GetIncident(id);
    if (!inc.ok() || !Sees(req, *inc)) return Response::Error(NotFound("no incident " + id));
    auto done = d_->AddStep(req.principal.Actor(), id, step);
    if (!done.ok()) return Response::Error(done.status());
    req.audit_detail =
        json{{"action", action->get<std::string>()}, {"unit_id", step.unit_id}}.dump();
    PublishIncident(*done);
    for (const dispatch::Assignment& x : done->assignments) {
      if (auto u = d_->GetUnit(x.unit_id); u.ok()) Publish("unit", *u);
    }
    return JsonResponse(200, dispatch::IncidentToJson(*done));
  }

  // {"incident_id"} or {"location": [lng, lat], "type"}, with "k", "kinds", "capabilities",
  // "agency", "include_stale", "crs".
  Response Recommend(Request& req) {
    auto body = BodyObject(req);
    if (!body.ok()) return Response::Error(body.status());
    if (s_->roads == nullptr) {
      return Response::Error(FailedPrecondition("no road network in this server"));
    }
    auto net = s_->roads->Get();
    if (!net.ok()) return Response::Error(net.status());
    dispatch::RecommendRequest r;
    r.incident_id = body->value("incident_id", "");
    if (!r.incident_id.empty()) {
      auto inc = d_->GetIncident(r.incident_id);
      if (!inc.ok() || !Sees(req, *inc)) {
        return Response::Error(NotFound("no incident " + r.incident_id));
      }
    }
    auto crs = CrsFromText(body->value("crs", ""), "crs");
    if (!crs.ok()) return Response::Error(crs.status());
    if (auto it = body->find("location"); it != body->end() && !it->is_null()) {
      auto p = LngLatJson(*it, "location", *crs);
      if (!p.ok()) return Response::Error(p.status());
      r.location = *p;
    }
    if (auto it = body->find("type"); it != body->end() && it->is_string()) {
      auto t = dispatch::ParseIncidentType(it->get<std::string>(), "type");
      if (!t.ok()) return Response::Error(t.status());
      r.type = *t;
    }
    if (auto it = body->find("k"); it != body->end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 50) {
        return Response::Error(InvalidArgument("k", "must be a whole number from 1 to 50"));
      }
      r.k = it->get<size_t>();
    }
    if (auto it = body->find("kinds"); it != body->end() && it->is_array()) {
      for (const json& k : *it) {
        auto kind = dispatch::ParseUnitKind(k.is_string() ? k.get<std::string>() : "", "kinds");
        if (!kind.ok()) return Response::Error(kind.status());
        r.kinds.push_back(*kind);
      }
    }
    if (auto it = body->find("capabilities"); it != body->end() && it->is_array()) {
      for (const json& c : *it) {
        if (!c.is_string()) {
          return Response::Error(InvalidArgument("capabilities", "must be strings"));
        }
        r.capabilities.push_back(c.get<std::string>());
      }
    }
    r.agency = body->value("agency", "");
    r.include_stale = body->value("include_stale", true);
    auto rec = d_->Recommend(**net, r);
    if (!rec.ok()) return Response::Error(rec.status());
    json units = json::array();
    for (const dispatch::Candidate& c : rec->units) {
      json v = View(c.unit);
      v["eta_s"] = Rounded(c.eta_s, 0.1);
      v["distance_m"] = Rounded(c.distance_m, 0.1);
      v["snap_distance_m"] = Rounded(c.snap_distance_m, 0.1);
      v["warnings"] = c.warnings;
      units.push_back(std::move(v));
    }
    json unroutable = json::array();
    for (const auto& [id, why] : rec->unroutable) {
      unroutable.push_back({{"unit_id", id}, {"reason", why}});
    }
    return JsonResponse(200, {{"location", json::array({rec->location.lng, rec->location.lat})},
                              {"location_snap_m", Rounded(rec->location_snap_m, 0.1)},
                              {"considered", rec->considered},
                              {"unreachable", rec->unreachable},
                              {"unroutable", unroutable},
                              {"units", units}});
  }

  // Response times (call -> dispatch, dispatch -> arrival, call -> arrival) by type,
  // district, priority or overall, for incidents reported in [from, to).
  Response Kpis(Request& req) {
    dispatch::KpiQuery q;
    q.group_by = req.Query("group_by", "type");
    if (q.group_by != "type" && q.group_by != "district" && q.group_by != "priority" &&
        q.group_by != "day" && q.group_by != "none") {
      return Response::Error(
          InvalidArgument("group_by", "must be type, district, priority, day or none"));
    }
    auto from = TimeParam(req, "from");
    if (!from.ok()) return Response::Error(from.status());
    auto to = TimeParam(req, "to");
    if (!to.ok()) return Response::Error(to.status());
    q.from = *from;
    q.to = *to;
    auto stats = [](const dispatch::KpiStats& s) {
      if (s.count == 0) return json{{"count", 0}};
      return json{{"count", s.count},
                  {"mean_s", Rounded(s.mean_s, 0.1)},
                  {"median_s", Rounded(s.median_s, 0.1)},
                  {"p90_s", Rounded(s.p90_s, 0.1)}};
    };
    json groups = json::array();
    for (const dispatch::KpiGroup& g : d_->Kpis(q)) {
      groups.push_back({{"key", g.key},
                        {"label", g.label},
                        {"incidents", g.incidents},
                        {"dispatched", g.dispatched},
                        {"arrived", g.arrived},
                        {"closed", g.closed},
                        {"call_to_dispatch", stats(g.call_to_dispatch)},
                        {"dispatch_to_arrival", stats(g.dispatch_to_arrival)},
                        {"call_to_arrival", stats(g.call_to_arrival)}});
    }
    return JsonResponse(200, {{"group_by", q.group_by}, {"groups", groups}});
  }

 private:
  std::string Now() const { return FormatRfc3339(s_->clock->Now(), s_->local_offset_seconds); }
  void Publish(const std::string& topic, const Unit& u) {
    if (s_->hub != nullptr && s_->hub->subscribers() > 0) {
      s_->hub->Publish(
          topic, View(u).dump(), Now(), "unit.read",
          [agency = u.agency](const govern::Principal& who) { return InScope(who, agency); });
    }
  }
  void PublishIncident(const Incident& i) {
    if (s_->hub != nullptr && s_->hub->subscribers() > 0) {
      s_->hub->Publish(
          "incident", dispatch::IncidentToJson(i).dump(), Now(), "incident.read",
          [agencies = AgenciesOf(i)](const govern::Principal& who) { return Sees(who, agencies); });
    }
  }
  void PublishIncident(const std::string& id) {
    if (auto i = d_->GetIncident(id); i.ok()) PublishIncident(*i);
  }
  static json ErrorJson(const Status& s) {
    json e = {{"code", std::string(StatusCodeName(s.code()))}, {"message", s.message()}};
    if (!s.field().empty()) e["field"] = s.field();
    return e;
  }
  StatusOr<dispatch::FixReport> ParseFix(const json& j, const std::string& where,
                                         geo::Crs crs) const {
    if (!j.is_object()) return InvalidArgument(where, "must be an object");
    dispatch::FixReport r;
    auto id = j.find("unit_id");
    if (id == j.end() || !id->is_string() || id->get<std::string>().empty()) {
      return InvalidArgument(where + ".unit_id", "is required");
    }
    r.unit_id = id->get<std::string>();
    auto pos = j.find("position");
    if (pos == j.end()) return InvalidArgument(where + ".position", "is required: [lng, lat]");
    ASSIGN_OR_RETURN(r.fix.at, LngLatJson(*pos, where + ".position", crs));
    auto t = j.find("time");
    if (t == j.end() || !t->is_string()) {
      return InvalidArgument(where + ".time", "is required (RFC 3339)");
    }
    ASSIGN_OR_RETURN(r.fix.time, ParseRfc3339(t->get<std::string>(), where + ".time"));
    r.fix.heading = j.value("heading", -1.0);
    r.fix.speed_kmh = j.value("speed_kmh", -1.0);
    if (auto s = j.find("status"); s != j.end() && !s->is_null()) {
      if (!s->is_string()) return InvalidArgument(where + ".status", "must be a string");
      ASSIGN_OR_RETURN(r.status,
                       dispatch::ParseUnitStatus(s->get<std::string>(), where + ".status"));
    }
    return r;
  }

  const Services* s_;
  dispatch::DispatchService* d_;
};

}  // namespace

void RegisterDispatchRoutes(Router* router, const Services* services) {
  auto routes = std::make_shared<DispatchRoutes>(services);
  auto bind = [routes](Response (DispatchRoutes::*fn)(Request&)) {
    return [routes, fn](Request& req) { return ((*routes).*fn)(req); };
  };
  if (services->hub != nullptr) {
    services->hub->EnableFixes([routes](const govern::Principal& who, const json& body) {
      auto out = routes->ReportFixes(who, body);
      return out.ok()
                 ? out->dump()
                 : json{{"error",
                         {{"message", out.status().message()}, {"field", out.status().field()}}}}
                       .dump();
    });
  }
  router->Add("GET", "/api/v1/units", "List units with status, position and timers",
              Needs("unit.read"), bind(&DispatchRoutes::ListUnits));
  router->Add("POST", "/api/v1/units", "Create or replace a unit", Needs("unit.write"),
              bind(&DispatchRoutes::PutUnit));
  router->Add("POST", "/api/v1/units/positions", "Report unit positions (AVL), in a batch",
              Needs("unit.report"), bind(&DispatchRoutes::PostFixes));
  router->Add("GET", "/api/v1/units/{id}", "Get a unit", Needs("unit.read"),
              bind(&DispatchRoutes::GetUnit));
  router->Add("PUT", "/api/v1/units/{id}", "Create or replace a unit", Needs("unit.write"),
              bind(&DispatchRoutes::PutUnit));
  router->Add("DELETE", "/api/v1/units/{id}", "Delete a unit", Needs("unit.write"),
              bind(&DispatchRoutes::DeleteUnit));
  router->Add("PUT", "/api/v1/units/{id}/status", "Report a unit's status", Needs("unit.report"),
              bind(&DispatchRoutes::PutStatus));
  router->Add("GET", "/api/v1/units/{id}/track", "A unit's track for a time window (replay)",
              Needs("unit.read"), bind(&DispatchRoutes::Track));
  router->Add("GET", "/api/v1/incidents", "List incidents (newest first)", Needs("incident.read"),
              bind(&DispatchRoutes::ListIncidents));
  router->Add("POST", "/api/v1/incidents", "Create an incident (call, alert, sensor, manual)",
              Needs("incident.write"), bind(&DispatchRoutes::CreateIncident));
  router->Add("GET", "/api/v1/incidents/{id}", "Get an incident with its timeline",
              Needs("incident.read"), bind(&DispatchRoutes::GetIncident));
  router->Add("POST", "/api/v1/incidents/{id}/dispatch", "Dispatch a unit to an incident",
              Needs("incident.write"), bind(&DispatchRoutes::Dispatch));
  router->Add("POST", "/api/v1/incidents/{id}/steps",
              "Record a step: acknowledged, en route, arrived, cleared, cancelled, note, closed",
              Needs("incident.write"), bind(&DispatchRoutes::AddStep));
  router->Add("POST", "/api/v1/dispatch/recommend",
              "The best available units by drive time to an incident or a point",
              QueryNeeds("incident.write"), bind(&DispatchRoutes::Recommend));
  router->Add("GET", "/api/v1/kpi/response", "Response-time KPIs by type, district or priority",
              Needs("incident.read"), bind(&DispatchRoutes::Kpis));
}

}  // namespace quanyu::api
