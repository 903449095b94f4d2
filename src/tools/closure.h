// `quanyu closure`: ring closure (围闭度) from an OSM file, the rings stored in a data directory
// and its checkpoints (roads/closure.h gives the method).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "geo/rings.h"
#include "registry/checkpoint.h"
#include "roads/closure.h"
#include "roads/road.h"
#include "store/store.h"

namespace quanyu::tools {

// One ring's crossings and coverage.
struct RingClosure {
  std::string ring_id, ring_name;
  bool reached = false;  // some road of the file lies within the ring's bounding box
  roads::RingCrossings crossings;
  roads::ClosureReport report;
};

// The crossings of the roads with each ring (all of `rings`, in their order), and their
// coverage by `checkpoints`. `source` names the OSM file in the results.
std::vector<RingClosure> ComputeRingClosures(const std::vector<geo::Ring>& rings,
                                             const std::vector<roads::Road>& roads,
                                             const std::vector<registry::Checkpoint>& checkpoints,
                                             const roads::ClosureOptions& options,
                                             const std::string& source);

// Every checkpoint of the store (all statuses), read page by page.
StatusOr<std::vector<registry::Checkpoint>> LoadAllCheckpoints(store::Store* store);

// A simulated checkpoint set for demonstrations, placed at the crossings found: one site per
// road crossing point (crossings of several rings at one point are one site), ordered by class,
// then way id, then position. Every motorway, trunk and primary site gets a checkpoint; of the
// secondary sites every 2nd, tertiary every 3rd, other classes every 5th (the first of each
// run). Each checkpoint watches the travel directions that exist at its site. Every 4th
// checkpoint placed at a secondary or smaller road is marked faulty. Ids are 20-digit GA/T 1400
// style, beginning with the 6-digit id of the innermost ring holding the site (else of the
// crossing's ring), then "0001122" and a 7-digit serial.
std::vector<registry::Checkpoint> PlaceSimulatedCheckpoints(const std::vector<RingClosure>& rings,
                                                            const geo::RingTree& tree);

// CSV in the form `quanyu import checkpoints` reads: id,name,lng,lat,directions,status.
std::string CheckpointsCsv(const std::vector<registry::Checkpoint>& checkpoints);

struct ClosureCommand {
  std::string osm_file;
  std::string data_dir = "./data";
  std::vector<std::string> ring_ids;  // empty: every stored ring
  double tolerance_m = 200;
  std::string geojson_out;  // "": none
  bool save = false;  // store the crossings of each ring the roads reach (kind ring_crossings)
  std::string place_checkpoints;  // "": none; else write a simulated set here (CSV)
  bool progress = true;
};

// Runs the command; returns the exit code (0 done, 1 failed, 2 bad arguments). Prints one line
// per ring to `out`: crossings, covered directions, ratio by count and weighted, gaps by class.
// With `save` the data directory is locked and the write audited ("ring_crossings.save");
// otherwise the store is opened read-only, so a server may keep running.
int RunClosure(const ClosureCommand& cmd, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
