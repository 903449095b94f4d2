#include "rules/cap.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kPass = 1'795'000'000'123'456;  // 2026-11-18T11:06:40.123456Z

Alert ListHit() {
  Alert a;
  a.id = 42;
  a.type = AlertType::kListHit;
  a.rule_id = "list_hit";
  a.priority = 1;
  a.plate = "川A12345";
  a.record_id = "R1";
  a.checkpoint_id = "51010400001210000001";
  a.checkpoint_name = "成南高速收费站";
  a.position = {104.123456, 30.654321};
  a.pass_time = kPass;
  a.list_id = "L1";
  a.entry_id = "E1";
  a.category = Category::kStolenVehicle;
  a.owner_agency = "cdpsb";
  a.case_no = "A5101002026110001";
  a.first_seen = kPass;
  a.last_seen = kPass;
  a.created = kPass + 2000;
  a.updated = kPass + 2000;
  a.history = {{AlertState::kNew, a.created, "system", "", ""}};
  return a;
}

std::string Tag(const std::string& xml, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(xml, m, std::regex("<" + name + ">([^<]*)</" + name + ">"))) return "";
  return m[1];
}

// The value of the <parameter> named `name`.
std::string Param(const std::string& xml, const std::string& name) {
  std::smatch m;
  std::regex re("<valueName>" + name + "</valueName>\\s*<value>([^<]*)</value>");
  return std::regex_search(xml, m, re) ? std::string(m[1]) : std::string("<missing>");
}

TEST(CapTest, FirstMessageIsAnAlertWithItsIdentity) {
  CapOptions o;
  o.server_id = "dz1";
  std::string x = AlertToCap(ListHit(), o);
  EXPECT_NE(x.find("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"), std::string::npos);
  EXPECT_EQ(Tag(x, "identifier"), "quanyu-dz1-alert-42");
  EXPECT_EQ(Tag(x, "sender"), "quanyu@dz1");
  // Seconds precision with an explicit offset: no fraction, no Z.
  EXPECT_EQ(Tag(x, "sent"), "2026-11-18T19:06:40+08:00");
  EXPECT_EQ(Tag(x, "status"), "Actual");
  EXPECT_EQ(Tag(x, "msgType"), "Alert");
  EXPECT_EQ(Tag(x, "scope"), "Restricted");
  EXPECT_NE(Tag(x, "restriction").find("cdpsb"), std::string::npos);
  EXPECT_EQ(x.find("<references>"), std::string::npos);
  EXPECT_EQ(Tag(x, "language"), "zh-CN");
  EXPECT_EQ(Tag(x, "category"), "Security");
  EXPECT_EQ(Tag(x, "event"), "布控命中 / Alert-list hit");
  EXPECT_EQ(Tag(x, "urgency"), "Immediate");
  EXPECT_EQ(Tag(x, "severity"), "Severe");
  EXPECT_EQ(Tag(x, "certainty"), "Observed");
  EXPECT_EQ(Tag(x, "areaDesc"), "成南高速收费站");
  EXPECT_EQ(Tag(x, "circle"), "30.654321,104.123456 1.000");
  std::string d = Tag(x, "description");
  EXPECT_NE(d.find("川A12345"), std::string::npos);
  EXPECT_NE(d.find("成南高速收费站"), std::string::npos);
  EXPECT_NE(d.find("被盗抢车辆"), std::string::npos);
  EXPECT_NE(d.find("2026-11-18T19:06:40+08:00"), std::string::npos);
  EXPECT_EQ(Param(x, "alert_id"), "42");
  EXPECT_EQ(Param(x, "plate"), "川A12345");
  EXPECT_EQ(Param(x, "checkpoint_id"), "51010400001210000001");
  EXPECT_EQ(Param(x, "rule"), "list_hit");
  EXPECT_EQ(Param(x, "count"), "1");
  EXPECT_EQ(Param(x, "ring"), "<missing>");  // a list hit has no ring
}

TEST(CapTest, FoldedOrProgressedAlertIsAnUpdateReferencingTheFirstMessage) {
  Alert a = ListHit();
  const std::string first = AlertToCap(a);
  a.count = 3;
  a.last_seen = kPass + 600 * kMicrosPerSecond;
  a.updated = kPass + 601 * kMicrosPerSecond;
  std::string x = AlertToCap(a);
  EXPECT_EQ(Tag(x, "msgType"), "Update");
  EXPECT_EQ(Tag(x, "identifier"), "quanyu-quanyu-alert-42-3-new");
  EXPECT_NE(Tag(x, "identifier"), Tag(first, "identifier"));
  EXPECT_EQ(Tag(x, "sent"), "2026-11-18T19:16:41+08:00");
  // sender,identifier,sent of the first message, exactly as that message gave them.
  EXPECT_EQ(Tag(x, "references"),
            Tag(first, "sender") + "," + Tag(first, "identifier") + "," + Tag(first, "sent"));
  EXPECT_EQ(Tag(x, "incidents"), Tag(first, "identifier"));
  EXPECT_EQ(Param(x, "count"), "3");

  a.state = AlertState::kAcknowledged;
  std::string acked = AlertToCap(a);
  EXPECT_EQ(Tag(acked, "identifier"), "quanyu-quanyu-alert-42-3-acknowledged");
  EXPECT_EQ(Tag(acked, "msgType"), "Update");

  // One hit, but a lifecycle step: still an update.
  Alert b = ListHit();
  b.state = AlertState::kClosed;
  std::string closed = AlertToCap(b);
  EXPECT_EQ(Tag(closed, "msgType"), "Update");
  EXPECT_EQ(Tag(closed, "urgency"), "Past");
  EXPECT_EQ(Tag(closed, "responseType"), "AllClear");
}

TEST(CapTest, PriorityAndPartialReadMapToUrgencySeverityCertainty) {
  struct Case {
    int priority;
    const char* urgency;
    const char* severity;
  };
  for (Case c : {Case{1, "Immediate", "Severe"}, Case{2, "Immediate", "Moderate"},
                 Case{3, "Expected", "Minor"}, Case{4, "Future", "Minor"}}) {
    Alert a = ListHit();
    a.priority = c.priority;
    std::string x = AlertToCap(a);
    EXPECT_EQ(Tag(x, "urgency"), c.urgency) << c.priority;
    EXPECT_EQ(Tag(x, "severity"), c.severity) << c.priority;
  }
  Alert a = ListHit();
  a.partial_read = true;
  a.plate = "川A1?345";
  std::string x = AlertToCap(a);
  EXPECT_EQ(Tag(x, "certainty"), "Possible");
  EXPECT_NE(Tag(x, "instruction").find("confirm"), std::string::npos);
}

TEST(CapTest, OptionsSetStatusAndTheUtcOffsetIsWrittenAsAnOffset) {
  CapOptions o;
  o.status = CapStatus::kExercise;
  o.offset_seconds = 0;
  std::string x = AlertToCap(ListHit(), o);
  EXPECT_EQ(Tag(x, "status"), "Exercise");
  EXPECT_EQ(Tag(x, "sent"), "2026-11-18T11:06:40+00:00");
  o.status = CapStatus::kTest;
  EXPECT_EQ(Tag(AlertToCap(ListHit(), o), "status"), "Test");
}

TEST(CapTest, EverythingIsEscapedAndIdentifiersStayTokens) {
  Alert a = ListHit();
  a.checkpoint_name = "A&B <东> \"门\" 'x'";
  CapOptions o;
  o.server_id = "a b,c<d&e";
  std::string x = AlertToCap(a, o);
  EXPECT_EQ(Tag(x, "areaDesc"), "A&amp;B &lt;东&gt; &quot;门&quot; &apos;x&apos;");
  EXPECT_EQ(x.find("A&B"), std::string::npos);
  EXPECT_EQ(Tag(x, "identifier"), "quanyu-a_b_c_d_e-alert-42");
  EXPECT_EQ(Tag(x, "sender"), "quanyu@a_b_c_d_e");
}

TEST(CapTest, XmlEscapeDropsWhatXmlCannotCarry) {
  EXPECT_EQ(XmlEscape("a\x01"
                      "b\tc\n"),
            "ab\tc\n");
  EXPECT_EQ(XmlEscape("川"), "川");
  EXPECT_EQ(XmlEscape("x\xFFy"), "x\xEF\xBF\xBDy");              // stray byte
  EXPECT_EQ(XmlEscape("\xE5\xB7"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
  EXPECT_EQ(XmlEscape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(XmlEscape("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a UTF-16 surrogate
}

// --- schema validation with xmllint (libxml2-utils) ---

std::string SchemaPath() {
  const char* d = std::getenv("QUANYU_SOURCE_DIR");
  return (std::filesystem::path(d != nullptr ? d : ".") / "api" / "cap-v1.2.xsd").string();
}

// Runs xmllint --schema on the document; returns its exit status and fills *output.
int Xmllint(const std::string& xml, std::string* output) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("quanyu-cap-" + std::to_string(::getpid()) + ".xml"))
                         .string();
  std::ofstream(path, std::ios::binary) << xml;
  std::string cmd = "xmllint --noout --schema '" + SchemaPath() + "' '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  output->clear();
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) output->append(buf, n);
  int rc = ::pclose(p);
  std::filesystem::remove(path);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class CapSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(SchemaPath())) << SchemaPath();
    ASSERT_EQ(std::system("xmllint --version >/dev/null 2>&1"), 0)
        << "xmllint is missing: install libxml2-utils (scripts/setup.sh)";
  }
};

TEST_F(CapSchemaTest, EveryKindOfAlertValidates) {
  std::vector<std::pair<std::string, Alert>> cases;
  cases.emplace_back("list hit", ListHit());
  Alert touch = ListHit();
  touch.type = AlertType::kRingTouch;
  touch.rule_id = "ring-rule-7";
  touch.ring_id = "510104";
  touch.ring_name = "锦江区";
  touch.priority = 3;
  cases.emplace_back("ring touch", touch);
  Alert entry = touch;
  entry.type = AlertType::kRingEntry;
  entry.priority = 2;
  entry.count = 4;
  entry.state = AlertState::kDispatched;
  entry.last_seen = kPass + 3 * kMicrosPerMinute;
  entry.updated = kPass + 4 * kMicrosPerMinute;
  cases.emplace_back("ring entry, folded and dispatched", entry);
  Alert partial = ListHit();
  partial.partial_read = true;
  partial.plate = "川A1?3?5";
  partial.priority = 4;
  cases.emplace_back("partial read", partial);
  Alert nasty = ListHit();
  nasty.checkpoint_name = "A&B <东门> \"南\" ]]> \x01";
  nasty.ring_id = "r&1";
  nasty.ring_name = "<圈>&";
  nasty.owner_agency = "a<b>&c";
  nasty.state = AlertState::kClosed;
  cases.emplace_back("names with & < > characters", nasty);
  Alert bare;  // nothing set: no plate, no name, time zero
  cases.emplace_back("empty alert", bare);

  CapOptions utc;
  utc.offset_seconds = 0;
  utc.server_id = "srv 1, <x>&";
  utc.status = CapStatus::kTest;
  for (const auto& [name, alert] : cases) {
    for (const CapOptions& o : {CapOptions{}, utc}) {
      std::string xml = AlertToCap(alert, o);
      std::string out;
      EXPECT_EQ(Xmllint(xml, &out), 0) << name << ":\n" << out << "\n" << xml;
    }
  }
}

TEST_F(CapSchemaTest, AnInvalidDocumentFails) {
  // The check can fail: a fractional, Z-terminated sent and an unknown urgency are refused.
  std::string xml = AlertToCap(ListHit());
  std::string broken = std::regex_replace(xml, std::regex("<sent>[^<]*</sent>"),
                                          "<sent>2026-11-18T10:13:20.5Z</sent>");
  std::string out;
  EXPECT_NE(Xmllint(broken, &out), 0) << broken;
  EXPECT_NE(out.find("sent"), std::string::npos) << out;
  broken =
      std::regex_replace(xml, std::regex("<urgency>[^<]*</urgency>"), "<urgency>Now</urgency>");
  EXPECT_NE(Xmllint(broken, &out), 0) << broken;
  broken = std::regex_replace(xml, std::regex("<scope>"), "<note>x</note><scope>");
  EXPECT_NE(Xmllint(broken, &out), 0) << broken;  // out of order
}

}  // namespace
}  // namespace quanyu::rules
