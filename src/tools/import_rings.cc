#include "tools/import_rings.h"

#include <fstream>
#include <sstream>

#include "core/clock.h"

namespace quanyu::tools {

StatusOr<RingImportSummary> ImportRings(store::Store* store, const std::string& path, geo::Crs crs,
                                        geo::RingLevel level) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(std::vector<rings::RingFeature> features,
                   rings::ParseRingFeatures(ss.str(), crs, level));
  std::vector<geo::Ring> imported;
  for (rings::RingFeature& f : features) {
    if (!f.ring.ok()) return f.ring.status();
    imported.push_back(std::move(f.ring).value());
  }
  std::vector<geo::Ring> stored;
  if (store != nullptr) {
    ASSIGN_OR_RETURN(stored, LoadRings(store));
  }
  ASSIGN_OR_RETURN(
      rings::Placement placed,
      rings::PlaceRings(std::move(stored), std::move(imported), {}, SystemClock::Get()->Now()));
  if (store != nullptr) RETURN_IF_ERROR(store->PutDocuments(placed.writes));
  RingImportSummary summary;
  summary.rings = std::move(placed.rings);
  summary.replaced = placed.replaced;
  summary.reparented = placed.reparented;
  return summary;
}

}  // namespace quanyu::tools
