// The basemap: what the command map draws under its operational layers, made from the same
// OpenStreetMap extract as the road network, so that the map needs no tile server and nothing
// from the network at run time.
//
// A GeoJSON FeatureCollection (RFC 7946, WGS-84, coordinates to 6 decimals, outer rings
// counter-clockwise) whose features have the properties
//   layer  "road" | "water" | "landuse"
//   class  the OSM value: a highway class (motorway … service, pedestrian), a waterway
//          (river, canal, stream), "water" for water areas, or the land use (residential,
//          commercial, industrial, retail, park, forest, grass, farmland, cemetery, …)
//   name   the Chinese or local name, when the object has one (else absent)
// Areas are closed ways and multipolygon relations (assembled with libosmium's area
// assembler); broken multipolygons are counted and skipped.
//
// Example:
//   ASSIGN_OR_RETURN(Basemap map, BuildBasemap("data/osm/chengdu_central.osm.pbf"));
//   Serve(map.geojson);
//
// Thread safety: BuildBasemap may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace quanyu::roads {

struct BasemapStats {
  uint64_t roads = 0;          // road lines
  uint64_t waterways = 0;      // river, canal and stream lines
  uint64_t water_areas = 0;    // water polygons
  uint64_t landuse_areas = 0;  // land-use polygons
  uint64_t broken_areas = 0;   // areas the assembler could not close (skipped)
  uint64_t missing_nodes = 0;  // node references without a location (outside the extract)
};

struct Basemap {
  std::string geojson;
  BasemapStats stats;
};

// Reads the OSM file at `path` (.osm.pbf or .osm) twice: relations, then everything.
// NotFound if the file cannot be opened; DataLoss if it is not a readable OSM file.
StatusOr<Basemap> BuildBasemap(const std::string& path);

}  // namespace quanyu::roads
