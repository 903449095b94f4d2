#include "rules/alert_csv.h"

#include <gtest/gtest.h>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z

CsvImportContext Context() {
  CsvImportContext c;
  c.list_id = "stolen";
  c.owner_agency = "dzpsb";
  c.created_by = "system";
  c.now = kT0;
  return c;
}

const char kGood[] =
    "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,"
    "note\n"
    "川A12345,exact,stolen_vehicle,1,2026-0042,达州市公安局,王伟,2026-11-29T08:00:00+08:00,"
    "2027-01-31T00:00:00+08:00,\n"
    "\"川A12?45\",,fake_plate,3,2026-0043,\"达州市公安局, 刑侦支队\",李强,,"
    "2026-12-29T00:00:00Z,\"note with \"\"quotes\"\"\nand a line break\"\r\n";

TEST(AlertCsvTest, ReadsQuotedFieldsAndDefaults) {
  auto csv = ParseAlertCsv(kGood, Context());
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(csv->rows, 2u);
  ASSERT_TRUE(csv->errors.empty()) << csv->errors[0].ToString();
  ASSERT_EQ(csv->entries.size(), 2u);
  const AlertEntry& a = csv->entries[0];
  EXPECT_EQ(a.plate, "川A12345");
  EXPECT_EQ(a.list_id, "stolen");
  EXPECT_EQ(a.owner_agency, "dzpsb");
  EXPECT_EQ(a.legal_basis.approving_authority, "达州市公安局");
  EXPECT_EQ(a.valid_from, kT0);
  const AlertEntry& b = csv->entries[1];
  EXPECT_EQ(b.kind, EntryKind::kPattern) << "kind inferred from the wildcard";
  EXPECT_EQ(b.category, Category::kFakePlate);
  EXPECT_EQ(b.priority, 3);
  EXPECT_EQ(b.legal_basis.approving_authority, "达州市公安局, 刑侦支队");
  EXPECT_EQ(b.valid_from, kT0) << "empty valid_from is the time of the import";
  EXPECT_EQ(b.note, "note with \"quotes\"\nand a line break");
}

TEST(AlertCsvTest, BadRowsAreReportedByRowAndFieldAndGoodRowsKept) {
  const std::string text =
      "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,"
      "note\n"
      "川A12345,exact,stolen_vehicle,1,,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"    // row 2
      "川A12346,exact,stolen_vehicle,1,C1,达州市公安局,王伟,,,\n"                      // row 3
      "川A12347,exact,stolen_vehicle,1,C1,达州市公安局,王伟,,2027-06-01T00:00:00Z,\n"  // row 4
      "川A12348,exact,stolen_vehicle,9,C1,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"  // row 5
      "川A123,exact,stolen_vehicle,1,C1,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"    // row 6
      "川A12349,exact,stolen,1,C1,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"          // row 7
      "川A12350,exact,stolen_vehicle,1,C1,达州市公安局,王伟,,2026-12-29,\n"            // row 8
      "川A12351,exact,stolen_vehicle,1\n"                                              // row 9
      "\n"
      "川A12352,exact,stolen_vehicle,2,C1,达州市公安局,王伟,,2026-12-29T00:00:00Z,ok\n";  // row 11
  auto csv = ParseAlertCsv(text, Context());
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  std::vector<std::string> errors;
  for (const auto& e : csv->errors)
    errors.push_back(e.ToString().substr(0, e.ToString().find(':', 8)));
  EXPECT_EQ(errors,
            (std::vector<std::string>{"row 2: case_no", "row 3: valid_until", "row 4: valid_until",
                                      "row 5: priority", "row 6: plate", "row 7: category",
                                      "row 8: valid_until", "row 9: row"}));
  EXPECT_EQ(csv->errors[0].ToString().substr(0, 24), "row 2: case_no: required");
  ASSERT_EQ(csv->entries.size(), 1u);
  EXPECT_EQ(csv->entries[0].plate, "川A12352");
  EXPECT_EQ(csv->rows, 9u);
}

TEST(AlertCsvTest, ARowWhoseWindowHasEndedIsABadRow) {
  // AlertLists refuses an entry that would have expired already; as a row error the other
  // rows of the file are still imported.
  const std::string text = std::string(kAlertCsvHeader) +
                           "\n"
                           "川A12345,exact,stolen_vehicle,1,C1,局,王,2026-11-01T00:00:00Z,"
                           "2026-11-28T00:00:00Z,\n"
                           "川A12346,exact,stolen_vehicle,1,C1,局,王,,2026-12-29T00:00:00Z,\n";
  auto csv = ParseAlertCsv(text, Context());
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  ASSERT_EQ(csv->errors.size(), 1u);
  EXPECT_EQ(csv->errors[0].ToString(), "row 2: valid_until: the entry would have expired already");
  ASSERT_EQ(csv->entries.size(), 1u);
  EXPECT_EQ(csv->entries[0].plate, "川A12346");
}

TEST(AlertCsvTest, HeaderProblemsFailTheFile) {
  EXPECT_EQ(ParseAlertCsv("", Context()).status().field(), "header");
  EXPECT_EQ(ParseAlertCsv("plate,kind\n", Context()).status().field(), "header");
  auto unknown = ParseAlertCsv(std::string(kAlertCsvHeader) + ",colour\n", Context());
  EXPECT_NE(unknown.status().message().find("colour"), std::string::npos);
  // Columns in another order, without note, and a byte-order mark.
  auto reordered = ParseAlertCsv(
      "\xEF\xBB\xBFvalid_until,plate,kind,category,priority,case_no,approving_authority,approver,"
      "valid_from\n2026-12-29T00:00:00Z,川A12345,exact,stolen_vehicle,1,C1,局,王,\n",
      Context());
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ(reordered->entries.size(), 1u);
}

TEST(AlertCsvTest, ExportReadsBackTheSame) {
  auto csv = ParseAlertCsv(kGood, Context());
  ASSERT_TRUE(csv.ok());
  const std::string text = FormatAlertCsv(csv->entries);
  EXPECT_EQ(text.substr(0, kAlertCsvHeader.size()), kAlertCsvHeader);
  auto again = ParseAlertCsv(text, Context());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(again->errors.empty()) << again->errors[0].ToString();
  EXPECT_EQ(again->entries, csv->entries);
}

}  // namespace
}  // namespace quanyu::rules
