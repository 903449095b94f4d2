// Alert lists (布控) over HTTP: creating lists and entries with their legal basis and window,
// CSV import with bad rows, purpose-bound reads in the audit log, removal with a reason, the
// transparency report, expiry by the server's timer, and agency scope.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/time_format.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

constexpr char kRead[] = "purpose=case_investigation&case_no=2026-0042";

std::string Time(UnixMicros t) { return FormatRfc3339(t, kChinaOffsetSeconds); }

json Entry(const std::string& plate, UnixMicros from, UnixMicros until) {
  return {
      {"plate", plate},
      {"category", "stolen_vehicle"},
      {"priority", 1},
      {"legal_basis",
       {{"case_no", "2026-0042"}, {"approving_authority", "测试市公安局"}, {"approver", "王伟"}}},
      {"valid_from", Time(from)},
      {"valid_until", Time(until)}};
}

void CreateList(api::HttpClient& c, const std::string& id) {
  auto r = c.Post("/api/v1/alert-lists", json{{"id", id}, {"name", "被盗抢车辆"}}.dump());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 201) << r->body;
}

// Audit records of one action, oldest first.
json AuditOf(ServerFixture& server, const std::string& action) {
  std::string encoded;
  for (char c : action)
    encoded += c == ' ' ? "%20" : c == '{' ? "%7B" : c == '}' ? "%7D" : std::string(1, c);
  auto r = server.As("auditor").Get("/api/v1/audit?order=oldest&limit=1000&action=" + encoded);
  EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  return r.ok() ? Json(*r)["items"] : json::array();
}

TEST(AlertListApiTest, EntriesNeedLegalBasisAndAWindowWithinTheMaximum) {
  api::AppOptions options;
  options.alert_max_validity = 30 * kMicrosPerDay;  // as `serve --alert-max-validity-days 30`
  ServerFixture server(options);
  api::HttpClient& commander = server.As("commander");
  CreateList(commander, "stolen");
  const std::string entries = "/api/v1/alert-lists/stolen/entries";
  const UnixMicros now = SystemClock::Get()->Now();

  json no_basis = Entry("川A12345", now, now + kMicrosPerDay);
  no_basis.erase("legal_basis");
  auto r = commander.Post(entries, no_basis.dump());
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Json(*r)["error"]["field"], "legal_basis.case_no");
  json no_approver = Entry("川A12345", now, now + kMicrosPerDay);
  no_approver["legal_basis"].erase("approver");
  r = commander.Post(entries, no_approver.dump());
  EXPECT_EQ(Json(*r)["error"]["field"], "legal_basis.approver");
  json no_expiry = Entry("川A12345", now, now + kMicrosPerDay);
  no_expiry.erase("valid_until");
  r = commander.Post(entries, no_expiry.dump());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Json(*r)["error"]["field"], "valid_until");

  // 31 days is over this server's maximum of 30.
  r = commander.Post(entries, Entry("川A12345", now, now + 31 * kMicrosPerDay).dump());
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Json(*r)["error"]["field"], "valid_until");
  EXPECT_NE(Json(*r)["error"]["message"].get<std::string>().find("maximum of 30 days"),
            std::string::npos);

  json pattern = Entry("川a12?45", now, now + 30 * kMicrosPerDay);
  r = commander.Post(entries, pattern.dump());
  ASSERT_EQ(r->status, 201) << r->body;
  json made = Json(*r);
  EXPECT_EQ(made["plate"], "川A12?45");
  EXPECT_EQ(made["kind"], "pattern");
  EXPECT_EQ(made["owner_agency"], "bureau");
  EXPECT_EQ(made["created_by"], "user:commander-user");
  EXPECT_EQ(made["state"], "in_force");
  EXPECT_EQ(made["legal_basis"]["approver"], "王伟");

  // Nothing invalid was stored: the list holds the one good entry.
  json list = Json(*server.As("analyst").Get("/api/v1/alert-lists/stolen"));
  EXPECT_EQ(list["entries_in_force"], 1);
  // The addition is in the audit log with its case number.
  json added = AuditOf(server, "alert_entry.add");
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0]["target"], "alert_entry:" + made["id"].get<std::string>());
  EXPECT_EQ(added[0]["case_no"], "2026-0042");
}

TEST(AlertListApiTest, CsvImportReadsRemovalAndReport) {
  ServerFixture server;
  api::HttpClient& commander = server.As("commander");
  CreateList(commander, "wanted");
  const UnixMicros now = SystemClock::Get()->Now();
  const std::string until = Time(now + 10 * kMicrosPerDay);
  const std::string csv =
      "plate,kind,category,priority,case_no,approving_authority,approver,valid_from,valid_until,"
      "note\n"
      "川A11111,exact,stolen_vehicle,1,2026-0042,测试市公安局,王伟,," +
      until + ",\n" + "川A22222,exact,wanted_in_case,2,2026-0043,测试市公安局,王伟,," + until +
      ",\n" + "川A33333,exact,wanted_in_case,2,,测试市公安局,王伟,," + until +
      ",no case\n";  // row 4
  auto r = commander.Post("/api/v1/alert-lists/wanted/entries", csv, "text/csv; charset=utf-8");
  ASSERT_EQ(r->status, 200) << r->body;
  json imported = Json(*r);
  EXPECT_EQ(imported["rows"], 3);
  EXPECT_EQ(imported["imported"], 2);
  EXPECT_EQ(imported["rejected"], 1);
  ASSERT_EQ(imported["errors"].size(), 1u);
  EXPECT_EQ(imported["errors"][0]["row"], 4);
  EXPECT_EQ(imported["errors"][0]["field"], "case_no");
  auto no_header = commander.Post("/api/v1/alert-lists/wanted/entries", "川A1,x\n", "text/csv");
  EXPECT_EQ(no_header->status, 400);
  EXPECT_EQ(Json(*no_header)["error"]["field"], "header");

  // Reading entries is personal: purpose and case number, then it is audited.
  const std::string entries = "/api/v1/alert-lists/wanted/entries";
  auto bare = commander.Get(entries);
  EXPECT_EQ(bare->status, 400);
  EXPECT_EQ(Json(*bare)["error"]["field"], "purpose");
  EXPECT_EQ(Json(*commander.Get(entries + "?purpose=case_investigation"))["error"]["field"],
            "case_no");
  auto read = commander.Get(entries + "?" + kRead);
  ASSERT_EQ(read->status, 200) << read->body;
  json items = Json(*read)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["plate"], "川A11111");
  EXPECT_EQ(items[1]["plate"], "川A22222");
  json reads = AuditOf(server, "GET /api/v1/alert-lists/{id}/entries");
  bool logged = false;
  for (const auto& rec : reads) {
    if (rec["outcome"] == "ok" && rec["actor"] == "user:commander-user") {
      EXPECT_EQ(rec["purpose"], "case_investigation");
      EXPECT_EQ(rec["case_no"], "2026-0042");
      EXPECT_EQ(rec["target"], "alert_list:wanted");
      EXPECT_EQ(rec["detail"]["returned"], 2);
      logged = true;
    }
  }
  EXPECT_TRUE(logged) << reads.dump(1);

  // An analyst sees names and counts and the report, never the plates.
  api::HttpClient& analyst = server.As("analyst");
  EXPECT_EQ(analyst.Get(entries + "?" + kRead)->status, 403);
  EXPECT_EQ(analyst.Get("/api/v1/alert-lists/wanted/export?" + std::string(kRead))->status, 403);
  auto lists = analyst.Get("/api/v1/alert-lists");
  ASSERT_EQ(lists->status, 200);
  EXPECT_EQ(lists->body.find("川A"), std::string::npos) << lists->body;
  ASSERT_EQ(Json(*lists)["items"].size(), 1u);
  EXPECT_EQ(Json(*lists)["items"][0]["entries_in_force"], 2);

  // Removal is soft and needs a reason.
  const std::string first = items[0]["id"];
  auto no_reason = commander.Send("DELETE", entries + "/" + first);
  EXPECT_EQ(no_reason->status, 400);
  EXPECT_EQ(Json(*no_reason)["error"]["field"], "reason");
  CreateList(commander, "other");
  EXPECT_EQ(
      commander.Send("DELETE", "/api/v1/alert-lists/other/entries/" + first + "?reason=x")->status,
      404);
  EXPECT_EQ(commander
                .Send("DELETE", entries + "/" + first +
                                    "?reason=%E8%BD%A6%E8%BE%86%E5%B7%B2%E6%89%BE%E5%9B%9E")
                ->status,
            204);
  EXPECT_EQ(commander.Send("DELETE", entries + "/" + first + "?reason=again")->status, 409);
  json removed = AuditOf(server, "alert_entry.remove");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0]["target"], "alert_entry:" + first);
  EXPECT_EQ(removed[0]["detail"]["reason"], "车辆已找回");
  json now_in_force = Json(*commander.Get(entries + "?" + kRead))["items"];
  ASSERT_EQ(now_in_force.size(), 1u);
  EXPECT_EQ(now_in_force[0]["plate"], "川A22222");
  json everything = Json(*commander.Get(entries + "?include_inactive=true&" + kRead))["items"];
  ASSERT_EQ(everything.size(), 2u);
  EXPECT_EQ(everything[0]["state"], "removed");
  EXPECT_EQ(everything[0]["removed_reason"], "车辆已找回");

  // Export: the entries in force, as the CSV import reads them.
  EXPECT_EQ(commander.Get("/api/v1/alert-lists/wanted/export")->status, 400);
  auto exported = commander.Get("/api/v1/alert-lists/wanted/export?" + std::string(kRead));
  ASSERT_EQ(exported->status, 200);
  EXPECT_EQ(exported->body.rfind("plate,kind,category,", 0), 0u) << exported->body;
  EXPECT_NE(exported->body.find("川A22222,exact,wanted_in_case,2,2026-0043"), std::string::npos);
  EXPECT_EQ(exported->body.find("川A11111"), std::string::npos);

  // The transparency report counts the additions and the removal, for the analyst too.
  auto report = analyst.Get("/api/v1/alert-lists/wanted/report?bucket_days=7");
  ASSERT_EQ(report->status, 200) << report->body;
  json rep = Json(*report);
  EXPECT_EQ(rep["totals"]["added"], 2);
  EXPECT_EQ(rep["totals"]["removed"], 1);
  EXPECT_EQ(rep["totals"]["expired"], 0);
  EXPECT_EQ(rep["bucket_days"], 7);
  EXPECT_EQ(rep["periods"].size(), 5u);  // 30 days in weeks
  auto bad = analyst.Get("/api/v1/alert-lists/wanted/report?bucket_days=0");
  EXPECT_EQ(Json(*bad)["error"]["field"], "bucket_days");
}

TEST(AlertListApiTest, TheServerRecordsAnExpiryWhenTheWindowEnds) {
  ManualClock clock(SystemClock::Get()->Now());
  api::AppOptions options;
  options.clock = &clock;
  options.alert_flush_interval = 20 * 1000;  // the timer looks at the clock every 20 ms
  ServerFixture server(options);
  api::HttpClient& commander = server.As("commander");
  CreateList(commander, "short");
  const UnixMicros now = clock.Now();
  auto r = commander.Post("/api/v1/alert-lists/short/entries",
                          Entry("川B54321", now, now + kMicrosPerHour).dump());
  ASSERT_EQ(r->status, 201) << r->body;
  const std::string id = Json(*r)["id"];
  EXPECT_TRUE(AuditOf(server, "alert_entry.expire").empty());

  clock.Advance(kMicrosPerHour);  // the window is [now, now + 1 h): over
  json expired;
  for (int i = 0; i < 500 && expired.empty(); ++i) {
    expired = AuditOf(server, "alert_entry.expire");
    if (expired.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]["target"], "alert_entry:" + id);
  EXPECT_EQ(expired[0]["actor"], "system");
  EXPECT_EQ(expired[0]["case_no"], "2026-0042");

  const std::string entries = "/api/v1/alert-lists/short/entries?";
  EXPECT_TRUE(Json(*commander.Get(entries + kRead))["items"].empty());
  json all = Json(*commander.Get(entries + "include_inactive=true&" + kRead))["items"];
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["state"], "expired");
  EXPECT_EQ(Json(*commander.Get("/api/v1/alert-lists/short"))["entries_in_force"], 0);
  json rep = Json(*commander.Get("/api/v1/alert-lists/short/report"));
  EXPECT_EQ(rep["totals"]["expired"], 1) << rep.dump();
  EXPECT_EQ(rep["totals"]["added"], 1);
}

TEST(AlertListApiTest, AnAgencyScopedUserSeesOnlyItsAgencysLists) {
  ServerFixture server;
  CreateList(server.As("commander"), "bureau-list");
  ASSERT_EQ(server.client()
                .Post("/api/v1/agencies", json{{"id", "station1"},
                                               {"name", "测试派出所"},
                                               {"kind", "police_station"},
                                               {"parent", "bureau"}}
                                              .dump())
                ->status,
            201);
  auto made = server.client().Post("/api/v1/users", json{{"id", "station-commander"},
                                                         {"agency", "station1"},
                                                         {"role", "commander"},
                                                         {"scope", {{"kind", "agency"}}},
                                                         {"password", kTestPassword}}
                                                        .dump());
  ASSERT_EQ(made->status, 201) << made->body;
  auto station =
      server.NewClient(server.Login({{"user", "station-commander"}, {"password", kTestPassword}}));
  EXPECT_TRUE(Json(*station->Get("/api/v1/alert-lists"))["items"].empty());
  EXPECT_EQ(station->Get("/api/v1/alert-lists/bureau-list")->status, 403);
  EXPECT_EQ(station->Get("/api/v1/alert-lists/bureau-list/entries?" + std::string(kRead))->status,
            403);
  auto theirs = station->Post("/api/v1/alert-lists", json{{"id", "s1"}, {"name", "本所"}}.dump());
  ASSERT_EQ(theirs->status, 201) << theirs->body;
  EXPECT_EQ(Json(*theirs)["owner_agency"], "station1");
  EXPECT_EQ(station
                ->Post("/api/v1/alert-lists",
                       json{{"id", "s2"}, {"name", "x"}, {"owner_agency", "bureau"}}.dump())
                ->status,
            403);
  json mine = Json(*station->Get("/api/v1/alert-lists"))["items"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["id"], "s1");
  // The city-wide commander sees both.
  EXPECT_EQ(Json(*server.As("commander").Get("/api/v1/alert-lists"))["items"].size(), 2u);
}

}  // namespace
}  // namespace quanyu::testing
