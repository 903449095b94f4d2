// `quanyu import`: bulk loads from files into a data directory's store.
#pragma once

#include <string>

#include "core/status.h"
#include "geo/crs.h"
#include "store/store.h"

namespace quanyu::tools {

struct ImportSummary {
  size_t rows = 0, accepted = 0, rejected = 0;
  std::vector<std::string> rejections;  // "row 3: lng: must be a number" (all of them)
};

// Imports checkpoints from a GeoJSON or CSV file (format by extension: .geojson/.json or
// .csv; `format` "geojson"/"csv" overrides). Accepted rows are upserted in transactions of
// 1,000 with a progress line; rejected rows are reported, not stored.
StatusOr<ImportSummary> ImportCheckpoints(store::Store* store, const std::string& path,
                                          geo::Crs crs, const std::string& format = "auto");

}  // namespace quanyu::tools
