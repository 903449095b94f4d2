#include "tools/reach.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "api/app.h"
#include "places/place.h"
#include "roads/network.h"

namespace quanyu::tools {
namespace {

// [lng, lat] at body[key]: nullopt if absent or null, an error text if malformed.
std::optional<geo::LngLat> Position(const nlohmann::json& body, const char* key,
                                    std::string* error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_array() || it->size() < 2 || !(*it)[0].is_number() || !(*it)[1].is_number()) {
    *error = std::string(key) + ": must be [lng, lat]";
    return std::nullopt;
  }
  const geo::LngLat p{(*it)[0].get<double>(), (*it)[1].get<double>()};
  if (!geo::IsValid(p)) {
    *error = std::string(key) + ": not a valid longitude/latitude";
    return std::nullopt;
  }
  return p;
}

std::string Text(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<places::ReachOrigin> OriginsFromUnits(const std::vector<store::Document>& units,
                                                  std::vector<std::string>* skipped) {
  std::vector<places::ReachOrigin> out;
  auto skip = [&](const std::string& id, const std::string& why) {
    if (skipped != nullptr) skipped->push_back(id + ": " + why);
  };
  for (const store::Document& d : units) {
    const nlohmann::json body = nlohmann::json::parse(d.body, nullptr, false);
    if (!body.is_object()) {
      skip(d.id, "not a JSON object");
      continue;
    }
    places::ReachOrigin o;
    o.id = Text(body, "id");
    if (o.id.empty()) o.id = d.id;
    o.name = Text(body, "name");
    o.kind = Text(body, "kind");
    const std::string status = Text(body, "status");
    if (status == "off_duty") {
      skip(o.id, "off duty");
      continue;
    }
    if (o.kind == "ambulance" || o.kind == "fire_engine") {
      skip(o.id, "kind " + o.kind + " is not a police unit");
      continue;
    }
    std::string error;
    std::optional<geo::LngLat> position = Position(body, "position", &error);
    if (!error.empty()) {
      skip(o.id, error);
      continue;
    }
    if (!position) position = Position(body, "home", &error);
    if (!error.empty()) {
      skip(o.id, error);
      continue;
    }
    if (!position) {
      skip(o.id, "neither position nor home");
      continue;
    }
    o.position = *position;
    out.push_back(std::move(o));
  }
  return out;
}

int RunReach(const ReachCommand& cmd, std::FILE* out, std::FILE* err) {
  namespace fs = std::filesystem;
  auto fail = [&](const Status& s) {
    std::fprintf(err, "quanyu reach: %s\n", s.ToString().c_str());
    return 1;
  };
  std::error_code ec;
  if (!fs::is_directory(cmd.data_dir, ec)) {
    return fail(InvalidArgument("data", "no data directory at " + cmd.data_dir));
  }
  const std::string network_file = (fs::path(cmd.data_dir) / roads::kNetworkFile).string();
  if (!fs::is_regular_file(network_file, ec)) {
    return fail(FailedPrecondition("no road network in " + cmd.data_dir +
                                   ": import an OpenStreetMap extract with quanyu import osm "
                                   "FILE --data " +
                                   cmd.data_dir));
  }
  store::StoreOptions so;
  so.url = api::StoreUrlFor(cmd.data_dir);
  so.read_only = true;
  auto store = store::Store::Open(so);
  if (!store.ok()) return fail(store.status());
  auto stored_places = places::LoadPlaces(store->get());
  if (!stored_places.ok()) return fail(stored_places.status());
  auto units = (*store)->ListDocuments("unit");
  if (!units.ok()) return fail(units.status());
  std::vector<std::string> skipped;
  const std::vector<places::ReachOrigin> origins = OriginsFromUnits(*units, &skipped);
  for (const std::string& s : skipped) std::fprintf(err, "unit skipped: %s\n", s.c_str());
  if (origins.empty()) {
    return fail(FailedPrecondition(
        "no origin: no on-duty police unit (\"unit\" document) with a position or home in " +
        cmd.data_dir));
  }

  roads::NetworkOptions no;
  no.progress = cmd.progress;
  auto net = roads::RoadNetwork::Build(network_file, no);
  if (!net.ok()) return fail(net.status());
  places::ReachOptions ro;
  ro.minutes = cmd.minutes;
  auto report = places::ComputeReach(**net, origins, *stored_places, ro);
  if (!report.ok()) return fail(report.status());
  if (report->origins_used == 0) {
    for (const auto& u : report->unsnapped_origins) {
      std::fprintf(err, "unit %s off the network: %s\n", u.id.c_str(), u.reason.c_str());
    }
    return fail(FailedPrecondition("no origin: no unit is near a road of the network"));
  }

  std::fprintf(out, "reach of %zu units over %.1f km of road, %zu protected places\n",
               report->origins_used, report->total_road_length_m / 1000, report->places_total);
  std::fprintf(out, "%8s  %14s  %10s  %s\n", "minutes", "places", "road share", "by category");
  for (const places::ReachThreshold& t : report->thresholds) {
    std::string by;
    for (places::PlaceCategory c : places::kAllPlaceCategories) {
      auto total = report->places_by_category.find(c);
      if (total == report->places_by_category.end()) continue;
      auto it = t.reached_by_category.find(c);
      by += std::string(by.empty() ? "" : ", ") + std::string(places::PlaceCategoryLabel(c)) + " " +
            std::to_string(it == t.reached_by_category.end() ? 0 : it->second) + "/" +
            std::to_string(total->second);
    }
    const std::string reached =
        std::to_string(t.places_reached) + " / " + std::to_string(report->places_total);
    std::fprintf(out, "%8g  %14s  %9.1f%%  %s\n", t.minutes, reached.c_str(), t.road_share * 100,
                 by.c_str());
  }
  if (report->gaps.empty()) {
    std::fprintf(out, "gaps: none\n");
  } else {
    std::fprintf(out, "gaps (not reached within %g minutes): %zu\n",
                 report->thresholds.back().minutes, report->gaps.size());
    for (const places::ReachPlace& p : report->gaps) {
      std::fprintf(out, "  %s  %s  %s  %.6f,%.6f%s\n",
                   std::string(places::PlaceCategoryLabel(p.category)).c_str(), p.name.c_str(),
                   p.id.c_str(), p.position.lng, p.position.lat,
                   p.on_network ? "" : "  (off the road network)");
    }
  }
  for (const auto& u : report->unsnapped_origins) {
    std::fprintf(out, "unit %s (%s) not used: %s\n", u.id.c_str(), u.name.c_str(),
                 u.reason.c_str());
  }
  if (!cmd.geojson_file.empty()) {
    const nlohmann::json j = places::ReachReportToJson(*report);
    nlohmann::json fc = {{"type", "FeatureCollection"}, {"features", nlohmann::json::array()}};
    for (const auto& f : j["areas"]["features"]) fc["features"].push_back(f);
    for (const auto& f : j["gap_places"]["features"]) fc["features"].push_back(f);
    std::ofstream file(cmd.geojson_file);
    file << fc.dump() << "\n";
    if (!file.good()) return fail(Unavailable("cannot write " + cmd.geojson_file));
    std::fprintf(out, "GeoJSON written to %s (%zu areas, %zu gap places)\n",
                 cmd.geojson_file.c_str(), report->thresholds.size(), report->gaps.size());
  }
  return 0;
}

}  // namespace quanyu::tools
