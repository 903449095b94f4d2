#include "roads/basemap.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <osmium/area/assembler.hpp>
#include <osmium/area/multipolygon_manager.hpp>
#include <osmium/osm/area.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/tags/tags_filter.hpp>
#include <string_view>
#include <system_error>
#include <vector>

#include "roads/osm_scan.h"

namespace quanyu::roads {
namespace {

constexpr std::string_view kRoadClasses[] = {
    "motorway",     "motorway_link", "trunk",          "trunk_link", "primary",
    "primary_link", "secondary",     "secondary_link", "tertiary",   "tertiary_link",
    "unclassified", "residential",   "living_street",  "service",    "pedestrian"};
constexpr std::string_view kWaterways[] = {"river", "canal", "stream"};
constexpr std::string_view kWaterLanduse[] = {"reservoir", "basin"};

template <size_t N>
bool OneOf(const char* v, const std::string_view (&set)[N]) {
  if (v == nullptr) return false;
  for (std::string_view s : set) {
    if (s == v) return true;
  }
  return false;
}

// The layer and class of an area's tags, or layer "" if the basemap does not draw it.
std::pair<std::string_view, std::string_view> ClassifyArea(const osmium::TagList& tags) {
  const char* natural = tags["natural"];
  const char* landuse = tags["landuse"];
  if ((natural != nullptr && std::string_view(natural) == "water") ||
      (tags["waterway"] != nullptr && std::string_view(tags["waterway"]) == "riverbank") ||
      OneOf(landuse, kWaterLanduse)) {
    return {"water", "water"};
  }
  if (landuse != nullptr && *landuse != '\0') return {"landuse", landuse};
  if (const char* leisure = tags["leisure"]; leisure != nullptr) {
    if (std::string_view(leisure) == "park") return {"landuse", "park"};
  }
  if (natural != nullptr && std::string_view(natural) == "wood") return {"landuse", "forest"};
  return {"", ""};
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {
    *out_ = R"({"type":"FeatureCollection","features":[)";
  }
  void Finish() { *out_ += "]}"; }

  // Starts a feature; the caller appends the geometry's coordinates, then calls EndFeature.
  void BeginFeature(std::string_view type, std::string_view layer, std::string_view cls,
                    const char* name) {
    if (features_++ > 0) *out_ += ',';
    *out_ += R"({"type":"Feature","properties":{"layer":")";
    *out_ += layer;
    *out_ += R"(","class":)";
    *out_ += nlohmann::json(std::string(cls)).dump();
    if (name != nullptr && *name != '\0') {
      *out_ += R"(,"name":)";
      *out_ += nlohmann::json(std::string(name))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    *out_ += R"(},"geometry":{"type":")";
    *out_ += type;
    *out_ += R"(","coordinates":)";
  }
  void EndFeature() { *out_ += "}}"; }

  void Point(double lng, double lat) {
    *out_ += '[';
    Number(lng);
    *out_ += ',';
    Number(lat);
    *out_ += ']';
  }
  // A ring or line; `reverse` writes it backwards.
  void Line(const std::vector<osmium::Location>& pts, bool reverse) {
    *out_ += '[';
    for (size_t i = 0; i < pts.size(); ++i) {
      const osmium::Location& p = reverse ? pts[pts.size() - 1 - i] : pts[i];
      if (i > 0) *out_ += ',';
      Point(p.lon(), p.lat());
    }
    *out_ += ']';
  }
  std::string& out() { return *out_; }

 private:
  void Number(double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
    if (ec != std::errc()) return;
    out_->append(buf, end);
  }
  std::string* out_;
  size_t features_ = 0;
};

// Twice the signed area in degrees² (positive: counter-clockwise).
double SignedArea(const std::vector<osmium::Location>& ring) {
  double a = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    a += ring[i].lon() * ring[i + 1].lat() - ring[i + 1].lon() * ring[i].lat();
  }
  return a;
}

template <typename Ring>
bool Collect(const Ring& ring, std::vector<osmium::Location>* pts) {
  pts->clear();
  for (const osmium::NodeRef& n : ring) {
    if (!n.location().valid()) return false;
    pts->push_back(n.location());
  }
  return pts->size() >= 4;
}

class BasemapHandler : public osmium::handler::Handler {
 public:
  BasemapHandler(Writer* w, BasemapStats* stats) : w_(w), stats_(stats) {}

  void way(const osmium::Way& way) {
    const osmium::TagList& tags = way.tags();
    if (tags.empty()) return;
    const char* highway = tags["highway"];
    const char* waterway = tags["waterway"];
    std::string_view layer, cls;
    if (OneOf(highway, kRoadClasses)) {
      const char* area = tags["area"];
      if (area != nullptr && std::string_view(area) == "yes") return;
      layer = "road";
      cls = highway;
    } else if (OneOf(waterway, kWaterways)) {
      layer = "water";
      cls = waterway;
    } else {
      return;
    }
    // A way cut at nodes without a location gives several lines.
    std::vector<std::vector<osmium::Location>> parts(1);
    for (const osmium::NodeRef& n : way.nodes()) {
      if (!n.location().valid()) {
        ++stats_->missing_nodes;
        if (!parts.back().empty()) parts.emplace_back();
        continue;
      }
      parts.back().push_back(n.location());
    }
    const char* name = tags["name:zh"] != nullptr ? tags["name:zh"] : tags["name"];
    for (const auto& p : parts) {
      if (p.size() < 2) continue;
      w_->BeginFeature("LineString", layer, cls, name);
      w_->Line(p, false);
      w_->EndFeature();
      ++(layer == "road" ? stats_->roads : stats_->waterways);
    }
  }

  void area(const osmium::Area& area) {
    auto [layer, cls] = ClassifyArea(area.tags());
    if (layer.empty()) return;
    size_t polygons = 0;
    std::vector<osmium::Location> pts;
    std::string saved;
    saved.swap(w_->out());  // write the coordinates aside: a broken ring drops the feature
    bool ok = true;
    for (const osmium::OuterRing& outer : area.outer_rings()) {
      if (!Collect(outer, &pts)) {
        ok = false;
        break;
      }
      if (polygons++ > 0) w_->out() += ',';
      w_->out() += '[';
      w_->Line(pts, SignedArea(pts) < 0);
      for (const osmium::InnerRing& inner : area.inner_rings(outer)) {
        if (!Collect(inner, &pts)) continue;
        w_->out() += ',';
        w_->Line(pts, SignedArea(pts) > 0);
      }
      w_->out() += ']';
    }
    std::string rings;
    rings.swap(w_->out());
    w_->out().swap(saved);
    if (!ok || polygons == 0) {
      ++stats_->broken_areas;
      return;
    }
    const char* name =
        area.tags()["name:zh"] != nullptr ? area.tags()["name:zh"] : area.tags()["name"];
    w_->BeginFeature("MultiPolygon", layer, cls, name);
    w_->out() += '[';
    w_->out() += rings;
    w_->out() += ']';
    w_->EndFeature();
    ++(layer == "water" ? stats_->water_areas : stats_->landuse_areas);
  }

 private:
  Writer* w_;
  BasemapStats* stats_;
};

}  // namespace

StatusOr<Basemap> BuildBasemap(const std::string& path) {
  osmium::TagsFilter filter{false};
  filter.add_rule(true, "natural", "water");
  filter.add_rule(true, "natural", "wood");
  filter.add_rule(true, "waterway", "riverbank");
  filter.add_rule(true, "leisure", "park");
  filter.add_rule(true, osmium::TagMatcher{"landuse"});
  osmium::area::MultipolygonManager<osmium::area::Assembler> areas{
      osmium::area::Assembler::config_type{}, filter};
  Basemap map;
  Writer writer(&map.geojson);
  BasemapHandler handler(&writer, &map.stats);
  RETURN_IF_ERROR(ScanOsm(path, /*progress=*/false, areas, handler).status());
  writer.Finish();
  return map;
}

}  // namespace quanyu::roads
