#include "geo/polygon.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace quanyu::geo {
namespace {

using json = nlohmann::json;

constexpr double kDegToRad = std::numbers::pi / 180.0;

std::string Index(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

Status ValidatePosition(LngLat p, std::string_view field) {
  if (!std::isfinite(p.lng) || !std::isfinite(p.lat)) {
    return InvalidArgument(std::string(field), "coordinates must be finite numbers");
  }
  if (std::abs(p.lng) > 180) {
    return InvalidArgument(std::string(field),
                           "longitude " + FormatNumber(p.lng) + " is outside [-180, 180]");
  }
  if (std::abs(p.lat) > 90) {
    return InvalidArgument(std::string(field),
                           "latitude " + FormatNumber(p.lat) + " is outside [-90, 90]");
  }
  return Status::Ok();
}

// Everything but the positions, which the caller checks (before any CRS conversion).
Status ValidateRingShape(const LinearRing& ring, std::string_view field) {
  if (ring.size() < 4) {
    return InvalidArgument(std::string(field), "a linear ring needs at least 4 positions, got " +
                                                   std::to_string(ring.size()));
  }
  if (!(ring.front() == ring.back())) {
    return InvalidArgument(std::string(field),
                           "a linear ring must be closed (last position equal to the first)");
  }
  return Status::Ok();
}

Status ValidateRing(const LinearRing& ring, std::string_view field) {
  for (size_t i = 0; i < ring.size(); ++i)
    RETURN_IF_ERROR(ValidatePosition(ring[i], Index(field, i)));
  return ValidateRingShape(ring, field);
}

// Twice the signed spherical-excess area over R^2 (Chamberlain & Duquette 2007).
double RingAreaSquareMeters(const LinearRing& ring) {
  const size_t n = ring.size() - 1;  // closed
  if (ring.size() < 4) return 0;
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    const LngLat& lower = ring[i];
    const LngLat& middle = ring[(i + 1) % n];
    const LngLat& upper = ring[(i + 2) % n];
    total += (upper.lng - lower.lng) * kDegToRad * std::sin(middle.lat * kDegToRad);
  }
  return std::abs(total * kEarthRadiusMeters * kEarthRadiusMeters / 2);
}

StatusOr<LinearRing> RingFromJson(const json& j, Crs crs, const std::string& field) {
  if (!j.is_array()) return InvalidArgument(field, "a linear ring must be an array of positions");
  LinearRing ring;
  ring.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const json& pos = j[i];
    std::string pf = Index(field, i);
    if (!pos.is_array() || pos.size() < 2 || !pos[0].is_number() || !pos[1].is_number()) {
      return InvalidArgument(pf, "a position must be an array [lng, lat] of numbers");
    }
    LngLat p{pos[0].get<double>(), pos[1].get<double>()};
    RETURN_IF_ERROR(ValidatePosition(p, pf));
    ring.push_back(p);
  }
  RETURN_IF_ERROR(ValidateRingShape(ring, field));
  for (LngLat& p : ring) p = ToWgs84(p, crs);
  return ring;
}

StatusOr<Polygon> PolygonFromJson(const json& j, Crs crs, const std::string& field) {
  if (!j.is_array()) return InvalidArgument(field, "a polygon must be an array of linear rings");
  if (j.empty()) return InvalidArgument(field, "a polygon needs an outer ring");
  Polygon p;
  ASSIGN_OR_RETURN(p.outer, RingFromJson(j[0], crs, Index(field, 0)));
  for (size_t i = 1; i < j.size(); ++i) {
    ASSIGN_OR_RETURN(LinearRing hole, RingFromJson(j[i], crs, Index(field, i)));
    p.holes.push_back(std::move(hole));
  }
  return p;
}

json RingToJson(const LinearRing& ring) {
  json a = json::array();
  for (LngLat p : ring) a.push_back({p.lng, p.lat});
  return a;
}

std::string PropertyText(const json& props, const char* key) {
  auto it = props.find(key);
  if (it == props.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number()) return it->dump();
  return "";
}

StatusOr<PolygonFeature> FeatureFromJson(const json& f, size_t index, Crs crs,
                                         const std::string& field) {
  if (!f.is_object()) return InvalidArgument(field, "a feature must be an object");
  if (f.value("type", "") != "Feature") {
    return InvalidArgument(field + ".type", "must be \"Feature\"");
  }
  auto g = f.find("geometry");
  if (g == f.end() || g->is_null()) {
    return InvalidArgument(field + ".geometry", "a Polygon or MultiPolygon geometry is required");
  }
  PolygonFeature out;
  out.index = index;
  ASSIGN_OR_RETURN(out.geometry, MultiPolygonFromGeoJson(*g, crs, field + ".geometry"));
  auto props = f.find("properties");
  if (props != f.end() && !props->is_null()) {
    if (!props->is_object()) {
      return InvalidArgument(field + ".properties", "must be an object or null");
    }
    out.properties = *props;
  } else {
    out.properties = json::object();
  }
  out.name = PropertyText(out.properties, "name");
  out.adcode = PropertyText(out.properties, "adcode");
  return out;
}

}  // namespace

void BBox::Extend(LngLat p) {
  min_lng = std::min(min_lng, p.lng);
  min_lat = std::min(min_lat, p.lat);
  max_lng = std::max(max_lng, p.lng);
  max_lat = std::max(max_lat, p.lat);
}

void BBox::Extend(const BBox& b) {
  if (b.empty()) return;
  Extend(LngLat{b.min_lng, b.min_lat});
  Extend(LngLat{b.max_lng, b.max_lat});
}

bool BBox::Contains(const BBox& b, double slack) const {
  return b.min_lng >= min_lng - slack && b.max_lng <= max_lng + slack &&
         b.min_lat >= min_lat - slack && b.max_lat <= max_lat + slack;
}

BBox BoundingBox(const MultiPolygon& mp) {
  BBox b;
  for (const Polygon& p : mp.polygons) {
    for (LngLat q : p.outer) b.Extend(q);
  }
  return b;
}

double AreaSquareMeters(const Polygon& p) {
  double a = RingAreaSquareMeters(p.outer);
  for (const LinearRing& h : p.holes) a -= RingAreaSquareMeters(h);
  return std::max(a, 0.0);
}

double AreaSquareMeters(const MultiPolygon& mp) {
  double a = 0;
  for (const Polygon& p : mp.polygons) a += AreaSquareMeters(p);
  return a;
}

double BoundaryDistanceMeters(const MultiPolygon& mp, LngLat p) {
  const double ky = kEarthRadiusMeters * std::numbers::pi / 180;
  const double kx = ky * std::cos(p.lat * std::numbers::pi / 180);
  double best = std::numeric_limits<double>::infinity();
  auto ring = [&](const LinearRing& r) {
    for (size_t i = 1; i < r.size(); ++i) {
      const double ax = (r[i - 1].lng - p.lng) * kx, ay = (r[i - 1].lat - p.lat) * ky;
      const double bx = (r[i].lng - p.lng) * kx, by = (r[i].lat - p.lat) * ky;
      const double dx = bx - ax, dy = by - ay;
      const double len2 = dx * dx + dy * dy;
      double t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
      t = std::clamp(t, 0.0, 1.0);
      const double x = ax + t * dx, y = ay + t * dy;
      best = std::min(best, x * x + y * y);
    }
  };
  for (const Polygon& poly : mp.polygons) {
    ring(poly.outer);
    for (const LinearRing& h : poly.holes) ring(h);
  }
  return std::sqrt(best);
}

Status ValidateMultiPolygon(const MultiPolygon& mp, std::string_view field) {
  std::string coords = std::string(field) + ".coordinates";
  if (mp.polygons.empty()) return InvalidArgument(coords, "a multipolygon needs a polygon");
  for (size_t i = 0; i < mp.polygons.size(); ++i) {
    std::string pf = Index(coords, i);
    RETURN_IF_ERROR(ValidateRing(mp.polygons[i].outer, Index(pf, 0)));
    for (size_t h = 0; h < mp.polygons[i].holes.size(); ++h) {
      RETURN_IF_ERROR(ValidateRing(mp.polygons[i].holes[h], Index(pf, h + 1)));
    }
  }
  return Status::Ok();
}

LngLat InteriorPoint(const MultiPolygon& mp) {
  const Polygon* best = &mp.polygons.front();
  double best_area = -1;
  for (const Polygon& p : mp.polygons) {
    double a = AreaSquareMeters(p);
    if (a > best_area) best_area = a, best = &p;
  }
  BBox box;
  for (LngLat q : best->outer) box.Extend(q);
  const double mid = (box.min_lat + box.max_lat) / 2;
  // The scan line lies halfway between the nearest vertex latitudes on either side of the
  // middle, so that it passes through no vertex and every crossing is a clean one.
  double lo = box.min_lat, hi = box.max_lat;
  auto narrow = [&](const LinearRing& r) {
    for (LngLat q : r) {
      if (q.lat <= mid) lo = std::max(lo, q.lat);
      if (q.lat > mid) hi = std::min(hi, q.lat);
    }
  };
  narrow(best->outer);
  for (const LinearRing& h : best->holes) narrow(h);
  const double y = (lo + hi) / 2;
  std::vector<double> xs;
  auto cross = [&](const LinearRing& r) {
    for (size_t i = 0; i + 1 < r.size(); ++i) {
      LngLat a = r[i], b = r[i + 1];
      if ((a.lat > y) != (b.lat > y)) {
        xs.push_back(a.lng + (y - a.lat) * (b.lng - a.lng) / (b.lat - a.lat));
      }
    }
  };
  cross(best->outer);
  for (const LinearRing& h : best->holes) cross(h);
  std::sort(xs.begin(), xs.end());
  LngLat result{(box.min_lng + box.max_lng) / 2, y};
  double widest = -1;
  for (size_t i = 0; i + 1 < xs.size(); i += 2) {
    if (xs[i + 1] - xs[i] > widest) {
      widest = xs[i + 1] - xs[i];
      result.lng = (xs[i] + xs[i + 1]) / 2;
    }
  }
  return result;
}

StatusOr<MultiPolygon> MultiPolygonFromGeoJson(const json& geometry, Crs crs,
                                               std::string_view field) {
  const std::string f(field);
  if (!geometry.is_object()) return InvalidArgument(f, "a geometry must be an object");
  auto type_it = geometry.find("type");
  std::string type = type_it != geometry.end() && type_it->is_string() ? type_it->get<std::string>()
                                                                       : std::string();
  if (type != "Polygon" && type != "MultiPolygon") {
    return InvalidArgument(
        f + ".type", "must be \"Polygon\" or \"MultiPolygon\", got " +
                         (type_it == geometry.end() ? std::string("nothing") : type_it->dump()));
  }
  auto c = geometry.find("coordinates");
  const std::string cf = f + ".coordinates";
  if (c == geometry.end() || !c->is_array()) return InvalidArgument(cf, "must be an array");
  MultiPolygon mp;
  if (type == "Polygon") {
    ASSIGN_OR_RETURN(Polygon p, PolygonFromJson(*c, crs, cf));
    mp.polygons.push_back(std::move(p));
  } else {
    if (c->empty()) return InvalidArgument(cf, "a multipolygon needs a polygon");
    for (size_t i = 0; i < c->size(); ++i) {
      ASSIGN_OR_RETURN(Polygon p, PolygonFromJson((*c)[i], crs, Index(cf, i)));
      mp.polygons.push_back(std::move(p));
    }
  }
  return mp;
}

json MultiPolygonToGeoJson(const MultiPolygon& mp) {
  json coords = json::array();
  for (const Polygon& p : mp.polygons) {
    json rings = json::array();
    rings.push_back(RingToJson(p.outer));
    for (const LinearRing& h : p.holes) rings.push_back(RingToJson(h));
    coords.push_back(std::move(rings));
  }
  return json{{"type", "MultiPolygon"}, {"coordinates", std::move(coords)}};
}

StatusOr<std::vector<StatusOr<PolygonFeature>>> ParsePolygonFeaturesEach(std::string_view text,
                                                                         Crs crs) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("", "not valid JSON");
  if (!doc.is_object()) return InvalidArgument("", "expected a GeoJSON object");
  if (auto it = doc.find("crs"); it != doc.end()) {
    std::string name;
    if (it->is_object()) {
      json props = it->value("properties", json::object());
      if (props.is_object()) name = props.value("name", "");
    } else if (it->is_string()) {
      name = it->get<std::string>();
    }
    auto parsed = ParseCrs(name);
    if (!parsed) return InvalidArgument("crs", "names no known system (wgs84 or gcj02)");
    crs = *parsed;
  }
  std::string type = doc.value("type", "");
  std::vector<StatusOr<PolygonFeature>> out;
  if (type == "FeatureCollection") {
    auto features = doc.find("features");
    if (features == doc.end() || !features->is_array()) {
      return InvalidArgument("features", "must be an array");
    }
    out.reserve(features->size());
    for (size_t i = 0; i < features->size(); ++i) {
      out.push_back(FeatureFromJson((*features)[i], i, crs, Index("features", i)));
    }
  } else if (type == "Feature") {
    out.push_back(FeatureFromJson(doc, 0, crs, "feature"));
  } else if (type == "Polygon" || type == "MultiPolygon") {
    PolygonFeature f;
    ASSIGN_OR_RETURN(f.geometry, MultiPolygonFromGeoJson(doc, crs, "geometry"));
    f.properties = json::object();
    out.push_back(std::move(f));
  } else {
    return InvalidArgument("type",
                           "expected a FeatureCollection, Feature, Polygon or MultiPolygon");
  }
  return out;
}

StatusOr<std::vector<PolygonFeature>> ParsePolygonFeatures(std::string_view text, Crs crs) {
  ASSIGN_OR_RETURN(std::vector<StatusOr<PolygonFeature>> each, ParsePolygonFeaturesEach(text, crs));
  std::vector<PolygonFeature> out;
  out.reserve(each.size());
  for (StatusOr<PolygonFeature>& f : each) {
    if (!f.ok()) return f.status();
    out.push_back(std::move(f).value());
  }
  return out;
}

}  // namespace quanyu::geo
