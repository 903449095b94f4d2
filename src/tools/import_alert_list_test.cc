#include "tools/import_alert_list.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "rules/alert_csv.h"

namespace quanyu::tools {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z

TEST(ImportAlertListTest, ImportsGoodRowsReportsBadOnesAndExportsWhatIsInForce) {
  store::StoreOptions options;
  options.url = "sqlite::memory:";
  auto store = store::Store::Open(options);
  ASSERT_TRUE(store.ok());
  ManualClock clock(kT0);
  auto audit = govern::AuditLog::Open(store->get(), &clock);
  ASSERT_TRUE(audit.ok());
  rules::AlertLists lists(store->get(), audit->get(), &clock);
  ASSERT_TRUE(lists.Load().ok());

  // In the working directory (the build tree), not a shared temporary one.
  char path[] = "quanyu_alerts_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << rules::kAlertCsvHeader << "\n"
        << "川A12345,exact,stolen_vehicle,1,2026-0042,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"
        << "川A12346,exact,stolen_vehicle,1,,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n"
        << "川A1?3?6,pattern,fake_plate,3,2026-0043,达州市公安局,王伟,,2026-12-29T00:00:00Z,\n";
  }
  govern::Principal cli;
  cli.kind = govern::PrincipalKind::kSystem;
  cli.agency = "dzpsb";
  cli.role = "cli";
  auto summary = ImportAlertList(lists, cli, path, "stolen", "dzpsb", &clock);
  std::remove(path);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_TRUE(summary->list_created);
  EXPECT_EQ(summary->rows, 3u);
  EXPECT_EQ(summary->imported, 2u);
  ASSERT_EQ(summary->rejections.size(), 1u);
  EXPECT_EQ(summary->rejections[0].substr(0, 15), "row 3: case_no:");
  std::vector<rules::Hit> hits;
  EXPECT_EQ(lists.matcher()->Match("川A12346", kT0 + 1, &hits), 1u) << "the pattern";

  auto csv = ExportAlertList(lists, **audit, cli, "stolen");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_NE(csv->find("川A12345,exact,stolen_vehicle,1,2026-0042"), std::string::npos) << *csv;
  EXPECT_NE(csv->find("川A1?3?6,pattern"), std::string::npos) << *csv;
  store::AuditQuery q;
  q.action = "alert_list.export";
  EXPECT_EQ((*store)->ListAudit(q)->size(), 1u);

  EXPECT_EQ(ImportAlertList(lists, cli, "no-such-file.csv", "stolen", "", &clock).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace quanyu::tools
