// The command core's records (情指勤舆, 单元防控): response units with their status model and
// last position (AVL), and incidents with their timeline and unit assignments. Validation
// names the field at fault; JSON is the API's form and the store's (documents of kind "unit"
// and "incident").
//
// Unit status model (the usual CAD one):
//
//   off_duty <-> available -> dispatched -> en_route -> on_scene -> returning -> available
//                    ^            |             |           |
//                    +------------+-------------+-----------+   (cancelled or cleared)
//
// A unit is dispatched only through an incident (DispatchService); the other steps come from
// the unit (AVL, radio) or the dispatcher. Every status has a timer: the time in the status,
// and, for the statuses that should not last, the limit after which the unit is overdue.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/lnglat.h"

namespace quanyu::dispatch {

inline constexpr const char* kUnitDocumentKind = "unit";
inline constexpr const char* kIncidentDocumentKind = "incident";

// --- units ---

enum class UnitKind {
  kWorkstation,  // 联勤警务站 (fixed)
  kDutyPoint,    // 驻勤点 (fixed)
  kPatrolCar,    // 勤务车组
  kMotorcycle,   // 摩托车巡逻
  kFootPatrol,   // 步巡
  kAmbulance,    // 120 救护车
  kFireEngine,   // 消防车
};
inline constexpr UnitKind kAllUnitKinds[] = {
    UnitKind::kWorkstation, UnitKind::kDutyPoint, UnitKind::kPatrolCar, UnitKind::kMotorcycle,
    UnitKind::kFootPatrol,  UnitKind::kAmbulance, UnitKind::kFireEngine};
std::string_view UnitKindName(UnitKind k);   // "workstation", "duty_point", "patrol_car", ...
std::string_view UnitKindLabel(UnitKind k);  // 联勤警务站, 驻勤点, 勤务车组, ...
StatusOr<UnitKind> ParseUnitKind(std::string_view s, std::string_view field);
// Workstations and duty points stand at their home base.
bool IsFixed(UnitKind k);

enum class UnitStatus { kAvailable, kDispatched, kEnRoute, kOnScene, kReturning, kOffDuty };
inline constexpr UnitStatus kAllUnitStatuses[] = {UnitStatus::kAvailable, UnitStatus::kDispatched,
                                                  UnitStatus::kEnRoute,   UnitStatus::kOnScene,
                                                  UnitStatus::kReturning, UnitStatus::kOffDuty};
std::string_view UnitStatusName(UnitStatus s);   // "available", "dispatched", "en_route", ...
std::string_view UnitStatusLabel(UnitStatus s);  // 可派, 已派, 在途, 到场, 返回, 下勤
StatusOr<UnitStatus> ParseUnitStatus(std::string_view s, std::string_view field);
// Whether a unit may go from `from` to `to` by a status report (not by dispatch).
bool StatusReportAllowed(UnitStatus from, UnitStatus to);

// How long a status may last before the unit is overdue (0 = no limit).
struct StatusTimers {
  UnixMicros dispatched = 2 * 60 * kMicrosPerSecond;  // not yet under way
  UnixMicros en_route = 30 * 60 * kMicrosPerSecond;
  UnixMicros on_scene = 2 * 3600 * kMicrosPerSecond;
  UnixMicros returning = 60 * 60 * kMicrosPerSecond;
  UnixMicros Limit(UnitStatus s) const;
};

struct UnitFixInfo {
  geo::LngLat at;
  UnixMicros time = 0;    // device time of the fix
  double heading = -1;    // degrees, -1 unknown
  double speed_kmh = -1;  // -1 unknown
};

struct Unit {
  std::string id;    // 1-64 of [A-Za-z0-9._:-]
  std::string name;  // call sign or station name, e.g. 通川区西外警务站
  UnitKind kind = UnitKind::kPatrolCar;
  std::string agency;
  std::vector<std::string> capabilities;  // e.g. "armed", "medical", "traffic", "k9"
  std::optional<geo::LngLat> home;        // home base; required for fixed kinds
  UnitStatus status = UnitStatus::kAvailable;
  UnixMicros status_since = 0;
  std::optional<UnitFixInfo> fix;  // the newest position report
  std::string incident_id;         // while dispatched, en route, on scene
  UnixMicros updated = 0;

  // Where the unit is: its newest fix, else its home base.
  std::optional<geo::LngLat> Position() const;
  bool HasCapability(std::string_view c) const;
};

// Checks the fields a client sets (id, name, kind, agency, capabilities, home).
Status ValidateUnit(const Unit& u);

// The unit as the store keeps it: {"id", "name", "kind", "agency", "capabilities", "home":
// [lng, lat], "status", "status_since", "position": [lng, lat], "fix_time", "heading",
// "speed_kmh", "incident_id", "updated"} (times RFC 3339 UTC; absent members unknown).
nlohmann::json UnitToJson(const Unit& u);
// The same, with what a reader wants to know now: labels, "stale" (the fix is older than
// `stale_after`, or there is none for a moving unit), "status_age_s" and "overdue".
nlohmann::json UnitViewJson(const Unit& u, UnixMicros now, UnixMicros stale_after,
                            const StatusTimers& timers);
bool IsStale(const Unit& u, UnixMicros now, UnixMicros stale_after);
// A unit from a client's JSON (id, name, kind, agency, capabilities, home) or from the store
// (every member). Errors name the member.
StatusOr<Unit> UnitFromJson(const nlohmann::json& j);

// --- incidents ---

enum class IncidentType {
  kCriminal,     // 刑事
  kPublicOrder,  // 治安
  kTraffic,      // 交通
  kFire,         // 火灾
  kDispute,      // 纠纷
  kAssistance,   // 求助
  kOther,        // 其他
};
inline constexpr IncidentType kAllIncidentTypes[] = {
    IncidentType::kCriminal, IncidentType::kPublicOrder, IncidentType::kTraffic,
    IncidentType::kFire,     IncidentType::kDispute,     IncidentType::kAssistance,
    IncidentType::kOther};
std::string_view IncidentTypeName(IncidentType t);  // "criminal", "public_order", ...
std::string_view IncidentTypeLabel(IncidentType t);  // 刑事, 治安, 交通, 火灾, 纠纷, 求助, 其他
StatusOr<IncidentType> ParseIncidentType(std::string_view s, std::string_view field);

enum class IncidentSource { kCall110, kCall120, kCall122, kAlert, kSensor, kManual };
std::string_view IncidentSourceName(
    IncidentSource s);  // "call_110", ..., "alert", "sensor", "manual"
std::string_view IncidentSourceLabel(IncidentSource s);  // 110报警, 120急救, 122交通事故, ...
StatusOr<IncidentSource> ParseIncidentSource(std::string_view s, std::string_view field);

enum class IncidentState { kOpen, kDispatched, kOnScene, kClosed };
std::string_view IncidentStateName(IncidentState s);   // "open", "dispatched", "on_scene", "closed"
std::string_view IncidentStateLabel(IncidentState s);  // 待处置, 已派, 处置中, 已结

// The steps of an assignment, in order; "note" and "closed"/"reopened" belong to the incident.
enum class StepAction {
  kCreated,
  kDispatched,
  kAcknowledged,
  kEnRoute,
  kArrived,
  kCleared,
  kCancelled,
  kNote,
  kClosed,
  kReopened,
};
std::string_view StepActionName(StepAction a);
std::string_view StepActionLabel(StepAction a);  // 接警, 派警, 确认, 出发, 到场, 处置完毕, ...
StatusOr<StepAction> ParseStepAction(std::string_view s, std::string_view field);

struct Step {
  UnixMicros at = 0;
  StepAction action = StepAction::kNote;
  std::string unit_id;  // for the assignment steps
  std::string actor;    // Principal::Actor() of who recorded it
  std::string note;
};

// One unit sent to an incident.
struct Assignment {
  std::string unit_id;
  UnixMicros dispatched = 0, acknowledged = 0, en_route = 0, arrived = 0, cleared = 0;
  bool cancelled = false;
  double eta_s = -1;       // drive time estimated at dispatch (-1 unknown)
  double distance_m = -1;  // route length at dispatch (-1 unknown)
  bool Active() const { return !cancelled && cleared == 0; }
};

struct Incident {
  std::string id;  // assigned: "INC" + local date + "-" + sequence, e.g. INC20261129-0007
  IncidentType type = IncidentType::kOther;
  int priority = 3;  // 1 (most urgent) to 4
  IncidentSource source = IncidentSource::kManual;
  std::string source_ref;  // call number, alert id, sensor id
  std::string summary;
  std::optional<geo::LngLat> location;
  std::string address;     // as reported
  std::string located_by;  // "point", or "place:<id>" when the address named a known place
  std::string district;    // innermost county/district ring holding the location, if any
  std::string district_name;
  std::string agency;       // the agency that owns it
  UnixMicros reported = 0;  // when the call came in (call -> dispatch starts here)
  UnixMicros created = 0;
  IncidentState state = IncidentState::kOpen;
  std::vector<Assignment> assignments;
  std::vector<Step> timeline;
  UnixMicros updated = 0;

  Assignment* FindAssignment(std::string_view unit_id);  // the newest for the unit, or null
  UnixMicros FirstDispatch() const;                      // 0 if never dispatched
  UnixMicros FirstArrival() const;                       // 0 if nobody arrived
  UnixMicros Closed() const;                             // 0 if open
};

// Checks type, priority, location or address, summary length.
Status ValidateIncident(const Incident& i);
nlohmann::json IncidentToJson(const Incident& i);
StatusOr<Incident> IncidentFromJson(const nlohmann::json& j);

}  // namespace quanyu::dispatch
