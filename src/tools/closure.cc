#include "tools/closure.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "api/app.h"
#include "core/time_format.h"
#include "govern/audit.h"
#include "roads/crossings.h"
#include "roads/osm_reader.h"
#include "tools/import_rings.h"

namespace quanyu::tools {
namespace {

using nlohmann::json;

int Report(const Status& s, std::FILE* err) {
  std::fprintf(err, "error: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

bool Disjoint(const geo::BBox& a, const geo::BBox& b) {
  return a.empty() || b.empty() || a.max_lng < b.min_lng || a.min_lng > b.max_lng ||
         a.max_lat < b.min_lat || a.min_lat > b.max_lat;
}

// "primary 3, residential 12" (classes with gaps, most important first), or "none".
std::string GapsByClass(const roads::ClosureReport& r) {
  std::string s;
  for (int i = 0; i < roads::kRoadClassCount; ++i) {
    const size_t gaps = r.by_class[i].gaps();
    if (gaps == 0) continue;
    if (!s.empty()) s += ", ";
    s += std::string(roads::RoadClassName(static_cast<roads::RoadClass>(i))) + " " +
         std::to_string(gaps);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<RingClosure> ComputeRingClosures(const std::vector<geo::Ring>& rings,
                                             const std::vector<roads::Road>& road_list,
                                             const std::vector<registry::Checkpoint>& checkpoints,
                                             const roads::ClosureOptions& options,
                                             const std::string& source) {
  geo::BBox extent;
  for (const roads::Road& r : road_list) {
    for (const geo::LngLat& p : r.points) extent.Extend(p);
  }
  const std::string computed = FormatRfc3339(SystemClock::Get()->Now(), kChinaOffsetSeconds);
  std::vector<RingClosure> out;
  out.reserve(rings.size());
  for (const geo::Ring& ring : rings) {
    RingClosure rc;
    rc.ring_id = ring.id;
    rc.ring_name = ring.name;
    rc.crossings.ring_id = ring.id;
    rc.crossings.source = source;
    rc.crossings.computed = computed;
    rc.reached = !Disjoint(geo::BoundingBox(ring.geometry), extent);
    if (rc.reached) {
      roads::RingBoundary boundary(ring.geometry);
      rc.crossings.crossings = roads::FindCrossings(ring.id, boundary, road_list);
    }
    rc.report = roads::ComputeClosure(ring.id, rc.crossings.crossings, checkpoints, options);
    out.push_back(std::move(rc));
  }
  return out;
}

StatusOr<std::vector<registry::Checkpoint>> LoadAllCheckpoints(store::Store* store) {
  std::vector<registry::Checkpoint> all;
  store::CheckpointQuery q;
  q.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<registry::Checkpoint> page, store->ListCheckpoints(q));
    if (page.empty()) break;
    q.after_id = page.back().id;
    const bool last = page.size() < q.limit;
    all.insert(all.end(), std::make_move_iterator(page.begin()),
               std::make_move_iterator(page.end()));
    if (last) break;
  }
  return all;
}

std::vector<registry::Checkpoint> PlaceSimulatedCheckpoints(const std::vector<RingClosure>& rings,
                                                            const geo::RingTree& tree) {
  // One site per crossing point of a way: crossings of neighbouring rings at one point merge.
  struct Site {
    const roads::Crossing* first;
    std::set<int> bearings;
  };
  std::map<std::tuple<int, int64_t, int64_t, int64_t>, Site> sites;
  for (const RingClosure& rc : rings) {
    for (const roads::Crossing& x : rc.crossings.crossings) {
      // ~1 m grid key: the same point seen from two rings rounds alike.
      const auto key =
          std::make_tuple(static_cast<int>(x.road_class), x.way_id,
                          std::llround(x.position.lng * 1e5), std::llround(x.position.lat * 1e5));
      Site& s = sites.try_emplace(key, Site{&x, {}}).first->second;
      if (x.inbound) s.bearings.insert(static_cast<int>(std::lround(x.inbound_bearing)) % 360);
      if (x.outbound) {
        s.bearings.insert(static_cast<int>(std::lround(roads::OutboundBearing(x))) % 360);
      }
    }
  }
  std::vector<registry::Checkpoint> out;
  std::array<size_t, roads::kRoadClassCount> seen{};
  size_t minor_placed = 0;
  std::vector<uint32_t> located;
  for (const auto& [key, site] : sites) {
    const roads::Crossing& x = *site.first;
    const int cls = static_cast<int>(x.road_class);
    const size_t nth = seen[cls]++;
    size_t every = 1;
    if (x.road_class == roads::RoadClass::kSecondary) every = 2;
    if (x.road_class == roads::RoadClass::kTertiary) every = 3;
    if (x.road_class > roads::RoadClass::kTertiary) every = 5;
    if (nth % every != 0) continue;

    std::string division = x.ring_id;
    tree.Locate(x.position, &located);
    if (!located.empty()) division = tree.rings()[located.front()].id;
    if (division.size() != 6 ||
        !std::all_of(division.begin(), division.end(),
                     [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
      division = "000000";
    }
    char serial[16];
    std::snprintf(serial, sizeof(serial), "%07zu", out.size() + 1);
    registry::Checkpoint c;
    c.id = division + "0001122" + serial;
    roads::Road label_road;
    label_road.way_id = x.way_id;
    label_road.name = x.name;
    label_road.ref = x.ref;
    c.name = roads::RoadLabel(label_road) + " 卡口（模拟）";
    c.position = {std::round(x.position.lng * 1e7) / 1e7, std::round(x.position.lat * 1e7) / 1e7};
    c.directions.assign(site.bearings.begin(), site.bearings.end());
    c.division_code = division;
    if (x.road_class >= roads::RoadClass::kSecondary && ++minor_placed % 4 == 0) {
      c.status = registry::CheckpointStatus::kFaulty;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string CheckpointsCsv(const std::vector<registry::Checkpoint>& checkpoints) {
  std::string s = "id,name,lng,lat,directions,status\n";
  char pos[64];
  for (const registry::Checkpoint& c : checkpoints) {
    std::string dirs;
    for (int d : c.directions) dirs += (dirs.empty() ? "" : "|") + std::to_string(d);
    std::string name = c.name;
    if (name.find_first_of(",\"") != std::string::npos) {
      std::string quoted = "\"";
      for (char ch : name) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      name = quoted + "\"";
    }
    std::snprintf(pos, sizeof(pos), "%.7f,%.7f", c.position.lng, c.position.lat);
    s += c.id + "," + name + "," + pos + "," + dirs + "," +
         std::string(registry::CheckpointStatusName(c.status)) + "\n";
  }
  return s;
}

int RunClosure(const ClosureCommand& cmd, std::FILE* out, std::FILE* err) {
  if (cmd.osm_file.empty()) return Report(InvalidArgument("--osm", "required"), err);
  if (!(cmd.tolerance_m > 0 && cmd.tolerance_m <= 5000)) {
    return Report(InvalidArgument("--tolerance-m", "must be more than 0 and at most 5000"), err);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(cmd.data_dir, ec)) {
    return Report(InvalidArgument("--data", "no data directory at " + cmd.data_dir), err);
  }
  std::unique_ptr<api::DataDirLock> lock;
  std::unique_ptr<store::Store> store;
  if (cmd.save) {
    auto l = api::DataDirLock::Acquire(cmd.data_dir);
    if (!l.ok()) return Report(l.status(), err);
    lock = std::move(l).value();
    auto s = api::OpenStore(cmd.data_dir);
    if (!s.ok()) return Report(s.status(), err);
    store = std::move(s).value();
  } else {
    store::StoreOptions so;
    so.url = api::StoreUrlFor(cmd.data_dir);
    so.read_only = true;
    auto s = store::Store::Open(so);
    if (!s.ok()) return Report(s.status(), err);
    store = std::move(s).value();
  }

  auto stored = LoadRings(store.get());
  if (!stored.ok()) return Report(stored.status(), err);
  if (stored->empty()) {
    return Report(FailedPrecondition("no rings stored in " + cmd.data_dir +
                                     ": run quanyu import rings FILE --level LEVEL first"),
                  err);
  }
  std::vector<geo::Ring> selected;
  if (cmd.ring_ids.empty()) {
    selected = *stored;
  } else {
    for (const std::string& id : cmd.ring_ids) {
      auto it = std::find_if(stored->begin(), stored->end(),
                             [&](const geo::Ring& r) { return r.id == id; });
      if (it == stored->end())
        return Report(InvalidArgument("--ring", "no ring \"" + id + "\""), err);
      selected.push_back(*it);
    }
  }
  auto checkpoints = LoadAllCheckpoints(store.get());
  if (!checkpoints.ok()) return Report(checkpoints.status(), err);

  const int64_t t0 = MonotonicNanos();
  roads::ReadOptions ro;
  ro.progress = cmd.progress;
  auto set = roads::ReadRoads(cmd.osm_file, ro);
  if (!set.ok()) return Report(set.status(), err);
  const int64_t t1 = MonotonicNanos();
  roads::ClosureOptions options;
  options.tolerance_m = cmd.tolerance_m;
  const std::string source = std::filesystem::path(cmd.osm_file).filename().string();
  std::vector<RingClosure> results =
      ComputeRingClosures(selected, set->roads, *checkpoints, options, source);
  const int64_t t2 = MonotonicNanos();

  std::fprintf(out,
               "%s: %llu drivable ways (%llu segments) read in %.2f s; crossings of %zu rings "
               "found in %.3f s; %zu checkpoints, tolerance %.0f m\n",
               source.c_str(), static_cast<unsigned long long>(set->stats.drivable_ways),
               static_cast<unsigned long long>(set->stats.road_segments),
               static_cast<double>(t1 - t0) / 1e9, selected.size(),
               static_cast<double>(t2 - t1) / 1e9, checkpoints->size(), cmd.tolerance_m);
  size_t outside = 0;
  roads::ClosureReport total;
  total.ring_id = "all";
  for (const RingClosure& rc : results) {
    if (!rc.reached) {
      ++outside;
      continue;
    }
    const roads::ClosureReport& r = rc.report;
    if (r.crossings == 0) {
      std::fprintf(out, "%s %s: no road of the file crosses its boundary\n", rc.ring_id.c_str(),
                   rc.ring_name.c_str());
      continue;
    }
    std::fprintf(out,
                 "%s %s: %zu crossings, %zu directions, %zu covered, ratio %.1f %%, weighted "
                 "%.1f %%; gaps by class: %s\n",
                 rc.ring_id.c_str(), rc.ring_name.c_str(), r.crossings, r.directions, r.covered,
                 100 * r.ratio, 100 * r.weighted_ratio, GapsByClass(r).c_str());
    total.crossings += r.crossings;
    total.directions += r.directions;
    total.covered += r.covered;
    total.weight_total += r.weight_total;
    total.weight_covered += r.weight_covered;
    for (int i = 0; i < roads::kRoadClassCount; ++i) {
      total.by_class[i].crossings += r.by_class[i].crossings;
      total.by_class[i].directions += r.by_class[i].directions;
      total.by_class[i].covered += r.by_class[i].covered;
    }
  }
  if (total.directions > 0) {
    total.ratio = static_cast<double>(total.covered) / total.directions;
    total.weighted_ratio = total.weight_covered / total.weight_total;
  }
  if (outside > 0) {
    std::fprintf(out, "%zu rings lie outside the file's roads (no crossings computed)\n", outside);
  }
  std::fprintf(
      out,
      "sum over rings: %zu crossings, %zu directions, %zu covered, ratio %.1f %%, weighted "
      "%.1f %%; gaps by class: %s\n",
      total.crossings, total.directions, total.covered, 100 * total.ratio,
      100 * total.weighted_ratio, GapsByClass(total).c_str());

  if (!cmd.geojson_out.empty()) {
    json fc = {{"type", "FeatureCollection"}, {"features", json::array()}};
    for (const RingClosure& rc : results) {
      json gaps = roads::GapsGeoJson(rc.report);
      for (json& f : gaps["features"]) {
        f["properties"]["ring_name"] = rc.ring_name;
        fc["features"].push_back(std::move(f));
      }
    }
    std::ofstream o(cmd.geojson_out, std::ios::binary);
    o << fc.dump() << "\n";
    if (!o) return Report(Internal("cannot write " + cmd.geojson_out), err);
    std::fprintf(out, "uncovered crossings: %zu features written to %s\n", fc["features"].size(),
                 cmd.geojson_out.c_str());
  }

  if (!cmd.place_checkpoints.empty()) {
    auto tree = geo::RingTree::Build(*stored);
    if (!tree.ok()) return Report(tree.status(), err);
    std::vector<registry::Checkpoint> placed = PlaceSimulatedCheckpoints(results, *tree);
    std::ofstream o(cmd.place_checkpoints, std::ios::binary);
    o << CheckpointsCsv(placed);
    if (!o) return Report(Internal("cannot write " + cmd.place_checkpoints), err);
    std::fprintf(out, "simulated checkpoints: %zu written to %s\n", placed.size(),
                 cmd.place_checkpoints.c_str());
  }

  if (cmd.save) {
    auto audit = govern::AuditLog::Open(store.get(), SystemClock::Get(), cmd.data_dir);
    if (!audit.ok()) return Report(audit.status(), err);
    std::vector<store::Document> docs;
    const UnixMicros now = SystemClock::Get()->Now();
    size_t crossings = 0;
    for (const RingClosure& rc : results) {
      if (!rc.reached) continue;
      store::Document d;
      d.kind = roads::kRingCrossingsKind;
      d.id = rc.ring_id;
      d.body = roads::RingCrossingsToJson(rc.crossings).dump();
      d.updated = now;
      docs.push_back(std::move(d));
      crossings += rc.crossings.crossings.size();
    }
    Status st = store->PutDocuments(docs);
    store::AuditRecord rec;
    rec.actor = "system";
    rec.role = "cli";
    rec.action = "ring_crossings.save";
    rec.target = "osm:" + source;
    rec.outcome = st.ok() ? "ok" : "error";
    json rings = json::array();
    for (const store::Document& d : docs) rings.push_back(d.id);
    rec.detail = json({{"rings", rings}, {"crossings", crossings}}).dump();
    Status ast = (*audit)->Append(std::move(rec));
    if (!st.ok()) return Report(st, err);
    if (!ast.ok()) return Report(ast, err);
    std::fprintf(out, "saved the crossings of %zu rings (%zu crossings) in %s\n", docs.size(),
                 crossings, cmd.data_dir.c_str());
  }
  return 0;
}

}  // namespace quanyu::tools
