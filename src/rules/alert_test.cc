#include "rules/alert.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu::rules {
namespace {

Alert Sample() {
  Alert a;
  a.id = 42;
  a.type = AlertType::kRingEntry;
  a.rule_id = "ring_entry";
  a.priority = 1;
  a.plate = "川A12345";
  a.record_id = "R1";
  a.checkpoint_id = "CP1";
  a.checkpoint_name = "成南高速收费站";
  a.division_code = "510104";
  a.position = {104.1, 30.6};
  a.pass_time = 1'795'000'000'000'000;
  a.list_id = "L1";
  a.entry_id = "E1";
  a.category = Category::kStolenVehicle;
  a.owner_agency = "cdpsb";
  a.case_no = "A5101002026110001";
  a.ring_id = "510104";
  a.ring_name = "锦江区";
  a.first_seen = a.pass_time - 60'000'000;
  a.last_seen = a.pass_time;
  a.count = 3;
  a.state = AlertState::kClosed;
  a.history = {{AlertState::kNew, a.pass_time + 1000, "system", "", ""},
               {AlertState::kClosed, a.pass_time + 61'000'000, "user:li", "cdpsb", "false read"}};
  a.created = a.pass_time + 1000;
  a.updated = a.pass_time + 61'000'000;
  return a;
}

TEST(AlertTest, JsonRoundTrip) {
  Alert a = Sample();
  nlohmann::json j = AlertToJson(a, 8 * 3600);
  EXPECT_EQ(j["type"], "ring_entry");
  EXPECT_EQ(j["state"], "closed");
  EXPECT_EQ(j["category"], "stolen_vehicle");
  EXPECT_EQ(j["history"][1]["note"], "false read");
  auto back = AlertFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
}

// The stream, the webhooks and the store write alerts directly; the text must be what the API's
// JSON form would print, for alerts with and without a ring, with escapes and null times.
TEST(AlertTest, DirectTextIsTheJsonFormsText) {
  Alert a = Sample();
  for (int offset : {0, 8 * 3600}) {
    std::string text;
    AppendAlertJson(a, offset, &text);
    EXPECT_EQ(text, AlertToJson(a, offset).dump());
  }
  Alert b = Sample();
  b.ring_id.clear();
  b.ring_name.clear();
  b.position = {0, -0.5};
  b.checkpoint_name = "卡口 \"东\"\\\n\t\x01";
  b.history.resize(1);
  b.first_seen = 0;
  b.partial_read = true;
  b.count = 1;
  std::string text = "prefix";  // appended to, not replaced
  AppendAlertJson(b, 8 * 3600, &text);
  EXPECT_EQ(text, "prefix" + AlertToJson(b, 8 * 3600).dump());
  // Not well-formed UTF-8, which nlohmann::json refuses to print, becomes U+FFFD.
  b.plate = "川A\xff";
  text.clear();
  AppendAlertJson(b, 0, &text);
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  EXPECT_EQ(parsed["plate"], "川A\uFFFD");
}

TEST(AlertTest, BadFieldsAreNamed) {
  nlohmann::json j = AlertToJson(Sample(), 0);
  j["priority"] = 9;
  EXPECT_EQ(AlertFromJson(j).status().field(), "priority");
  j = AlertToJson(Sample(), 0);
  j["type"] = "face_match";
  EXPECT_EQ(AlertFromJson(j).status().field(), "type");
  j = AlertToJson(Sample(), 0);
  j["history"][0]["state"] = "lost";
  EXPECT_EQ(AlertFromJson(j).status().field(), "history.state");
}

TEST(AlertTest, LifecycleOnlyMovesForward) {
  EXPECT_TRUE(CanTransition(AlertState::kNew, AlertState::kAcknowledged));
  EXPECT_TRUE(CanTransition(AlertState::kNew, AlertState::kClosed));
  EXPECT_TRUE(CanTransition(AlertState::kAcknowledged, AlertState::kDispatched));
  EXPECT_FALSE(CanTransition(AlertState::kDispatched, AlertState::kAcknowledged));
  EXPECT_FALSE(CanTransition(AlertState::kClosed, AlertState::kClosed));
  EXPECT_FALSE(CanTransition(AlertState::kNew, AlertState::kNew));
}

}  // namespace
}  // namespace quanyu::rules
