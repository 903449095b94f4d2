// DispatchService: the units, their positions (AVL) and statuses, the incidents and their
// dispatch, kept in the store and in memory; the dispatch recommendation by drive time; the
// response KPIs.
//
// Every change is written to the store before it is answered: units and incidents as
// documents, position fixes as the units' track (Store::AppendUnitFixes, which retention
// trims). Incident steps and unit statuses follow each other: dispatching makes the unit
// "dispatched"; its "en_route", "on_scene" and "returning"/"available" reports record the
// en route, arrived and cleared (or cancelled) steps of its assignment, and the incident's
// steps set the unit's status the same way. Each step is timestamped and attributed (the
// actor) in the incident's timeline; the API layer also audits the request.
//
// Recommendation: every unit's position is snapped and pinned in the time hierarchy (one
// forward search per unit), once, then again only for the units that moved since (one forward
// search each); each recommendation is then one backward search from the incident, the
// statuses and filters applied as they are at that moment, plus one route per unit returned
// for its length.
//
// Example:
//   ASSIGN_OR_RETURN(auto svc, DispatchService::Open(store, clock, {}));
//   ASSIGN_OR_RETURN(Incident inc, svc->CreateIncident("user:op1", input));
//   ASSIGN_OR_RETURN(Recommendation r, svc->Recommend(*network, {.incident_id = inc.id}));
//   ASSIGN_OR_RETURN(inc, svc->Dispatch("user:op1", inc.id, r.units[0].unit.id, ""));
//
// Thread safety: every method may be called from any thread; one mutex guards the state, and
// recommendations run their searches outside it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "dispatch/model.h"
#include "store/store.h"

namespace quanyu::roads {
class RoadNetwork;
}  // namespace quanyu::roads

namespace quanyu::dispatch {

struct DispatchOptions {
  // A moving unit whose newest fix is older than this is "stale". Default: 2 minutes.
  UnixMicros stale_after = 2 * 60 * kMicrosPerSecond;
  StatusTimers timers;
  // Foot patrols walk: their ETA is the route length at this speed. Default: 5 km/h.
  double walking_speed_kmh = 5;
  int local_offset_seconds = 8 * 3600;  // incident ids carry the local date
};

// Where a point lies: the innermost district (county) ring, if any. May be empty.
using DistrictLocator = std::function<std::pair<std::string, std::string>(geo::LngLat)>;
// A known place named in an address text: its position and id, if any. May be empty.
using AddressLocator =
    std::function<std::optional<std::pair<geo::LngLat, std::string>>(const std::string&)>;

struct UnitFilter {
  std::vector<UnitKind> kinds;  // empty = any
  std::vector<UnitStatus> statuses;
  std::string agency;  // "" = any
};

// One AVL report.
struct FixReport {
  std::string unit_id;
  UnitFixInfo fix;
  std::optional<UnitStatus> status;  // a status reported with the fix
};

struct FixOutcome {
  Status status;         // why it was refused, if it was
  bool current = false;  // it became the unit's position (not older than the one it had)
};

struct StepInput {
  StepAction action = StepAction::kNote;
  std::string unit_id;  // required for the assignment steps
  std::string note;
};

struct RecommendRequest {
  std::string incident_id;              // the incident's location and type, or:
  std::optional<geo::LngLat> location;  // a point
  std::optional<IncidentType> type;     // sets the default kinds when `kinds` is empty
  size_t k = 5;
  std::vector<UnitKind> kinds;            // empty: by the incident type (see DefaultKinds)
  std::vector<std::string> capabilities;  // every one required
  std::string agency;                     // "" = any
  bool include_stale = true;              // stale positions are ranked, with a warning
};

struct Candidate {
  Unit unit;
  double eta_s = 0;
  double distance_m = 0;
  double snap_distance_m = 0;  // of the unit's position onto the road
  std::vector<std::string>
      warnings;  // "stale position (fix 300 s old)", "position is the home base"
};

struct Recommendation {
  geo::LngLat location;
  double location_snap_m = 0;
  std::vector<Candidate> units;  // best first, at most k
  size_t considered = 0;         // units that passed the filters
  size_t unreachable = 0;        // of them, with no route to the incident
  std::vector<std::pair<std::string, std::string>> unroutable;  // unit id, why (off the roads)
};

// The kinds sent by default to an incident of type t.
std::vector<UnitKind> DefaultKinds(IncidentType t);

struct KpiQuery {
  UnixMicros from = 0, to = 0;  // reported in [from, to); 0 = unbounded
  // "type", "district", "priority", "day" (local date of the call) or "none".
  std::string group_by = "type";
};

struct KpiStats {
  size_t count = 0;
  double mean_s = 0, median_s = 0, p90_s = 0;
};

struct KpiGroup {
  std::string key, label;
  size_t incidents = 0, dispatched = 0, arrived = 0, closed = 0;
  KpiStats call_to_dispatch, dispatch_to_arrival, call_to_arrival;
};

class DispatchService {
 public:
  // Loads the stored units and incidents. DataLoss names a document that cannot be read.
  static StatusOr<std::unique_ptr<DispatchService>> Open(store::Store* store, const Clock* clock,
                                                         DispatchOptions options);

  void set_district_locator(DistrictLocator f);
  void set_address_locator(AddressLocator f);
  const DispatchOptions& options() const { return options_; }

  // --- units ---
  // Creates or replaces a unit's description (name, kind, agency, capabilities, home); its
  // status, position and assignment are kept. Returns the unit and whether it was created.
  StatusOr<std::pair<Unit, bool>> PutUnit(Unit u);
  StatusOr<Unit> GetUnit(const std::string& id) const;
  std::vector<Unit> ListUnits(const UnitFilter& f) const;
  // FailedPrecondition while the unit is assigned to an incident.
  Status DeleteUnit(const std::string& id);
  // Stores every accepted fix in the track; a fix newer than the unit's becomes its position.
  // Refused one by one: unknown unit (NotFound), time more than a minute ahead of the clock or
  // missing, bad coordinates, a status the model does not allow from the unit's status.
  std::vector<FixOutcome> ReportFixes(const std::vector<FixReport>& fixes);
  // A status report (radio, terminal). Moves the unit's assignment on when it has one.
  StatusOr<Unit> ReportStatus(const std::string& actor, const std::string& unit_id, UnitStatus to,
                              const std::string& note);
  StatusOr<std::vector<store::UnitFix>> Track(const std::string& unit_id, UnixMicros from,
                                              UnixMicros to, size_t limit) const;

  // --- incidents ---
  // Assigns the id, the district and, for an address without a point, the position of a
  // known place the address names. `reported` defaults to now.
  StatusOr<Incident> CreateIncident(const std::string& actor, Incident input);
  StatusOr<Incident> GetIncident(const std::string& id) const;
  // Newest first.
  std::vector<Incident> ListIncidents(std::optional<IncidentState> state, UnixMicros from,
                                      UnixMicros to, size_t limit) const;
  // Sends a unit (available or returning) to an open incident; eta and distance as estimated.
  StatusOr<Incident> Dispatch(const std::string& actor, const std::string& incident_id,
                              const std::string& unit_id, const std::string& note,
                              double eta_s = -1, double distance_m = -1);
  // acknowledged, en_route, arrived, cleared, cancelled (of a unit's assignment), note, closed
  // (clears the units still assigned), reopened.
  StatusOr<Incident> AddStep(const std::string& actor, const std::string& incident_id,
                             const StepInput& step);
  // Retention ("incidents"): deletes the incidents closed before `cutoff`, with their
  // timelines, and returns how many. Open incidents are kept however old.
  StatusOr<int64_t> DropClosedIncidentsBefore(UnixMicros cutoff);

  // --- decisions ---
  StatusOr<Recommendation> Recommend(const roads::RoadNetwork& net,
                                     const RecommendRequest& req) const;
  std::vector<KpiGroup> Kpis(const KpiQuery& q) const;

 private:
  DispatchService(store::Store* store, const Clock* clock, DispatchOptions options);
  struct Pinned;
  // REQUIRES: mu_ held. Writes the units and the incident given (null: none).
  Status Persist(const std::vector<const Unit*>& units, const Incident* incident);
  // REQUIRES: mu_ held. ReportStatus at `now`.
  StatusOr<Unit> ReportStatusLocked(const std::string& actor, const std::string& unit_id,
                                    UnitStatus to, const std::string& note, UnixMicros now);
  // REQUIRES: mu_ held. Copies of the units assigned to the incident: the only ones ApplyStep
  // changes, put back when the store refuses a step.
  std::vector<Unit> AssignedTo(const std::string& incident_id) const;
  // REQUIRES: mu_ held. Applies an assignment step to the incident and the unit's status.
  Status ApplyStep(const std::string& actor, Incident* inc, const StepInput& step, UnixMicros now,
                   std::vector<const Unit*>* touched);
  // REQUIRES: mu_ held. A unit's position changed (recommendations re-pin it alone).
  void NoteMove(const std::string& unit_id);

  store::Store* store_;
  const Clock* clock_;
  DispatchOptions options_;
  uint64_t instance_;  // unique per service in this process (query state per thread)
  mutable std::mutex mu_;
  DistrictLocator district_;
  AddressLocator address_;
  std::map<std::string, Unit> units_;
  std::map<std::string, Incident> incidents_;
  std::map<std::string, int> day_sequence_;  // local date -> last incident number
  // Recommendations pin every unit's position: from scratch when the roster changes (units
  // added, changed or removed), one unit at a time for the moves logged since.
  static constexpr size_t kMoveLog = 4096;
  uint64_t roster_version_ = 1;
  uint64_t move_seq_ = 0;
  std::deque<std::pair<uint64_t, std::string>> moves_;  // (sequence, unit id), oldest first
};

}  // namespace quanyu::dispatch
