#include "govern/roles.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace quanyu::govern {
namespace {

TEST(RolesTest, BuiltinTableHasTheRolesTheBureauNeeds) {
  const RoleTable& t = RoleTable::Builtin();
  for (const char* role :
       {"admin", "commander", "operator", "analyst", "auditor", "mediator", "liaison", "device"}) {
    EXPECT_TRUE(t.HasRole(role)) << role;
  }
  EXPECT_TRUE(t.IsPersonal("passage.search"));
  EXPECT_FALSE(t.IsPersonal("passage.stats"));
  EXPECT_TRUE(t.Allows("analyst", "passage.search"));
  // Separation of duties: administrators manage accounts but read no personal data, auditors
  // read the audit log but no operational data, devices only submit.
  EXPECT_FALSE(t.Allows("admin", "passage.search"));
  EXPECT_FALSE(t.Allows("admin", "audit.read"));
  EXPECT_FALSE(t.Allows("auditor", "passage.search"));
  EXPECT_FALSE(t.Allows("device", "checkpoint.read"));
  EXPECT_TRUE(t.Allows("device", "passage.ingest"));
  EXPECT_FALSE(t.Allows("nobody", "self"));
  EXPECT_TRUE(t.HasPurpose("case_investigation"));
  EXPECT_TRUE(t.HasAgencyKind("emergency_120"));
}

TEST(RolesTest, ParseNamesTheMemberAtFault) {
  auto bad = RoleTable::Parse(R"({"permissions":{"a":{"description":"A"}},
      "roles":{"r":{"permissions":["a","b"]}},"purposes":{},"agency_kinds":{}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "roles.r.permissions");
  EXPECT_NE(bad.status().message().find("\"b\""), std::string::npos);
  EXPECT_FALSE(RoleTable::Parse("[]").ok());
  auto nodesc = RoleTable::Parse(R"({"permissions":{"a":{}}})");
  ASSERT_FALSE(nodesc.ok());
  EXPECT_EQ(nodesc.status().field(), "permissions.a");
}

TEST(RolesTest, DocsShowTheMatrixOfTheData) {
  const char* src = std::getenv("QUANYU_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  std::ifstream in(std::string(src) + "/docs/security.md");
  ASSERT_TRUE(in) << "docs/security.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find(RoleTable::Builtin().MatrixMarkdown()), std::string::npos)
      << "docs/security.md must contain the permission matrix generated from roles.json "
         "(`quanyu admin roles`):\n"
      << RoleTable::Builtin().MatrixMarkdown();
}

}  // namespace
}  // namespace quanyu::govern
