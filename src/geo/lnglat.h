// Geographic positions. Inside quanyu every coordinate is WGS-84 longitude/latitude in
// degrees (RFC 7946 order: longitude first). Other reference systems are converted at the
// edges with crs.h.
#pragma once

#include <cmath>

namespace quanyu::geo {

struct LngLat {
  double lng = 0;
  double lat = 0;
  bool operator==(const LngLat&) const = default;
};

constexpr double kEarthRadiusMeters = 6371008.8;  // IUGG mean radius

// True if the position is a valid longitude/latitude (finite, |lng| <= 180, |lat| <= 90).
inline bool IsValid(LngLat p) {
  return std::isfinite(p.lng) && std::isfinite(p.lat) && std::abs(p.lng) <= 180 &&
         std::abs(p.lat) <= 90;
}

// Great-circle distance in metres (haversine).
double DistanceMeters(LngLat a, LngLat b);

// Initial compass bearing from a to b in degrees, 0 = north, clockwise, in [0, 360).
double BearingDegrees(LngLat a, LngLat b);

// The position `meters` away from `p` along the compass bearing `bearing_degrees` (0 = north,
// clockwise) on the sphere: the direct geodesic problem, exact on the sphere.
LngLat Destination(LngLat p, double bearing_degrees, double meters);

}  // namespace quanyu::geo
