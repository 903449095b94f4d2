// The reading loop the OpenStreetMap readers share (roads, places, basemap): open the file,
// add node locations to ways, apply the handlers to every object, show progress, and turn
// libosmium's exceptions into a Status that names the file. With an area manager (libosmium's
// MultipolygonManager), relations are read first and the assembled areas (closed ways and
// multipolygon relations) are handed to the same handlers' area() callbacks.
//
// Include only from the .cc files that read OSM: libosmium compiles slowly.
//
// Example:
//   MyHandler h;
//   ASSIGN_OR_RETURN(uint64_t bytes, ScanOsm(path, /*progress=*/true, NoAreas(), h));
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/pbf_input.hpp>
#include <osmium/io/xml_input.hpp>
#include <osmium/relations/relations_manager.hpp>
#include <osmium/visitor.hpp>
#include <string>
#include <system_error>
#include <type_traits>

#include "core/progress.h"
#include "core/status.h"

namespace quanyu::roads {

// No area assembly.
struct NoAreas {};

// Reads the OSM file at `path` (.osm.pbf or .osm) and returns its size in bytes. Node
// locations missing from the file (an extract lacks what lies outside it) stay invalid for the
// handlers to skip. NotFound if the file cannot be opened; DataLoss if it is not readable OSM.
template <typename Areas, typename... Handlers>
StatusOr<uint64_t> ScanOsm(const std::string& path, bool progress, Areas&& areas,
                           Handlers&... handlers) {
  using LocationIndex =
      osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
  constexpr bool kAreas = !std::is_same_v<std::decay_t<Areas>, NoAreas>;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("cannot read " + path);
  try {
    osmium::io::File file(path);
    if constexpr (kAreas) osmium::relations::read_relations(file, areas);
    osmium::io::Reader reader(file, osmium::osm_entity_bits::node | osmium::osm_entity_bits::way |
                                        osmium::osm_entity_bits::relation);
    const uint64_t bytes = reader.file_size();
    std::optional<Progress> line;
    if (progress) line.emplace("reading " + path, bytes, "bytes");
    LocationIndex index;
    osmium::handler::NodeLocationsForWays<LocationIndex> locations(index);
    locations.ignore_errors();
    while (osmium::memory::Buffer buffer = reader.read()) {
      if constexpr (kAreas) {
        osmium::apply(buffer, locations, handlers...,
                      areas.handler([&handlers...](osmium::memory::Buffer&& assembled) {
                        osmium::apply(assembled, handlers...);
                      }));
      } else {
        osmium::apply(buffer, locations, handlers...);
      }
      if (line) line->Update(reader.offset());
    }
    reader.close();
    if (line) line->Finish();
    return bytes;
  } catch (const std::exception& e) {
    return DataLoss(path + " is not a readable OSM file: " + e.what());
  }
}

}  // namespace quanyu::roads
