#include "rings/ring_store.h"

#include <map>
#include <set>

namespace quanyu::rings {
namespace {

using json = nlohmann::json;

StatusOr<geo::Ring> RingFromFeature(geo::PolygonFeature f, geo::RingLevel level) {
  const std::string feature = "features[" + std::to_string(f.index) + "].";
  const std::string field = feature + "properties.";
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
    return st.field() == "id" ? InvalidArgument(field + "adcode", st.message())
                              : st.WithFieldPrefix(feature);
  }
  return r;
}

}  // namespace

StatusOr<std::vector<RingFeature>> ParseRingFeatures(std::string_view geojson, geo::Crs crs,
                                                     geo::RingLevel level) {
  ASSIGN_OR_RETURN(std::vector<StatusOr<geo::PolygonFeature>> each,
                   geo::ParsePolygonFeaturesEach(geojson, crs));
  if (each.empty()) return InvalidArgument("features", "the document holds no feature");
  std::vector<RingFeature> out;
  out.reserve(each.size());
  std::map<std::string, size_t> ids;
  for (size_t i = 0; i < each.size(); ++i) {
    RingFeature rf;
    rf.index = i;
    if (!each[i].ok()) {
      rf.ring = each[i].status();
    } else {
      geo::PolygonFeature f = std::move(each[i]).value();
      f.index = i;
      rf.ring = RingFromFeature(std::move(f), level);
    }
    if (rf.ring.ok()) {
      auto [it, inserted] = ids.emplace(rf.ring->id, i);
      if (!inserted) {
        rf.ring = InvalidArgument(
            "features[" + std::to_string(i) + "].properties.adcode",
            "\"" + it->first + "\" is also the id of features[" + std::to_string(it->second) + "]");
      }
    }
    out.push_back(std::move(rf));
  }
  return out;
}

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

StatusOr<Placement> PlaceRings(std::vector<geo::Ring> stored, std::vector<geo::Ring> added,
                               const std::vector<std::string>& removed, UnixMicros now) {
  Placement out;
  std::set<std::string> added_ids;
  for (const geo::Ring& r : added) added_ids.insert(r.id);
  const std::set<std::string> removed_ids(removed.begin(), removed.end());
  std::map<std::string, std::string> stored_parent;
  const size_t n_added = added.size();
  std::vector<geo::Ring> all = std::move(added);
  for (geo::Ring& r : stored) {
    if (removed_ids.count(r.id) != 0) continue;
    stored_parent[r.id] = r.parent_id;
    if (added_ids.count(r.id) != 0) {
      ++out.replaced;
    } else {
      all.push_back(std::move(r));
    }
  }
  ASSIGN_OR_RETURN(out.tree, geo::RingTree::Build(std::move(all)));
  for (size_t i = 0; i < out.tree.rings().size(); ++i) {
    const geo::Ring& r = out.tree.rings()[i];
    if (i < n_added) {
      PlacedRing line;
      line.id = r.id;
      line.name = r.name;
      line.level = r.level;
      line.area_km2 = out.tree.area_square_meters(i) / 1e6;
      line.parent_id = r.parent_id;
      if (const geo::Ring* p = out.tree.Find(r.parent_id)) line.parent_name = p->name;
      out.rings.push_back(std::move(line));
    } else if (stored_parent[r.id] != r.parent_id) {
      ++out.reparented;
    } else {
      continue;
    }
    store::Document d;
    d.kind = kRingDocumentKind;
    d.id = r.id;
    d.body = geo::RingToJson(r).dump();
    d.updated = now;
    out.writes.push_back(std::move(d));
  }
  return out;
}

}  // namespace quanyu::rings
