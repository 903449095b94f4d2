#include "geo/crs.h"

#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

namespace quanyu::geo {
namespace {

constexpr double kPi = std::numbers::pi;
// Krasovsky 1940 ellipsoid, as the GCJ-02 formula uses.
constexpr double kA = 6378245.0;
constexpr double kEe = 0.00669342162296594323;

double TransformLat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * kPi) + 320 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
  return r;
}

double TransformLng(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return r;
}

std::string Normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::optional<Crs> ParseCrs(std::string_view name) {
  std::string n = Normalize(name);
  if (n == "wgs84" || n == "epsg:4326" || n == "crs84" || n == "urn:ogc:def:crs:ogc:1.3:crs84") {
    return Crs::kWgs84;
  }
  if (n == "gcj02" || n == "gcj") return Crs::kGcj02;
  return std::nullopt;
}

std::string_view CrsName(Crs crs) { return crs == Crs::kGcj02 ? "gcj02" : "wgs84"; }

bool InChinaForGcj(LngLat p) {
  return p.lng >= 72.004 && p.lng <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

LngLat Wgs84ToGcj02(LngLat wgs) {
  if (!InChinaForGcj(wgs)) return wgs;
  double dlat = TransformLat(wgs.lng - 105.0, wgs.lat - 35.0);
  double dlng = TransformLng(wgs.lng - 105.0, wgs.lat - 35.0);
  double radlat = wgs.lat / 180.0 * kPi;
  double magic = std::sin(radlat);
  magic = 1 - kEe * magic * magic;
  double sqrtmagic = std::sqrt(magic);
  dlat = (dlat * 180.0) / ((kA * (1 - kEe)) / (magic * sqrtmagic) * kPi);
  dlng = (dlng * 180.0) / (kA / sqrtmagic * std::cos(radlat) * kPi);
  return {wgs.lng + dlng, wgs.lat + dlat};
}

LngLat Gcj02ToWgs84(LngLat gcj) {
  if (!InChinaForGcj(gcj)) return gcj;
  // Fixed-point iteration: find w with Wgs84ToGcj02(w) == gcj. The offset varies slowly
  // (a few hundred metres over hundreds of kilometres), so this converges fast.
  LngLat w = gcj;
  for (int i = 0; i < 30; ++i) {
    LngLat g = Wgs84ToGcj02(w);
    double dx = gcj.lng - g.lng, dy = gcj.lat - g.lat;
    w.lng += dx;
    w.lat += dy;
    if (std::abs(dx) < 1e-10 && std::abs(dy) < 1e-10) break;
  }
  return w;
}

LngLat ToWgs84(LngLat p, Crs from) { return from == Crs::kGcj02 ? Gcj02ToWgs84(p) : p; }

}  // namespace quanyu::geo
