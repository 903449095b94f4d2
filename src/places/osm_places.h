// Reading protected places from an OpenStreetMap file (.osm.pbf, or .osm XML) with libosmium.
// libosmium stays inside osm_places.cc (through roads/osm_scan.h): it compiles slowly.
//
// Nodes, closed ways (at the mean of their distinct nodes) and multipolygon relations (at the
// mean of the nodes of their largest outer ring) are kept when their tags say:
//   school          amenity = school, kindergarten, college, university
//   hospital        amenity = hospital, clinic; healthcare = hospital
//   government      amenity = townhall; office = government; any government=*
//   police          amenity = police
//   key_enterprise  amenity = bank; power = plant, substation; man_made = water_works,
//                   wastewater_plant, works; industrial=* with a name
//   transport       railway = station; amenity = bus_station; aeroway = aerodrome, terminal
// (checked in that order; the first match decides). Everything else and open ways are
// skipped. Ids are "osm:n<node id>", "osm:w<way id>" and "osm:r<relation id>"; the name is
// name:zh, else name, else name:en, else the category's Chinese label; the address is
// addr:full, else addr:street with addr:housenumber.
//
// Example:
//   ASSIGN_OR_RETURN(OsmPlaceSet set, ReadOsmPlaces("data/osm/chengdu_central.osm.pbf", {}));
//   for (const Place& p : set.places) ...
//
// Thread safety: ReadOsmPlaces may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "places/place.h"

namespace quanyu::places {

struct OsmPlacesOptions {
  // Print a progress line (core/progress.h) on stderr while reading. Default: off.
  bool progress = false;
};

struct OsmPlacesStats {
  uint64_t nodes = 0;                // nodes in the file
  uint64_t ways = 0;                 // ways in the file
  uint64_t place_nodes = 0;          // places from nodes
  uint64_t place_ways = 0;           // places from closed ways
  uint64_t place_relations = 0;      // places from multipolygon relations
  uint64_t skipped_open_ways = 0;    // classified by their tags, but not closed
  uint64_t skipped_no_location = 0;  // classified areas none of whose nodes is in the file
  uint64_t file_bytes = 0;
  std::map<PlaceCategory, uint64_t> by_category;
};

struct OsmPlaceSet {
  std::vector<Place> places;  // nodes first, then ways and relations; source "osm"
  OsmPlacesStats stats;
};

// The category the tags of a node or closed way give, or nullopt (see the top of this file).
// `get` returns a tag's value, or "" if absent.
template <typename Get>
std::optional<PlaceCategory> ClassifyOsmTags(Get get);

// Reads the protected places of the OSM file at `path` (format by its name).
// NotFound if the file cannot be opened; DataLoss if it is not a readable OSM file.
StatusOr<OsmPlaceSet> ReadOsmPlaces(const std::string& path, const OsmPlacesOptions& options = {});

// --- implementation ---

template <typename Get>
std::optional<PlaceCategory> ClassifyOsmTags(Get get) {
  const std::string_view amenity = get("amenity");
  if (amenity == "school" || amenity == "kindergarten" || amenity == "college" ||
      amenity == "university") {
    return PlaceCategory::kSchool;
  }
  if (amenity == "hospital" || amenity == "clinic" || get("healthcare") == "hospital") {
    return PlaceCategory::kHospital;
  }
  if (amenity == "townhall" || get("office") == "government" || !get("government").empty()) {
    return PlaceCategory::kGovernment;
  }
  if (amenity == "police") return PlaceCategory::kPolice;
  const std::string_view power = get("power"), man_made = get("man_made");
  if (amenity == "bank" || power == "plant" || power == "substation" || man_made == "water_works" ||
      man_made == "wastewater_plant" || man_made == "works" ||
      (!get("industrial").empty() && !get("name").empty())) {
    return PlaceCategory::kKeyEnterprise;
  }
  const std::string_view aeroway = get("aeroway");
  if (get("railway") == "station" || amenity == "bus_station" || aeroway == "aerodrome" ||
      aeroway == "terminal") {
    return PlaceCategory::kTransport;
  }
  return std::nullopt;
}

}  // namespace quanyu::places
