#include "dispatch/service.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <unordered_map>

#include "core/time_format.h"
#include "roads/ch.h"
#include "roads/network.h"

namespace quanyu::dispatch {
namespace {

using nlohmann::json;

std::atomic<uint64_t> next_instance{1};

store::Document ToDocument(const char* kind, const std::string& id, const json& body,
                           UnixMicros now) {
  return store::Document{kind, id, body.dump(), now};
}

bool Contains(const std::vector<UnitKind>& v, UnitKind k) {
  return v.empty() || std::find(v.begin(), v.end(), k) != v.end();
}

// A unit that may be sent now.
bool Dispatchable(const Unit& u) {
  return u.status == UnitStatus::kAvailable || u.status == UnitStatus::kReturning;
}

KpiStats Stats(std::vector<double> v) {
  KpiStats s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean_s = sum / v.size();
  s.median_s = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  s.p90_s = v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(0.9 * v.size())) - 1)];
  return s;
}

}  // namespace

std::vector<UnitKind> DefaultKinds(IncidentType t) {
  using K = UnitKind;
  switch (t) {
    case IncidentType::kFire:
      return {K::kFireEngine, K::kPatrolCar, K::kMotorcycle};
    case IncidentType::kTraffic:
      return {K::kPatrolCar, K::kMotorcycle, K::kAmbulance};
    default:
      return {K::kWorkstation, K::kDutyPoint, K::kPatrolCar, K::kMotorcycle, K::kFootPatrol};
  }
}

DispatchService::DispatchService(store::Store* store, const Clock* clock, DispatchOptions options)
    : store_(store), clock_(clock), options_(options), instance_(next_instance++) {}

StatusOr<std::unique_ptr<DispatchService>> DispatchService::Open(store::Store* store,
                                                                 const Clock* clock,
                                                                 DispatchOptions options) {
  std::unique_ptr<DispatchService> s(new DispatchService(store, clock, options));
  ASSIGN_OR_RETURN(auto units, store->ListDocuments(kUnitDocumentKind));
  for (const store::Document& d : units) {
    auto u = UnitFromJson(json::parse(d.body, nullptr, false));
    if (!u.ok()) {
      return Status(StatusCode::kDataLoss,
                    "stored unit " + d.id + " cannot be read: " + u.status().ToString());
    }
    s->units_[u->id] = std::move(*u);
  }
  ASSIGN_OR_RETURN(auto incidents, store->ListDocuments(kIncidentDocumentKind));
  for (const store::Document& d : incidents) {
    auto i = IncidentFromJson(json::parse(d.body, nullptr, false));
    if (!i.ok()) {
      return Status(StatusCode::kDataLoss,
                    "stored incident " + d.id + " cannot be read: " + i.status().ToString());
    }
    // INC20261129-0007: the day's sequence continues after restarts.
    const std::string& id = i->id;
    if (id.size() == 16 && id.compare(0, 3, "INC") == 0 && id[11] == '-') {
      int& seq = s->day_sequence_[id.substr(3, 8)];
      seq = std::max(seq, std::atoi(id.c_str() + 12));
    }
    s->incidents_[id] = std::move(*i);
  }
  return s;
}

void DispatchService::set_district_locator(DistrictLocator f) {
  std::lock_guard lock(mu_);
  district_ = std::move(f);
}

void DispatchService::set_address_locator(AddressLocator f) {
  std::lock_guard lock(mu_);
  address_ = std::move(f);
}

Status DispatchService::Persist(const std::vector<const Unit*>& units, const Incident* incident) {
  std::vector<store::Document> docs;
  for (const Unit* u : units) {
    docs.push_back(ToDocument(kUnitDocumentKind, u->id, UnitToJson(*u), u->updated));
  }
  if (incident != nullptr) {
    docs.push_back(ToDocument(kIncidentDocumentKind, incident->id, IncidentToJson(*incident),
                              incident->updated));
  }
  if (docs.empty()) return Status::Ok();
  return store_->PutDocuments(docs);
}

// --- units ---

StatusOr<std::pair<Unit, bool>> DispatchService::PutUnit(Unit u) {
  RETURN_IF_ERROR(ValidateUnit(u));
  std::lock_guard lock(mu_);
  const UnixMicros now = clock_->Now();
  auto it = units_.find(u.id);
  const bool created = it == units_.end();
  if (created) {
    u.status = UnitStatus::kAvailable;
    u.status_since = now;
    u.fix.reset();
    u.incident_id.clear();
  } else {
    u.status = it->second.status;
    u.status_since = it->second.status_since;
    u.fix = it->second.fix;
    u.incident_id = it->second.incident_id;
  }
  u.updated = now;
  RETURN_IF_ERROR(Persist({&u}, nullptr));
  units_[u.id] = u;
  ++roster_version_;
  return std::make_pair(u, created);
}

StatusOr<Unit> DispatchService::GetUnit(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = units_.find(id);
  if (it == units_.end()) return NotFound("no unit " + id);
  return it->second;
}

std::vector<Unit> DispatchService::ListUnits(const UnitFilter& f) const {
  std::lock_guard lock(mu_);
  std::vector<Unit> out;
  for (const auto& [id, u] : units_) {
    if (!Contains(f.kinds, u.kind)) continue;
    if (!f.statuses.empty() &&
        std::find(f.statuses.begin(), f.statuses.end(), u.status) == f.statuses.end()) {
      continue;
    }
    if (!f.agency.empty() && u.agency != f.agency) continue;
    out.push_back(u);
  }
  return out;
}

Status DispatchService::DeleteUnit(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = units_.find(id);
  if (it == units_.end()) return NotFound("no unit " + id);
  if (!it->second.incident_id.empty()) {
    return FailedPrecondition("unit " + id + " is assigned to incident " + it->second.incident_id +
                              "; clear or cancel it first");
  }
  ASSIGN_OR_RETURN(bool deleted, store_->DeleteDocument(kUnitDocumentKind, id));
  (void)deleted;
  units_.erase(it);
  ++roster_version_;
  return Status::Ok();
}

std::vector<FixOutcome> DispatchService::ReportFixes(const std::vector<FixReport>& fixes) {
  std::vector<FixOutcome> out(fixes.size());
  std::vector<store::UnitFix> rows;
  std::lock_guard lock(mu_);
  const UnixMicros now = clock_->Now();
  std::map<std::string, Unit> changed;  // the new state of the units moved, written together
  std::vector<std::pair<size_t, std::string>> status_reports;
  for (size_t i = 0; i < fixes.size(); ++i) {
    const FixReport& f = fixes[i];
    auto it = units_.find(f.unit_id);
    if (it == units_.end()) {
      out[i].status = NotFound("no unit " + f.unit_id);
      continue;
    }
    if (!geo::IsValid(f.fix.at)) {
      out[i].status = InvalidArgument("position", "longitude -180 to 180 and latitude -90 to 90");
      continue;
    }
    if (f.fix.time <= 0) {
      out[i].status = InvalidArgument("time", "is required");
      continue;
    }
    if (f.fix.time > now + 60 * kMicrosPerSecond) {
      out[i].status = InvalidArgument("time", "is more than a minute in the future");
      continue;
    }
    Unit u = changed.count(f.unit_id) ? changed[f.unit_id] : it->second;
    if (f.status && !StatusReportAllowed(u.status, *f.status)) {
      out[i].status = FailedPrecondition(
          "status: a unit " + std::string(UnitStatusName(u.status)) + " cannot report " +
          std::string(UnitStatusName(*f.status)) + " (dispatch goes through an incident)");
      continue;
    }
    rows.push_back(store::UnitFix{f.unit_id, f.fix.time, f.fix.at.lng, f.fix.at.lat, f.fix.heading,
                                  f.fix.speed_kmh,
                                  std::string(UnitStatusName(f.status.value_or(u.status)))});
    if (!u.fix || f.fix.time >= u.fix->time) {
      u.fix = f.fix;
      u.updated = now;
      out[i].current = true;
      changed[f.unit_id] = u;
    }
    if (f.status && *f.status != u.status) status_reports.emplace_back(i, f.unit_id);
  }
  if (!rows.empty()) {
    Status st = store_->AppendUnitFixes(rows);
    if (st.ok()) {
      std::vector<const Unit*> touched;
      for (auto& [id, u] : changed) touched.push_back(&u);
      st = Persist(touched, nullptr);
    }
    if (!st.ok()) {
      for (FixOutcome& o : out) {
        if (o.status.ok()) o.status = st, o.current = false;
      }
      return out;
    }
    for (auto& [id, u] : changed) {
      units_[id] = std::move(u);
      NoteMove(id);
    }
  }
  // Status changes reported with fixes move assignments on like any status report.
  for (const auto& [i, unit_id] : status_reports) {
    auto r = ReportStatusLocked("unit:" + unit_id, unit_id, *fixes[i].status,
                                "reported with a position fix", now);
    if (!r.ok()) out[i].status = r.status();
  }
  return out;
}

StatusOr<Unit> DispatchService::ReportStatus(const std::string& actor, const std::string& unit_id,
                                             UnitStatus to, const std::string& note) {
  std::lock_guard lock(mu_);
  return ReportStatusLocked(actor, unit_id, to, note, clock_->Now());
}

StatusOr<Unit> DispatchService::ReportStatusLocked(const std::string& actor,
                                                   const std::string& unit_id, UnitStatus to,
                                                   const std::string& note, UnixMicros now) {
  auto it = units_.find(unit_id);
  if (it == units_.end()) return NotFound("no unit " + unit_id);
  Unit& u = it->second;
  if (!StatusReportAllowed(u.status, to)) {
    return FailedPrecondition(
        "a unit " + std::string(UnitStatusName(u.status)) + " cannot report " +
        std::string(UnitStatusName(to)) +
        (to == UnitStatus::kDispatched ? " (units are dispatched through an incident)" : ""));
  }
  if (to == u.status) return u;
  auto ii = u.incident_id.empty() ? incidents_.end() : incidents_.find(u.incident_id);
  if (ii != incidents_.end()) {
    StepInput step{StepAction::kNote, unit_id, note};
    switch (to) {
      case UnitStatus::kEnRoute:
        step.action = StepAction::kEnRoute;
        break;
      case UnitStatus::kOnScene:
        step.action = StepAction::kArrived;
        break;
      case UnitStatus::kReturning:
        step.action = StepAction::kCleared;
        break;
      case UnitStatus::kAvailable:
        step.action =
            u.status == UnitStatus::kOnScene ? StepAction::kCleared : StepAction::kCancelled;
        break;
      default:
        break;
    }
    Incident copy = ii->second;
    std::vector<const Unit*> touched;
    // Work on copies so that a store failure leaves memory as the store is.
    std::vector<Unit> saved = AssignedTo(copy.id);
    Status st = ApplyStep(actor, &copy, step, now, &touched);
    if (st.ok() && to == UnitStatus::kAvailable) {
      u.status = UnitStatus::kAvailable;  // cleared on scene, straight back in service
      u.status_since = now;
    }
    if (st.ok()) st = Persist(touched, &copy);
    if (!st.ok()) {
      for (Unit& x : saved) units_[x.id] = std::move(x);
      return st;
    }
    ii->second = std::move(copy);
    return units_[unit_id];
  }
  Unit next = u;
  next.status = to;
  next.status_since = now;
  next.updated = now;
  if (to == UnitStatus::kAvailable || to == UnitStatus::kOffDuty) next.incident_id.clear();
  RETURN_IF_ERROR(Persist({&next}, nullptr));
  u = std::move(next);
  return u;
}

StatusOr<std::vector<store::UnitFix>> DispatchService::Track(const std::string& unit_id,
                                                             UnixMicros from, UnixMicros to,
                                                             size_t limit) const {
  {
    std::lock_guard lock(mu_);
    if (!units_.count(unit_id)) return NotFound("no unit " + unit_id);
  }
  store::UnitFixQuery q;
  q.unit_id = unit_id;
  q.from = from;
  q.to = to;
  q.limit = limit;
  return store_->ListUnitFixes(q);
}

// --- incidents ---

StatusOr<Incident> DispatchService::CreateIncident(const std::string& actor, Incident in) {
  RETURN_IF_ERROR(ValidateIncident(in));
  std::lock_guard lock(mu_);
  const UnixMicros now = clock_->Now();
  if (in.reported == 0) in.reported = now;
  if (in.reported > now + 60 * kMicrosPerSecond) {
    return InvalidArgument("reported", "is in the future");
  }
  in.created = now;
  in.updated = now;
  in.state = IncidentState::kOpen;
  in.assignments.clear();
  in.timeline.clear();
  if (in.location) {
    in.located_by = "point";
  } else if (address_) {
    if (auto hit = address_(in.address)) {
      in.location = hit->first;
      in.located_by = "place:" + hit->second;
    }
  }
  if (in.location && district_) {
    auto [id, name] = district_(*in.location);
    in.district = id;
    in.district_name = name;
  }
  // INC + local date + day sequence.
  const std::string compact = FormatCompactLocalTime(now, options_.local_offset_seconds);
  const std::string day = compact.substr(0, 8);
  int seq = ++day_sequence_[day];
  char num[16];
  std::snprintf(num, sizeof num, "%04d", seq);
  in.id = "INC" + day + "-" + num;
  in.timeline.push_back(Step{now, StepAction::kCreated, "", actor,
                             std::string(IncidentSourceLabel(in.source)) +
                                 (in.source_ref.empty() ? "" : " " + in.source_ref)});
  RETURN_IF_ERROR(Persist({}, &in));
  incidents_[in.id] = in;
  return in;
}

StatusOr<int64_t> DispatchService::DropClosedIncidentsBefore(UnixMicros cutoff) {
  std::lock_guard lock(mu_);
  int64_t dropped = 0;
  for (auto it = incidents_.begin(); it != incidents_.end();) {
    const Incident& i = it->second;
    const UnixMicros closed = i.state == IncidentState::kClosed ? i.Closed() : 0;
    if (closed == 0 || closed >= cutoff) {
      ++it;
      continue;
    }
    RETURN_IF_ERROR(store_->DeleteDocument(kIncidentDocumentKind, i.id).status());
    it = incidents_.erase(it);
    ++dropped;
  }
  return dropped;
}

StatusOr<Incident> DispatchService::GetIncident(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = incidents_.find(id);
  if (it == incidents_.end()) return NotFound("no incident " + id);
  return it->second;
}

std::vector<Incident> DispatchService::ListIncidents(std::optional<IncidentState> state,
                                                     UnixMicros from, UnixMicros to,
                                                     size_t limit) const {
  std::lock_guard lock(mu_);
  std::vector<const Incident*> hits;
  for (const auto& [id, i] : incidents_) {
    if (state && i.state != *state) continue;
    if (from != 0 && i.reported < from) continue;
    if (to != 0 && i.reported >= to) continue;
    hits.push_back(&i);
  }
  std::sort(hits.begin(), hits.end(), [](const Incident* a, const Incident* b) {
    return a->created != b->created ? a->created > b->created : a->id > b->id;
  });
  std::vector<Incident> out;
  for (size_t i = 0; i < hits.size() && i < limit; ++i) out.push_back(*hits[i]);
  return out;
}

StatusOr<Incident> DispatchService::Dispatch(const std::string& actor,
                                             const std::string& incident_id,
                                             const std::string& unit_id, const std::string& note,
                                             double eta_s, double distance_m) {
  std::lock_guard lock(mu_);
  auto ii = incidents_.find(incident_id);
  if (ii == incidents_.end()) return NotFound("no incident " + incident_id);
  auto ui = units_.find(unit_id);
  if (ui == units_.end()) return InvalidArgument("unit_id", "no unit " + unit_id);
  if (ii->second.state == IncidentState::kClosed) {
    return FailedPrecondition("incident " + incident_id + " is closed; reopen it first");
  }
  if (!Dispatchable(ui->second)) {
    return FailedPrecondition(
        "unit " + unit_id + " is " + std::string(UnitStatusName(ui->second.status)) +
        (ui->second.incident_id.empty() ? "" : " (incident " + ui->second.incident_id + ")") +
        "; only available or returning units can be dispatched");
  }
  const UnixMicros now = clock_->Now();
  Incident inc = ii->second;
  Unit u = ui->second;
  Assignment a;
  a.unit_id = unit_id;
  a.dispatched = now;
  a.eta_s = eta_s;
  a.distance_m = distance_m;
  inc.assignments.push_back(a);
  inc.timeline.push_back(Step{now, StepAction::kDispatched, unit_id, actor, note});
  if (inc.state == IncidentState::kOpen) inc.state = IncidentState::kDispatched;
  inc.updated = now;
  u.status = UnitStatus::kDispatched;
  u.status_since = now;
  u.incident_id = incident_id;
  u.updated = now;
  RETURN_IF_ERROR(Persist({&u}, &inc));
  ii->second = std::move(inc);
  ui->second = std::move(u);
  return ii->second;
}

std::vector<Unit> DispatchService::AssignedTo(const std::string& incident_id) const {
  std::vector<Unit> out;
  for (const auto& [id, u] : units_) {
    if (u.incident_id == incident_id) out.push_back(u);
  }
  return out;
}

Status DispatchService::ApplyStep(const std::string& actor, Incident* inc, const StepInput& step,
                                  UnixMicros now, std::vector<const Unit*>* touched) {
  const bool unit_step =
      step.action == StepAction::kAcknowledged || step.action == StepAction::kEnRoute ||
      step.action == StepAction::kArrived || step.action == StepAction::kCleared ||
      step.action == StepAction::kCancelled;
  if (step.action == StepAction::kCreated || step.action == StepAction::kDispatched) {
    return InvalidArgument("action", "\"" + std::string(StepActionName(step.action)) +
                                         "\" is not a step to add (create the incident, or "
                                         "POST .../dispatch)");
  }
  if (inc->state == IncidentState::kClosed && step.action != StepAction::kReopened &&
      step.action != StepAction::kNote) {
    return FailedPrecondition("incident " + inc->id + " is closed; reopen it first");
  }
  auto set_unit = [&](const std::string& id, UnitStatus s, bool release) {
    auto it = units_.find(id);
    if (it == units_.end()) return;  // deleted since
    Unit& u = it->second;
    if (u.incident_id != inc->id) return;  // already elsewhere
    u.status = s;
    u.status_since = now;
    u.updated = now;
    if (release) u.incident_id.clear();
    touched->push_back(&u);
  };
  if (unit_step) {
    if (step.unit_id.empty()) return InvalidArgument("unit_id", "is required for this step");
    Assignment* a = inc->FindAssignment(step.unit_id);
    if (a == nullptr || !a->Active()) {
      return FailedPrecondition("unit " + step.unit_id + " has no active assignment on " + inc->id);
    }
    auto it = units_.find(step.unit_id);
    const bool moving = it != units_.end() && !IsFixed(it->second.kind);
    switch (step.action) {
      case StepAction::kAcknowledged:
        if (a->acknowledged == 0) a->acknowledged = now;
        break;
      case StepAction::kEnRoute:
        if (a->arrived != 0) return FailedPrecondition("unit " + step.unit_id + " has arrived");
        if (a->en_route == 0) a->en_route = now;
        if (a->acknowledged == 0) a->acknowledged = now;
        set_unit(step.unit_id, UnitStatus::kEnRoute, false);
        break;
      case StepAction::kArrived:
        if (a->arrived == 0) a->arrived = now;
        if (a->acknowledged == 0) a->acknowledged = now;
        set_unit(step.unit_id, UnitStatus::kOnScene, false);
        break;
      case StepAction::kCleared:
        a->cleared = now;
        set_unit(step.unit_id, moving ? UnitStatus::kReturning : UnitStatus::kAvailable, true);
        break;
      case StepAction::kCancelled:
        a->cancelled = true;
        set_unit(step.unit_id, UnitStatus::kAvailable, true);
        break;
      default:
        break;
    }
  } else if (step.action == StepAction::kClosed) {
    for (Assignment& a : inc->assignments) {
      if (!a.Active()) continue;
      a.cleared = now;
      inc->timeline.push_back(Step{now, StepAction::kCleared, a.unit_id, actor, "on closing"});
      auto it = units_.find(a.unit_id);
      const bool moving = it != units_.end() && !IsFixed(it->second.kind);
      set_unit(a.unit_id, moving ? UnitStatus::kReturning : UnitStatus::kAvailable, true);
    }
  } else if (step.action == StepAction::kReopened) {
    if (inc->state != IncidentState::kClosed) {
      return FailedPrecondition("incident " + inc->id + " is not closed");
    }
  }
  inc->timeline.push_back(Step{now, step.action, step.unit_id, actor, step.note});
  // The incident's state follows its assignments.
  if (step.action == StepAction::kClosed) {
    inc->state = IncidentState::kClosed;
  } else if (step.action != StepAction::kNote || inc->state != IncidentState::kClosed) {
    bool active = false, on_scene = false;
    for (const Assignment& a : inc->assignments) {
      if (!a.Active()) continue;
      active = true;
      if (a.arrived != 0) on_scene = true;
    }
    inc->state = on_scene ? IncidentState::kOnScene
                 : active ? IncidentState::kDispatched
                          : IncidentState::kOpen;
  }
  inc->updated = now;
  return Status::Ok();
}

StatusOr<Incident> DispatchService::AddStep(const std::string& actor,
                                            const std::string& incident_id, const StepInput& step) {
  std::lock_guard lock(mu_);
  auto ii = incidents_.find(incident_id);
  if (ii == incidents_.end()) return NotFound("no incident " + incident_id);
  Incident copy = ii->second;
  std::vector<Unit> saved = AssignedTo(incident_id);
  std::vector<const Unit*> touched;
  Status st = ApplyStep(actor, &copy, step, clock_->Now(), &touched);
  if (st.ok()) st = Persist(touched, &copy);
  if (!st.ok()) {
    for (Unit& x : saved) units_[x.id] = std::move(x);
    return st;
  }
  ii->second = std::move(copy);
  return ii->second;
}

// --- recommendation ---

// Every unit's position pinned in one thread's query: redone from scratch when units are
// added, removed or changed, and one unit at a time as units move (NoteMove's log).
struct DispatchService::Pinned {
  uint64_t instance = 0, network = 0, roster = 0, moves = 0;
  std::unique_ptr<roads::ChQuery> query;
  std::vector<std::string> ids;  // the pinned sources, in order
  std::unordered_map<std::string, size_t> index;
  std::vector<double> snap_m;
  std::map<std::string, std::string> unroutable;  // unit id -> why it is off the roads
  std::vector<roads::Weight> times;               // reused
};

void DispatchService::NoteMove(const std::string& unit_id) {
  moves_.emplace_back(++move_seq_, unit_id);
  if (moves_.size() > kMoveLog) moves_.pop_front();
}

StatusOr<Recommendation> DispatchService::Recommend(const roads::RoadNetwork& net,
                                                    const RecommendRequest& req) const {
  if (req.k == 0 || req.k > 50) return InvalidArgument("k", "must be 1 to 50");
  Recommendation rec;
  std::optional<IncidentType> type = req.type;
  thread_local Pinned pinned;
  std::vector<std::pair<std::string, geo::LngLat>> roster;  // for pinning from scratch
  std::vector<std::pair<size_t, geo::LngLat>> moved;        // for re-pinning units that moved
  bool full = false;
  uint64_t roster_version, move_seq;
  {
    std::lock_guard lock(mu_);
    if (!req.incident_id.empty()) {
      auto it = incidents_.find(req.incident_id);
      if (it == incidents_.end()) return NotFound("no incident " + req.incident_id);
      if (!it->second.location) {
        return FailedPrecondition("incident " + req.incident_id +
                                  " has no position (its address names no known place); set "
                                  "its location first");
      }
      rec.location = *it->second.location;
      if (!type) type = it->second.type;
    } else if (req.location) {
      rec.location = *req.location;
    } else {
      return InvalidArgument("incident_id", "an incident id or a location is required");
    }
    roster_version = roster_version_;
    move_seq = move_seq_;
    full = pinned.instance != instance_ || pinned.network != net.id() ||
           pinned.roster != roster_version;
    if (!full && pinned.moves != move_seq) {
      // The log must still reach back to the moves this thread has not seen.
      full = moves_.empty() || moves_.front().first > pinned.moves + 1;
      std::set<size_t> seen;
      for (auto it = moves_.rbegin(); !full && it != moves_.rend() && it->first > pinned.moves;
           ++it) {
        auto ix = pinned.index.find(it->second);
        auto u = units_.find(it->second);
        if (ix == pinned.index.end() || u == units_.end() || !u->second.Position()) {
          full = true;  // a unit that was not pinned, or is gone
        } else if (seen.insert(ix->second).second) {
          moved.emplace_back(ix->second, *u->second.Position());
        }
      }
    }
    if (full) {
      moved.clear();
      for (const auto& [id, u] : units_) {
        if (u.Position()) roster.emplace_back(id, *u.Position());
      }
    }
  }
  if (full) {
    if (!pinned.query || pinned.network != net.id()) {
      pinned.query = std::make_unique<roads::ChQuery>(net.hierarchy(roads::Metric::kTime));
    }
    pinned.instance = instance_;
    pinned.network = net.id();
    pinned.roster = roster_version;
    pinned.ids.clear();
    pinned.index.clear();
    pinned.snap_m.clear();
    pinned.unroutable.clear();
    std::vector<roads::RoutePoint> points;
    for (const auto& [id, at] : roster) {
      roads::Snapped s;
      auto p = net.SnapPoint(at, "position", &s);
      if (!p.ok()) {
        pinned.unroutable[id] = p.status().message();
        continue;
      }
      pinned.index[id] = pinned.ids.size();
      pinned.ids.push_back(id);
      points.push_back(std::move(*p));
      pinned.snap_m.push_back(s.distance_m);
    }
    pinned.query->PinSources(points);
  } else {
    for (const auto& [i, at] : moved) {
      roads::Snapped s;
      auto p = net.SnapPoint(at, "position", &s);
      if (!p.ok()) {
        // Off the roads now: left out, and everything pinned again on the next call.
        pinned.unroutable[pinned.ids[i]] = p.status().message();
        pinned.roster = 0;
        continue;
      }
      pinned.query->RepinSource(i, *p);
      pinned.snap_m[i] = s.distance_m;
      pinned.unroutable.erase(pinned.ids[i]);
    }
  }
  pinned.moves = move_seq;
  roads::Snapped at;
  ASSIGN_OR_RETURN(roads::RoutePoint target, net.SnapPoint(rec.location, "location", &at));
  rec.location_snap_m = at.distance_m;
  pinned.query->PinnedToOne(target, &pinned.times);

  const std::vector<UnitKind> kinds = !req.kinds.empty() ? req.kinds
                                      : type             ? DefaultKinds(*type)
                                                         : std::vector<UnitKind>{};
  const UnixMicros now = clock_->Now();
  auto passes = [&](const Unit& u) {
    if (!Dispatchable(u) || !Contains(kinds, u.kind)) return false;
    if (!req.agency.empty() && u.agency != req.agency) return false;
    for (const std::string& c : req.capabilities) {
      if (!u.HasCapability(c)) return false;
    }
    return req.include_stale || !IsStale(u, now, options_.stale_after);
  };
  const double walk_mps = options_.walking_speed_kmh / 3.6;
  struct Ranked {
    size_t index;
    double eta_s;
  };
  std::vector<Ranked> ranked;
  std::vector<Unit> top;  // copies of the best-ranked units, in order
  {
    // Statuses, filters and staleness as they are now; drive times from the pins.
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < pinned.ids.size(); ++i) {
      auto it = units_.find(pinned.ids[i]);
      if (it == units_.end() || pinned.unroutable.count(it->first) || !passes(it->second)) {
        continue;
      }
      ++rec.considered;
      if (pinned.times[i] == roads::kInfWeight) {
        ++rec.unreachable;
        continue;
      }
      ranked.push_back({i, pinned.times[i] / 1000.0});  // the time metric is in milliseconds
    }
    for (const auto& [id, why] : pinned.unroutable) {
      auto it = units_.find(id);
      if (it == units_.end() || !passes(it->second)) continue;
      ++rec.considered;
      rec.unroutable.emplace_back(id, why);
    }
    std::sort(ranked.begin(), ranked.end(),
              [](const Ranked& a, const Ranked& b) { return a.eta_s < b.eta_s; });
    ranked.resize(std::min(ranked.size(), req.k * 3 + 8));
    for (const Ranked& r : ranked) top.push_back(units_.at(pinned.ids[r.index]));
  }
  // In order of drive time. A unit's final ETA is never below its drive time (foot patrols
  // walk the route), so once k units are known whose ETA is at most the next drive time, the
  // rest cannot enter: routes (for their length) are computed for few more than k units.
  std::vector<double> best;  // final ETAs so far, for the k-th best
  for (size_t j = 0; j < ranked.size(); ++j) {
    const Ranked& r = ranked[j];
    if (best.size() >= req.k) {
      std::nth_element(best.begin(), best.begin() + (req.k - 1), best.end());
      if (best[req.k - 1] <= r.eta_s) break;
    }
    const Unit& u = top[j];
    Candidate c;
    c.unit = u;
    c.eta_s = r.eta_s;
    c.snap_distance_m = pinned.snap_m[r.index];
    auto route = net.Route(*u.Position(), rec.location, roads::Metric::kTime);
    if (route.ok() && route->reachable) c.distance_m = route->distance_m;
    if (u.kind == UnitKind::kFootPatrol && walk_mps > 0) {
      c.eta_s = std::max(c.eta_s, c.distance_m / walk_mps);
      c.warnings.push_back("on foot: route length at " +
                           std::to_string(static_cast<int>(options_.walking_speed_kmh)) + " km/h");
    }
    if (IsStale(u, now, options_.stale_after)) {
      c.warnings.push_back(u.fix ? "stale position: fix " +
                                       std::to_string((now - u.fix->time) / kMicrosPerSecond) +
                                       " s old"
                                 : "no position report; ranked from its home base");
    } else if (!u.fix) {
      c.warnings.push_back("position is the home base");
    }
    if (u.status == UnitStatus::kReturning) c.warnings.push_back("returning from an incident");
    best.push_back(c.eta_s);
    rec.units.push_back(std::move(c));
  }
  std::stable_sort(rec.units.begin(), rec.units.end(),
                   [](const Candidate& a, const Candidate& b) { return a.eta_s < b.eta_s; });
  if (rec.units.size() > req.k) rec.units.resize(req.k);
  return rec;
}

// --- KPIs ---

std::vector<KpiGroup> DispatchService::Kpis(const KpiQuery& q) const {
  struct Acc {
    KpiGroup g;
    std::vector<double> cd, da, ca;
  };
  std::map<std::string, Acc> groups;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, i] : incidents_) {
      if (q.from != 0 && i.reported < q.from) continue;
      if (q.to != 0 && i.reported >= q.to) continue;
      std::string key, label;
      if (q.group_by == "type") {
        key = IncidentTypeName(i.type);
        label = IncidentTypeLabel(i.type);
      } else if (q.group_by == "district") {
        key = i.district.empty() ? "unknown" : i.district;
        label = i.district.empty() ? "未定位" : i.district_name;
      } else if (q.group_by == "day") {
        key = FormatCompactLocalTime(i.reported, options_.local_offset_seconds).substr(0, 8);
        label = key.substr(0, 4) + "-" + key.substr(4, 2) + "-" + key.substr(6, 2);
      } else if (q.group_by == "priority") {
        key = std::to_string(i.priority);
        label = "P" + key;
      } else {
        key = "all";
        label = "全部";
      }
      Acc& a = groups[key];
      a.g.key = key;
      a.g.label = label;
      ++a.g.incidents;
      const UnixMicros d = i.FirstDispatch(), r = i.FirstArrival();
      if (d) {
        ++a.g.dispatched;
        a.cd.push_back((d - i.reported) / double(kMicrosPerSecond));
      }
      if (r) {
        ++a.g.arrived;
        a.ca.push_back((r - i.reported) / double(kMicrosPerSecond));
        if (d) a.da.push_back((r - d) / double(kMicrosPerSecond));
      }
      if (i.state == IncidentState::kClosed) ++a.g.closed;
    }
  }
  std::vector<KpiGroup> out;
  for (auto& [key, a] : groups) {
    a.g.call_to_dispatch = Stats(std::move(a.cd));
    a.g.dispatch_to_arrival = Stats(std::move(a.da));
    a.g.call_to_arrival = Stats(std::move(a.ca));
    out.push_back(std::move(a.g));
  }
  return out;
}

}  // namespace quanyu::dispatch
