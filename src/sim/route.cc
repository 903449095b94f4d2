#include "sim/route.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace quanyu::sim {
namespace {

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

// The fraction of segment a-b nearest to p, in a local plane around a (segments of a road
// geometry are short enough for that).
double NearestFraction(geo::LngLat a, geo::LngLat b, geo::LngLat p) {
  const double k = std::cos(a.lat * kDegToRad);
  const double bx = (b.lng - a.lng) * k, by = b.lat - a.lat;
  const double px = (p.lng - a.lng) * k, py = p.lat - a.lat;
  const double len2 = bx * bx + by * by;
  if (len2 <= 0) return 0;
  return std::clamp((px * bx + py * by) / len2, 0.0, 1.0);
}

geo::LngLat Lerp(geo::LngLat a, geo::LngLat b, double f) {
  return {a.lng + (b.lng - a.lng) * f, a.lat + (b.lat - a.lat) * f};
}

}  // namespace

Polyline::Polyline(std::vector<geo::LngLat> points) : points_(std::move(points)) {
  if (points_.empty()) throw std::invalid_argument("a polyline needs at least one point");
  cumulative_.reserve(points_.size());
  cumulative_.push_back(0);
  for (size_t i = 1; i < points_.size(); ++i) {
    cumulative_.push_back(cumulative_.back() + geo::DistanceMeters(points_[i - 1], points_[i]));
  }
}

Polyline::Projection Polyline::Project(geo::LngLat p) const {
  Projection best;
  best.offset_m = geo::DistanceMeters(p, points_[0]);
  if (points_.size() == 1) return best;
  best.offset_m = -1;
  double last_heading = 0;
  for (size_t i = 0; i + 1 < points_.size(); ++i) {
    const geo::LngLat a = points_[i], b = points_[i + 1];
    const double seg = cumulative_[i + 1] - cumulative_[i];
    if (seg > 0) last_heading = geo::BearingDegrees(a, b);
    const double f = NearestFraction(a, b, p);
    const double d = geo::DistanceMeters(p, Lerp(a, b, f));
    if (best.offset_m < 0 || d < best.offset_m) {
      best.offset_m = d;
      best.along_m = cumulative_[i] + f * seg;
      best.heading_deg = last_heading;
    }
  }
  return best;
}

Polyline::Position Polyline::At(double along_m) const {
  if (points_.size() == 1 || along_m <= 0) {
    Position pos{points_[0], 0};
    for (size_t i = 0; i + 1 < points_.size(); ++i) {
      if (cumulative_[i + 1] > cumulative_[i]) {
        pos.heading_deg = geo::BearingDegrees(points_[i], points_[i + 1]);
        break;
      }
    }
    return pos;
  }
  along_m = std::min(along_m, length_m());
  // The segment holding along_m: the first whose end is at or beyond it.
  size_t i = static_cast<size_t>(
      std::lower_bound(cumulative_.begin() + 1, cumulative_.end(), along_m) - cumulative_.begin());
  i = std::min(i, points_.size() - 1);
  // Skip back over zero-length segments for the heading.
  size_t s = i;
  while (s > 1 && cumulative_[s] <= cumulative_[s - 1]) --s;
  const geo::LngLat a = points_[s - 1], b = points_[s];
  const double seg = cumulative_[s] - cumulative_[s - 1];
  const double f = seg > 0 ? (along_m - cumulative_[s - 1]) / seg : 1.0;
  return {Lerp(a, b, std::clamp(f, 0.0, 1.0)), seg > 0 ? geo::BearingDegrees(a, b) : 0.0};
}

std::vector<Waypoint> CheckpointsAlong(const Polyline& line,
                                       const std::vector<CheckpointSite>& checkpoints,
                                       double radius_m) {
  // A bounding box of the line grown by the radius rules most checkpoints out cheaply.
  double min_lng = 180, max_lng = -180, min_lat = 90, max_lat = -90;
  for (const geo::LngLat& p : line.points()) {
    min_lng = std::min(min_lng, p.lng), max_lng = std::max(max_lng, p.lng);
    min_lat = std::min(min_lat, p.lat), max_lat = std::max(max_lat, p.lat);
  }
  const double dlat = radius_m / (geo::kEarthRadiusMeters * kDegToRad);
  const double dlng = dlat / std::max(0.01, std::cos(((min_lat + max_lat) / 2) * kDegToRad));
  std::vector<Waypoint> out;
  for (const CheckpointSite& c : checkpoints) {
    const geo::LngLat p = c.position;
    if (p.lng < min_lng - dlng || p.lng > max_lng + dlng || p.lat < min_lat - dlat ||
        p.lat > max_lat + dlat) {
      continue;
    }
    Polyline::Projection pr = line.Project(p);
    if (pr.offset_m <= radius_m) out.push_back({c.id, pr.along_m, pr.offset_m, pr.heading_deg});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Waypoint& a, const Waypoint& b) { return a.along_m < b.along_m; });
  return out;
}

Trip::Trip(Polyline line, double start_s, double duration_s, std::vector<Waypoint> waypoints)
    : line_(std::move(line)),
      start_s_(start_s),
      duration_s_(std::max(0.0, duration_s)),
      waypoints_(std::move(waypoints)) {}

double Trip::speed_kmh() const {
  return duration_s_ > 0 ? line_.length_m() / duration_s_ * 3.6 : 0;
}

Polyline::Position Trip::PositionAt(double t_s) const {
  if (duration_s_ <= 0 || t_s >= end_s()) return line_.At(line_.length_m());
  const double f = std::max(0.0, (t_s - start_s_) / duration_s_);
  return line_.At(f * line_.length_m());
}

double Trip::TimeAt(double along_m) const {
  const double len = line_.length_m();
  if (len <= 0) return start_s_;
  return start_s_ + std::clamp(along_m / len, 0.0, 1.0) * duration_s_;
}

void Trip::Advance(double t_s, std::vector<Crossing>* out) {
  const double kmh = speed_kmh();
  while (next_ < waypoints_.size()) {
    const Waypoint& w = waypoints_[next_];
    const double at = TimeAt(w.along_m);
    if (at > t_s) break;
    out->push_back({w.checkpoint_id, at, w.heading_deg, kmh});
    ++next_;
  }
}

std::string DirectionCode(double heading_deg) {
  double h = std::fmod(heading_deg, 360.0);
  if (h < 0) h += 360;
  // Sectors of 45° centred on N, NE, E, SE, S, SW, W, NW, as the direction of travel.
  static const char* const kCodes[8] = {"3", "8", "2", "6", "4", "7", "1", "5"};
  return kCodes[static_cast<int>(std::floor((h + 22.5) / 45.0)) % 8];
}

}  // namespace quanyu::sim
