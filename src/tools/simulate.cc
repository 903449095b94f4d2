#include "tools/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "events/parse.h"
#include "sim/route.h"
#include "sim/traffic.h"
#include "tools/loadgen.h"

namespace quanyu::tools {
namespace {

using json = nlohmann::json;

constexpr double kTickRealSeconds = 0.1;  // the loop's period
constexpr double kPollRealSeconds = 2;    // units are read at least this often (real) ...
constexpr double kPollSimSeconds = 10;    // ... and this often (simulated)
constexpr double kFlushRealSeconds = 1;   // passages are sent at least this often

struct Place {
  std::string id, name;
  geo::LngLat at;
};

// A string member of a JSON object, "" if absent, null or not a string.
std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The field of the server's error body, "" if none.
std::string ServerField(const api::ClientResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  return j.is_discarded() || !j.is_object() ? std::string()
                                            : Str(j.value("error", json()), "field");
}

// The server's words for a refusal: its error message if it sent one, else the body.
std::string ServerMessage(const api::ClientResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    std::string m = Str(j["error"], "message");
    std::string f = Str(j["error"], "field");
    if (!m.empty()) return f.empty() ? m : f + ": " + m;
  }
  return r.body.size() > 300 ? r.body.substr(0, 300) + "..." : r.body;
}

// A refusal as a Status naming the request and the server's message.
Status Refused(const std::string& method, const std::string& target, const api::ClientResponse& r) {
  std::string what =
      method + " " + target + " refused: HTTP " + std::to_string(r.status) + " " + ServerMessage(r);
  if (r.status == 401) return Unauthenticated(what);
  if (r.status == 403) return PermissionDenied(what);
  if (r.status >= 500) return Unavailable(what);
  return FailedPrecondition(what);
}

// One JSON request; a non-2xx answer is an error naming the request (and the field the server
// named goes to *refused_field if given).
StatusOr<json> Call(api::HttpClient& c, const std::string& method, const std::string& target,
                    const std::string& body = {},
                    const std::string& content_type = "application/json",
                    std::string* refused_field = nullptr) {
  std::map<std::string, std::string> headers;
  if (!body.empty()) headers["Content-Type"] = content_type;
  auto r = c.Send(method, target, body, headers);
  if (!r.ok())
    return Status(r.status().code(), method + " " + target + ": " + r.status().message());
  if (r->status < 200 || r->status >= 300) {
    if (refused_field != nullptr) *refused_field = ServerField(*r);
    return Refused(method, target, *r);
  }
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return Internal(method + " " + target + ": the answer is not JSON");
  return j;
}

bool Fatal(const Status& s) {
  return s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kPermissionDenied;
}

std::string Point(geo::LngLat p) { return fmt::format("{:.7f},{:.7f}", p.lng, p.lat); }

StatusOr<geo::LngLat> LngLatOf(const json& j) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) {
    return Internal("not a [lng, lat] position: " + j.dump());
  }
  return geo::LngLat{j[0].get<double>(), j[1].get<double>()};
}

StatusOr<std::string> DeviceLogin(api::HttpClient& c, const std::string& device,
                                  const std::string& secret) {
  auto r = c.Post("/api/v1/auth/login", json{{"device", device}, {"secret", secret}}.dump());
  if (!r.ok()) {
    return Status(r.status().code(),
                  "logging in as device " + device + " failed: " + r.status().message());
  }
  if (r->status != 200) {
    return Unauthenticated("logging in as device " + device + " failed: HTTP " +
                           std::to_string(r->status) + " " + ServerMessage(*r));
  }
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("token")) return Internal("login answer has no token");
  return j["token"].get<std::string>();
}

// What a simulated call is about.
struct CallKind {
  const char* source;  // call_110, call_120, call_122
  const char* type;
  int priority;
  const char* what;
};
constexpr CallKind kCalls[] = {
    {"call_110", "public_order", 2, "a fight outside a restaurant"},
    {"call_110", "criminal", 1, "a bag snatched from a pedestrian"},
    {"call_110", "criminal", 2, "a break-in at a shop"},
    {"call_110", "dispute", 3, "neighbours quarrelling loudly"},
    {"call_110", "dispute", 3, "a dispute between a taxi driver and a passenger"},
    {"call_110", "assistance", 3, "a child separated from its parents"},
    {"call_110", "public_order", 3, "a noisy gathering late at night"},
    {"call_110", "other", 4, "a suspicious unattended bag"},
    {"call_120", "assistance", 1, "a person collapsed in the street"},
    {"call_120", "assistance", 2, "an elderly person fallen at home"},
    {"call_122", "traffic", 2, "a collision blocking a lane"},
    {"call_122", "traffic", 3, "a broken-down car on the road"},
};

enum class Phase { kIdle, kPatrol, kToIncident, kOnScene, kReturning };

constexpr size_t kNoPlace = static_cast<size_t>(-1);

struct Vehicle {
  std::string plate;
  bool listed = false;
  int plate_color = 5;
  geo::LngLat at;
  size_t place = kNoPlace;    // the place it is parked at
  size_t trip_to = kNoPlace;  // the place it drives to
  std::optional<sim::Trip> trip;
  double next_start_s = 0;
};

struct Unit {
  std::string id;
  geo::LngLat at, home;
  std::string server_status, incident_id;
  Phase phase = Phase::kIdle;
  std::optional<sim::Trip> trip;
  double next_start_s = 0;  // patrol: when the next trip starts
  double until_s = 0;       // on scene: when it clears
  double next_fix_s = 0;
};

class City {
 public:
  City(const SimulateOptions& o, std::FILE* err, const std::string& host, uint16_t port)
      : o_(o), err_(err), reader_(host, port), device_(host, port), rng_(o.seed) {
    reader_.SetDefaultHeader("Authorization", "Bearer " + o.token);
  }
  void SetDeviceToken(const std::string& token) {
    device_.SetDefaultHeader("Authorization", "Bearer " + token);
  }

  Status Run();
  const SimulateReport& report() const { return rep_; }

 private:
  Status Load();
  // A trip of `who` from `from` to `to` on the server's route, starting at start_s; with the
  // checkpoints along it if `checkpoints`. None if the route is refused or unreachable.
  // *refused_field, if given, is set to the field the server named when it refused the route
  // ("from" or "to": a point too far from any road).
  StatusOr<std::optional<sim::Trip>> PlanTrip(const std::string& who, geo::LngLat from,
                                              geo::LngLat to, double start_s, bool checkpoints,
                                              std::string* refused_field = nullptr);
  Status StepVehicles(double now_s);
  Status FlushPassages(bool force);
  Status PollUnits(double now_s);
  Status StepUnits(double now_s);
  Status ReportStatus(Unit& u, const std::string& status);
  Status StartPatrolTrip(Unit& u, double now_s);
  Status StepCalls(double now_s);
  void Warn(const std::string& key, const std::string& message);
  void ProgressLine(double now_s);

  double SimNow() const { return static_cast<double>(MonotonicNanos() - t0_) / 1e9 * o_.speedup; }
  // The real time of simulated second s.
  UnixMicros WallAt(double s) const {
    return wall0_ + static_cast<UnixMicros>(s / o_.speedup * 1e6);
  }
  double RealSince(int64_t mono) const {
    return static_cast<double>(MonotonicNanos() - mono) / 1e9;
  }
  double Uniform(double a, double b) { return std::uniform_real_distribution<>(a, b)(rng_); }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  // A random place not known to be off the road network (one found so is dropped).
  size_t RandomPlaceIndex() {
    size_t i = Pick(places_.size());
    for (int tries = 0; tries < 50 && off_network_[i]; ++tries) i = Pick(places_.size());
    return i;
  }
  const Place& RandomPlace() { return places_[RandomPlaceIndex()]; }
  void OffNetwork(size_t place) {
    if (place != kNoPlace && !off_network_[place]) {
      off_network_[place] = true;
      ++rep_.places_off_network;
    }
  }

  const SimulateOptions& o_;
  std::FILE* err_;
  api::HttpClient reader_;  // as the user: reads, calls, dispatch
  api::HttpClient device_;  // as the device: passages, fixes, statuses
  std::mt19937_64 rng_;
  SimulateReport rep_;

  std::vector<sim::CheckpointSite> checkpoints_;
  std::vector<Place> places_;
  std::vector<bool> off_network_;  // by place: no usable road near it
  std::vector<Vehicle> vehicles_;
  std::vector<Unit> units_;
  std::map<std::string, int> warned_;

  int64_t t0_ = 0, last_flush_ = 0, last_poll_ = 0, last_progress_ = 0;
  UnixMicros wall0_ = 0;
  double last_poll_s_ = -1e18;
  bool poll_now_ = true;
  std::string run_tag_;
  uint64_t record_seq_ = 0;
  std::string pending_;  // NDJSON passages not yet sent
  size_t pending_count_ = 0, pending_listed_ = 0;

  double next_call_s_ = 0;
  uint64_t call_seq_ = 0;
  struct PendingDispatch {
    std::string incident_id;
    size_t place;
    double due_s;
  };
  std::vector<PendingDispatch> to_dispatch_;
};

void City::Warn(const std::string& key, const std::string& message) {
  int& n = warned_[key];
  if (++n <= 3) std::fprintf(err_, "simulate: %s\n", message.c_str());
  if (n == 3) std::fprintf(err_, "simulate: (further such warnings are not shown)\n");
}

Status City::Load() {
  // Checkpoints: the active ones, page by page.
  std::string after;
  for (;;) {
    const std::string target =
        "/api/v1/checkpoints?status=active&limit=10000" + (after.empty() ? "" : "&after=" + after);
    ASSIGN_OR_RETURN(json j, Call(reader_, "GET", target));
    for (const json& c : j["items"]) {
      checkpoints_.push_back({Str(c, "id"), {c.value("lng", 0.0), c.value("lat", 0.0)}});
    }
    if (!j.contains("next_after") || j["next_after"].is_null()) break;
    after = Str(j, "next_after");
    if (after.empty()) break;
  }
  ASSIGN_OR_RETURN(json places, Call(reader_, "GET", "/api/v1/places"));
  for (const json& p : places["places"]) {
    places_.push_back({Str(p, "id"), Str(p, "name"), {p.value("lng", 0.0), p.value("lat", 0.0)}});
  }
  off_network_.assign(places_.size(), false);
  if (places_.size() < 2) {
    return FailedPrecondition(
        "the server has fewer than 2 protected places to drive between; import some first "
        "(quanyu import places FILE)");
  }
  if (checkpoints_.empty()) {
    Warn("no-checkpoints", "the server has no active checkpoints: no passages will be sent");
  }

  // Vehicles, with the plates of the traffic generator and a few listed ones.
  std::vector<std::string> listed;
  if (!o_.listed_plates_file.empty()) {
    ASSIGN_OR_RETURN(listed, ListedPlatesFromFile(o_.listed_plates_file));
  }
  sim::TrafficOptions to;
  to.seed = o_.seed;
  to.vehicles = o_.vehicles;
  sim::TrafficGenerator plates({}, to);
  const size_t n_listed = listed.empty() ? 0 : std::min(o_.listed_vehicles, o_.vehicles);
  for (size_t i = 0; i < o_.vehicles; ++i) {
    Vehicle v;
    v.listed = i < n_listed;
    v.plate = v.listed ? listed[i % listed.size()] : plates.Plate(i);
    v.plate_color = v.plate.size() > 9 ? 9 : 5;  // new energy (7 after the province): green
    v.place = RandomPlaceIndex();
    v.at = places_[v.place].at;
    v.next_start_s = Uniform(0, 60);  // cars set off over the first simulated minute
    vehicles_.push_back(std::move(v));
  }
  return PollUnits(0);
}

StatusOr<std::optional<sim::Trip>> City::PlanTrip(const std::string& who, geo::LngLat from,
                                                  geo::LngLat to, double start_s, bool checkpoints,
                                                  std::string* refused_field) {
  const std::string target = "/api/v1/route?from=" + Point(from) + "&to=" + Point(to);
  auto j = Call(reader_, "GET", target, {}, {}, refused_field);
  if (!j.ok()) {
    if (Fatal(j.status())) return j.status();
    ++rep_.routes_refused;
    Warn("route", j.status().message());
    return std::optional<sim::Trip>();
  }
  const json& props = (*j)["properties"];
  const json& geom = (*j)["geometry"];
  if (!props.value("reachable", false) || !geom.is_object() || !geom.contains("coordinates")) {
    ++rep_.routes_refused;
    return std::optional<sim::Trip>();
  }
  std::vector<geo::LngLat> points;
  for (const json& c : geom["coordinates"]) {
    ASSIGN_OR_RETURN(geo::LngLat p, LngLatOf(c));
    points.push_back(p);
  }
  if (points.size() < 2) return std::optional<sim::Trip>();
  sim::Polyline line(std::move(points));
  const double duration = props.value("duration_s", 0.0);
  if (duration <= 0 || line.length_m() < 1) return std::optional<sim::Trip>();
  std::vector<sim::Waypoint> on_route;
  if (checkpoints) on_route = sim::CheckpointsAlong(line, checkpoints_, o_.checkpoint_radius_m);
  ++rep_.trips;
  if (o_.on_trip) {
    o_.on_trip(PlannedTrip{who, line.points(), WallAt(start_s), WallAt(start_s + duration)});
  }
  return std::optional<sim::Trip>(sim::Trip(std::move(line), start_s, duration, on_route));
}

Status City::StepVehicles(double now_s) {
  std::vector<sim::Crossing> passed;
  for (Vehicle& v : vehicles_) {
    if (v.trip) {
      passed.clear();
      v.trip->Advance(now_s, &passed);
      for (const sim::Crossing& c : passed) {
        events::PassageRecord r;
        r.id = fmt::format("SIM-{}-{}", run_tag_, ++record_seq_);
        r.checkpoint_id = c.checkpoint_id;
        r.device_id = c.checkpoint_id;
        r.pass_time = WallAt(c.time_s);
        r.plate = v.plate;
        r.plate_status = events::PlateStatus::kValid;
        r.plate_color = v.plate_color;
        r.speed_kmh = std::round(c.speed_kmh * 10) / 10;
        r.vehicle_class = "K33";
        r.direction = sim::DirectionCode(c.heading_deg);
        r.lane = 1 + static_cast<int>(Pick(3));
        pending_ += events::PassageToJson(r);
        pending_ += '\n';
        ++pending_count_;
        if (v.listed) ++pending_listed_;
      }
      if (v.trip->DoneAt(now_s)) {
        v.at = v.trip->PositionAt(now_s).at;
        v.place = v.trip_to;
        v.trip.reset();
        v.next_start_s = now_s + Uniform(10, 120);  // parked a while
      }
      if (pending_count_ >= o_.batch) RETURN_IF_ERROR(FlushPassages(true));
      continue;
    }
    if (now_s < v.next_start_s) continue;
    const size_t to = RandomPlaceIndex();
    std::string refused;
    ASSIGN_OR_RETURN(v.trip, PlanTrip(v.plate, v.at, places_[to].at, now_s, true, &refused));
    v.trip_to = to;
    if (!v.trip) {
      v.next_start_s = now_s + 30;
      if (refused == "to") OffNetwork(to);
      if (refused == "from") {  // parked off the network: it reappears at another place
        OffNetwork(v.place);
        v.place = RandomPlaceIndex();
        v.at = places_[v.place].at;
      }
    }
  }
  return FlushPassages(false);
}

Status City::FlushPassages(bool force) {
  if (pending_count_ == 0) return Status::Ok();
  if (!force && RealSince(last_flush_) < kFlushRealSeconds) return Status::Ok();
  last_flush_ = MonotonicNanos();
  const std::string target = "/api/v1/passages";
  auto j = Call(device_, "POST", target, pending_, "application/x-ndjson");
  rep_.passages_sent += pending_count_;
  rep_.listed_passages += pending_listed_;
  const size_t count = pending_count_;
  pending_.clear();
  pending_count_ = pending_listed_ = 0;
  if (!j.ok()) {
    if (Fatal(j.status())) return j.status();
    rep_.passages_rejected += count;
    Warn("passages", j.status().message());
    return Status::Ok();
  }
  rep_.passages_accepted += j->value("accepted", 0) + j->value("duplicates", 0);
  const uint64_t rejected = j->value("rejected", 0);
  rep_.passages_rejected += rejected;
  if (rejected > 0) {
    Warn("passages-rejected", fmt::format("POST {}: {} simulated records rejected: {}", target,
                                          rejected, j->dump().substr(0, 400)));
  }
  return Status::Ok();
}

Status City::ReportStatus(Unit& u, const std::string& status) {
  const std::string target = "/api/v1/units/" + u.id + "/status";
  auto j = Call(device_, "PUT", target,
                json{{"status", status}, {"note", "SIMULATED unit (quanyu simulate)"}}.dump());
  if (!j.ok()) {
    if (Fatal(j.status())) return j.status();
    Warn("status", j.status().message());
    poll_now_ = true;  // read what the server thinks instead
    return Status::Ok();
  }
  u.server_status = Str(*j, "status");
  u.incident_id = Str(*j, "incident_id");
  return Status::Ok();
}

Status City::StartPatrolTrip(Unit& u, double now_s) {
  const size_t to = RandomPlaceIndex();
  std::string refused;
  ASSIGN_OR_RETURN(u.trip, PlanTrip(u.id, u.at, places_[to].at, now_s, false, &refused));
  if (!u.trip) {
    u.next_start_s = now_s + 30;
    if (refused == "to") OffNetwork(to);
  }
  return Status::Ok();
}

// Reads the moving units and follows what the server says of each: a unit dispatched to an
// incident sets off, one sent back to service patrols again.
Status City::PollUnits(double now_s) {
  last_poll_ = MonotonicNanos();
  last_poll_s_ = now_s;
  poll_now_ = false;
  ASSIGN_OR_RETURN(json j, Call(reader_, "GET", "/api/v1/units?kind=patrol_car,motorcycle"));
  for (const json& x : j["units"]) {
    const std::string id = Str(x, "id");
    auto it = std::find_if(units_.begin(), units_.end(), [&](const Unit& u) { return u.id == id; });
    if (it == units_.end()) {
      Unit u;
      u.id = id;
      std::optional<geo::LngLat> pos, home;
      if (x.contains("position")) {
        if (auto p = LngLatOf(x["position"]); p.ok()) pos = *p;
      }
      if (x.contains("home")) {
        if (auto p = LngLatOf(x["home"]); p.ok()) home = *p;
      }
      u.at = pos ? *pos : home ? *home : RandomPlace().at;
      u.home = home ? *home : u.at;
      u.next_start_s = now_s + Uniform(0, 10);
      u.next_fix_s = now_s;
      units_.push_back(std::move(u));
      it = units_.end() - 1;
    }
    Unit& u = *it;
    u.server_status = Str(x, "status");
    const std::string incident = Str(x, "incident_id");
    const std::string& st = u.server_status;
    if (st == "off_duty") {
      u.phase = Phase::kIdle;
      u.trip.reset();
    } else if (st == "available") {
      if (u.phase != Phase::kPatrol) {  // new, or sent back to service (cancelled)
        u.phase = Phase::kPatrol;
        u.trip.reset();
        u.next_start_s = std::max(u.next_start_s, now_s);
      }
    } else if (st == "dispatched" || st == "en_route") {
      if (u.phase != Phase::kToIncident || u.incident_id != incident) {
        if (u.trip) u.at = u.trip->PositionAt(now_s).at;
        u.incident_id = incident;
        auto inc = Call(reader_, "GET", "/api/v1/incidents/" + incident);
        if (!inc.ok()) {
          if (Fatal(inc.status())) return inc.status();
          Warn("incident-read", inc.status().message());
          continue;
        }
        auto where = LngLatOf((*inc)["location"]);
        if (!where.ok()) {
          Warn("no-location",
               "incident " + incident + " has no location; unit " + u.id + " cannot drive to it");
          continue;
        }
        ASSIGN_OR_RETURN(u.trip, PlanTrip(u.id, u.at, *where, now_s, false));
        if (!u.trip) {
          Warn("no-route", "no route for unit " + u.id + " to incident " + incident);
          continue;
        }
        u.phase = Phase::kToIncident;
        if (st == "dispatched") {
          RETURN_IF_ERROR(ReportStatus(u, "en_route"));
          if (u.server_status == "en_route") ++rep_.en_route;
        }
      }
    } else if (st == "on_scene") {
      if (u.phase != Phase::kOnScene) {
        if (u.trip) u.at = u.trip->PositionAt(now_s).at;
        u.trip.reset();
        u.phase = Phase::kOnScene;
        u.until_s = now_s + o_.on_scene_minutes * 60;
      }
    } else if (st == "returning") {
      if (u.phase != Phase::kReturning) {
        if (u.trip) u.at = u.trip->PositionAt(now_s).at;
        ASSIGN_OR_RETURN(u.trip, PlanTrip(u.id, u.at, u.home, now_s, false));
        u.phase = Phase::kReturning;
      }
    }
  }
  rep_.units = units_.size();
  return Status::Ok();
}

Status City::StepUnits(double now_s) {
  if (poll_now_ || RealSince(last_poll_) >= kPollRealSeconds ||
      now_s - last_poll_s_ >= kPollSimSeconds) {
    RETURN_IF_ERROR(PollUnits(now_s));
  }
  json fixes = json::array();
  for (Unit& u : units_) {
    if (u.phase == Phase::kIdle) continue;
    // The fixes due up to now (at most 20 per step: a slow server skips, it does not pile up).
    if (now_s - u.next_fix_s > 20 * o_.fix_interval_s) u.next_fix_s = now_s;
    for (; u.next_fix_s <= now_s; u.next_fix_s += o_.fix_interval_s) {
      geo::LngLat at = u.at;
      double heading = -1, kmh = 0;
      if (u.trip && u.next_fix_s >= u.trip->start_s() && !u.trip->DoneAt(u.next_fix_s)) {
        sim::Polyline::Position p = u.trip->PositionAt(u.next_fix_s);
        at = p.at, heading = p.heading_deg, kmh = u.trip->speed_kmh();
      } else if (u.trip) {
        at = u.trip->PositionAt(u.next_fix_s).at;
      }
      json f = {{"unit_id", u.id},
                {"position", json::array({at.lng, at.lat})},
                {"time", FormatRfc3339(WallAt(u.next_fix_s))},
                {"speed_kmh", std::round(kmh * 10) / 10}};
      if (heading >= 0) f["heading"] = std::round(heading);
      fixes.push_back(std::move(f));
    }
    const bool arrived = u.trip && u.trip->DoneAt(now_s);
    if (arrived) {
      u.at = u.trip->PositionAt(now_s).at;
      u.trip.reset();
    }
    switch (u.phase) {
      case Phase::kPatrol:
        if (arrived) u.next_start_s = now_s + Uniform(30, 180);  // a stop on the beat
        if (!u.trip && now_s >= u.next_start_s) RETURN_IF_ERROR(StartPatrolTrip(u, now_s));
        break;
      case Phase::kToIncident:
        if (arrived) {
          RETURN_IF_ERROR(ReportStatus(u, "on_scene"));
          if (u.server_status == "on_scene") {
            ++rep_.arrivals;
            u.phase = Phase::kOnScene;
            u.until_s = now_s + o_.on_scene_minutes * 60;
          }
        }
        break;
      case Phase::kOnScene:
        if (now_s >= u.until_s) {
          RETURN_IF_ERROR(ReportStatus(u, "returning"));
          if (u.server_status == "returning") {
            ++rep_.cleared;
            u.phase = Phase::kReturning;
            ASSIGN_OR_RETURN(u.trip, PlanTrip(u.id, u.at, u.home, now_s, false));
          }
        }
        break;
      case Phase::kReturning:
        if (!u.trip) {  // home (or no route home): back in service
          RETURN_IF_ERROR(ReportStatus(u, "available"));
          if (u.server_status == "available") {
            u.phase = Phase::kPatrol;
            u.next_start_s = now_s + Uniform(30, 120);
          }
        }
        break;
      case Phase::kIdle:
        break;
    }
  }
  if (fixes.empty()) return Status::Ok();
  const std::string target = "/api/v1/units/positions";
  rep_.fixes_sent += fixes.size();
  auto j = Call(device_, "POST", target, json{{"fixes", fixes}}.dump());
  if (!j.ok()) {
    if (Fatal(j.status())) return j.status();
    Warn("fixes", j.status().message());
    return Status::Ok();
  }
  rep_.fixes_accepted += j->value("accepted", 0);
  if (j->value("refused", 0) > 0) {
    for (const json& r : (*j)["results"]) {
      if (!r.value("ok", true)) {
        Warn("fix-refused", "POST " + target + ": a fix of unit " + Str(r, "unit_id") +
                                " refused: " + r["error"].dump());
        break;
      }
    }
  }
  return Status::Ok();
}

Status City::StepCalls(double now_s) {
  if (o_.call_every_s > 0 && now_s >= next_call_s_) {
    next_call_s_ = now_s + o_.call_every_s;
    const CallKind& k = kCalls[Pick(std::size(kCalls))];
    const size_t place = RandomPlaceIndex();
    const Place& where = places_[place];
    const std::string number = std::string(k.source).substr(5);  // 110, 120, 122
    json body = {{"source", k.source},
                 {"source_ref", fmt::format("SIM-{}-{}", run_tag_, ++call_seq_)},
                 {"type", k.type},
                 {"priority", k.priority},
                 {"location", json::array({where.at.lng, where.at.lat})},
                 {"reported", FormatRfc3339(WallAt(now_s))},
                 {"summary", fmt::format("SIMULATED {} call: {} near {}", number, k.what,
                                         where.name.empty() ? where.id : where.name)}};
    auto j = Call(reader_, "POST", "/api/v1/incidents", body.dump());
    if (!j.ok()) {
      if (Fatal(j.status())) return j.status();
      Warn("incident", j.status().message());
    } else {
      ++rep_.incidents;
      if (o_.auto_dispatch) {
        to_dispatch_.push_back({Str(*j, "id"), place, now_s + o_.dispatch_delay_s});
      }
    }
  }
  for (size_t i = 0; i < to_dispatch_.size();) {
    if (to_dispatch_[i].due_s > now_s) {
      ++i;
      continue;
    }
    const std::string id = to_dispatch_[i].incident_id;
    const size_t place = to_dispatch_[i].place;
    to_dispatch_.erase(to_dispatch_.begin() + static_cast<std::ptrdiff_t>(i));
    // Only the kinds this simulator drives, so that the unit sent is one that moves.
    std::string refused;
    auto rec = Call(
        reader_, "POST", "/api/v1/dispatch/recommend",
        json{{"incident_id", id}, {"k", 1}, {"kinds", json::array({"patrol_car", "motorcycle"})}}
            .dump(),
        "application/json", &refused);
    if (!rec.ok()) {
      if (Fatal(rec.status())) return rec.status();
      if (refused == "location") OffNetwork(place);
      Warn("recommend", rec.status().message());
      continue;
    }
    if (!rec->contains("units") || (*rec)["units"].empty()) {
      ++rep_.no_unit;
      continue;
    }
    const std::string unit_id = Str((*rec)["units"][0], "id");
    auto d = Call(reader_, "POST", "/api/v1/incidents/" + id + "/dispatch",
                  json{{"unit_id", unit_id}, {"note", "SIMULATED auto-dispatch"}}.dump());
    if (!d.ok()) {
      if (Fatal(d.status())) return d.status();
      Warn("dispatch", d.status().message());
      continue;
    }
    ++rep_.dispatches;
    poll_now_ = true;
  }
  return Status::Ok();
}

void City::ProgressLine(double now_s) {
  if (o_.progress_every_s <= 0 || RealSince(last_progress_) < o_.progress_every_s) return;
  last_progress_ = MonotonicNanos();
  size_t driving = 0;
  for (const Vehicle& v : vehicles_) driving += v.trip ? 1 : 0;
  std::fprintf(err_,
               "SIMULATED %02d:%02d:%02d: %zu/%zu vehicles on the road, passages %llu sent "
               "(%llu accepted, %llu rejected, %llu listed), fixes %llu, incidents %llu, "
               "dispatches %llu\n",
               static_cast<int>(now_s / 3600), static_cast<int>(std::fmod(now_s, 3600) / 60),
               static_cast<int>(std::fmod(now_s, 60)), driving, vehicles_.size(),
               static_cast<unsigned long long>(rep_.passages_sent),
               static_cast<unsigned long long>(rep_.passages_accepted),
               static_cast<unsigned long long>(rep_.passages_rejected),
               static_cast<unsigned long long>(rep_.listed_passages),
               static_cast<unsigned long long>(rep_.fixes_sent),
               static_cast<unsigned long long>(rep_.incidents),
               static_cast<unsigned long long>(rep_.dispatches));
  std::fflush(err_);
}

Status City::Run() {
  t0_ = MonotonicNanos();
  wall0_ = SystemClock::Get()->Now();
  last_flush_ = last_progress_ = t0_;
  run_tag_ = fmt::format("{}-{}", o_.seed, wall0_ / 1000 % 100'000'000);
  next_call_s_ = o_.call_every_s;
  RETURN_IF_ERROR(Load());
  for (;;) {
    const int64_t tick = MonotonicNanos();
    double now_s = SimNow();
    const bool last =
        (o_.duration_s > 0 && now_s >= o_.duration_s) || (o_.stop != nullptr && o_.stop->load());
    if (o_.duration_s > 0) now_s = std::min(now_s, o_.duration_s);
    RETURN_IF_ERROR(StepVehicles(now_s));
    RETURN_IF_ERROR(StepUnits(now_s));
    if (!o_.token.empty()) RETURN_IF_ERROR(StepCalls(now_s));
    ProgressLine(now_s);
    rep_.simulated_s = now_s;
    if (last) break;
    const double left = kTickRealSeconds - RealSince(tick);
    if (left > 0) std::this_thread::sleep_for(std::chrono::duration<double>(left));
  }
  RETURN_IF_ERROR(FlushPassages(true));
  rep_.real_s = RealSince(t0_);
  return Status::Ok();
}

}  // namespace

StatusOr<SimulateReport> Simulate(const SimulateOptions& o, std::FILE* err) {
  std::string host;
  uint16_t port = 0;
  if (Status st = api::ParseHostPort(o.target, &host, &port); !st.ok()) {
    return InvalidArgument("--target", st.message());
  }
  if (o.token.empty()) {
    return InvalidArgument("--token",
                           "is required: a user's token (an operator) to read the checkpoints, "
                           "places, units and routes, and to make the simulated calls (or set "
                           "QUANYU_TOKEN)");
  }
  if (o.device.empty()) {
    return InvalidArgument("--device",
                           "is required: the device that submits the simulated "
                           "passages and unit positions");
  }
  if (o.vehicles == 0 && o.call_every_s <= 0) {
    return InvalidArgument("--vehicles", "must be at least 1 (or calls must be on)");
  }
  if (!(o.speedup > 0) || o.speedup > 10'000) {
    return InvalidArgument("--speedup", "must be more than 0 and at most 10000");
  }
  if (o.duration_s < 0) return InvalidArgument("--duration", "must be 0 (no end) or more");
  if (!(o.checkpoint_radius_m > 0) || o.checkpoint_radius_m > 500) {
    return InvalidArgument("--checkpoint-radius", "must be more than 0 and at most 500 m");
  }
  if (!(o.fix_interval_s >= 1)) return InvalidArgument("--fix-interval", "must be at least 1 s");
  if (o.on_scene_minutes < 0) return InvalidArgument("--on-scene-minutes", "must be 0 or more");
  if (o.call_every_s < 0) return InvalidArgument("--call-every", "must be 0 (no calls) or more");
  if (o.dispatch_delay_s < 0) return InvalidArgument("--dispatch-delay", "must be 0 or more");
  if (o.batch == 0) return InvalidArgument("--batch", "must be at least 1");
  if (!o.listed_plates_file.empty()) {
    if (auto p = ListedPlatesFromFile(o.listed_plates_file); !p.ok()) {
      return InvalidArgument("--listed-plates", p.status().message());
    }
  }

  City city(o, err, host, port);
  {
    api::HttpClient login(host, port);
    ASSIGN_OR_RETURN(std::string device_token, DeviceLogin(login, o.device, o.secret));
    city.SetDeviceToken(device_token);
  }
  RETURN_IF_ERROR(city.Run());
  return city.report();
}

int RunSimulate(const SimulateOptions& o, std::FILE* out, std::FILE* err) {
  auto rep = Simulate(o, err);
  if (!rep.ok()) {
    std::fprintf(err, "error: %s\n", rep.status().ToString().c_str());
    return rep.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  const SimulateReport& r = *rep;
  std::fprintf(
      out,
      "SIMULATED city (everything below was simulated by quanyu simulate): %.0f s simulated in "
      "%.1f s (speedup %g)\n"
      "  vehicles: %zu, %llu trips (%llu routes refused or unreachable, %llu places found off "
      "the road network)\n"
      "  passages: %llu sent, %llu accepted, %llu rejected; %llu with a listed plate\n"
      "  units: %zu moving, %llu fixes sent (%llu accepted); %llu en route, %llu arrivals, "
      "%llu cleared\n"
      "  calls: %llu incidents created, %llu dispatched, %llu without an available unit\n",
      r.simulated_s, r.real_s, o.speedup, o.vehicles, static_cast<unsigned long long>(r.trips),
      static_cast<unsigned long long>(r.routes_refused),
      static_cast<unsigned long long>(r.places_off_network),
      static_cast<unsigned long long>(r.passages_sent),
      static_cast<unsigned long long>(r.passages_accepted),
      static_cast<unsigned long long>(r.passages_rejected),
      static_cast<unsigned long long>(r.listed_passages), r.units,
      static_cast<unsigned long long>(r.fixes_sent),
      static_cast<unsigned long long>(r.fixes_accepted),
      static_cast<unsigned long long>(r.en_route), static_cast<unsigned long long>(r.arrivals),
      static_cast<unsigned long long>(r.cleared), static_cast<unsigned long long>(r.incidents),
      static_cast<unsigned long long>(r.dispatches), static_cast<unsigned long long>(r.no_unit));
  return 0;
}

}  // namespace quanyu::tools
