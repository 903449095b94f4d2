#include "sim/traffic.h"

#include <gtest/gtest.h>

#include <set>

namespace quanyu::sim {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z

TEST(TrafficTest, ListedPlatesAppearAtTheirShareAndTheirRecordsAreNamed) {
  TrafficOptions o;
  o.seed = 7;
  o.vehicles = 1000;
  o.unreadable_share = 0;
  o.listed_plates = {"川A80000", "川A80001"};
  o.listed_share = 0.1;
  TrafficGenerator gen({"K1", "K2"}, o);
  std::vector<std::string> listed_ids;
  std::string body = gen.NdjsonBody(5000, kT0, 8 * 3600, &listed_ids);
  // About a tenth of the records, and exactly those whose ids were reported.
  EXPECT_GT(listed_ids.size(), 400u);
  EXPECT_LT(listed_ids.size(), 600u);
  std::set<std::string> named(listed_ids.begin(), listed_ids.end());
  size_t carrying = 0, lines = 0;
  for (size_t start = 0; start < body.size();) {
    size_t end = body.find('\n', start);
    std::string line = body.substr(start, end - start);
    start = end + 1;
    ++lines;
    bool listed =
        line.find("川A80000") != std::string::npos || line.find("川A80001") != std::string::npos;
    carrying += listed ? 1 : 0;
    size_t id_at = line.find("\"id\":\"") + 6;
    std::string id = line.substr(id_at, line.find('"', id_at) - id_at);
    EXPECT_EQ(listed, named.count(id) == 1) << line;
  }
  EXPECT_EQ(lines, 5000u);
  EXPECT_EQ(carrying, listed_ids.size());
}

TEST(TrafficTest, NewEnergyPlatesAreGreenAndTheOthersBlue) {
  TrafficOptions o;
  o.seed = 3;
  o.vehicles = 2000;
  o.unreadable_share = 0;
  TrafficGenerator gen({"K1"}, o);
  size_t green = 0, blue = 0;
  for (int i = 0; i < 3000; ++i) {
    const events::PassageRecord r = gen.Next(kT0 + i);
    // A province character (3 bytes) and a letter, then 5 characters, or 6 for new energy.
    const bool new_energy = r.plate.size() == 10;
    EXPECT_EQ(r.plate_color, new_energy ? 9 : 5) << r.plate;
    (new_energy ? green : blue) += 1;
  }
  // About a fifth of the vehicles are new-energy ones.
  EXPECT_GT(green, 300u);
  EXPECT_GT(blue, 2000u);
}

}  // namespace
}  // namespace quanyu::sim
