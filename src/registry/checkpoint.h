// Road checkpoints (卡口): fixed cameras that read the plates of passing vehicles.
//
// Ids: GA/T 1400 20-digit device/tollgate codes (the first six digits are the
// administrative division where it stands, e.g. 511702 通川区) or shorter local ids of
// letters, digits, '-', '_' and '.', at most 64 characters.
// Positions are WGS-84; inputs may declare GCJ-02 and are converted on the way in.
// Thread safety: plain values and pure functions.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/crs.h"
#include "geo/lnglat.h"

namespace quanyu::registry {

enum class CheckpointStatus { kActive, kFaulty, kRetired };
std::string_view CheckpointStatusName(CheckpointStatus s);  // "active", "faulty", "retired"
StatusOr<CheckpointStatus> ParseCheckpointStatus(std::string_view s);

struct Checkpoint {
  std::string id;
  std::string name;
  geo::LngLat position;         // WGS-84
  std::vector<int> directions;  // compass bearings (0 = north, clockwise) of the
                                // traffic it watches; empty = all directions
  int lanes = 0;                // 0 = unknown
  CheckpointStatus status = CheckpointStatus::kActive;
  std::string division_code;  // 6-digit administrative division, from a GA/T id
  UnixMicros created = 0;
  UnixMicros updated = 0;

  bool operator==(const Checkpoint&) const = default;
};

// True for a 20-digit GA/T 1400 code.
bool IsGat1400Id(std::string_view id);

// Checks id syntax, name, position, directions (0-359), lanes (0-64).
Status ValidateCheckpoint(const Checkpoint& c);

// Parses a direction: a bearing in degrees (number or numeric string), a compass point
// ("N", "NE", ... "NW"), or a Chinese travel direction ("西向东" = eastbound = 90, "北向南",
// "东南向西北", ...). Errors name `field`.
StatusOr<int> ParseDirection(const nlohmann::json& v, std::string_view field);

// From a JSON object {"id","name","lng","lat","crs","directions","lanes","status"}; `crs`
// in the object overrides `default_crs`. Fields named in errors are the JSON keys.
StatusOr<Checkpoint> CheckpointFromJson(const nlohmann::json& obj, geo::Crs default_crs);
nlohmann::json CheckpointToJson(const Checkpoint& c);

// One row of an import file: its 1-based number (feature index or CSV line) and the result.
struct ImportRow {
  size_t row = 0;
  StatusOr<Checkpoint> checkpoint = Status(StatusCode::kInternal, "unset");
};

// GeoJSON FeatureCollection of Point features; properties as in CheckpointFromJson. A
// top-level "crs" member or the `crs` argument says which reference system the points use.
StatusOr<std::vector<ImportRow>> ParseCheckpointsGeoJson(std::string_view text, geo::Crs crs);

// CSV with a header row naming at least id,name,lng,lat; optional directions (separated by
// '|' or ';'), lanes, status, crs. Fields may be quoted ("...", with "" for a quote).
StatusOr<std::vector<ImportRow>> ParseCheckpointsCsv(std::string_view text, geo::Crs crs);

}  // namespace quanyu::registry
