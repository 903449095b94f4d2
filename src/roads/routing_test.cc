#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>

#include "core/sanitizers.h"
#include "geo/test_data.h"
#include "roads/ch.h"
#include "roads/graph.h"
#include "roads/osm_reader.h"
#include "roads/route.h"
#include "roads/snap.h"
#include "roads/test_map.h"

namespace quanyu::roads {
namespace {

using geo::testing::SourceDir;

using testing::NodeId;
using testing::ParseAsciiMap;
using testing::PathLetters;

// Query counts of the random agreement tests are divided by this under AddressSanitizer,
// whose unoptimised build runs them many times slower.
constexpr int kQueryDivisor = QUANYU_ASAN ? 20 : 1;

// Routes between letters with Dijkstra and with the hierarchy; both must agree on the weight,
// and the letters of the Dijkstra route are returned ("" if unreachable).
std::string Route(const RoadGraph& graph, char from, char to, Metric metric = Metric::kDistance) {
  const RoutePoint a = graph.PointAtVertex(graph.VertexOfOsmNode(NodeId(from)));
  const RoutePoint b = graph.PointAtVertex(graph.VertexOfOsmNode(NodeId(to)));
  DijkstraQuery dijkstra(graph, metric);
  Path reference;
  const Weight w = dijkstra.FindPath(a, b, &reference);
  const ContractionHierarchy ch = ContractionHierarchy::Build(graph, metric);
  ChQuery query(ch);
  Path fast;
  EXPECT_EQ(query.FindPath(a, b, &fast), w) << from << " to " << to;
  EXPECT_EQ(PathLetters(graph, fast.edges), PathLetters(graph, reference.edges));
  return w == kInfWeight ? "" : PathLetters(graph, reference.edges);
}

TEST(RoadGraphTest, CompressesChainsAndCountsComponents) {
  // A way a-x-y-b with inner nodes only in it compresses into one piece.
  RoadSet set;
  Road r;
  r.way_id = 7;
  r.road_class = RoadClass::kPrimary;
  r.node_ids = {1, 2, 3, 4};
  r.points = {{104.0, 30.0}, {104.001, 30.0}, {104.002, 30.0}, {104.003, 30.0}};
  set.roads.push_back(r);
  Road side = r;
  side.way_id = 8;
  side.node_ids = {3, 5};
  side.points = {{104.002, 30.0}, {104.002, 30.001}};
  side.oneway = Oneway::kForward;
  side.maxspeed_kmh = 20;
  set.roads.push_back(side);
  const RoadGraph g = RoadGraph::Build(set);
  // Vertices: 1 and 4 (ends), 3 (junction), 5 (end); 2 is inside a chain.
  EXPECT_EQ(g.vertex_count(), 4u);
  EXPECT_EQ(g.VertexOfOsmNode(2), kNoVertex);
  EXPECT_EQ(g.pieces().size(), 3u);
  EXPECT_EQ(g.edge_count(), 5u);  // 1-3 and 3-4 both ways, 3->5 one way
  EXPECT_EQ(g.stats().weak_components, 1u);
  EXPECT_EQ(g.stats().strong_components, 2u);  // 5 cannot be left
  EXPECT_EQ(g.stats().largest_strong_component, 3u);
  const RoadPiece& first = g.pieces()[0];
  EXPECT_EQ(first.point_count, 3u);
  EXPECT_NEAR(first.length_m, 2 * 96.5, 1.0);
  const GraphEdge& e = g.edge(first.forward);
  EXPECT_EQ(e.distance_cm, static_cast<Weight>(std::lround(first.length_m * 100)));
  // primary: 50 km/h.
  EXPECT_NEAR(e.time_ms, first.length_m / (50 / 3.6) * 1000, 1);
  // The side road drives at its maxspeed.
  const GraphEdge& s = g.edge(g.pieces()[2].forward);
  EXPECT_NEAR(s.time_ms, g.pieces()[2].length_m / (20 / 3.6) * 1000, 1);
  EXPECT_EQ(g.pieces()[2].backward, kNoEdge);
  EXPECT_EQ(ProfileSpeedKmh(RoadClass::kMotorway, true), 67.5);
  EXPECT_EQ(ProfileSpeedKmh(RoadClass::kResidential, false), 25);
}

TEST(RoutingTest, OneWaysAreHonoured) {
  const auto map = ParseAsciiMap(
      "a---b>--c\n"
      "|       |\n"
      "d-------e\n");
  const RoadGraph g = RoadGraph::Build(map.set);
  EXPECT_EQ(Route(g, 'a', 'c'), "abc");
  EXPECT_EQ(Route(g, 'c', 'b'), "cedab");
  EXPECT_EQ(Route(g, 'c', 'a'), "ceda");
  EXPECT_EQ(Route(g, 'c', 'a', Metric::kTime), "ceda");

  const auto down = ParseAsciiMap(
      "a-b\n"
      "v ^\n"
      "c-d\n");
  const RoadGraph h = RoadGraph::Build(down.set);
  EXPECT_EQ(Route(h, 'a', 'c'), "ac");
  EXPECT_EQ(Route(h, 'c', 'a'), "cdba");
  EXPECT_EQ(Route(h, 'b', 'd'), "bacd");
}

TEST(RoutingTest, UnreachableTargetsAreReportedAsInfinite) {
  const auto map = ParseAsciiMap(
      "a-b  c-d\n"
      "|\n"
      "e>-f\n");
  const RoadGraph g = RoadGraph::Build(map.set);
  EXPECT_EQ(g.stats().weak_components, 2u);
  EXPECT_EQ(Route(g, 'a', 'd'), "");
  EXPECT_EQ(Route(g, 'f', 'a'), "");  // a dead-end one-way
  EXPECT_EQ(Route(g, 'a', 'f'), "aef");
  EXPECT_NE(g.StrongComponent(g.VertexOfOsmNode(NodeId('f'))),
            g.StrongComponent(g.VertexOfOsmNode(NodeId('a'))));
  const ContractionHierarchy ch = ContractionHierarchy::Build(g, Metric::kTime);
  ChQuery query(ch);
  std::vector<RoutePoint> targets;
  for (char c : std::string("abcdef"))
    targets.push_back(g.PointAtVertex(g.VertexOfOsmNode(NodeId(c))));
  std::vector<Weight> out;
  query.OneToMany(targets[0], targets, &out);
  EXPECT_EQ(out[0], 0u);
  EXPECT_NE(out[1], kInfWeight);
  EXPECT_EQ(out[2], kInfWeight);
  EXPECT_EQ(out[3], kInfWeight);
  EXPECT_NE(out[5], kInfWeight);
}

// The graph is node-based: a route may turn back at any vertex. The maps below make b->d one
// way so that turning back at d cannot get round a restriction at b.
constexpr char kJunction[] =
    "    c---f\n"
    "    |   |\n"
    "a---b>--d\n"
    "    |\n"
    "    e\n";

TEST(RoutingTest, NoLeftTurn) {
  // Driving east from a, the turn at b towards c (north) is a left turn.
  auto map = ParseAsciiMap(kJunction);
  map.Restrict("ab", 'b', "bc", "no_left_turn");
  const RoadGraph g = RoadGraph::Build(map.set);
  EXPECT_EQ(g.stats().restrictions_applied, 1u);
  EXPECT_EQ(g.stats().restriction_copies, 1u);
  EXPECT_EQ(Route(g, 'a', 'c'), "abdfc");
  EXPECT_EQ(Route(g, 'a', 'd'), "abd");  // straight on is still allowed
  EXPECT_EQ(Route(g, 'a', 'e'), "abe");  // and right
  EXPECT_EQ(Route(g, 'e', 'c'), "ebc");  // from another way the turn is allowed
  EXPECT_EQ(Route(g, 'a', 'b'), "ab");   // arriving at the copy of b counts
  EXPECT_EQ(Route(g, 'c', 'a'), "cba");
  // Without the restriction the turn is taken.
  const RoadGraph free = RoadGraph::Build(ParseAsciiMap(kJunction).set);
  EXPECT_EQ(Route(free, 'a', 'c'), "abc");
}

TEST(RoutingTest, OnlyStraightOn) {
  auto map = ParseAsciiMap(kJunction);
  map.Restrict("ab", 'b', "bd", "only_straight_on");
  const RoadGraph g = RoadGraph::Build(map.set);
  EXPECT_EQ(Route(g, 'a', 'd'), "abd");
  EXPECT_EQ(Route(g, 'a', 'c'), "abdfc");
  EXPECT_EQ(Route(g, 'a', 'e'), "abdfcbe");  // round the block, then straight on from c
  EXPECT_EQ(Route(g, 'e', 'a'), "eba");
  // Forbid that too, and e cannot be reached from a at all.
  map.Restrict("cb", 'b', "be", "no_straight_on");
  const RoadGraph g2 = RoadGraph::Build(map.set);
  EXPECT_EQ(g2.stats().restriction_copies, 2u);
  EXPECT_EQ(Route(g2, 'a', 'e'), "");
  EXPECT_EQ(Route(g2, 'c', 'a'), "cba");
  EXPECT_EQ(Route(g2, 'e', 'a'), "eba");
}

TEST(RoutingTest, NoUTurnRemovesOnlyTheTurnBack) {
  auto map = ParseAsciiMap("a---b---c\n");
  map.Restrict("ab", 'b', "ab", "no_u_turn");
  const RoadGraph g = RoadGraph::Build(map.set);
  // Arriving from a, b's copy may only be left towards c.
  const uint32_t b = g.VertexOfOsmNode(NodeId('b'));
  ASSERT_EQ(g.CopiesOf(b).size(), 2u);
  const uint32_t copy = g.CopiesOf(b)[1];
  ASSERT_EQ(g.OutEdges(copy).size(), 1u);
  EXPECT_EQ(g.VertexOsmNode(g.edge(g.OutEdges(copy)[0]).to), NodeId('c'));
  EXPECT_EQ(g.OutEdges(b).size(), 2u);  // from c, both ways on
  EXPECT_EQ(Route(g, 'a', 'c'), "abc");
  EXPECT_EQ(Route(g, 'c', 'a'), "cba");
}

TEST(RoutingTest, RoutesStartAndEndPartWayAlongAPiece) {
  const auto map = ParseAsciiMap(
      "a--------b\n"
      "|        |\n"
      "c-->-----d\n");
  const RoadGraph g = RoadGraph::Build(map.set);
  auto piece_of = [&](const std::string& way) {
    for (uint32_t p = 0; p < g.pieces().size(); ++p) {
      if (g.pieces()[p].way_id == map.ways.at(way)) return p;
    }
    return kNoEdge;
  };
  const uint32_t ab = piece_of("ab"), cd = piece_of("cd");
  const RoutePoint on_ab = g.PointOnPiece(ab, 0.25);
  const RoutePoint on_cd = g.PointOnPiece(cd, 0.5);
  const RoutePoint on_cd_later = g.PointOnPiece(cd, 0.75);
  const ContractionHierarchy ch = ContractionHierarchy::Build(g, Metric::kDistance);
  ChQuery query(ch);
  DijkstraQuery dijkstra(g, Metric::kDistance);
  const double ab_cm = g.pieces()[ab].length_m * 100,
               ac_cm = g.pieces()[piece_of("ac")].length_m * 100;
  const double cd_cm = g.pieces()[cd].length_m * 100;
  // a quarter along a-b, back to a, down to c, half along c-d.
  const double expected = 0.25 * ab_cm + ac_cm + 0.5 * cd_cm;
  Path path;
  EXPECT_NEAR(query.FindPath(on_ab, on_cd, &path), expected, 2);
  EXPECT_EQ(PathLetters(g, path.edges), "ac");
  EXPECT_NEAR(dijkstra.FindPath(on_ab, on_cd), expected, 2);
  // Along the one-way piece: directly forward, the long way round backward.
  EXPECT_NEAR(query.FindPath(on_cd, on_cd_later, &path), 0.25 * cd_cm, 1);
  EXPECT_EQ(path.source_anchor, -1);
  const double around =
      0.25 * cd_cm + g.pieces()[piece_of("bd")].length_m * 100 + ab_cm + ac_cm + 0.5 * cd_cm;
  EXPECT_NEAR(query.FindPath(on_cd_later, on_cd), around, 3);
  EXPECT_NEAR(dijkstra.FindPath(on_cd_later, on_cd), around, 3);
  // The geometry starts and ends at the two positions.
  query.FindPath(on_ab, on_cd, &path);
  const nlohmann::json line = RouteGeoJson(g, on_ab, on_cd, path);
  EXPECT_EQ(line["type"], "LineString");
  ASSERT_EQ(line["coordinates"].size(), 4u);  // on a-b, a, c, on c-d
  EXPECT_DOUBLE_EQ(line["coordinates"][0][0].get<double>(), on_ab.position.lng);
  EXPECT_DOUBLE_EQ(line["coordinates"][1][0].get<double>(), 104.0);
  EXPECT_DOUBLE_EQ(line["coordinates"][2][1].get<double>(), 30.0 - 2 * 0.0002);
  EXPECT_DOUBLE_EQ(line["coordinates"][3][0].get<double>(), on_cd.position.lng);
  EXPECT_NEAR(on_cd.position.lng, 104.00045, 1e-9);
}

TEST(SnapTest, SnapsToTheNearestUsableRoadPartWayAlongIt) {
  const auto map = ParseAsciiMap(
      "a--------b  g-h\n"
      "|        |\n"
      "c-->-----d\n");
  const RoadGraph g = RoadGraph::Build(map.set);
  const Snapper snapper(g);
  // A quarter along a-b (b is 9 columns east of a), about 5.6 m north of it.
  const auto s = snapper.Snap({104.0 + 0.25 * 0.0009, 30.00005});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(g.pieces()[s->piece].way_id, map.ways.at("ab"));
  EXPECT_NEAR(s->fraction, 0.25, 1e-3);
  EXPECT_NEAR(s->offset_m, 0.25 * g.pieces()[s->piece].length_m, 0.1);
  EXPECT_NEAR(s->distance_m, 5.56, 0.05);
  EXPECT_NEAR(s->point.lat, 30.0, 1e-9);
  EXPECT_NEAR(s->point.lng, 104.000225, 1e-7);
  // g-h is its own component: a position beside it snaps to the main network instead.
  const auto beside_gh = snapper.Snap({104.00125, 30.00001});
  ASSERT_TRUE(beside_gh.has_value());
  EXPECT_NE(g.pieces()[beside_gh->piece].way_id, map.ways.at("gh"));
  EXPECT_NEAR(beside_gh->point.lng, 104.0009, 1e-9);  // at b, the end of a-b and b-d
  SnapOptions any;
  any.largest_component_only = false;
  const Snapper all(g, any);
  EXPECT_EQ(g.pieces()[all.Snap({104.00125, 30.00001})->piece].way_id, map.ways.at("gh"));
  // Nothing within 1 km.
  EXPECT_FALSE(snapper.Snap({104.1, 30.0}).has_value());
  // A route between snapped positions starts and ends at them.
  const auto t = snapper.Snap({104.0004, 29.99955});  // a few metres north of c-d
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(g.pieces()[t->piece].way_id, map.ways.at("cd"));
  const ContractionHierarchy ch = ContractionHierarchy::Build(g, Metric::kDistance);
  ChQuery query(ch);
  Path path;
  const RoutePoint from = snapper.PointOf(*s), to = snapper.PointOf(*t);
  ASSERT_NE(query.FindPath(from, to, &path), kInfWeight);
  EXPECT_EQ(PathLetters(g, path.edges), "ac");
  const std::vector<geo::LngLat> line = RouteGeometry(g, from, to, path);
  EXPECT_EQ(line.front(), s->point);
  EXPECT_EQ(line.back(), t->point);
}

TEST(RoutingTest, PinnedSourcesFollowOneWaysTowardsTheTarget) {
  // Units at a and d, an incident at c; b>c is one way. From c the units are reached only by
  // going round through e; towards c, a drives straight along a-b-c.
  const auto map = ParseAsciiMap(
      "a---b>--c\n"
      "|       |\n"
      "d-------e\n");
  const RoadGraph g = RoadGraph::Build(map.set);
  auto at = [&](char c) { return g.PointAtVertex(g.VertexOfOsmNode(NodeId(c))); };
  const ContractionHierarchy ch = ContractionHierarchy::Build(g, Metric::kTime);
  ChQuery query(ch);
  DijkstraQuery dijkstra(g, Metric::kTime);
  const std::vector<RoutePoint> units = {at('a'), at('d'), at('b')};
  query.PinSources(units);
  std::vector<Weight> to_incident;
  query.PinnedToOne(at('c'), &to_incident);
  ASSERT_EQ(to_incident.size(), 3u);
  for (size_t i = 0; i < units.size(); ++i) {
    EXPECT_EQ(to_incident[i], dijkstra.FindPath(units[i], at('c'))) << i;
    EXPECT_EQ(to_incident[i], query.FindPath(units[i], at('c'))) << i;
  }
  // The other way round (the incident to each unit) is a different, longer time for a and b.
  std::vector<Weight> from_incident;
  query.OneToMany(at('c'), units, &from_incident);
  EXPECT_GT(from_incident[0], to_incident[0]);
  EXPECT_GT(from_incident[2], to_incident[2]);
  EXPECT_EQ(Route(g, 'a', 'c', Metric::kTime), "abc");
  EXPECT_EQ(Route(g, 'c', 'a', Metric::kTime), "ceda");
  // Along the one-way piece b-c: a unit a third of the way along reaches a point two thirds
  // along directly, not the other way round; PinnedToOne uses the same rule as FindPath.
  uint32_t bc = kNoEdge;
  for (uint32_t p = 0; p < g.pieces().size(); ++p) {
    if (g.pieces()[p].way_id == map.ways.at("bc")) bc = p;
  }
  ASSERT_NE(bc, kNoEdge);
  const RoutePoint third = g.PointOnPiece(bc, 1.0 / 3), two_thirds = g.PointOnPiece(bc, 2.0 / 3);
  query.PinSources(std::vector<RoutePoint>{third, two_thirds});
  query.PinnedToOne(two_thirds, &to_incident);
  EXPECT_EQ(to_incident[0], g.DirectWeight(third, two_thirds, Metric::kTime));
  EXPECT_EQ(to_incident[0], query.FindPath(third, two_thirds));
  EXPECT_EQ(to_incident[1], 0u);
  query.PinnedToOne(third, &to_incident);
  EXPECT_EQ(to_incident[1], query.FindPath(two_thirds, third));
  EXPECT_EQ(to_incident[1], dijkstra.FindPath(two_thirds, third));
  EXPECT_GT(to_incident[1], g.DirectWeight(third, two_thirds, Metric::kTime));
}

// An extract, its graph and a hierarchy per metric, built once per test binary.
struct Extract {
  RoadSet set;
  std::unique_ptr<RoadGraph> graph;
  std::unique_ptr<ContractionHierarchy> time, distance;
  double build_seconds = 0;
};

const Extract& LoadExtract(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Extract>> cache;
  auto& slot = cache[name];
  if (slot) return *slot;
  slot = std::make_unique<Extract>();
  auto set = ReadRoads(SourceDir() + "/data/osm/" + name);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  if (set.ok()) slot->set = std::move(set).value();
  slot->graph = std::make_unique<RoadGraph>(RoadGraph::Build(slot->set));
  const auto start = std::chrono::steady_clock::now();
  slot->time = std::make_unique<ContractionHierarchy>(
      ContractionHierarchy::Build(*slot->graph, Metric::kTime));
  slot->distance = std::make_unique<ContractionHierarchy>(
      ContractionHierarchy::Build(*slot->graph, Metric::kDistance));
  slot->build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return *slot;
}

// Random route points: vertices (of any component) and positions part-way along pieces.
std::vector<RoutePoint> RandomPoints(const RoadGraph& g, size_t count, std::mt19937& rng) {
  std::vector<RoutePoint> points;
  for (size_t i = 0; i < count; ++i) {
    if (rng() % 2 == 0) {
      points.push_back(g.PointAtVertex(rng() % g.vertex_count()));
    } else {
      points.push_back(g.PointOnPiece(rng() % g.pieces().size(),
                                      std::uniform_real_distribution<double>(0, 1)(rng)));
    }
  }
  return points;
}

// The weight of a path recomputed from its anchors and edges.
Weight PathWeight(const RoadGraph& g, const RoutePoint& from, const RoutePoint& to,
                  const Path& path, Metric m) {
  if (path.source_anchor < 0) return g.DirectWeight(from, to, m);
  Weight w = from.sources[path.source_anchor].weight(m) + to.targets[path.target_anchor].weight(m);
  for (uint32_t e : path.edges) w += g.edge(e).weight(m);
  // Consecutive edges must connect.
  for (size_t i = 1; i < path.edges.size(); ++i) {
    EXPECT_EQ(g.edge(path.edges[i - 1]).to, g.edge(path.edges[i]).from);
  }
  return w;
}

// A generated grid, `side` vertices a side, with random speed limits and about a fifth of the
// streets one way.
RoadSet RandomGrid(int side, std::mt19937& rng) {
  RoadSet set;
  auto id = [side](int r, int c) { return static_cast<int64_t>(r) * side + c + 1; };
  auto pos = [](int r, int c) { return geo::LngLat{104.0 + c * 0.00104, 30.0 + r * 0.0009}; };
  int64_t way = 1;
  for (int r = 0; r < side; ++r) {
    for (int c = 0; c < side; ++c) {
      for (const auto& [dr, dc] : {std::pair{0, 1}, std::pair{1, 0}}) {
        if (r + dr >= side || c + dc >= side) continue;
        Road road;
        road.way_id = way++;
        road.road_class = RoadClass::kResidential;
        road.maxspeed_kmh = std::uniform_real_distribution<double>(10, 100)(rng);
        const int kind = static_cast<int>(rng() % 10);
        road.oneway = kind == 0 ? Oneway::kForward : kind == 1 ? Oneway::kBackward : Oneway::kNo;
        road.node_ids = {id(r, c), id(r + dr, c + dc)};
        road.points = {pos(r, c), pos(r + dr, c + dc)};
        set.roads.push_back(std::move(road));
      }
    }
  }
  return set;
}

// Pinned sources and pinned targets on synthetic grids agree with Dijkstra, in both metrics.
TEST(RoutingTest, PinnedQueriesAgreeWithDijkstraOnSyntheticGrids) {
  std::mt19937 rng(11);
  for (int side : {12, 40}) {
    const RoadSet set = RandomGrid(side, rng);
    const RoadGraph g = RoadGraph::Build(set);
    for (Metric m : {Metric::kTime, Metric::kDistance}) {
      const ContractionHierarchy ch = ContractionHierarchy::Build(g, m);
      ChQuery query(ch);
      DijkstraQuery slow(g, m);
      const std::vector<RoutePoint> units = RandomPoints(g, 60, rng);
      const std::vector<RoutePoint> incidents = RandomPoints(g, 50 / kQueryDivisor + 1, rng);
      query.PinTargets(units);
      query.PinSources(units);
      std::vector<Weight> matrix, out;
      slow.ManyToMany(units, incidents, &matrix);
      for (size_t j = 0; j < incidents.size(); ++j) {
        query.PinnedToOne(incidents[j], &out);
        for (size_t i = 0; i < units.size(); ++i) {
          ASSERT_EQ(out[i], matrix[i * incidents.size() + j])
              << side << " unit " << i << " to " << j;
        }
      }
      // The pinned targets (the same points) still answer the reverse direction.
      slow.ManyToMany(incidents, units, &matrix);
      for (size_t j = 0; j < incidents.size(); ++j) {
        query.OneToPinned(incidents[j], &out);
        for (size_t i = 0; i < units.size(); ++i) {
          ASSERT_EQ(out[i], matrix[j * units.size() + i]) << side << " " << j << " to unit " << i;
        }
      }
      // Units move one by one: each is re-pinned alone, and the answers are those of pinning
      // the new positions from scratch.
      std::vector<RoutePoint> moved = units;
      const std::vector<RoutePoint> elsewhere = RandomPoints(g, 10, rng);
      for (size_t k = 0; k < elsewhere.size(); ++k) {
        const size_t i = (k * 7) % moved.size();
        moved[i] = elsewhere[k];
        query.RepinSource(i, moved[i]);
      }
      slow.ManyToMany(moved, incidents, &matrix);
      for (size_t j = 0; j < incidents.size(); ++j) {
        query.PinnedToOne(incidents[j], &out);
        for (size_t i = 0; i < moved.size(); ++i) {
          ASSERT_EQ(out[i], matrix[i * incidents.size() + j])
              << side << " moved unit " << i << " to " << j;
        }
      }
    }
  }
}

class ExtractAgreementTest : public ::testing::TestWithParam<const char*> {};

// The hierarchy gives the same weights as Dijkstra for random one-to-one, one-to-many and
// many-to-many queries, in both metrics, and its unpacked routes have those weights.
TEST_P(ExtractAgreementTest, ChAgreesWithDijkstra) {
  const Extract& x = LoadExtract(GetParam());
  const RoadGraph& g = *x.graph;
  ASSERT_GT(g.vertex_count(), 1000u);
  std::printf(
      "%s: %lu vertices (%lu restriction copies), %lu edges, %lu SCCs (largest %lu), "
      "%lu weak, %lu restrictions applied, %lu ignored; CH %lu + %lu shortcuts in %.1f s\n",
      GetParam(), g.stats().vertices, g.stats().restriction_copies, g.stats().edges,
      g.stats().strong_components, g.stats().largest_strong_component, g.stats().weak_components,
      g.stats().restrictions_applied, g.stats().restrictions_ignored, x.time->stats().shortcuts,
      x.distance->stats().shortcuts, x.build_seconds);
  EXPECT_GT(g.stats().largest_strong_component, g.vertex_count() / 2);
  std::mt19937 rng(42);
  for (const ContractionHierarchy* ch : {x.time.get(), x.distance.get()}) {
    const Metric m = ch->metric();
    ChQuery fast(*ch);
    DijkstraQuery slow(g, m);
    const size_t n = 2000 / kQueryDivisor;
    const std::vector<RoutePoint> from = RandomPoints(g, n, rng), to = RandomPoints(g, n, rng);
    size_t reachable = 0;
    Path path;
    for (size_t i = 0; i < n; ++i) {
      const Weight expected = slow.FindPath(from[i], to[i]);
      ASSERT_EQ(fast.FindPath(from[i], to[i], &path), expected) << "query " << i;
      if (expected == kInfWeight) continue;
      ++reachable;
      ASSERT_EQ(PathWeight(g, from[i], to[i], path, m), expected) << "query " << i;
      if (m == Metric::kDistance && i < 200) {
        // The route's polyline runs from one position to the other and is as long as its
        // weight says (each edge's length was rounded to the centimetre).
        const std::vector<geo::LngLat> line = RouteGeometry(g, from[i], to[i], path);
        ASSERT_FALSE(line.empty());
        EXPECT_EQ(line.front(), from[i].position);
        EXPECT_EQ(line.back(), to[i].position);
        double length_m = 0;
        for (size_t k = 1; k < line.size(); ++k)
          length_m += geo::DistanceMeters(line[k - 1], line[k]);
        EXPECT_NEAR(length_m, expected / 100.0, 0.05 + 0.01 * path.edges.size()) << "query " << i;
      }
    }
    EXPECT_GT(reachable, n / 2);
    // One-to-many and many-to-many.
    const size_t k = 100 / (kQueryDivisor > 1 ? 4 : 1);
    const std::vector<RoutePoint> targets = RandomPoints(g, k, rng);
    std::vector<Weight> fast_out, slow_out;
    ChQuery pinned(*ch);
    pinned.PinTargets(targets);
    std::vector<Weight> pinned_out;
    for (int i = 0; i < 10; ++i) {
      fast.OneToMany(from[i], targets, &fast_out);
      slow.OneToMany(from[i], targets, &slow_out);
      ASSERT_EQ(fast_out, slow_out) << "source " << i;
      // Targets pinned once answer every source alike.
      pinned.OneToPinned(from[i], &pinned_out);
      ASSERT_EQ(pinned_out, slow_out) << "source " << i;
    }
    // Sources pinned once answer every target alike (k x 30 pairs), also when a target lies
    // on the same piece as a source; pinning them keeps the pinned targets.
    std::vector<RoutePoint> units = RandomPoints(g, k - 10, rng);
    const std::vector<RoutePoint> incidents(to.begin(), to.begin() + 30);
    for (const RoutePoint& p : incidents) {
      if (p.piece == kNoEdge || units.size() == k) continue;
      units.push_back(g.PointOnPiece(p.piece, std::uniform_real_distribution<double>(0, 1)(rng)));
    }
    pinned.PinSources(units);
    ASSERT_EQ(pinned.pinned_source_count(), units.size());
    ASSERT_EQ(pinned.pinned_count(), targets.size());
    std::vector<Weight> matrix;
    slow.ManyToMany(units, incidents, &matrix);
    for (size_t j = 0; j < incidents.size(); ++j) {
      pinned.PinnedToOne(incidents[j], &pinned_out);
      ASSERT_EQ(pinned_out.size(), units.size());
      for (size_t i = 0; i < units.size(); ++i) {
        ASSERT_EQ(pinned_out[i], matrix[i * incidents.size() + j]) << "unit " << i << " to " << j;
      }
      if (j < 3) {
        for (size_t i = 0; i < units.size(); ++i)
          ASSERT_EQ(pinned_out[i], fast.FindPath(units[i], incidents[j])) << i << " to " << j;
      }
    }
    pinned.OneToPinned(from[0], &pinned_out);
    slow.OneToMany(from[0], targets, &slow_out);
    ASSERT_EQ(pinned_out, slow_out) << "pinned targets after PinSources";
    const std::span<const RoutePoint> sources(from.data(), k / 2);
    fast.ManyToMany(sources, targets, &fast_out);
    slow.ManyToMany(sources, targets, &slow_out);
    ASSERT_EQ(fast_out.size(), sources.size() * targets.size());
    EXPECT_EQ(fast_out, slow_out);
  }
  // Snapped random coordinates in the extract's box: never farther than the nearest usable
  // vertex, and every two of them connected (all in the largest component).
  const Snapper snapper(g);
  double min_lng = 180, max_lng = -180, min_lat = 90, max_lat = -90;
  for (const geo::LngLat& p : g.points()) {
    min_lng = std::min(min_lng, p.lng), max_lng = std::max(max_lng, p.lng);
    min_lat = std::min(min_lat, p.lat), max_lat = std::max(max_lat, p.lat);
  }
  std::vector<RoutePoint> snapped;
  const size_t n = 200 / kQueryDivisor;
  while (snapped.size() < n) {
    const geo::LngLat p{std::uniform_real_distribution<double>(min_lng, max_lng)(rng),
                        std::uniform_real_distribution<double>(min_lat, max_lat)(rng)};
    const auto s = snapper.Snap(p);
    if (!s) continue;
    double nearest_vertex = 1e18;
    for (uint32_t v = 0; v < g.vertex_count(); ++v) {
      if (g.StrongComponent(v) != 0) continue;
      nearest_vertex = std::min(nearest_vertex, geo::DistanceMeters(p, g.VertexPosition(v)));
    }
    ASSERT_LE(s->distance_m, nearest_vertex + 0.5) << p.lng << "," << p.lat;
    snapped.push_back(snapper.PointOf(*s));
  }
  ChQuery fast(*x.time);
  DijkstraQuery slow(g, Metric::kTime);
  for (size_t i = 0; i + 1 < snapped.size(); ++i) {
    const Weight w = slow.FindPath(snapped[i], snapped[i + 1]);
    EXPECT_NE(w, kInfWeight) << i;
    ASSERT_EQ(fast.FindPath(snapped[i], snapped[i + 1]), w) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Extracts, ExtractAgreementTest,
                         ::testing::Values("chengdu_central.osm.pbf", "monaco.osm.pbf",
                                           "andorra.osm.pbf"),
                         [](const auto& info) {
                           std::string name = info.param;
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace quanyu::roads
