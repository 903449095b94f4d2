#include "dispatch/model.h"

#include <algorithm>
#include <cmath>

#include "core/time_format.h"

namespace quanyu::dispatch {
namespace {

using nlohmann::json;

template <class E>
struct Named {
  E value;
  std::string_view name, label;
};

constexpr Named<UnitKind> kUnitKinds[] = {
    {UnitKind::kWorkstation, "workstation", "联勤警务站"},
    {UnitKind::kDutyPoint, "duty_point", "驻勤点"},
    {UnitKind::kPatrolCar, "patrol_car", "勤务车组"},
    {UnitKind::kMotorcycle, "motorcycle", "摩托车巡逻"},
    {UnitKind::kFootPatrol, "foot_patrol", "步巡"},
    {UnitKind::kAmbulance, "ambulance", "120救护车"},
    {UnitKind::kFireEngine, "fire_engine", "消防车"},
};
constexpr Named<UnitStatus> kUnitStatuses[] = {
    {UnitStatus::kAvailable, "available", "可派"}, {UnitStatus::kDispatched, "dispatched", "已派"},
    {UnitStatus::kEnRoute, "en_route", "在途"},    {UnitStatus::kOnScene, "on_scene", "到场"},
    {UnitStatus::kReturning, "returning", "返回"}, {UnitStatus::kOffDuty, "off_duty", "下勤"},
};
constexpr Named<IncidentType> kIncidentTypes[] = {
    {IncidentType::kCriminal, "criminal", "刑事"},
    {IncidentType::kPublicOrder, "public_order", "治安"},
    {IncidentType::kTraffic, "traffic", "交通"},
    {IncidentType::kFire, "fire", "火灾"},
    {IncidentType::kDispute, "dispute", "纠纷"},
    {IncidentType::kAssistance, "assistance", "求助"},
    {IncidentType::kOther, "other", "其他"},
};
constexpr Named<IncidentSource> kIncidentSources[] = {
    {IncidentSource::kCall110, "call_110", "110报警"},
    {IncidentSource::kCall120, "call_120", "120急救"},
    {IncidentSource::kCall122, "call_122", "122交通事故报警"},
    {IncidentSource::kAlert, "alert", "布控预警"},
    {IncidentSource::kSensor, "sensor", "感知设备"},
    {IncidentSource::kManual, "manual", "人工录入"},
};
constexpr Named<IncidentState> kIncidentStates[] = {
    {IncidentState::kOpen, "open", "待处置"},
    {IncidentState::kDispatched, "dispatched", "已派"},
    {IncidentState::kOnScene, "on_scene", "处置中"},
    {IncidentState::kClosed, "closed", "已结"},
};
constexpr Named<StepAction> kStepActions[] = {
    {StepAction::kCreated, "created", "接警"},
    {StepAction::kDispatched, "dispatched", "派警"},
    {StepAction::kAcknowledged, "acknowledged", "确认"},
    {StepAction::kEnRoute, "en_route", "出发"},
    {StepAction::kArrived, "arrived", "到场"},
    {StepAction::kCleared, "cleared", "处置完毕"},
    {StepAction::kCancelled, "cancelled", "取消派警"},
    {StepAction::kNote, "note", "备注"},
    {StepAction::kClosed, "closed", "结案"},
    {StepAction::kReopened, "reopened", "重新打开"},
};

template <class E, size_t N>
const Named<E>& Find(const Named<E> (&table)[N], E v) {
  for (const auto& n : table) {
    if (n.value == v) return n;
  }
  return table[N - 1];
}

template <class E, size_t N>
StatusOr<E> Parse(const Named<E> (&table)[N], std::string_view s, std::string_view field) {
  std::string names;
  for (const auto& n : table) {
    if (n.name == s || n.label == s) return n.value;
    if (!names.empty()) names += ", ";
    names += n.name;
  }
  return InvalidArgument(std::string(field),
                         "must be one of " + names + ", not \"" + std::string(s) + "\"");
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

json Coordinates(geo::LngLat p) { return json::array({p.lng, p.lat}); }

StatusOr<geo::LngLat> CoordinatesFrom(const json& j, const std::string& field) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) {
    return InvalidArgument(field, "must be [lng, lat] in degrees");
  }
  geo::LngLat p{j[0].get<double>(), j[1].get<double>()};
  if (!geo::IsValid(p)) {
    return InvalidArgument(field, "must have longitude -180 to 180 and latitude -90 to 90");
  }
  return p;
}

std::string TimeText(UnixMicros t) { return FormatRfc3339(t); }

StatusOr<UnixMicros> TimeFrom(const json& j, const std::string& field) {
  if (!j.is_string()) return InvalidArgument(field, "must be an RFC 3339 time");
  return ParseRfc3339(j.get<std::string>(), field);
}

StatusOr<std::string> StringMember(const json& j, const char* name, bool required,
                                   size_t max_len = 200) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgument(name, "is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgument(name, "must be a string");
  std::string s = it->get<std::string>();
  if (s.size() > max_len) {
    return InvalidArgument(name, "must be at most " + std::to_string(max_len) + " bytes");
  }
  return s;
}

StatusOr<UnixMicros> OptionalTime(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return UnixMicros{0};
  return TimeFrom(*it, name);
}

double NumberOr(const json& j, const char* name, double def) {
  auto it = j.find(name);
  return it != j.end() && it->is_number() ? it->get<double>() : def;
}

}  // namespace

std::string_view UnitKindName(UnitKind k) { return Find(kUnitKinds, k).name; }
std::string_view UnitKindLabel(UnitKind k) { return Find(kUnitKinds, k).label; }
StatusOr<UnitKind> ParseUnitKind(std::string_view s, std::string_view field) {
  return Parse(kUnitKinds, s, field);
}
bool IsFixed(UnitKind k) { return k == UnitKind::kWorkstation || k == UnitKind::kDutyPoint; }

std::string_view UnitStatusName(UnitStatus s) { return Find(kUnitStatuses, s).name; }
std::string_view UnitStatusLabel(UnitStatus s) { return Find(kUnitStatuses, s).label; }
StatusOr<UnitStatus> ParseUnitStatus(std::string_view s, std::string_view field) {
  return Parse(kUnitStatuses, s, field);
}

bool StatusReportAllowed(UnitStatus from, UnitStatus to) {
  using S = UnitStatus;
  if (from == to) return true;
  switch (to) {
    case S::kAvailable:
      return true;  // back in service, or a cancelled run
    case S::kOffDuty:
      return from == S::kAvailable || from == S::kReturning;
    case S::kDispatched:
      return false;  // only an incident dispatches
    case S::kEnRoute:
      return from == S::kDispatched;
    case S::kOnScene:
      return from == S::kDispatched || from == S::kEnRoute;
    case S::kReturning:
      return from == S::kOnScene;
  }
  return false;
}

UnixMicros StatusTimers::Limit(UnitStatus s) const {
  switch (s) {
    case UnitStatus::kDispatched:
      return dispatched;
    case UnitStatus::kEnRoute:
      return en_route;
    case UnitStatus::kOnScene:
      return on_scene;
    case UnitStatus::kReturning:
      return returning;
    default:
      return 0;
  }
}

std::optional<geo::LngLat> Unit::Position() const {
  if (fix) return fix->at;
  return home;
}

bool Unit::HasCapability(std::string_view c) const {
  return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end();
}

Status ValidateUnit(const Unit& u) {
  if (!ValidId(u.id)) {
    return InvalidArgument("id", "must be 1-64 letters, digits, '.', '_', ':' or '-'");
  }
  if (u.name.empty()) return InvalidArgument("name", "is required");
  if (u.name.size() > 200) return InvalidArgument("name", "must be at most 200 bytes");
  if (u.agency.size() > 64) return InvalidArgument("agency", "must be at most 64 bytes");
  for (size_t i = 0; i < u.capabilities.size(); ++i) {
    if (!ValidId(u.capabilities[i])) {
      return InvalidArgument("capabilities[" + std::to_string(i) + "]",
                             "must be 1-64 letters, digits, '.', '_', ':' or '-'");
    }
  }
  if (u.home && !geo::IsValid(*u.home)) {
    return InvalidArgument("home", "must have longitude -180 to 180 and latitude -90 to 90");
  }
  if (IsFixed(u.kind) && !u.home) {
    return InvalidArgument("home", "is required for a " + std::string(UnitKindName(u.kind)) +
                                       " (it stands at its home base)");
  }
  return Status::Ok();
}

json UnitToJson(const Unit& u) {
  json j = {{"id", u.id},
            {"name", u.name},
            {"kind", std::string(UnitKindName(u.kind))},
            {"agency", u.agency},
            {"capabilities", u.capabilities},
            {"status", std::string(UnitStatusName(u.status))}};
  if (u.home) j["home"] = Coordinates(*u.home);
  if (u.status_since != 0) j["status_since"] = TimeText(u.status_since);
  if (u.fix) {
    j["position"] = Coordinates(u.fix->at);
    j["fix_time"] = TimeText(u.fix->time);
    if (u.fix->heading >= 0) j["heading"] = u.fix->heading;
    if (u.fix->speed_kmh >= 0) j["speed_kmh"] = u.fix->speed_kmh;
  }
  if (!u.incident_id.empty()) j["incident_id"] = u.incident_id;
  if (u.updated != 0) j["updated"] = TimeText(u.updated);
  return j;
}

bool IsStale(const Unit& u, UnixMicros now, UnixMicros stale_after) {
  if (IsFixed(u.kind) && !u.fix) return false;  // stands at its home base
  if (!u.fix) return true;
  return now - u.fix->time > stale_after;
}

json UnitViewJson(const Unit& u, UnixMicros now, UnixMicros stale_after,
                  const StatusTimers& timers) {
  json j = UnitToJson(u);
  j["kind_label"] = std::string(UnitKindLabel(u.kind));
  j["status_label"] = std::string(UnitStatusLabel(u.status));
  j["stale"] = IsStale(u, now, stale_after);
  if (u.fix) j["fix_age_s"] = std::max<int64_t>(0, (now - u.fix->time) / kMicrosPerSecond);
  if (u.status_since != 0) {
    const UnixMicros age = std::max<UnixMicros>(0, now - u.status_since);
    j["status_age_s"] = age / kMicrosPerSecond;
    const UnixMicros limit = timers.Limit(u.status);
    j["overdue"] = limit > 0 && age > limit;
  }
  return j;
}

StatusOr<Unit> UnitFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("body", "a unit must be a JSON object");
  Unit u;
  ASSIGN_OR_RETURN(u.id, StringMember(j, "id", true, 64));
  ASSIGN_OR_RETURN(u.name, StringMember(j, "name", true));
  ASSIGN_OR_RETURN(std::string kind, StringMember(j, "kind", true, 64));
  ASSIGN_OR_RETURN(u.kind, ParseUnitKind(kind, "kind"));
  ASSIGN_OR_RETURN(u.agency, StringMember(j, "agency", false, 64));
  if (auto it = j.find("capabilities"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return InvalidArgument("capabilities", "must be an array of strings");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return InvalidArgument("capabilities[" + std::to_string(i) + "]", "must be a string");
      }
      u.capabilities.push_back((*it)[i].get<std::string>());
    }
  }
  if (auto it = j.find("home"); it != j.end() && !it->is_null()) {
    ASSIGN_OR_RETURN(u.home, CoordinatesFrom(*it, "home"));
  }
  if (auto it = j.find("status"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("status", "must be a string");
    ASSIGN_OR_RETURN(u.status, ParseUnitStatus(it->get<std::string>(), "status"));
  }
  ASSIGN_OR_RETURN(u.status_since, OptionalTime(j, "status_since"));
  if (auto it = j.find("position"); it != j.end() && !it->is_null()) {
    UnitFixInfo f;
    ASSIGN_OR_RETURN(f.at, CoordinatesFrom(*it, "position"));
    ASSIGN_OR_RETURN(f.time, OptionalTime(j, "fix_time"));
    f.heading = NumberOr(j, "heading", -1);
    f.speed_kmh = NumberOr(j, "speed_kmh", -1);
    u.fix = f;
  }
  ASSIGN_OR_RETURN(u.incident_id, StringMember(j, "incident_id", false, 64));
  ASSIGN_OR_RETURN(u.updated, OptionalTime(j, "updated"));
  RETURN_IF_ERROR(ValidateUnit(u));
  return u;
}

// --- incidents ---

std::string_view IncidentTypeName(IncidentType t) { return Find(kIncidentTypes, t).name; }
std::string_view IncidentTypeLabel(IncidentType t) { return Find(kIncidentTypes, t).label; }
StatusOr<IncidentType> ParseIncidentType(std::string_view s, std::string_view field) {
  return Parse(kIncidentTypes, s, field);
}
std::string_view IncidentSourceName(IncidentSource s) { return Find(kIncidentSources, s).name; }
std::string_view IncidentSourceLabel(IncidentSource s) { return Find(kIncidentSources, s).label; }
StatusOr<IncidentSource> ParseIncidentSource(std::string_view s, std::string_view field) {
  return Parse(kIncidentSources, s, field);
}
std::string_view IncidentStateName(IncidentState s) { return Find(kIncidentStates, s).name; }
std::string_view IncidentStateLabel(IncidentState s) { return Find(kIncidentStates, s).label; }
std::string_view StepActionName(StepAction a) { return Find(kStepActions, a).name; }
std::string_view StepActionLabel(StepAction a) { return Find(kStepActions, a).label; }
StatusOr<StepAction> ParseStepAction(std::string_view s, std::string_view field) {
  return Parse(kStepActions, s, field);
}

Assignment* Incident::FindAssignment(std::string_view unit_id) {
  for (auto it = assignments.rbegin(); it != assignments.rend(); ++it) {
    if (it->unit_id == unit_id) return &*it;
  }
  return nullptr;
}

UnixMicros Incident::FirstDispatch() const {
  UnixMicros t = 0;
  for (const Assignment& a : assignments) {
    if (a.dispatched != 0 && (t == 0 || a.dispatched < t)) t = a.dispatched;
  }
  return t;
}

UnixMicros Incident::FirstArrival() const {
  UnixMicros t = 0;
  for (const Assignment& a : assignments) {
    if (a.arrived != 0 && (t == 0 || a.arrived < t)) t = a.arrived;
  }
  return t;
}

UnixMicros Incident::Closed() const {
  if (state != IncidentState::kClosed) return 0;
  for (auto it = timeline.rbegin(); it != timeline.rend(); ++it) {
    if (it->action == StepAction::kClosed) return it->at;
  }
  return updated;
}

Status ValidateIncident(const Incident& i) {
  if (i.priority < 1 || i.priority > 4) {
    return InvalidArgument("priority", "must be 1 (most urgent) to 4");
  }
  if (!i.location && i.address.empty()) {
    return InvalidArgument("location", "is required: a point [lng, lat] or an address");
  }
  if (i.location && !geo::IsValid(*i.location)) {
    return InvalidArgument("location", "must have longitude -180 to 180 and latitude -90 to 90");
  }
  if (i.summary.size() > 2000) return InvalidArgument("summary", "must be at most 2000 bytes");
  if (i.address.size() > 500) return InvalidArgument("address", "must be at most 500 bytes");
  return Status::Ok();
}

namespace {

json Ms(UnixMicros t) { return t == 0 ? json(nullptr) : json(FormatRfc3339(t)); }

}  // namespace

json IncidentToJson(const Incident& i) {
  json j = {{"id", i.id},
            {"type", std::string(IncidentTypeName(i.type))},
            {"type_label", std::string(IncidentTypeLabel(i.type))},
            {"priority", i.priority},
            {"source", std::string(IncidentSourceName(i.source))},
            {"source_label", std::string(IncidentSourceLabel(i.source))},
            {"source_ref", i.source_ref},
            {"summary", i.summary},
            {"address", i.address},
            {"located_by", i.located_by},
            {"district", i.district},
            {"district_name", i.district_name},
            {"agency", i.agency},
            {"reported", Ms(i.reported)},
            {"created", Ms(i.created)},
            {"updated", Ms(i.updated)},
            {"state", std::string(IncidentStateName(i.state))},
            {"state_label", std::string(IncidentStateLabel(i.state))}};
  j["location"] = i.location ? Coordinates(*i.location) : json(nullptr);
  json as = json::array();
  for (const Assignment& a : i.assignments) {
    json x = {{"unit_id", a.unit_id},
              {"dispatched", Ms(a.dispatched)},
              {"acknowledged", Ms(a.acknowledged)},
              {"en_route", Ms(a.en_route)},
              {"arrived", Ms(a.arrived)},
              {"cleared", Ms(a.cleared)},
              {"cancelled", a.cancelled},
              {"active", a.Active()}};
    if (a.eta_s >= 0) x["eta_s"] = std::round(a.eta_s * 10) / 10;
    if (a.distance_m >= 0) x["distance_m"] = std::round(a.distance_m * 10) / 10;
    as.push_back(std::move(x));
  }
  j["assignments"] = std::move(as);
  json tl = json::array();
  for (const Step& s : i.timeline) {
    json x = {{"at", FormatRfc3339(s.at)},
              {"action", std::string(StepActionName(s.action))},
              {"label", std::string(StepActionLabel(s.action))},
              {"actor", s.actor}};
    if (!s.unit_id.empty()) x["unit_id"] = s.unit_id;
    if (!s.note.empty()) x["note"] = s.note;
    tl.push_back(std::move(x));
  }
  j["timeline"] = std::move(tl);
  const UnixMicros dispatch = i.FirstDispatch(), arrival = i.FirstArrival();
  j["kpi"] = {
      {"call_to_dispatch_s",
       dispatch ? json((dispatch - i.reported) / double(kMicrosPerSecond)) : json(nullptr)},
      {"dispatch_to_arrival_s",
       dispatch && arrival ? json((arrival - dispatch) / double(kMicrosPerSecond)) : json(nullptr)},
      {"call_to_arrival_s",
       arrival ? json((arrival - i.reported) / double(kMicrosPerSecond)) : json(nullptr)}};
  return j;
}

namespace {

StatusOr<UnixMicros> TimeOrZero(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return UnixMicros{0};
  return TimeFrom(*it, name);
}

}  // namespace

StatusOr<Incident> IncidentFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("body", "an incident must be a JSON object");
  Incident i;
  ASSIGN_OR_RETURN(i.id, StringMember(j, "id", false, 64));
  ASSIGN_OR_RETURN(std::string type, StringMember(j, "type", true, 64));
  ASSIGN_OR_RETURN(i.type, ParseIncidentType(type, "type"));
  if (auto it = j.find("priority"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return InvalidArgument("priority", "must be 1 to 4");
    i.priority = it->get<int>();
  }
  ASSIGN_OR_RETURN(std::string source, StringMember(j, "source", false, 64));
  if (!source.empty()) {
    ASSIGN_OR_RETURN(i.source, ParseIncidentSource(source, "source"));
  }
  ASSIGN_OR_RETURN(i.source_ref, StringMember(j, "source_ref", false));
  ASSIGN_OR_RETURN(i.summary, StringMember(j, "summary", false, 2000));
  ASSIGN_OR_RETURN(i.address, StringMember(j, "address", false, 500));
  if (auto it = j.find("location"); it != j.end() && !it->is_null()) {
    ASSIGN_OR_RETURN(i.location, CoordinatesFrom(*it, "location"));
  }
  ASSIGN_OR_RETURN(i.located_by, StringMember(j, "located_by", false));
  ASSIGN_OR_RETURN(i.district, StringMember(j, "district", false));
  ASSIGN_OR_RETURN(i.district_name, StringMember(j, "district_name", false));
  ASSIGN_OR_RETURN(i.agency, StringMember(j, "agency", false, 64));
  ASSIGN_OR_RETURN(i.reported, TimeOrZero(j, "reported"));
  ASSIGN_OR_RETURN(i.created, TimeOrZero(j, "created"));
  ASSIGN_OR_RETURN(i.updated, TimeOrZero(j, "updated"));
  ASSIGN_OR_RETURN(std::string state, StringMember(j, "state", false, 64));
  if (!state.empty()) {
    bool found = false;
    for (const auto& n : kIncidentStates) {
      if (n.name == state) i.state = n.value, found = true;
    }
    if (!found) return InvalidArgument("state", "unknown incident state \"" + state + "\"");
  }
  if (auto it = j.find("assignments"); it != j.end() && it->is_array()) {
    for (const json& x : *it) {
      Assignment a;
      ASSIGN_OR_RETURN(a.unit_id, StringMember(x, "unit_id", true, 64));
      ASSIGN_OR_RETURN(a.dispatched, TimeOrZero(x, "dispatched"));
      ASSIGN_OR_RETURN(a.acknowledged, TimeOrZero(x, "acknowledged"));
      ASSIGN_OR_RETURN(a.en_route, TimeOrZero(x, "en_route"));
      ASSIGN_OR_RETURN(a.arrived, TimeOrZero(x, "arrived"));
      ASSIGN_OR_RETURN(a.cleared, TimeOrZero(x, "cleared"));
      a.cancelled = x.value("cancelled", false);
      a.eta_s = NumberOr(x, "eta_s", -1);
      a.distance_m = NumberOr(x, "distance_m", -1);
      i.assignments.push_back(std::move(a));
    }
  }
  if (auto it = j.find("timeline"); it != j.end() && it->is_array()) {
    for (const json& x : *it) {
      Step s;
      ASSIGN_OR_RETURN(s.at, TimeOrZero(x, "at"));
      ASSIGN_OR_RETURN(std::string action, StringMember(x, "action", true, 64));
      ASSIGN_OR_RETURN(s.action, ParseStepAction(action, "action"));
      ASSIGN_OR_RETURN(s.unit_id, StringMember(x, "unit_id", false, 64));
      ASSIGN_OR_RETURN(s.actor, StringMember(x, "actor", false));
      ASSIGN_OR_RETURN(s.note, StringMember(x, "note", false, 2000));
      i.timeline.push_back(std::move(s));
    }
  }
  RETURN_IF_ERROR(ValidateIncident(i));
  return i;
}

}  // namespace quanyu::dispatch
