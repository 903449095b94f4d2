// Simulated driving along road geometry: a route's polyline with the distance along it, the
// checkpoints that lie on it, and a trip that drives it at constant speed and reports, step by
// step, the checkpoints it passes. Pure functions of their inputs, for `quanyu simulate`.
//
// Example:
//   Polyline line({{104.060, 30.650}, {104.070, 30.650}});
//   std::vector<Waypoint> on_route = CheckpointsAlong(line, checkpoints, 30);
//   Trip trip(std::move(line), /*start_s=*/0, /*duration_s=*/120, on_route);
//   std::vector<Crossing> passed;
//   trip.Advance(10, &passed);  // the checkpoints passed in the first 10 simulated seconds
//
// Distances are metres (great circle); headings compass degrees (0 = north, clockwise);
// times simulated seconds. Thread safety: plain values; a Trip is not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "geo/lnglat.h"

namespace quanyu::sim {

class Polyline {
 public:
  // At least one point; repeated points are kept (they add no length).
  explicit Polyline(std::vector<geo::LngLat> points);

  double length_m() const { return cumulative_.back(); }
  const std::vector<geo::LngLat>& points() const { return points_; }

  struct Projection {
    double along_m = 0;      // distance along the line to the nearest point
    double offset_m = 0;     // distance from the given point to that nearest point
    double heading_deg = 0;  // heading of the segment there
  };
  // The point of the line nearest to p (the first one, if several are equally near).
  Projection Project(geo::LngLat p) const;

  struct Position {
    geo::LngLat at;
    double heading_deg = 0;
  };
  // The point `along_m` metres along the line, clamped to [0, length].
  Position At(double along_m) const;

 private:
  std::vector<geo::LngLat> points_;
  std::vector<double> cumulative_;  // distance from the start to each point
};

struct CheckpointSite {
  std::string id;
  geo::LngLat position;
};

// A checkpoint on a route: where along it the vehicle passes, and its heading there.
struct Waypoint {
  std::string checkpoint_id;
  double along_m = 0;
  double offset_m = 0;
  double heading_deg = 0;
};

// The checkpoints within radius_m of the line, ordered by distance along it; each at most once
// (at its nearest point of the line).
std::vector<Waypoint> CheckpointsAlong(const Polyline& line,
                                       const std::vector<CheckpointSite>& checkpoints,
                                       double radius_m);

// A vehicle passing a checkpoint.
struct Crossing {
  std::string checkpoint_id;
  double time_s = 0;  // simulated time of passing
  double heading_deg = 0;
  double speed_kmh = 0;
};

// The line driven from start_s at the constant speed that covers it in duration_s.
class Trip {
 public:
  Trip(Polyline line, double start_s, double duration_s, std::vector<Waypoint> waypoints);

  double start_s() const { return start_s_; }
  double end_s() const { return start_s_ + duration_s_; }
  double speed_kmh() const;
  const Polyline& line() const { return line_; }
  const std::vector<Waypoint>& waypoints() const { return waypoints_; }

  // Where the vehicle is at time t (at the start before start_s, at the end after end_s).
  Polyline::Position PositionAt(double t_s) const;
  // When the vehicle is along_m metres along the line.
  double TimeAt(double along_m) const;
  bool DoneAt(double t_s) const { return t_s >= end_s(); }

  // Appends to *out the checkpoints passed up to time t_s that no earlier call reported:
  // each checkpoint of the route once, in the order passed.
  void Advance(double t_s, std::vector<Crossing>* out);

 private:
  Polyline line_;
  double start_s_, duration_s_;
  std::vector<Waypoint> waypoints_;
  size_t next_ = 0;
};

// The GA/T 1400 direction code (行驶方向) of a heading: "1" east to west, "2" west to east,
// "3" south to north, "4" north to south, "5" south-east to north-west, "6" north-west to
// south-east, "7" north-east to south-west, "8" south-west to north-east.
std::string DirectionCode(double heading_deg);

}  // namespace quanyu::sim
