// Rings (圈层) kept in the store: reading GeoJSON into rings feature by feature, loading the
// stored rings, and placing new rings in the tree with the stored ones. Shared by
// `quanyu import rings` (a stopped server's directory) and RingService (a running server).
//
// Store layout: one document of kind kRingDocumentKind per ring (id = ring id, body =
// geo::RingToJson with its derived parent_id).
// Thread safety: pure functions, apart from the store calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/crs.h"
#include "geo/rings.h"
#include "store/store.h"

namespace quanyu::rings {

inline constexpr const char* kRingDocumentKind = "ring";

// One feature of an import: its position in the file and the ring, or why it was refused
// (the Status's field is a path from the document root: "features[3].properties.adcode").
struct RingFeature {
  size_t index = 0;
  StatusOr<geo::Ring> ring = Status(StatusCode::kInternal, "unset");
};

// Reads every Polygon/MultiPolygon feature of a GeoJSON document as a ring of `level` (id:
// properties.adcode, else properties.id; name: properties.name), converting from `crs` (or the
// document's own "crs" member) to WGS-84, and validates each on its own. A second feature
// with an id already taken in the document is refused. Fails only when the document is not
// GeoJSON or holds no feature.
StatusOr<std::vector<RingFeature>> ParseRingFeatures(std::string_view geojson, geo::Crs crs,
                                                     geo::RingLevel level);

// Every ring stored, parents as stored. DataLoss names an unreadable document.
StatusOr<std::vector<geo::Ring>> LoadRings(store::Store* store);

// One ring of a placement, as it now sits in the tree.
struct PlacedRing {
  std::string id, name;
  geo::RingLevel level = geo::RingLevel::kCustom;
  double area_km2 = 0;
  std::string parent_id, parent_name;  // "" for a root
};

struct Placement {
  std::vector<PlacedRing> rings;        // the new rings, in the order given
  size_t replaced = 0;                  // new rings whose id was already stored
  size_t reparented = 0;                // stored rings, not among the new, whose parent changed
  geo::RingTree tree;                   // every ring after the change
  std::vector<store::Document> writes;  // what the store needs: new and reparented rings
};

// Places `added` (unique ids) in the tree with `stored`, less the ids in `removed`: `added`
// replace stored rings of the same id. Nothing is written; `writes` lists the documents to put
// (updated = `now`).
StatusOr<Placement> PlaceRings(std::vector<geo::Ring> stored, std::vector<geo::Ring> added,
                               const std::vector<std::string>& removed, UnixMicros now);

}  // namespace quanyu::rings
