#include "roads/osm_reader.h"

#include <algorithm>
#include <osmium/osm/relation.hpp>
#include <osmium/osm/way.hpp>

#include "roads/osm_scan.h"

namespace quanyu::roads {
namespace {

std::string_view Tag(const osmium::TagList& tags, const char* key) {
  const char* v = tags[key];
  return v == nullptr ? std::string_view() : std::string_view(v);
}

class RoadHandler : public osmium::handler::Handler {
 public:
  explicit RoadHandler(RoadSet* out) : out_(out) {}

  void node(const osmium::Node&) { ++out_->stats.nodes; }

  void way(const osmium::Way& way) {
    ++out_->stats.ways;
    const osmium::TagList& tags = way.tags();
    const std::string_view highway = Tag(tags, "highway");
    if (highway.empty()) return;
    const std::optional<HighwayTag> tag = ParseHighway(highway);
    if (!tag) return;
    for (const char* key : {"access", "motor_vehicle", "motorcar"}) {
      const std::string_view access = Tag(tags, key);
      if (access == "no" || access == "private") {
        ++out_->stats.skipped_access;
        return;
      }
    }
    if (Tag(tags, "area") == "yes") {
      ++out_->stats.skipped_area;
      return;
    }
    ++out_->stats.drivable_ways;
    Road proto;
    proto.way_id = way.id();
    proto.road_class = tag->road_class;
    proto.link = tag->link;
    proto.name = std::string(Tag(tags, "name"));
    proto.ref = std::string(Tag(tags, "ref"));
    proto.oneway = OnewayFromTags(Tag(tags, "oneway"), Tag(tags, "junction"), highway);
    proto.maxspeed_kmh = ParseMaxspeed(Tag(tags, "maxspeed")).value_or(0);

    Road piece = proto;
    auto flush = [&] {
      if (piece.points.size() >= 2) {
        out_->stats.road_segments += piece.points.size() - 1;
        out_->roads.push_back(std::move(piece));
      }
      piece = proto;
    };
    for (const osmium::NodeRef& n : way.nodes()) {
      const osmium::Location loc = n.location();
      if (!loc.valid()) {
        ++out_->stats.missing_nodes;
        flush();
        continue;
      }
      piece.node_ids.push_back(n.ref());
      piece.points.push_back({loc.lon(), loc.lat()});
    }
    flush();
  }

  void relation(const osmium::Relation& relation) {
    const osmium::TagList& tags = relation.tags();
    if (Tag(tags, "type") != "restriction") return;
    std::string_view kind = Tag(tags, "restriction:motorcar");
    if (kind.empty()) kind = Tag(tags, "restriction");
    if (kind.empty()) return;  // restriction:hgv etc. only: not for cars
    TurnRestriction r;
    r.kind = std::string(kind);
    if (kind.starts_with("only_")) {
      r.only = true;
    } else if (!kind.starts_with("no_")) {
      ++out_->stats.skipped_restrictions;
      return;
    }
    static constexpr std::string_view kKinds[] = {
        "no_left_turn",   "no_right_turn",   "no_straight_on",  "no_u_turn",
        "only_left_turn", "only_right_turn", "only_straight_on"};
    if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds)) {
      ++out_->stats.skipped_restrictions;
      return;
    }
    int from = 0, via = 0, to = 0;
    bool via_way = false;
    for (const osmium::RelationMember& m : relation.members()) {
      const std::string_view role = m.role();
      if (role == "from" && m.type() == osmium::item_type::way) {
        r.from_way = m.ref();
        ++from;
      } else if (role == "to" && m.type() == osmium::item_type::way) {
        r.to_way = m.ref();
        ++to;
      } else if (role == "via" && m.type() == osmium::item_type::node) {
        r.via_node = m.ref();
        ++via;
      } else if (role == "via" && m.type() == osmium::item_type::way) {
        via_way = true;
      }
    }
    if (via_way) {
      ++out_->stats.skipped_via_way;
      return;
    }
    if (from != 1 || via != 1 || to != 1) {
      ++out_->stats.skipped_restrictions;
      return;
    }
    ++out_->stats.restrictions;
    out_->restrictions.push_back(std::move(r));
  }

 private:
  RoadSet* out_;
};

}  // namespace

StatusOr<RoadSet> ReadRoads(const std::string& path, const ReadOptions& options) {
  RoadSet set;
  RoadHandler roads(&set);
  ASSIGN_OR_RETURN(set.stats.file_bytes, ScanOsm(path, options.progress, NoAreas(), roads));
  return set;
}

}  // namespace quanyu::roads
