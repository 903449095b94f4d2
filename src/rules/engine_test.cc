#include "rules/engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1'795'000'000 * kMicrosPerSecond;
constexpr UnixMicros kMinute = 60 * kMicrosPerSecond;

std::shared_ptr<const Matcher> Listed(std::vector<std::string> plates,
                                      Category category = Category::kStolenVehicle) {
  std::vector<MatchEntry> entries;
  int n = 0;
  for (std::string& p : plates) {
    MatchEntry e;
    e.entry_id = "E" + std::to_string(++n);
    e.list_id = "L1";
    e.plate = std::move(p);
    e.kind = e.plate.find('?') == std::string::npos ? EntryKind::kExact : EntryKind::kPattern;
    e.category = category;
    e.priority = 2;
    e.valid_from = kT0 - kMicrosPerDay;
    e.valid_until = kT0 + kMicrosPerDay;
    entries.push_back(std::move(e));
  }
  auto m = Matcher::Build(std::move(entries));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return *m;
}

// Ring "city" with an inner ring "core". Checkpoints:
//   OUT   outside both;  CITY_IN  on the city boundary watching inbound;
//   CITY_OUT on the city boundary watching outbound;  CITY_BOTH watching both ways;
//   MID  inside the city, outside the core;  CORE_IN on the core boundary, inbound.
registry::RingContext Context() {
  registry::RingContext c;
  c.tree = std::make_shared<const geo::RingTree>();
  c.guards["CITY_IN"] = {{"city", true, false, false}};
  c.guards["CITY_OUT"] = {{"city", false, true, false}};
  c.guards["CITY_BOTH"] = {{"city", true, true, false}};
  c.guards["CORE_IN"] = {{"core", true, false, false}};
  c.inside["CITY_IN"] = {"city"};
  c.inside["CITY_OUT"] = {"city"};
  c.inside["CITY_BOTH"] = {};
  c.inside["MID"] = {"city"};
  c.inside["CORE_IN"] = {"city"};
  c.inside["OUT"] = {};
  return c;
}

events::PassageRecord Rec(std::string id, std::string plate, std::string cp, UnixMicros t) {
  events::PassageRecord r;
  r.id = std::move(id);
  r.plate = std::move(plate);
  r.checkpoint_id = std::move(cp);
  r.pass_time = t;
  if (r.plate.find('?') != std::string::npos) r.plate_status = events::PlateStatus::kPartial;
  return r;
}

struct Fired {
  AlertType type;
  std::string ring;
  bool operator==(const Fired&) const = default;
};

std::vector<Fired> Eval(Engine& engine, const Matcher& m, const registry::RingContext& ctx,
                        std::vector<events::PassageRecord> recs) {
  std::vector<Trigger> out;
  engine.Evaluate(recs, m, ctx, &out);
  std::vector<Fired> f;
  for (const Trigger& t : out) f.push_back({t.type, t.ring_id});
  return f;
}

TEST(EngineTest, UnlistedPlatesRaiseNothing) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  EXPECT_TRUE(Eval(engine, *m, ctx, {Rec("1", "川B99999", "CITY_IN", kT0)}).empty());
  EXPECT_EQ(engine.Stats().evaluated, 1u);
  EXPECT_EQ(engine.sightings(), 0u);  // state only for listed plates
}

TEST(EngineTest, HitAtAnUnguardedCheckpointIsAListHit) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  std::vector<Trigger> out;
  std::vector<events::PassageRecord> recs = {Rec("1", "川A12345", "MID", kT0)};
  ASSERT_EQ(engine.Evaluate(recs, *m, ctx, &out), 1u);
  EXPECT_EQ(out[0].type, AlertType::kListHit);
  EXPECT_EQ(out[0].entry_id, "E1");
  EXPECT_EQ(out[0].category, Category::kStolenVehicle);
  EXPECT_EQ(out[0].priority, 2);
  EXPECT_EQ(out[0].record, &recs[0]);
}

TEST(EngineTest, FirstSightingAtAnInboundCheckpointIsARingEntry) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("1", "川A12345", "CITY_IN", kT0)}),
            (std::vector<Fired>{{AlertType::kRingEntry, "city"}}));
}

TEST(EngineTest, EntryAfterBeingSeenOutsideTouchAfterBeingSeenInside) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("1", "川A12345", "OUT", kT0)}),
            (std::vector<Fired>{{AlertType::kListHit, ""}}));
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("2", "川A12345", "CITY_IN", kT0 + kMinute)}),
            (std::vector<Fired>{{AlertType::kRingEntry, "city"}}));
  // Now inside (it passed an inbound-only checkpoint): seen again inbound is a touch.
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("3", "川A12345", "CITY_IN", kT0 + 2 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingTouch, "city"}}));
  // Leaves through an outbound checkpoint: a touch, and then it counts as outside.
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("4", "川A12345", "CITY_OUT", kT0 + 3 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingTouch, "city"}}));
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("5", "川A12345", "CITY_BOTH", kT0 + 4 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingEntry, "city"}}));
}

TEST(EngineTest, SeenInsideThenAtTheInnerRingIsAnEntryOfTheInnerRingOnly) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  Eval(engine, *m, ctx, {Rec("1", "川A12345", "MID", kT0)});
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("2", "川A12345", "CORE_IN", kT0 + kMinute)}),
            (std::vector<Fired>{{AlertType::kRingEntry, "core"}}));
  // From inside the city, an inbound city checkpoint is only touched.
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("3", "川A12345", "CITY_IN", kT0 + 2 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingTouch, "city"}}));
}

TEST(EngineTest, AStaleSightingCountsAsNotSeen) {
  Engine engine(EngineOptions{.sighting_ttl = 60 * kMinute});
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  Eval(engine, *m, ctx, {Rec("1", "川A12345", "MID", kT0)});
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("2", "川A12345", "CITY_IN", kT0 + 61 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingEntry, "city"}}));
}

TEST(EngineTest, AnOlderRecordDoesNotMoveTheSightingBack) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  Eval(engine, *m, ctx, {Rec("1", "川A12345", "MID", kT0 + 10 * kMinute)});
  // A late record from before: it cannot say where the vehicle came from: a touch.
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("2", "川A12345", "CITY_IN", kT0)}),
            (std::vector<Fired>{{AlertType::kRingTouch, "city"}}));
  // The sighting is still MID (inside), so inbound later is a touch too.
  EXPECT_EQ(Eval(engine, *m, ctx, {Rec("3", "川A12345", "CITY_IN", kT0 + 11 * kMinute)}),
            (std::vector<Fired>{{AlertType::kRingTouch, "city"}}));
}

TEST(EngineTest, RulesPerRingAndCategoryTheMostSpecificDecides) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  std::vector<Rule> rules = DefaultRules();
  // No touches on the city ring; entries of stolen vehicles into the core at priority 1.
  rules.push_back(Rule{
      .id = "no_city_touch", .type = AlertType::kRingTouch, .ring_id = "city", .enabled = false});
  rules.push_back(Rule{.id = "core_stolen",
                       .type = AlertType::kRingEntry,
                       .ring_id = "core",
                       .category = Category::kStolenVehicle,
                       .priority = 1});
  ASSERT_TRUE(ValidateRules(rules).ok());
  engine.SetRules(rules);
  std::vector<Trigger> out;
  std::vector<events::PassageRecord> recs = {Rec("1", "川A12345", "MID", kT0),
                                             Rec("2", "川A12345", "CORE_IN", kT0 + kMinute),
                                             Rec("3", "川A12345", "CITY_IN", kT0 + 2 * kMinute)};
  engine.Evaluate(recs, *m, ctx, &out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].rule_id, "list_hit");
  EXPECT_EQ(out[1].rule_id, "core_stolen");
  EXPECT_EQ(out[1].priority, 1);
  // The city touch is silenced, so the hit falls back to a list hit.
  EXPECT_EQ(out[2].rule_id, "list_hit");
}

TEST(EngineTest, PartlyReadPlatesTriggerButKeepNoSighting) {
  Engine engine;
  auto m = Listed({"川A12345"});
  auto ctx = Context();
  std::vector<Trigger> out;
  std::vector<events::PassageRecord> recs = {Rec("1", "川A1?345", "MID", kT0)};
  ASSERT_EQ(engine.Evaluate(recs, *m, ctx, &out), 1u);
  EXPECT_TRUE(out[0].partial_read);
  EXPECT_EQ(engine.sightings(), 0u);
}

TEST(EngineTest, RulesRoundTripThroughJsonAndBadOnesNameTheField) {
  std::vector<Rule> rules = DefaultRules();
  rules.push_back(Rule{.id = "x",
                       .type = AlertType::kRingEntry,
                       .ring_id = "510104",
                       .category = Category::kFakePlate,
                       .priority = 1,
                       .enabled = false});
  auto back = RulesFromJson(RulesToJson(rules));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, rules);
  nlohmann::json j = RulesToJson(rules);
  j[3]["priority"] = 7;
  EXPECT_EQ(RulesFromJson(j).status().field(), "rules[3].priority");
  j = RulesToJson(rules);
  j[1]["id"] = "list_hit";
  EXPECT_EQ(RulesFromJson(j).status().field(), "rules[1].id");
  j = RulesToJson(rules);
  j[0]["type"] = "face";
  EXPECT_EQ(RulesFromJson(j).status().field(), "rules[0].type");
}

}  // namespace
}  // namespace quanyu::rules
