// Test helper: road maps written as ASCII art.
//
//   a-b>c      letters are nodes (a..z, A..Z) at their grid position (a column is about 9.6 m
//   |   v      east, a row about 22 m south); "-" and "|" join them by a two-way road, ">" "<"
//   d---e      "v" "^" (anywhere in the run) by a one-way road in that direction.
//
// Every run between two letters is its own way (residential, no maxspeed), so turn
// restrictions can name ways by their two letters.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "roads/graph.h"
#include "roads/osm_reader.h"

namespace quanyu::roads::testing {

inline bool IsNodeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline int64_t NodeId(char c) { return c >= 'a' ? c - 'a' + 1 : c - 'A' + 27; }
inline char NodeChar(int64_t id) {
  return id <= 26 ? static_cast<char>('a' + id - 1) : static_cast<char>('A' + id - 27);
}

struct AsciiMap {
  RoadSet set;
  std::map<std::string, int64_t> ways;  // "ab" and "ba" -> the way between a and b

  // Adds a turn restriction from way `from` ("ab") via node `via` to way `to`.
  void Restrict(const std::string& from, char via, const std::string& to, const std::string& kind) {
    TurnRestriction r;
    r.from_way = ways.at(from);
    r.via_node = NodeId(via);
    r.to_way = ways.at(to);
    r.kind = kind;
    r.only = kind.starts_with("only_");
    set.restrictions.push_back(r);
  }
};

inline AsciiMap ParseAsciiMap(const std::string& text) {
  std::vector<std::string> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  auto at = [&](int r, int c) -> char {
    if (r < 0 || r >= static_cast<int>(rows.size()) || c < 0 ||
        c >= static_cast<int>(rows[r].size())) {
      return ' ';
    }
    return rows[r][c];
  };
  auto position = [](int r, int c) { return geo::LngLat{104.0 + c * 0.0001, 30.0 - r * 0.0002}; };
  AsciiMap map;
  int64_t next_way = 1;
  auto add = [&](int r0, int c0, int r1, int c1, Oneway oneway) {
    Road road;
    road.way_id = next_way++;
    road.road_class = RoadClass::kResidential;
    road.oneway = oneway;
    const char a = at(r0, c0), b = at(r1, c1);
    road.node_ids = {NodeId(a), NodeId(b)};
    road.points = {position(r0, c0), position(r1, c1)};
    map.ways[std::string{a, b}] = map.ways[std::string{b, a}] = road.way_id;
    map.set.roads.push_back(road);
  };
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    for (int c = 0; c < static_cast<int>(rows[r].size()); ++c) {
      if (!IsNodeChar(at(r, c))) continue;
      // East.
      Oneway oneway = Oneway::kNo;
      int k = c + 1;
      for (; std::string("-<>").find(at(r, k)) != std::string::npos && at(r, k) != ' '; ++k) {
        if (at(r, k) == '>') oneway = Oneway::kForward;
        if (at(r, k) == '<') oneway = Oneway::kBackward;
      }
      if (k > c + 1) {
        EXPECT_TRUE(IsNodeChar(at(r, k))) << "road from " << at(r, c) << " ends nowhere";
        if (IsNodeChar(at(r, k))) add(r, c, r, k, oneway);
      }
      // South.
      oneway = Oneway::kNo;
      k = r + 1;
      for (; std::string("|v^").find(at(k, c)) != std::string::npos && at(k, c) != ' '; ++k) {
        if (at(k, c) == 'v') oneway = Oneway::kForward;
        if (at(k, c) == '^') oneway = Oneway::kBackward;
      }
      if (k > r + 1) {
        EXPECT_TRUE(IsNodeChar(at(k, c))) << "road from " << at(r, c) << " ends nowhere";
        if (IsNodeChar(at(k, c))) add(r, c, k, c, oneway);
      }
    }
  }
  return map;
}

// The nodes a path visits, as letters: "abc".
inline std::string PathLetters(const RoadGraph& graph, const std::vector<uint32_t>& edges) {
  std::string s;
  for (uint32_t e : edges) {
    if (s.empty()) s += NodeChar(graph.VertexOsmNode(graph.edge(e).from));
    s += NodeChar(graph.VertexOsmNode(graph.edge(e).to));
  }
  return s;
}

}  // namespace quanyu::roads::testing
