// Fast point-in-polygon: PreparedPolygon (one multipolygon) and RingIndex (many of them).
//
// Boundary rule (the same everywhere, including ContainsBruteForce): a point is inside when a
// ray from it towards increasing longitude crosses an odd number of edges, where an edge is
// crossed when its latitude span holds the point's latitude half-open (lower end in, upper end
// out) and it lies strictly east of the point. In effect the west and south sides of an area
// belong to it and its east and north sides do not: a point on the border shared by two
// polygons that tile the plane (adjacent counties with identical vertices) is in exactly one of
// them, and a point on an outer border that faces east or north is in none. Holes and
// multipolygon parts combine by this even-odd count, which is the RFC 7946 meaning for valid
// geometry (parts that do not overlap, holes inside their outer ring).
//
// Example:
//   PreparedPolygon p(county.geometry);
//   if (p.Contains({107.47, 31.21})) ...
//
//   RingIndex index(std::move(prepared_polygons));
//   std::vector<uint32_t> hits;
//   index.Locate({107.47, 31.21}, &hits);  // positions of the polygons containing the point
//
// Thread safety: both classes are immutable after construction; const methods may be called
// from any number of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "geo/lnglat.h"
#include "geo/polygon.h"

namespace quanyu::geo {

// The slot in [0, n) of `v` >= `min` on a line cut into n slots of 1 / `inv` degrees. Monotonic
// in `v`, which is what lets the indexes below file an edge under the slots of its two ends and
// still find it from any point between them.
inline uint32_t Slot(double v, double min, double inv, uint32_t n) {
  const uint32_t s = static_cast<uint32_t>((v - min) * inv);
  return s < n ? s : n - 1;
}

// The boundary rule above, tested edge by edge over every ring: the reference the prepared
// forms are checked against. O(vertices) per call.
bool ContainsBruteForce(const MultiPolygon& mp, LngLat p);

// A multipolygon prepared for point queries: a bounding-box reject, then a crossing-number test
// over only the edges of the horizontal band (slab) holding the point's latitude.
class PreparedPolygon {
 public:
  struct Options {
    // Number of latitude bands. Default (0): one per non-horizontal edge, at most 65,536, which
    // leaves a few edges per band on administrative boundaries.
    int bands = 0;
  };

  // REQUIRES: ValidateMultiPolygon(mp).ok().
  explicit PreparedPolygon(const MultiPolygon& mp) : PreparedPolygon(mp, Options()) {}
  PreparedPolygon(const MultiPolygon& mp, Options options);

  // The boundary rule above; false for non-finite positions.
  bool Contains(LngLat p) const {
    if (!bbox_.Contains(p)) return false;
    const uint32_t band = Slot(p.lat, bbox_.min_lat, inv_band_height_, bands_);
    bool inside = false;
    const Edge* e = edges_.data() + band_start_[band];
    const Edge* end = edges_.data() + band_start_[band + 1];
    for (; e != end; ++e) {
      inside ^=
          (p.lat >= e->y_lo) & (p.lat < e->y_hi) & (p.lng < e->x_lo + (p.lat - e->y_lo) * e->dx_dy);
    }
    return inside;
  }

  const MultiPolygon& geometry() const { return geometry_; }
  const BBox& bbox() const { return bbox_; }
  size_t band_count() const { return bands_; }
  // Edge entries over all bands (an edge spanning k bands counts k times).
  size_t band_entries() const { return edges_.size(); }

 private:
  // A non-horizontal edge, stored from its southern end.
  struct Edge {
    double y_lo, y_hi;  // latitudes of its southern and northern ends
    double x_lo;        // longitude of its southern end
    double dx_dy;       // longitude change per degree of latitude
  };

  MultiPolygon geometry_;
  BBox bbox_;
  uint32_t bands_ = 1;
  double inv_band_height_ = 0;
  std::vector<uint32_t> band_start_;  // bands_ + 1 offsets into edges_
  std::vector<Edge> edges_;
};

// Many prepared polygons behind a uniform grid over their joint bounding box. Each cell lists
// the polygons that reach it, marked as covering the whole cell or as crossed by a boundary
// (conservatively: any cell an edge's bounding box touches). A query is one cell lookup; only
// boundary entries run a PreparedPolygon test, so most points cost no edge test at all.
// Results agree with each PreparedPolygon::Contains exactly.
class RingIndex {
 public:
  struct Options {
    // Upper bound on grid cells; cells are about square. Default 65,536 (256 x 256 for a square
    // extent: about 0.8 km cells over a prefecture, 4 km over a province), small enough to stay
    // in a core's L2 cache.
    int max_cells = 1 << 16;
  };

  RingIndex() = default;
  explicit RingIndex(std::vector<PreparedPolygon> polygons)
      : RingIndex(std::move(polygons), Options()) {}
  RingIndex(std::vector<PreparedPolygon> polygons, Options options);

  // Replaces *out with the positions (in the constructor's vector) of the polygons containing
  // `p`, in ascending order. Allocates only when *out must grow.
  void Locate(LngLat p, std::vector<uint32_t>* out) const {
    out->clear();
    if (!bounds_.Contains(p)) return;
    const uint32_t cx = Slot(p.lng, bounds_.min_lng, inv_cell_w_, nx_);
    const uint32_t cy = Slot(p.lat, bounds_.min_lat, inv_cell_h_, ny_);
    const size_t cell = static_cast<size_t>(cy) * nx_ + cx;
    for (uint32_t k = cell_start_[cell]; k < cell_start_[cell + 1]; ++k) {
      const uint32_t entry = entries_[k];
      if ((entry & kBoundary) == 0 || polygons_[entry >> 1].Contains(p)) {
        out->push_back(entry >> 1);
      }
    }
  }

  size_t size() const { return polygons_.size(); }
  const PreparedPolygon& polygon(size_t i) const { return polygons_[i]; }
  uint32_t cells_x() const { return nx_; }
  uint32_t cells_y() const { return ny_; }
  // How many (cell, polygon) entries need an edge test.
  size_t boundary_entries() const;

 private:
  static constexpr uint32_t kBoundary = 1;

  std::vector<PreparedPolygon> polygons_;
  BBox bounds_;
  uint32_t nx_ = 1, ny_ = 1;
  double inv_cell_w_ = 0, inv_cell_h_ = 0;
  std::vector<uint32_t> cell_start_ = {0, 0};  // nx_ * ny_ + 1 offsets into entries_
  std::vector<uint32_t> entries_;              // polygon << 1 | kBoundary if crossed
};

}  // namespace quanyu::geo
