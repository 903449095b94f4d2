#include "rules/alert_list.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z

AlertEntry GoodEntry() {
  AlertEntry e;
  e.list_id = "stolen";
  e.plate = "川A12345";
  e.kind = EntryKind::kExact;
  e.category = Category::kStolenVehicle;
  e.priority = 1;
  e.owner_agency = "dzpsb";
  e.legal_basis = {"2026-0042", "达州市公安局", "王伟"};
  e.valid_from = kT0;
  e.valid_until = kT0 + 30 * kMicrosPerDay;
  return e;
}

Status Check(AlertEntry e, const EntryRules& rules = {}) { return ValidateEntry(&e, rules); }

TEST(AlertEntryTest, AWellFormedEntryPassesAndItsPlateIsNormalised) {
  AlertEntry e = GoodEntry();
  e.plate = "川a·12345";
  ASSERT_TRUE(ValidateEntry(&e).ok());
  EXPECT_EQ(e.plate, "川A12345");
}

TEST(AlertEntryTest, EntriesWithoutLegalBasisAreRefusedNamingTheField) {
  for (auto [clear, field] : std::vector<std::pair<std::string LegalBasis::*, std::string>>{
           {&LegalBasis::case_no, "legal_basis.case_no"},
           {&LegalBasis::approving_authority, "legal_basis.approving_authority"},
           {&LegalBasis::approver, "legal_basis.approver"}}) {
    AlertEntry e = GoodEntry();
    e.legal_basis.*clear = "";
    Status st = Check(e);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(st.field(), field);
  }
}

TEST(AlertEntryTest, EntriesWithoutExpiryOrWithTooLongAWindowAreRefused) {
  AlertEntry e = GoodEntry();
  e.valid_until = 0;
  Status st = Check(e);
  EXPECT_EQ(st.field(), "valid_until");
  EXPECT_NE(st.message().find("without expiry"), std::string::npos) << st.message();

  e = GoodEntry();
  e.valid_until = e.valid_from;
  EXPECT_EQ(Check(e).field(), "valid_until");

  e = GoodEntry();
  e.valid_until = e.valid_from + 90 * kMicrosPerDay;
  EXPECT_TRUE(Check(e).ok()) << "exactly the maximum is allowed";
  e.valid_until += 1;
  st = Check(e);
  EXPECT_EQ(st.field(), "valid_until");
  EXPECT_NE(st.message().find("maximum of 90 days"), std::string::npos) << st.message();

  // The maximum is configurable.
  e = GoodEntry();
  e.valid_until = e.valid_from + 10 * kMicrosPerDay;
  EXPECT_EQ(Check(e, EntryRules{7 * kMicrosPerDay}).field(), "valid_until");
}

TEST(AlertEntryTest, OtherFieldsAreChecked) {
  AlertEntry e = GoodEntry();
  e.priority = 5;
  EXPECT_EQ(Check(e).field(), "priority");
  e = GoodEntry();
  e.owner_agency.clear();
  EXPECT_EQ(Check(e).field(), "owner_agency");
  e = GoodEntry();
  e.valid_from = 0;
  EXPECT_EQ(Check(e).field(), "valid_from");
  e = GoodEntry();
  e.plate = "";
  EXPECT_EQ(Check(e).field(), "plate");
}

TEST(AlertEntryTest, ExactEntriesMustBeFullPlates) {
  AlertEntry e = GoodEntry();
  e.plate = "川A1234";  // one character short
  Status st = Check(e);
  EXPECT_EQ(st.field(), "plate");
  EXPECT_NE(st.message().find("expected 5 characters"), std::string::npos) << st.message();
  e.plate = "川A12?45";
  st = Check(e);
  EXPECT_EQ(st.field(), "plate");
  EXPECT_NE(st.message().find("use kind pattern"), std::string::npos) << st.message();
}

TEST(AlertEntryTest, PatternsHaveAPlatesLengthAndEnoughKnownCharacters) {
  AlertEntry e = GoodEntry();
  e.kind = EntryKind::kPattern;
  for (const char* ok :
       {"川A12?45", "川A1_3*5", "川A?12345", "??1234警", "WJ川?2345", "川A1234?"}) {
    e.plate = ok;
    EXPECT_TRUE(ValidateEntry(&e).ok()) << ok << ": " << Check(e).ToString();
  }
  e.plate = "川A1_3*5";
  ASSERT_TRUE(ValidateEntry(&e).ok());
  EXPECT_EQ(e.plate, "川A1?3?5") << "wildcards are stored as '?'";

  for (const char* bad : {"川A12345", "川A1?", "川?????5", "川A12?456789", "川A1I?45", "???????"}) {
    e.plate = bad;
    Status st = Check(e);
    EXPECT_EQ(st.field(), "plate") << bad;
  }
}

TEST(AlertEntryTest, DocumentsRoundTripEveryField) {
  AlertEntry e = GoodEntry();
  e.id = "e1";
  e.note = "红色轿车 \"quoted\" back\\slash\nline\x01 end";
  e.created = kT0 - 5;
  e.created_by = "user:li.wei";
  e.removed = kT0 + 7;
  e.removed_by = "user:zhang";
  e.removed_reason = "vehicle recovered";
  e.expiry_audited = true;
  auto back = AlertEntryFromDocument(ToDocument(e, kT0));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  AlertList l{"stolen", "被盗抢车辆", "dzpsb", "city-wide", kT0, "user:li.wei"};
  auto lb = AlertListFromDocument(ToDocument(l, kT0));
  ASSERT_TRUE(lb.ok());
  EXPECT_EQ(*lb, l);
  EXPECT_EQ(AlertEntryFromDocument(store::Document{kAlertEntryDoc, "x", "[]", 0}).status().code(),
            StatusCode::kDataLoss);
}

TEST(AlertEntryTest, DocumentsReadTheSameWhateverJsonFormTheyAreIn) {
  AlertEntry e = GoodEntry();
  e.id = "e1";
  e.note = "车 \"q\" \\ \n\t\x01 \xF0\x9F\x9A\x93";  // an emoji: a surrogate pair when escaped
  e.removed = kT0 + 7;
  e.removed_by = "user:zhang";
  e.removed_reason = "r";
  store::Document d = ToDocument(e, kT0);
  // Pretty-printed, ASCII-only (\uXXXX escapes), members reordered by the DOM.
  d.body = nlohmann::json::parse(d.body).dump(2, ' ', /*ensure_ascii=*/true);
  ASSERT_NE(d.body.find("\\ud83d"), std::string::npos) << d.body;
  auto back = AlertEntryFromDocument(d);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  nlohmann::json j = nlohmann::json::parse(ToDocument(e, kT0).body);
  j.erase("valid_until");
  auto missing = AlertEntryFromDocument(store::Document{kAlertEntryDoc, "e1", j.dump(), 0});
  EXPECT_EQ(missing.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(missing.status().message().find("valid_until"), std::string::npos);
}

TEST(AlertEntryTest, CategoriesAreNamedData) {
  EXPECT_EQ(CategoryName(Category::kFakePlate), "fake_plate");
  EXPECT_EQ(*ParseCategory("traffic_violation_evasion"), Category::kTrafficViolationEvasion);
  EXPECT_EQ(ParseCategory("bad").status().field(), "category");
  EXPECT_GE(Categories().size(), 6u);
}

}  // namespace
}  // namespace quanyu::rules
