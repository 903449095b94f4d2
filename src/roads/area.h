// The area around stretches of road: what an isochrone or a reach circle covers on the map, as
// polygons (roads alone are lines, and a map wants a shaded area).
//
// Boost.Geometry stays in area.cc: it compiles slowly, and nothing else needs it.
//
// Example:
//   IsochroneResult iso = ...;
//   geo::MultiPolygon area = BufferSegments(iso.segments, 100);
//   nlohmann::json geometry = geo::MultiPolygonToGeoJson(area);
//
// Thread safety: a pure function.
#pragma once

#include <vector>

#include "geo/lnglat.h"
#include "geo/polygon.h"

namespace quanyu::roads {

// The area within `buffer_m` metres of the polylines in `segments` (WGS-84): each polyline is
// buffered with round joins and ends in a local equirectangular plane (metres, about the
// segments' mean position, exact enough over a city), the buffers are unioned, simplified to
// about 10 m and converted back to longitude/latitude. Rings are closed, exterior rings
// counter-clockwise and holes clockwise (RFC 7946). Polylines of fewer than two distinct
// points are buffered as a point; empty input (or buffer_m <= 0) gives an empty MultiPolygon.
geo::MultiPolygon BufferSegments(const std::vector<std::vector<geo::LngLat>>& segments,
                                 double buffer_m);

}  // namespace quanyu::roads
