#include "tools/import_rings.h"

#include <fstream>
#include <map>
#include <sstream>

#include "core/clock.h"

namespace quanyu::tools {
namespace {

using json = nlohmann::json;

StatusOr<geo::Ring> RingFromFeature(geo::PolygonFeature f, geo::RingLevel level) {
  const std::string field = "features[" + std::to_string(f.index) + "].properties.";
  geo::Ring r;
  r.id = f.adcode;
  if (r.id.empty()) {
    auto id = f.properties.find("id");
    if (id != f.properties.end() && id->is_string()) r.id = id->get<std::string>();
    if (id != f.properties.end() && id->is_number_integer()) {
      r.id = std::to_string(id->get<int64_t>());
    }
  }
  if (r.id.empty()) {
    return InvalidArgument(field + "adcode",
                           "an adcode (or an id property) is needed as the ring id");
  }
  if (f.name.empty()) return InvalidArgument(field + "name", "a ring needs a name");
  r.name = std::move(f.name);
  r.level = level;
  r.geometry = std::move(f.geometry);
  r.properties = std::move(f.properties);
  Status st = geo::ValidateRing(r);
  if (!st.ok()) {
    const std::string prefix = "features[" + std::to_string(f.index) + "].";
    return st.field() == "id" ? InvalidArgument(field + "adcode", st.message())
                              : st.WithFieldPrefix(prefix);
  }
  return r;
}

}  // namespace

StatusOr<std::vector<geo::Ring>> LoadRings(store::Store* store) {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store->ListDocuments(kRingDocumentKind));
  std::vector<geo::Ring> rings;
  rings.reserve(docs.size());
  for (const store::Document& d : docs) {
    json j = json::parse(d.body, nullptr, /*allow_exceptions=*/false);
    StatusOr<geo::Ring> r = j.is_discarded() ? StatusOr<geo::Ring>(InvalidArgument("", "not JSON"))
                                             : geo::RingFromJson(j);
    if (!r.ok()) {
      return DataLoss("stored ring \"" + d.id + "\" is unreadable: " + r.status().ToString());
    }
    rings.push_back(std::move(r).value());
  }
  return rings;
}

StatusOr<RingImportSummary> ImportRings(store::Store* store, const std::string& path, geo::Crs crs,
                                        geo::RingLevel level) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  ASSIGN_OR_RETURN(std::vector<geo::PolygonFeature> features,
                   geo::ParsePolygonFeatures(ss.str(), crs));
  if (features.empty()) return InvalidArgument("features", "the file holds no feature");

  std::vector<geo::Ring> imported;
  std::map<std::string, size_t> file_ids;
  for (geo::PolygonFeature& f : features) {
    const size_t index = f.index;
    ASSIGN_OR_RETURN(geo::Ring r, RingFromFeature(std::move(f), level));
    auto [it, inserted] = file_ids.emplace(r.id, index);
    if (!inserted) {
      return InvalidArgument(
          "features[" + std::to_string(index) + "].properties.adcode",
          "\"" + r.id + "\" is also the id of features[" + std::to_string(it->second) + "]");
    }
    imported.push_back(std::move(r));
  }

  RingImportSummary summary;
  std::vector<geo::Ring> stored;
  if (store != nullptr) {
    ASSIGN_OR_RETURN(stored, LoadRings(store));
  }
  std::map<std::string, std::string> stored_parent;
  std::vector<geo::Ring> all = imported;
  for (geo::Ring& r : stored) {
    stored_parent[r.id] = r.parent_id;
    if (file_ids.count(r.id) != 0) {
      ++summary.replaced;
    } else {
      all.push_back(std::move(r));
    }
  }
  ASSIGN_OR_RETURN(geo::RingTree tree, geo::RingTree::Build(std::move(all)));

  const UnixMicros now = SystemClock::Get()->Now();
  for (size_t i = 0; i < tree.rings().size(); ++i) {
    const geo::Ring& r = tree.rings()[i];
    const bool from_file = i < imported.size();
    if (from_file) {
      ImportedRing line;
      line.id = r.id;
      line.name = r.name;
      line.level = r.level;
      line.area_km2 = tree.area_square_meters(i) / 1e6;
      line.parent_id = r.parent_id;
      if (const geo::Ring* p = tree.Find(r.parent_id)) line.parent_name = p->name;
      summary.rings.push_back(std::move(line));
    } else if (stored_parent[r.id] != r.parent_id) {
      ++summary.reparented;
    } else {
      continue;
    }
    if (store == nullptr) continue;
    store::Document d;
    d.kind = kRingDocumentKind;
    d.id = r.id;
    d.body = geo::RingToJson(r).dump();
    d.updated = now;
    RETURN_IF_ERROR(store->PutDocument(d));
  }
  return summary;
}

}  // namespace quanyu::tools
