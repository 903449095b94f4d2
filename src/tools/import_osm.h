// quanyu import osm: makes an OpenStreetMap extract the data directory's road network.
#pragma once

#include <cstdio>
#include <string>

namespace quanyu::tools {

struct ImportOsmCommand {
  std::string file;
  std::string data_dir = "./data";
  bool progress = true;
};

// Builds the road network of `file` (graph, hierarchies, snapping index) to check it, prints
// its summary, and copies the file to DATA/roads/network.osm.pbf, which `quanyu serve` routes
// on from its next start. Takes the data directory's lock. Returns the exit code.
int RunImportOsm(const ImportOsmCommand& cmd, std::FILE* out, std::FILE* err);

}  // namespace quanyu::tools
