#include "tools/import_places.h"

#include <map>
#include <set>
#include <vector>

#include "api/app.h"
#include "core/clock.h"
#include "places/osm_places.h"
#include "places/place.h"

namespace quanyu::tools {

int RunImportPlaces(const ImportPlacesCommand& cmd, std::FILE* out, std::FILE* err) {
  auto fail = [&](const Status& s) {
    std::fprintf(err, "quanyu import places: %s\n", s.ToString().c_str());
    return 1;
  };
  auto lock = api::DataDirLock::Acquire(cmd.data_dir);
  if (!lock.ok()) return fail(lock.status());
  auto store = api::OpenStore(cmd.data_dir);
  if (!store.ok()) return fail(store.status());
  places::OsmPlacesOptions options;
  options.progress = cmd.progress;
  auto set = places::ReadOsmPlaces(cmd.file, options);
  if (!set.ok()) return fail(set.status());

  std::vector<places::Place> valid;
  valid.reserve(set->places.size());
  size_t rejected = 0;
  for (places::Place& p : set->places) {
    const Status st = places::ValidatePlace(p, p.id);
    if (!st.ok()) {
      std::fprintf(err, "skipped: %s\n", st.ToString().c_str());
      ++rejected;
      continue;
    }
    valid.push_back(std::move(p));
  }
  auto stored = places::LoadPlaces(store->get());
  if (!stored.ok()) return fail(stored.status());
  std::set<std::string> new_ids;
  for (const places::Place& p : valid) new_ids.insert(p.id);
  size_t replaced = 0;
  std::vector<std::string> stale;
  for (const places::Place& p : *stored) {
    if (new_ids.count(p.id) != 0) {
      ++replaced;
    } else if (cmd.replace && p.source == "osm") {
      stale.push_back(p.id);
    }
  }
  const Status put = places::PutPlaces(store->get(), valid, SystemClock::Get()->Now());
  if (!put.ok()) return fail(put);
  for (const std::string& id : stale) {
    auto deleted = (*store)->DeleteDocument(places::kPlaceDocumentKind, id);
    if (!deleted.ok()) return fail(deleted.status());
  }

  std::map<places::PlaceCategory, size_t> by_category;
  for (const places::Place& p : valid) ++by_category[p.category];
  std::fprintf(out,
               "places of %s: %llu nodes and %llu ways read; %zu places (%llu from nodes, "
               "%llu from closed ways, %llu from multipolygons), %zu skipped as invalid\n",
               cmd.file.c_str(), static_cast<unsigned long long>(set->stats.nodes),
               static_cast<unsigned long long>(set->stats.ways), valid.size(),
               static_cast<unsigned long long>(set->stats.place_nodes),
               static_cast<unsigned long long>(set->stats.place_ways),
               static_cast<unsigned long long>(set->stats.place_relations), rejected);
  for (places::PlaceCategory c : places::kAllPlaceCategories) {
    auto it = by_category.find(c);
    if (it == by_category.end()) continue;
    std::fprintf(out, "  %-15s %6zu  %s\n", std::string(places::PlaceCategoryName(c)).c_str(),
                 it->second, std::string(places::PlaceCategoryLabel(c)).c_str());
  }
  std::fprintf(out, "stored: %zu new, %zu replaced, %zu stale OSM places deleted\n",
               valid.size() - replaced, replaced, stale.size());
  return 0;
}

}  // namespace quanyu::tools
