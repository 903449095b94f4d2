// Reading drivable roads from an OpenStreetMap file (.osm.pbf, or .osm XML) with libosmium.
// libosmium stays inside osm_reader.cc: it compiles slowly, and nothing else needs it.
//
// Kept: ways tagged highway = motorway, trunk, primary, secondary, tertiary (and their _link
// forms), unclassified, residential, service or living_street. Skipped: access=no or
// access=private, and area=yes (squares drawn as closed highway ways).
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
  uint64_t skipped_access = 0;  // drivable class but access=no/private
  uint64_t skipped_area = 0;    // drivable class but area=yes
  uint64_t missing_nodes = 0;   // node references of kept ways the file has no location for
  uint64_t road_segments = 0;   // segments over all roads
  uint64_t file_bytes = 0;
};

struct RoadSet {
  std::vector<Road> roads;  // in file order; a way cut at missing nodes gives several
  OsmReadStats stats;
};

// Reads the drivable roads of the OSM file at `path` (format by its name: .osm.pbf or .osm).
// NotFound if the file cannot be opened; DataLoss if it is not a readable OSM file.
StatusOr<RoadSet> ReadRoads(const std::string& path, const ReadOptions& options = {});

}  // namespace quanyu::roads
