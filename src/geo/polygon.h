// Polygons and multipolygons in WGS-84 longitude/latitude, their validation, area and bounding
// box, and GeoJSON (RFC 7946) input and output.
//
// A Polygon is an outer ring and zero or more holes; a MultiPolygon is a list of polygons. Rings
// are stored closed (first position == last), as GeoJSON writes them. Orientation is not
// enforced: RFC 7946 asks writers for counter-clockwise outer rings but tells readers not to
// reject the other order, and every operation here is orientation-free. Self-intersection is
// not checked.
//
// Example:
//   auto features = ParsePolygonFeatures(text, Crs::kGcj02);  // converted to WGS-84
//   if (!features.ok()) return features.status();              // field: "features[3]...."
//   double km2 = AreaSquareMeters((*features)[0].geometry) / 1e6;
//
// Thread safety: plain values and pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "geo/crs.h"
#include "geo/lnglat.h"

namespace quanyu::geo {

using LinearRing = std::vector<LngLat>;  // closed: front() == back()

struct Polygon {
  LinearRing outer;
  std::vector<LinearRing> holes;
  bool operator==(const Polygon&) const = default;
};

struct MultiPolygon {
  std::vector<Polygon> polygons;
  bool operator==(const MultiPolygon&) const = default;
};

// Axis-aligned box in degrees; empty when min > max (the default).
struct BBox {
  double min_lng = 1e300, min_lat = 1e300, max_lng = -1e300, max_lat = -1e300;

  bool empty() const { return min_lng > max_lng; }
  void Extend(LngLat p);
  void Extend(const BBox& b);
  // Closed box: points on its border are inside.
  bool Contains(LngLat p) const {
    return p.lng >= min_lng && p.lng <= max_lng && p.lat >= min_lat && p.lat <= max_lat;
  }
  // True if `b` lies inside this box grown by `slack` degrees on every side.
  bool Contains(const BBox& b, double slack = 0) const;
  bool operator==(const BBox&) const = default;
};

BBox BoundingBox(const MultiPolygon& mp);

// Area on the sphere of radius kEarthRadiusMeters, in square metres: outer rings minus holes
// (the spherical-excess approximation of Chamberlain & Duquette, as Turf and Mapbox use; within
// about 0.5 % of the ellipsoidal area at Sichuan's latitudes).
double AreaSquareMeters(const Polygon& p);
double AreaSquareMeters(const MultiPolygon& mp);

// Checks every ring: at least 4 positions, closed, finite coordinates with |lng| <= 180 and
// |lat| <= 90; at least one polygon. Errors name the position, relative to `field`
// ("geometry.coordinates[0][1][5]" for a MultiPolygon's first polygon, first hole, sixth point).
Status ValidateMultiPolygon(const MultiPolygon& mp, std::string_view field = "geometry");

// Distance in metres from `p` to the nearest point of any ring (outer or hole) of `mp`, whether
// `p` is inside or not: the smallest point-to-segment distance, each edge measured in a local
// equirectangular projection around `p` (within a few centimetres at the distances of a few
// kilometres that callers care about; larger distances are approximate). O(vertices).
double BoundaryDistanceMeters(const MultiPolygon& mp, LngLat p);

// A point guaranteed to lie inside the largest polygon (not on its boundary, not in a hole):
// the middle of the widest interior stretch of a horizontal line through the box's middle
// (avoiding vertex latitudes), as GEOS's InteriorPointArea does. REQUIRES: a valid, non-empty
// multipolygon with non-zero area.
LngLat InteriorPoint(const MultiPolygon& mp);

// Parses a GeoJSON Polygon or MultiPolygon geometry object, converting positions from `crs` to
// WGS-84, and validates it. A Polygon becomes a MultiPolygon of one. Altitudes (a third
// coordinate) are ignored. Errors name the JSON path below `field`.
StatusOr<MultiPolygon> MultiPolygonFromGeoJson(const nlohmann::json& geometry, Crs crs,
                                               std::string_view field = "geometry");

// GeoJSON MultiPolygon geometry object (WGS-84).
nlohmann::json MultiPolygonToGeoJson(const MultiPolygon& mp);

// One polygon feature of a GeoJSON file.
struct PolygonFeature {
  size_t index = 0;           // position in the features array (0-based)
  MultiPolygon geometry;      // WGS-84
  std::string name;           // properties.name, or "" if absent
  std::string adcode;         // properties.adcode as text (number or string), or ""
  nlohmann::json properties;  // the feature's whole properties object ({} if absent or null)
};

// Parses a FeatureCollection of Polygon/MultiPolygon features (a lone Feature or a bare
// geometry is accepted as a collection of one). A UTF-8 byte-order mark is skipped. A top-level
// "crs" member naming GCJ-02 or WGS-84 overrides `crs`. The first invalid feature fails the
// whole parse, with the field path from the document root ("features[3].geometry.type").
StatusOr<std::vector<PolygonFeature>> ParsePolygonFeatures(std::string_view text, Crs crs);
// The same, but a feature's own error (bad geometry, properties not an object) is kept in its
// place instead of failing the parse, so that an import can take the good features and report
// the others; only a document that is not GeoJSON at all (or names an unknown "crs") fails.
StatusOr<std::vector<StatusOr<PolygonFeature>>> ParsePolygonFeaturesEach(std::string_view text,
                                                                         Crs crs);

}  // namespace quanyu::geo
