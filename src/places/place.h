// Protected places (重点防护目标): schools, hospitals, government offices, key enterprises,
// transport hubs and police stations that quick-reaction circles (reach.h) must cover. A place
// is a named point with a category, read from OpenStreetMap (osm_places.h) or entered by hand,
// kept in the store as a JSON document of kind "place".
//
// Example:
//   Place p{.id = "osm:n123", .name = "成都七中", .category = PlaceCategory::kSchool,
//           .position = {104.05, 30.64}, .source = "osm"};
//   RETURN_IF_ERROR(ValidatePlace(p));
//   RETURN_IF_ERROR(PutPlaces(store, {p}, clock.Now()));
//
// Thread safety: plain values and functions; the store helpers are as thread-safe as the
// store passed in.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "geo/lnglat.h"
#include "store/store.h"

namespace quanyu::places {

enum class PlaceCategory {
  kSchool,
  kHospital,
  kGovernment,
  kKeyEnterprise,
  kTransport,
  kPolice,
  kOther,
};

// Every category, in the order above (the order reports list them in).
inline constexpr PlaceCategory kAllPlaceCategories[] = {
    PlaceCategory::kSchool,        PlaceCategory::kHospital,  PlaceCategory::kGovernment,
    PlaceCategory::kKeyEnterprise, PlaceCategory::kTransport, PlaceCategory::kPolice,
    PlaceCategory::kOther};

// "school", "hospital", "government", "key_enterprise", "transport", "police", "other".
std::string_view PlaceCategoryName(PlaceCategory c);
// 学校, 医院, 党政机关, 重点企事业单位, 交通枢纽, 公安机关, 其他.
std::string_view PlaceCategoryLabel(PlaceCategory c);
// The category of a name above; InvalidArgument naming `field` otherwise.
StatusOr<PlaceCategory> ParsePlaceCategory(std::string_view text,
                                           std::string_view field = "category");

struct Place {
  std::string id;  // "osm:n<id>", "osm:w<id>", or any id of [A-Za-z0-9:_.-], at most 64
  std::string name;
  PlaceCategory category = PlaceCategory::kOther;
  geo::LngLat position;  // WGS-84
  std::string address;
  std::string source;                       // "osm" or "manual"
  std::map<std::string, std::string> tags;  // OSM tags kept (amenity, office, ...)

  bool operator==(const Place&) const = default;
};

// Checks id (non-empty, at most 64 characters of A-Z a-z 0-9 : _ . -), name (at most 200
// bytes), category (a known value) and position (a valid longitude/latitude). Errors name the
// field below `field` ("place.id"); an empty `field` names the bare field ("id").
Status ValidatePlace(const Place& p, std::string_view field = "");

// {"id", "name", "category", "category_label", "lng", "lat", "address", "source", "tags"}.
nlohmann::json PlaceToJson(const Place& p);
// The inverse (category_label is ignored); errors name the field. Validates the result.
StatusOr<Place> PlaceFromJson(const nlohmann::json& j);

// The store document kind places are kept under (id = place id, body = PlaceToJson).
inline constexpr const char* kPlaceDocumentKind = "place";

// Every stored place, in id order. DataLoss naming the document if one cannot be parsed.
StatusOr<std::vector<Place>> LoadPlaces(store::Store* store);
// Inserts or replaces the places, all in one transaction. Validates them first
// (InvalidArgument naming "places[i].field").
Status PutPlaces(store::Store* store, std::span<const Place> places, UnixMicros now);

}  // namespace quanyu::places
