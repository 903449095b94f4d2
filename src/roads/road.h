// Drivable roads read from OpenStreetMap: the road model the crossing analysis uses and the
// road graph (graph.h) is built from.
//
// A Road is one OSM way tagged highway=<a drivable class> (see ParseHighway), as a polyline of
// its nodes' WGS-84 positions with the node ids, the class, name, ref and one-way direction.
// Ways whose nodes the extract lacks are cut into pieces at the missing nodes (each piece keeps
// the way id), so no segment ever bridges a gap.
//
// Class weights (ClassWeight) rate how much a road of a class matters to closing a ring: a
// motorway or trunk road carries far more vehicles, and is far likelier to carry the vehicle
// sought, than a service road. motorway, trunk 5; primary 4; secondary 3; tertiary 2;
// unclassified, residential, service, living_street 1. A *_link road weighs as its class.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "geo/lnglat.h"

namespace quanyu::roads {

// Ordered from the most to the least important.
enum class RoadClass {
  kMotorway,
  kTrunk,
  kPrimary,
  kSecondary,
  kTertiary,
  kUnclassified,
  kResidential,
  kService,
  kLivingStreet,
};
inline constexpr int kRoadClassCount = 9;

// "motorway", "trunk", ..., "living_street" (the OSM highway value of the class).
std::string_view RoadClassName(RoadClass c);
// The names above; errors name `field`.
StatusOr<RoadClass> ParseRoadClass(std::string_view name, std::string_view field = "class");

// The weight of the class in the weighted closure ratio (see the top of this file).
int ClassWeight(RoadClass c);

struct HighwayTag {
  RoadClass road_class;
  bool link = false;  // motorway_link, trunk_link, primary_link, secondary_link, tertiary_link
};
// The class of an OSM highway=* value, or nullopt if it is not a drivable road (footway,
// cycleway, track, path, construction, ...).
std::optional<HighwayTag> ParseHighway(std::string_view value);

// Which way along the polyline traffic may go.
enum class Oneway { kNo, kForward, kBackward };
std::string_view OnewayName(Oneway o);  // "no", "forward", "backward"
StatusOr<Oneway> ParseOneway(std::string_view name, std::string_view field = "oneway");

// The one-way direction OSM tags give: oneway=yes/true/1 forward, oneway=-1/reverse backward,
// oneway=no/false/0 two-way; without a oneway tag, junction=roundabout and highway=motorway or
// motorway_link are forward; everything else two-way. Empty views mean "tag absent".
Oneway OnewayFromTags(std::string_view oneway, std::string_view junction, std::string_view highway);

// The speed limit in km/h of an OSM maxspeed=* value, or nullopt if it cannot be read (the
// caller then uses its speed profile). "60" and "60 km/h" are km/h; "30 mph" is converted
// (1.609344); "none" (no limit) counts as 130; country-coded implicit limits ("CN:urban",
// "DE:rural", ...) as urban 50, rural 80, trunk 100, motorway 120, living_street 10; "walk" 7.
// Where several limits are given ("60;80") the first counts.
std::optional<double> ParseMaxspeed(std::string_view value);

struct Road {
  int64_t way_id = 0;
  RoadClass road_class = RoadClass::kResidential;
  bool link = false;
  std::string name;  // name=*, "" if absent
  std::string ref;   // ref=*, "" if absent
  Oneway oneway = Oneway::kNo;
  double maxspeed_kmh = 0;          // from maxspeed=* (ParseMaxspeed); 0 if absent or unreadable
  std::vector<int64_t> node_ids;    // OSM node ids, parallel to points
  std::vector<geo::LngLat> points;  // WGS-84, at least 2

  bool operator==(const Road&) const = default;
};

// "G4201 二环路" style label: name and ref joined, or whichever exists, or "way 123".
std::string RoadLabel(const Road& r);

}  // namespace quanyu::roads
