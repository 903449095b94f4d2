#include "geo/prepared.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace quanyu::geo {
namespace {

template <typename F>
void ForEachRing(const MultiPolygon& mp, F&& f) {
  for (const Polygon& p : mp.polygons) {
    f(p.outer);
    for (const LinearRing& h : p.holes) f(h);
  }
}

// 1 / (extent / n), or 0 for a degenerate extent so that every value falls in slot 0.
double InverseSlotSize(double extent, uint32_t n) { return extent > 0 ? n / extent : 0; }

}  // namespace

bool ContainsBruteForce(const MultiPolygon& mp, LngLat p) {
  bool inside = false;
  ForEachRing(mp, [&](const LinearRing& r) {
    for (size_t i = 0; i + 1 < r.size(); ++i) {
      LngLat lo = r[i], hi = r[i + 1];
      if (lo.lat > hi.lat) std::swap(lo, hi);
      if (p.lat >= lo.lat && p.lat < hi.lat &&
          p.lng < lo.lng + (p.lat - lo.lat) * (hi.lng - lo.lng) / (hi.lat - lo.lat)) {
        inside = !inside;
      }
    }
  });
  return inside;
}

PreparedPolygon::PreparedPolygon(const MultiPolygon& mp, Options options)
    : geometry_(mp), bbox_(BoundingBox(mp)) {
  std::vector<Edge> all;
  ForEachRing(mp, [&](const LinearRing& r) {
    for (size_t i = 0; i + 1 < r.size(); ++i) {
      LngLat lo = r[i], hi = r[i + 1];
      if (lo.lat == hi.lat) continue;  // horizontal edges never cross a ray of constant latitude
      if (lo.lat > hi.lat) std::swap(lo, hi);
      all.push_back(Edge{lo.lat, hi.lat, lo.lng, (hi.lng - lo.lng) / (hi.lat - lo.lat)});
    }
  });
  size_t bands = options.bands > 0 ? static_cast<size_t>(options.bands) : all.size();
  bands_ = static_cast<uint32_t>(std::clamp<size_t>(bands, 1, 1 << 16));
  inv_band_height_ = InverseSlotSize(bbox_.max_lat - bbox_.min_lat, bands_);

  // Counting sort of (band, edge) pairs into one array, bands in order.
  band_start_.assign(bands_ + 1, 0);
  auto span = [&](const Edge& e) {
    return std::pair(Slot(e.y_lo, bbox_.min_lat, inv_band_height_, bands_),
                     Slot(e.y_hi, bbox_.min_lat, inv_band_height_, bands_));
  };
  for (const Edge& e : all) {
    auto [b0, b1] = span(e);
    for (uint32_t b = b0; b <= b1; ++b) ++band_start_[b + 1];
  }
  for (uint32_t b = 0; b < bands_; ++b) band_start_[b + 1] += band_start_[b];
  edges_.resize(band_start_[bands_]);
  std::vector<uint32_t> fill(band_start_.begin(), band_start_.end() - 1);
  for (const Edge& e : all) {
    auto [b0, b1] = span(e);
    for (uint32_t b = b0; b <= b1; ++b) edges_[fill[b]++] = e;
  }
}

RingIndex::RingIndex(std::vector<PreparedPolygon> polygons, Options options)
    : polygons_(std::move(polygons)) {
  for (const PreparedPolygon& p : polygons_) bounds_.Extend(p.bbox());
  if (polygons_.empty()) return;
  const double w = bounds_.max_lng - bounds_.min_lng, h = bounds_.max_lat - bounds_.min_lat;
  const double max_cells = std::max(1, options.max_cells);
  if (w > 0 && h > 0) {
    nx_ = static_cast<uint32_t>(std::clamp(std::sqrt(max_cells * w / h), 1.0, max_cells));
    ny_ = static_cast<uint32_t>(std::max(1.0, std::floor(max_cells / nx_)));
  } else if (w > 0) {
    nx_ = static_cast<uint32_t>(max_cells);
  } else if (h > 0) {
    ny_ = static_cast<uint32_t>(max_cells);
  }
  inv_cell_w_ = InverseSlotSize(w, nx_);
  inv_cell_h_ = InverseSlotSize(h, ny_);

  // (cell, entry) pairs, polygon by polygon, then a stable counting sort by cell so that each
  // cell lists its polygons in ascending order.
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  std::vector<uint8_t> crossed;
  for (uint32_t i = 0; i < polygons_.size(); ++i) {
    const PreparedPolygon& poly = polygons_[i];
    const BBox& b = poly.bbox();
    const uint32_t x0 = Slot(b.min_lng, bounds_.min_lng, inv_cell_w_, nx_);
    const uint32_t x1 = Slot(b.max_lng, bounds_.min_lng, inv_cell_w_, nx_);
    const uint32_t y0 = Slot(b.min_lat, bounds_.min_lat, inv_cell_h_, ny_);
    const uint32_t y1 = Slot(b.max_lat, bounds_.min_lat, inv_cell_h_, ny_);
    const uint32_t bw = x1 - x0 + 1;
    crossed.assign(static_cast<size_t>(bw) * (y1 - y0 + 1), 0);
    // Every boundary point lies on some edge and so inside that edge's box; Slot is monotonic,
    // so the point's cell is among the cells marked here. Unmarked cells hold no boundary point
    // and are wholly inside or wholly outside.
    ForEachRing(poly.geometry(), [&](const LinearRing& r) {
      for (size_t k = 0; k + 1 < r.size(); ++k) {
        const LngLat a = r[k], c = r[k + 1];
        const uint32_t ex0 = Slot(std::min(a.lng, c.lng), bounds_.min_lng, inv_cell_w_, nx_);
        const uint32_t ex1 = Slot(std::max(a.lng, c.lng), bounds_.min_lng, inv_cell_w_, nx_);
        const uint32_t ey0 = Slot(std::min(a.lat, c.lat), bounds_.min_lat, inv_cell_h_, ny_);
        const uint32_t ey1 = Slot(std::max(a.lat, c.lat), bounds_.min_lat, inv_cell_h_, ny_);
        for (uint32_t y = ey0; y <= ey1; ++y) {
          for (uint32_t x = ex0; x <= ex1; ++x) crossed[(y - y0) * bw + (x - x0)] = 1;
        }
      }
    });
    for (uint32_t y = y0; y <= y1; ++y) {
      for (uint32_t x = x0; x <= x1; ++x) {
        const uint32_t cell = y * nx_ + x;
        bool boundary = crossed[(y - y0) * bw + (x - x0)] != 0;
        if (!boundary) {
          // Any point of a uniform cell tells its side; take the middle, and fall back to
          // testing every query if rounding put the middle in a neighbouring cell.
          LngLat mid{bounds_.min_lng + (x + 0.5) * (w / nx_),
                     bounds_.min_lat + (y + 0.5) * (h / ny_)};
          if (Slot(mid.lng, bounds_.min_lng, inv_cell_w_, nx_) != x ||
              Slot(mid.lat, bounds_.min_lat, inv_cell_h_, ny_) != y) {
            boundary = true;
          } else if (!poly.Contains(mid)) {
            continue;
          }
        }
        pairs.emplace_back(cell, i << 1 | (boundary ? kBoundary : 0));
      }
    }
  }
  const size_t cells = static_cast<size_t>(nx_) * ny_;
  cell_start_.assign(cells + 1, 0);
  for (const auto& [cell, entry] : pairs) ++cell_start_[cell + 1];
  for (size_t c = 0; c < cells; ++c) cell_start_[c + 1] += cell_start_[c];
  entries_.resize(pairs.size());
  std::vector<uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (const auto& [cell, entry] : pairs) entries_[fill[cell]++] = entry;
}

size_t RingIndex::boundary_entries() const {
  return static_cast<size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](uint32_t e) { return e & kBoundary; }));
}

}  // namespace quanyu::geo
