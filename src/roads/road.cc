#include "roads/road.h"

#include <array>
#include <charconv>

namespace quanyu::roads {
namespace {

constexpr std::array<std::string_view, kRoadClassCount> kClassNames = {
    "motorway",     "trunk",       "primary", "secondary",    "tertiary",
    "unclassified", "residential", "service", "living_street"};
constexpr std::array<int, kRoadClassCount> kClassWeights = {5, 5, 4, 3, 2, 1, 1, 1, 1};

}  // namespace

std::string_view RoadClassName(RoadClass c) { return kClassNames[static_cast<int>(c)]; }

StatusOr<RoadClass> ParseRoadClass(std::string_view name, std::string_view field) {
  for (int i = 0; i < kRoadClassCount; ++i) {
    if (kClassNames[i] == name) return static_cast<RoadClass>(i);
  }
  return InvalidArgument(std::string(field), "\"" + std::string(name) + "\" is not a road class");
}

int ClassWeight(RoadClass c) { return kClassWeights[static_cast<int>(c)]; }

std::optional<HighwayTag> ParseHighway(std::string_view value) {
  constexpr std::string_view kLink = "_link";
  bool link = false;
  if (value.size() > kLink.size() && value.ends_with(kLink)) {
    value.remove_suffix(kLink.size());
    link = true;
  }
  for (int i = 0; i < kRoadClassCount; ++i) {
    if (kClassNames[i] != value) continue;
    const auto c = static_cast<RoadClass>(i);
    // Only the five upper classes have link roads.
    if (link && c > RoadClass::kTertiary) return std::nullopt;
    return HighwayTag{c, link};
  }
  return std::nullopt;
}

std::string_view OnewayName(Oneway o) {
  switch (o) {
    case Oneway::kNo:
      return "no";
    case Oneway::kForward:
      return "forward";
    case Oneway::kBackward:
      return "backward";
  }
  return "no";
}

StatusOr<Oneway> ParseOneway(std::string_view name, std::string_view field) {
  if (name == "no") return Oneway::kNo;
  if (name == "forward") return Oneway::kForward;
  if (name == "backward") return Oneway::kBackward;
  return InvalidArgument(std::string(field), "must be no, forward or backward");
}

Oneway OnewayFromTags(std::string_view oneway, std::string_view junction,
                      std::string_view highway) {
  if (oneway == "yes" || oneway == "true" || oneway == "1") return Oneway::kForward;
  if (oneway == "-1" || oneway == "reverse") return Oneway::kBackward;
  if (oneway == "no" || oneway == "false" || oneway == "0") return Oneway::kNo;
  if (junction == "roundabout") return Oneway::kForward;
  if (highway == "motorway" || highway == "motorway_link") return Oneway::kForward;
  return Oneway::kNo;
}

std::optional<double> ParseMaxspeed(std::string_view value) {
  if (const size_t semi = value.find(';'); semi != std::string_view::npos) {
    value = value.substr(0, semi);
  }
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value == "none") return 130;
  if (value == "walk") return 7;
  if (const size_t colon = value.find(':'); colon != std::string_view::npos) {
    const std::string_view kind = value.substr(colon + 1);
    if (kind == "urban") return 50;
    if (kind == "rural") return 80;
    if (kind == "trunk") return 100;
    if (kind == "motorway") return 120;
    if (kind == "living_street") return 10;
    if (kind == "walk") return 7;
    return std::nullopt;
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || !(number > 0) || number > 300) return std::nullopt;
  std::string_view unit(end, value.data() + value.size() - end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (unit.empty() || unit == "km/h" || unit == "kmh" || unit == "kph") return number;
  if (unit == "mph") return number * 1.609344;
  return std::nullopt;
}

std::string RoadLabel(const Road& r) {
  if (!r.name.empty() && !r.ref.empty()) return r.ref + " " + r.name;
  if (!r.name.empty()) return r.name;
  if (!r.ref.empty()) return r.ref;
  return "way " + std::to_string(r.way_id);
}

}  // namespace quanyu::roads
