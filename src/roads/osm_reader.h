// Reading drivable roads from an OpenStreetMap file (.osm.pbf, or .osm XML) with libosmium.
// libosmium stays inside the .cc files that read OSM (roads/osm_scan.h): it compiles slowly.
//
// Kept: ways tagged highway = motorway, trunk, primary, secondary, tertiary (and their _link
// forms), unclassified, residential, service or living_street, with their maxspeed (see
// ParseMaxspeed). Skipped: access, motor_vehicle or motorcar = no or private, and area=yes
// (squares drawn as closed highway ways).
//
// Turn restrictions: relations type=restriction with restriction=* (or restriction:motorcar=*,
// which takes precedence) no_left_turn, no_right_turn, no_straight_on, no_u_turn,
// only_left_turn, only_right_turn or only_straight_on, and members from=way, via=node, to=way.
// Restrictions whose via is a way are skipped and counted; other kinds (no_entry, ...) and
// malformed relations are skipped and counted too.
//
// Example:
//   ASSIGN_OR_RETURN(RoadSet set, ReadRoads("data/osm/chengdu_central.osm.pbf", {}));
//   for (const Road& r : set.roads) ...
//
// Thread safety: ReadRoads may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "roads/road.h"

namespace quanyu::roads {

struct ReadOptions {
  // Print a progress line (core/progress.h) on stderr while reading. Default: off.
  bool progress = false;
};

struct OsmReadStats {
  uint64_t nodes = 0;           // nodes in the file
  uint64_t ways = 0;            // ways in the file
  uint64_t drivable_ways = 0;   // ways kept as roads
  uint64_t skipped_access = 0;  // drivable class but access/motor_vehicle/motorcar=no/private
  uint64_t skipped_area = 0;    // drivable class but area=yes
  uint64_t missing_nodes = 0;   // node references of kept ways the file has no location for
  uint64_t road_segments = 0;   // segments over all roads
  uint64_t file_bytes = 0;
  uint64_t restrictions = 0;          // turn restrictions kept
  uint64_t skipped_via_way = 0;       // turn restrictions with a via way
  uint64_t skipped_restrictions = 0;  // other kinds, or members missing or malformed
};

// What a turn restriction allows: no_* forbids the one turn from `from_way` to `to_way` at
// `via_node`; only_* forbids every other turn from `from_way` there.
struct TurnRestriction {
  int64_t from_way = 0;
  int64_t via_node = 0;
  int64_t to_way = 0;
  bool only = false;  // only_* (else no_*)
  std::string kind;   // the OSM value, e.g. "no_left_turn"

  bool operator==(const TurnRestriction&) const = default;
};

struct RoadSet {
  std::vector<Road> roads;  // in file order; a way cut at missing nodes gives several
  std::vector<TurnRestriction> restrictions;  // in file order
  OsmReadStats stats;
};

// Reads the drivable roads of the OSM file at `path` (format by its name: .osm.pbf or .osm).
// NotFound if the file cannot be opened; DataLoss if it is not a readable OSM file.
StatusOr<RoadSet> ReadRoads(const std::string& path, const ReadOptions& options = {});

}  // namespace quanyu::roads
