#include "places/osm_places.h"

#include <optional>
#include <osmium/area/assembler.hpp>
#include <osmium/area/multipolygon_manager.hpp>
#include <osmium/osm/area.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/tags/tags_filter.hpp>

#include "roads/osm_scan.h"

namespace quanyu::places {
namespace {

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
    std::optional<geo::LngLat> at = MeanOfRing(nodes);
    if (!at) {
      ++out_->stats.skipped_no_location;
      return;
    }
    Add(way.tags(), *c, "osm:w" + std::to_string(way.id()), *at);
    ++out_->stats.place_ways;
  }

  // Areas assembled from multipolygon relations (closed ways are taken by way() above): the
  // place sits at the mean of the distinct nodes of its largest outer ring.
  void area(const osmium::Area& area) {
    if (area.from_way()) return;
    std::optional<PlaceCategory> c = Classify(area.tags());
    if (!c) return;
    const osmium::OuterRing* largest = nullptr;
    for (const osmium::OuterRing& outer : area.outer_rings()) {
      if (largest == nullptr || outer.size() > largest->size()) largest = &outer;
    }
    std::optional<geo::LngLat> at;
    if (largest != nullptr) at = MeanOfRing(*largest);
    if (!at) {
      ++out_->stats.skipped_no_location;
      return;
    }
    Add(area.tags(), *c, "osm:r" + std::to_string(area.orig_id()), *at);
    ++out_->stats.place_relations;
  }

 private:
  // The mean of the located distinct nodes of a closed ring (its last node repeats the
  // first), or nullopt if none is located.
  template <typename Nodes>
  static std::optional<geo::LngLat> MeanOfRing(const Nodes& nodes) {
    double lng = 0, lat = 0;
    size_t n = 0;
    for (size_t i = 0; i + 1 < nodes.size(); ++i) {
      const osmium::Location loc = nodes[i].location();
      if (!loc.valid()) continue;
      lng += loc.lon();
      lat += loc.lat();
      ++n;
    }
    if (n == 0) return std::nullopt;
    return geo::LngLat{lng / n, lat / n};
  }

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
  // Multipolygon relations with any tag the classification reads; the handler decides.
  osmium::TagsFilter filter{false};
  for (const char* key : {"amenity", "healthcare", "office", "government", "power", "man_made",
                          "industrial", "railway", "aeroway"}) {
    filter.add_rule(true, osmium::TagMatcher{key});
  }
  osmium::area::MultipolygonManager<osmium::area::Assembler> areas{
      osmium::area::Assembler::config_type{}, filter};
  OsmPlaceSet set;
  PlaceHandler places(&set);
  ASSIGN_OR_RETURN(set.stats.file_bytes, roads::ScanOsm(path, options.progress, areas, places));
  return set;
}

}  // namespace quanyu::places
