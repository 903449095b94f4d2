#include "geo/lnglat.h"

#include <numbers>

namespace quanyu::geo {
namespace {
constexpr double kDegToRad = std::numbers::pi / 180.0;
}

double DistanceMeters(LngLat a, LngLat b) {
  double p1 = a.lat * kDegToRad, p2 = b.lat * kDegToRad;
  double dp = p2 - p1, dl = (b.lng - a.lng) * kDegToRad;
  double h = std::sin(dp / 2) * std::sin(dp / 2) +
             std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadiusMeters * std::asin(std::min(1.0, std::sqrt(h)));
}

double BearingDegrees(LngLat a, LngLat b) {
  double p1 = a.lat * kDegToRad, p2 = b.lat * kDegToRad;
  double dl = (b.lng - a.lng) * kDegToRad;
  double y = std::sin(dl) * std::cos(p2);
  double x = std::cos(p1) * std::sin(p2) - std::sin(p1) * std::cos(p2) * std::cos(dl);
  double deg = std::atan2(y, x) / kDegToRad;
  return deg < 0 ? deg + 360 : deg;
}

LngLat Destination(LngLat p, double bearing_degrees, double meters) {
  const double d = meters / kEarthRadiusMeters;
  const double b = bearing_degrees * kDegToRad;
  const double p1 = p.lat * kDegToRad;
  const double p2 =
      std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(b));
  const double dl = std::atan2(std::sin(b) * std::sin(d) * std::cos(p1),
                               std::cos(d) - std::sin(p1) * std::sin(p2));
  double lng = p.lng + dl / kDegToRad;
  if (lng > 180) lng -= 360;
  if (lng < -180) lng += 360;
  return {lng, p2 / kDegToRad};
}

}  // namespace quanyu::geo
