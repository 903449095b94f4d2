// Small helpers shared by the route files (handlers.cc and the *_handlers.cc files).
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/router.h"
#include "core/status.h"
#include "geo/crs.h"
#include "geo/lnglat.h"

namespace quanyu::api {

inline Response JsonResponse(int status, const nlohmann::json& j) {
  return Response::Json(status, j.dump());
}

// Parses a request body as a JSON object, or an InvalidArgument naming "body".
inline StatusOr<nlohmann::json> BodyObject(const Request& req) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("body", "request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("body", "request body must be a JSON object");
  return j;
}

// The query parameter `name` as a whole number in [min, max]; `def` when absent.
inline StatusOr<int64_t> IntParam(const Request& req, const std::string& name, int64_t def,
                                  int64_t min, int64_t max) {
  std::string v = req.Query(name);
  if (v.empty()) return def;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < min || n > max) {
    return InvalidArgument(
        name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int64_t>(n);
}

inline StatusOr<size_t> LimitParam(const Request& req, size_t def, size_t max) {
  ASSIGN_OR_RETURN(int64_t n,
                   IntParam(req, "limit", static_cast<int64_t>(def), 1, static_cast<int64_t>(max)));
  return static_cast<size_t>(n);
}

// A coordinate system named in `text` ("wgs84" when empty), or an InvalidArgument naming
// `field`.
inline StatusOr<geo::Crs> CrsFromText(const std::string& text, const std::string& field) {
  auto crs = geo::ParseCrs(text.empty() ? "wgs84" : text);
  if (!crs) return InvalidArgument(field, "must be wgs84 or gcj02, not \"" + text + "\"");
  return *crs;
}
// The query parameter crs (default wgs84).
inline StatusOr<geo::Crs> CrsParam(const Request& req) {
  return CrsFromText(req.Query("crs"), "crs");
}

// [lng, lat] in a JSON body, in `crs`, as WGS-84; an InvalidArgument naming `field`.
inline StatusOr<geo::LngLat> LngLatJson(const nlohmann::json& j, const std::string& field,
                                        geo::Crs crs) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number() || !j[1].is_number()) {
    return InvalidArgument(field, "must be [lng, lat] in degrees");
  }
  const geo::LngLat p{j[0].get<double>(), j[1].get<double>()};
  if (!geo::IsValid(p)) {
    return InvalidArgument(field,
                           "must be [lng, lat] with longitude -180 to 180 and latitude -90 to 90");
  }
  return geo::ToWgs84(p, crs);
}

// The non-empty items of a comma-separated list ("a,,b" gives a, b).
inline std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace quanyu::api
