// Coordinate reference systems met at quanyu's edges.
//
// GCJ-02 is the obfuscated datum mandated for published maps in mainland China (Gaode/Amap,
// Tencent, and the boundary files we import). Positions inside China are shifted by a few
// hundred metres from WGS-84 by a published closed-form formula; outside China the two are
// identical. Wgs84ToGcj02 is that formula; Gcj02ToWgs84 inverts it by fixed-point iteration
// to better than 1e-7 degrees (about 1 cm), so a round trip returns the input.
// All functions are pure and thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "geo/lnglat.h"

namespace quanyu::geo {

enum class Crs { kWgs84, kGcj02 };

// Parses "wgs84" / "WGS-84" / "EPSG:4326" and "gcj02" / "GCJ-02"; nullopt otherwise.
std::optional<Crs> ParseCrs(std::string_view name);
std::string_view CrsName(Crs crs);  // "wgs84" or "gcj02"

// True where the GCJ-02 offset applies (a rough mainland-China bounding box, as the formula's
// reference implementations use).
bool InChinaForGcj(LngLat p);

LngLat Wgs84ToGcj02(LngLat wgs);
LngLat Gcj02ToWgs84(LngLat gcj);

// Converts `p` from `from` to WGS-84.
LngLat ToWgs84(LngLat p, Crs from);

}  // namespace quanyu::geo
