// quanyu reach: the quick-reaction circles (1-3-5 分钟快速反应圈) of a data directory's police
// units over its road network, and the protected places they leave uncovered (places/reach.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/status.h"
#include "places/reach.h"
#include "store/store.h"

namespace quanyu::tools {

struct ReachCommand {
  std::string data_dir = "./data";
  std::vector<double> minutes = {1, 3, 5};
  // If set, a GeoJSON FeatureCollection is written there: one MultiPolygon feature per
  // threshold (properties minutes, road_length_m, places_reached), then one Point feature per
  // gap place (properties id, name, category, category_label, on_network).
  std::string geojson_file;
  bool progress = true;
};

// The reach origins among "unit" documents. Only the body fields "id", "name", "kind",
// "status", "position" and "home" ([lng, lat] arrays, both optional) are read; the origin is
// the position if present, else home. Units with status "off_duty", of kind "ambulance" or
// "fire_engine" (reach circles are for police units), or with neither position nor home are
// skipped, each with a line in *skipped ("id: reason") if given. A document that is not a JSON
// object, or a malformed field, is skipped the same way.
std::vector<places::ReachOrigin> OriginsFromUnits(const std::vector<store::Document>& units,
                                                  std::vector<std::string>* skipped);

// Builds the network of DATA/roads/network.osm.pbf, loads places and units from the store
// (opened read-only, so a server may keep running), computes the reach and prints a table per
// threshold, the gaps and the origins that could not be placed on the network. Exit code 1
// with a message when there is no network or no usable origin.
int RunReach(const ReachCommand& cmd, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
