// `quanyu import rings`: rings (圈层) from a GeoJSON file into a data directory's store.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "geo/crs.h"
#include "geo/rings.h"
#include "rings/ring_store.h"
#include "store/store.h"

namespace quanyu::tools {

// One imported ring as placed in the tree of all stored rings.
using ImportedRing = rings::PlacedRing;

struct RingImportSummary {
  std::vector<ImportedRing> rings;  // in file order
  size_t replaced = 0;              // imported ids that were already stored
  size_t reparented = 0;            // stored rings, not in the file, whose parent changed
};

// Store documents of this kind hold the rings, one per id, as geo::RingToJson.
using rings::kRingDocumentKind;

// Reads every Polygon/MultiPolygon feature of the GeoJSON file at `path` as a ring of `level`
// (id: properties.adcode, else properties.id; name: properties.name), converting from `crs` to
// WGS-84, and places it in the containment tree together with the rings already stored. Rings
// are stored as documents (kRingDocumentKind): the imported ones, replacing any of the same id,
// and stored ones whose derived parent changed. One invalid feature rejects the whole file
// before anything is written; errors name "features[i]....". A null `store` is a dry run: the
// rings are placed among themselves and nothing is written. The documents are written in one
// transaction.
StatusOr<RingImportSummary> ImportRings(store::Store* store, const std::string& path, geo::Crs crs,
                                        geo::RingLevel level);

// Every ring stored as a document, parents as stored.
using rings::LoadRings;

}  // namespace quanyu::tools
