#include "places/osm_places.h"

#include <filesystem>
#include <optional>
#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/pbf_input.hpp>
#include <osmium/io/xml_input.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/visitor.hpp>
#include <system_error>

#include "core/progress.h"

namespace quanyu::places {
namespace {

using LocationIndex =
    osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
using LocationHandler = osmium::handler::NodeLocationsForWays<LocationIndex>;

// OSM tags copied into Place::tags when present.
constexpr const char* kKeptTags[] = {"amenity",   "healthcare", "office",      "government",
                                     "power",     "man_made",   "industrial",  "railway",
                                     "aeroway",   "operator",   "name",        "name:zh",
                                     "name:en",   "addr:full",  "addr:street", "addr:housenumber",
                                     "addr:city", "website",    "phone"};

class PlaceHandler : public osmium::handler::Handler {
 public:
  explicit PlaceHandler(OsmPlaceSet* out) : out_(out) {}

  void node(const osmium::Node& node) {
    ++out_->stats.nodes;
    if (node.tags().empty()) return;
    std::optional<PlaceCategory> c = Classify(node.tags());
    if (!c || !node.location().valid()) return;
    Add(node.tags(), *c, "osm:n" + std::to_string(node.id()),
        {node.location().lon(), node.location().lat()});
    ++out_->stats.place_nodes;
  }

  void way(const osmium::Way& way) {
    ++out_->stats.ways;
    if (way.tags().empty()) return;
    std::optional<PlaceCategory> c = Classify(way.tags());
    if (!c) return;
    const osmium::WayNodeList& nodes = way.nodes();
    if (nodes.size() < 4 || !way.is_closed()) {
      ++out_->stats.skipped_open_ways;
      return;
    }
    // The mean of the distinct nodes (the closing node repeats the first).
    double lng = 0, lat = 0;
    size_t n = 0;
    for (size_t i = 0; i + 1 < nodes.size(); ++i) {
      const osmium::Location loc = nodes[i].location();
      if (!loc.valid()) continue;
      lng += loc.lon();
      lat += loc.lat();
      ++n;
    }
    if (n == 0) {
      ++out_->stats.skipped_no_location;
      return;
    }
    Add(way.tags(), *c, "osm:w" + std::to_string(way.id()), {lng / n, lat / n});
    ++out_->stats.place_ways;
  }

 private:
  static std::string_view Tag(const osmium::TagList& tags, const char* key) {
    const char* v = tags[key];
    return v == nullptr ? std::string_view() : std::string_view(v);
  }

  static std::optional<PlaceCategory> Classify(const osmium::TagList& tags) {
    return ClassifyOsmTags([&](const char* key) { return Tag(tags, key); });
  }

  void Add(const osmium::TagList& tags, PlaceCategory c, std::string id, geo::LngLat at) {
    Place p;
    p.id = std::move(id);
    p.category = c;
    p.position = at;
    p.source = "osm";
    for (const char* key : {"name:zh", "name", "name:en"}) {
      if (!Tag(tags, key).empty()) {
        p.name = std::string(Tag(tags, key));
        break;
      }
    }
    if (p.name.empty()) p.name = std::string(PlaceCategoryLabel(c));
    if (p.name.size() > 200) p.name.resize(200);  // a byte cut; OSM names are never this long
    p.address = std::string(Tag(tags, "addr:full"));
    if (p.address.empty() && !Tag(tags, "addr:street").empty()) {
      p.address = std::string(Tag(tags, "addr:street"));
      if (!Tag(tags, "addr:housenumber").empty()) {
        p.address += " " + std::string(Tag(tags, "addr:housenumber"));
      }
    }
    for (const char* key : kKeptTags) {
      if (!Tag(tags, key).empty()) p.tags[key] = std::string(Tag(tags, key));
    }
    ++out_->stats.by_category[c];
    out_->places.push_back(std::move(p));
  }

  OsmPlaceSet* out_;
};

}  // namespace

StatusOr<OsmPlaceSet> ReadOsmPlaces(const std::string& path, const OsmPlacesOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFound("cannot read " + path);
  OsmPlaceSet set;
  try {
    osmium::io::File file(path);
    osmium::io::Reader reader(file, osmium::osm_entity_bits::node | osmium::osm_entity_bits::way);
    set.stats.file_bytes = reader.file_size();
    std::optional<Progress> progress;
    if (options.progress) progress.emplace("reading " + path, reader.file_size(), "bytes");
    LocationIndex index;
    LocationHandler locations(index);
    locations.ignore_errors();  // an extract lacks the nodes outside it
    PlaceHandler places(&set);
    while (osmium::memory::Buffer buffer = reader.read()) {
      osmium::apply(buffer, locations, places);
      if (progress) progress->Update(reader.offset());
    }
    reader.close();
    if (progress) progress->Finish();
  } catch (const std::exception& e) {
    return DataLoss(path + " is not a readable OSM file: " + e.what());
  }
  return set;
}

}  // namespace quanyu::places
