// quanyu import places: the protected places (重点防护目标) of an OpenStreetMap extract into the
// data directory's store, as "place" documents (places/place.h).
#pragma once

#include <cstdio>
#include <string>

namespace quanyu::tools {

struct ImportPlacesCommand {
  std::string file;
  std::string data_dir = "./data";
  // Also delete the stored places from OSM (source "osm") that the file no longer has.
  bool replace = false;
  bool progress = true;
};

// Reads the places of `file` (places/osm_places.h), validates them (an invalid one is reported
// on `err` and skipped), and stores them in one transaction: a place whose id is stored already
// is replaced. Prints the count per category on `out`. Takes the data directory's lock.
// Returns the exit code.
int RunImportPlaces(const ImportPlacesCommand& cmd, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
