// `quanyu simulate`: a live, SIMULATED city on real data, for the demo and for benchmarks. A
// pure API client of a running server: it reads the checkpoints, protected places and units,
// then drives simulated vehicles between places along the server's routes (GET /api/v1/route)
// and sends a passage record for each checkpoint a vehicle passes; moves the available patrol
// cars and motorcycles the same way, reporting AVL fixes, and drives a dispatched one to its
// incident and back, reporting en_route, on_scene, returning and available; and turns
// simulated calls into incidents, optionally dispatching the recommended unit.
//
// Example:
//   SimulateOptions o;
//   o.target = "http://127.0.0.1:8080";
//   o.token = operator_token;  // reads the scene, creates incidents, dispatches
//   o.device = "demo-feed";    // submits passages and positions
//   o.secret = feed_secret;
//   o.duration_s = 600;        // simulated seconds
//   o.speedup = 10;            // ... run in one real minute
//   int rc = RunSimulate(o, stdout, stderr);
//
// Time: the simulated second s of a run happens at the real time start + s / speedup, and that
// is the time every record, fix and step carries (so nothing is in the server's future).
// Thread safety: one run per call; a run uses one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/lnglat.h"

namespace quanyu::tools {

// A trip the simulation planned: who drives it (a vehicle's plate or a unit's id), the route's
// geometry, and when it starts and ends (real time, see above).
struct PlannedTrip {
  std::string who;
  std::vector<geo::LngLat> geometry;
  UnixMicros start = 0, end = 0;
};

struct SimulateOptions {
  std::string target = "http://127.0.0.1:8080";
  // A user's bearer token (an operator): reads checkpoints, places, units, routes and
  // incidents, creates the simulated calls' incidents and dispatches. Required.
  std::string token;
  // The device that submits the passages and the unit positions and statuses (allowed the
  // checkpoints and units, e.g. with "*"), and its secret. Required.
  std::string device, secret;
  size_t vehicles = 200;
  // Vehicles carrying a plate of the listed_plates_file (the first column of an alert-list
  // CSV), so that the server raises alerts. Default: 3 (if a file is given).
  size_t listed_vehicles = 3;
  std::string listed_plates_file;
  double speedup = 1;     // simulated seconds per real second
  double duration_s = 0;  // simulated seconds; 0 = until *stop
  double checkpoint_radius_m = 30;
  double fix_interval_s = 5;    // simulated seconds between a moving unit's fixes
  double on_scene_minutes = 5;  // simulated
  double call_every_s = 90;     // simulated seconds between calls; 0 = no calls
  bool auto_dispatch = false;
  double dispatch_delay_s = 20;  // simulated, from a call to its dispatch
  uint64_t seed = 1;
  size_t batch = 200;           // passages per request at most
  double progress_every_s = 5;  // real seconds between progress lines; 0 = none
  // Set (e.g. by a signal handler) to end the run; may be null.
  const std::atomic<bool>* stop = nullptr;
  // Called with every trip planned, on the run's thread (for tests and tracing); may be empty.
  std::function<void(const PlannedTrip&)> on_trip;
};

struct SimulateReport {
  double simulated_s = 0, real_s = 0;
  uint64_t trips = 0, routes_refused = 0;
  uint64_t places_off_network = 0;  // places found too far from a road: no longer visited
  uint64_t passages_sent = 0, passages_accepted = 0, passages_rejected = 0;
  uint64_t listed_passages = 0;  // sent with a listed plate
  uint64_t fixes_sent = 0, fixes_accepted = 0;
  uint64_t incidents = 0, dispatches = 0, no_unit = 0;
  uint64_t en_route = 0, arrivals = 0, cleared = 0;
  size_t units = 0;  // simulated moving units
};

// Runs the simulation; errors name the option or the request and the server's answer.
StatusOr<SimulateReport> Simulate(const SimulateOptions& options, std::FILE* err);

// Simulate, then the summary on `out`; an error on `err`. Returns the exit code (2 for a bad
// option, 1 for another error).
int RunSimulate(const SimulateOptions& options, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
