#include "places/place.h"

#include <cmath>

namespace quanyu::places {
namespace {

struct CategoryInfo {
  PlaceCategory category;
  std::string_view name;
  std::string_view label;
};

constexpr CategoryInfo kCategories[] = {
    {PlaceCategory::kSchool, "school", "学校"},
    {PlaceCategory::kHospital, "hospital", "医院"},
    {PlaceCategory::kGovernment, "government", "党政机关"},
    {PlaceCategory::kKeyEnterprise, "key_enterprise", "重点企事业单位"},
    {PlaceCategory::kTransport, "transport", "交通枢纽"},
    {PlaceCategory::kPolice, "police", "公安机关"},
    {PlaceCategory::kOther, "other", "其他"},
};

std::string Field(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

std::string_view PlaceCategoryName(PlaceCategory c) {
  for (const CategoryInfo& i : kCategories) {
    if (i.category == c) return i.name;
  }
  return "other";
}

std::string_view PlaceCategoryLabel(PlaceCategory c) {
  for (const CategoryInfo& i : kCategories) {
    if (i.category == c) return i.label;
  }
  return "其他";
}

StatusOr<PlaceCategory> ParsePlaceCategory(std::string_view text, std::string_view field) {
  for (const CategoryInfo& i : kCategories) {
    if (i.name == text) return i.category;
  }
  return InvalidArgument(std::string(field),
                         "unknown category \"" + std::string(text) +
                             "\" (school, hospital, government, key_enterprise, transport, "
                             "police or other)");
}

Status ValidatePlace(const Place& p, std::string_view field) {
  if (p.id.empty()) return InvalidArgument(Field(field, "id"), "must not be empty");
  if (p.id.size() > 64) return InvalidArgument(Field(field, "id"), "longer than 64 characters");
  for (char c : p.id) {
    if (!IsIdChar(c)) {
      return InvalidArgument(Field(field, "id"),
                             "may hold only A-Z, a-z, 0-9 and : _ . -, got \"" + p.id + "\"");
    }
  }
  if (p.name.size() > 200) {
    return InvalidArgument(Field(field, "name"), "longer than 200 bytes");
  }
  bool known = false;
  for (const CategoryInfo& i : kCategories) known = known || i.category == p.category;
  if (!known) return InvalidArgument(Field(field, "category"), "unknown category");
  if (!geo::IsValid(p.position)) {
    return InvalidArgument(Field(field, "position"),
                           "not a valid longitude/latitude (|lng| <= 180, |lat| <= 90)");
  }
  return Status::Ok();
}

nlohmann::json PlaceToJson(const Place& p) {
  return nlohmann::json{{"id", p.id},
                        {"name", p.name},
                        {"category", PlaceCategoryName(p.category)},
                        {"category_label", PlaceCategoryLabel(p.category)},
                        {"lng", p.position.lng},
                        {"lat", p.position.lat},
                        {"address", p.address},
                        {"source", p.source},
                        {"tags", p.tags}};
}

StatusOr<Place> PlaceFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("place", "must be a JSON object");
  Place p;
  auto text = [&](const char* key, std::string* out, bool required) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      return required ? InvalidArgument(key, "is required") : Status::Ok();
    }
    if (!it->is_string()) return InvalidArgument(key, "must be a string");
    *out = it->get<std::string>();
    return Status::Ok();
  };
  auto number = [&](const char* key, double* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return InvalidArgument(key, "must be a number");
    *out = it->get<double>();
    return Status::Ok();
  };
  RETURN_IF_ERROR(text("id", &p.id, true));
  RETURN_IF_ERROR(text("name", &p.name, false));
  std::string category;
  RETURN_IF_ERROR(text("category", &category, true));
  ASSIGN_OR_RETURN(p.category, ParsePlaceCategory(category));
  RETURN_IF_ERROR(number("lng", &p.position.lng));
  RETURN_IF_ERROR(number("lat", &p.position.lat));
  RETURN_IF_ERROR(text("address", &p.address, false));
  RETURN_IF_ERROR(text("source", &p.source, false));
  if (auto it = j.find("tags"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("tags", "must be an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return InvalidArgument("tags." + k, "must be a string");
      p.tags[k] = v.get<std::string>();
    }
  }
  RETURN_IF_ERROR(ValidatePlace(p));
  return p;
}

StatusOr<std::vector<Place>> LoadPlaces(store::Store* store) {
  ASSIGN_OR_RETURN(std::vector<store::Document> docs, store->ListDocuments(kPlaceDocumentKind));
  std::vector<Place> out;
  out.reserve(docs.size());
  for (const store::Document& d : docs) {
    nlohmann::json j = nlohmann::json::parse(d.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return DataLoss("place document " + d.id + " is not JSON");
    StatusOr<Place> p = PlaceFromJson(j);
    if (!p.ok()) return DataLoss("place document " + d.id + ": " + p.status().ToString());
    out.push_back(std::move(p).value());
  }
  return out;
}

Status PutPlaces(store::Store* store, std::span<const Place> places, UnixMicros now) {
  std::vector<store::Document> docs;
  docs.reserve(places.size());
  for (size_t i = 0; i < places.size(); ++i) {
    RETURN_IF_ERROR(ValidatePlace(places[i], "places[" + std::to_string(i) + "]"));
    docs.push_back(
        store::Document{kPlaceDocumentKind, places[i].id, PlaceToJson(places[i]).dump(), now});
  }
  if (docs.empty()) return Status::Ok();
  return store->PutDocuments(docs);
}

}  // namespace quanyu::places
