// The API spec is the contract: every route the server answers is in api/openapi.yaml, every
// operation in the spec is served, and the server serves the same document.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "api/handlers.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "METHOD /path/{param}" for every operation under `paths:` (two-space path keys, four-space
// method keys, as the spec is written), with its x-permission ("" if none).
std::map<std::string, std::string> SpecPermissions(const std::string& yaml) {
  std::map<std::string, std::string> out;
  std::istringstream in(yaml);
  std::string line, path, op;
  bool in_paths = false;
  std::regex path_re(R"(^  (/[^:\s]*):\s*$)");
  std::regex method_re(R"(^    (get|put|post|patch|delete|head|options):\s*$)");
  std::regex perm_re(R"(^      x-permission:\s*(\S+)\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.rfind("paths:", 0) == 0) {
      in_paths = true;
      continue;
    }
    if (in_paths && !line.empty() && line[0] != ' ') in_paths = false;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re)) {
      path = m[1];
    } else if (std::regex_match(line, m, method_re) && !path.empty()) {
      std::string method = m[1];
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      op = method + " " + path;
      out[op];
    } else if (std::regex_match(line, m, perm_re) && !op.empty()) {
      out[op] = m[1];
    }
  }
  return out;
}

std::set<std::string> SpecOperations(const std::string& yaml) {
  std::set<std::string> ops;
  for (const auto& [op, permission] : SpecPermissions(yaml)) ops.insert(op);
  return ops;
}

TEST(OpenApiTest, EveryRouteIsInTheSpecAndEverySpecOperationIsServed) {
  std::string yaml = ReadFile(SourceDir() + "/api/openapi.yaml");
  ASSERT_FALSE(yaml.empty()) << "cannot read api/openapi.yaml under " << SourceDir();
  std::set<std::string> spec = SpecOperations(yaml);
  ASSERT_GT(spec.size(), 10u);

  api::Router router;
  api::Services services;
  api::RegisterRoutes(&router, &services);
  std::set<std::string> served;
  for (const auto& r : router.routes()) served.insert(r.method + " " + r.pattern);

  for (const auto& op : served)
    EXPECT_TRUE(spec.count(op)) << op << " is served but not in the spec";
  for (const auto& op : spec)
    EXPECT_TRUE(served.count(op)) << op << " is in the spec but not served";
}

TEST(OpenApiTest, SpecNamesThePermissionEachRouteChecks) {
  std::map<std::string, std::string> spec =
      SpecPermissions(ReadFile(SourceDir() + "/api/openapi.yaml"));
  api::Router router;
  api::Services services;
  api::RegisterRoutes(&router, &services);
  for (const auto& r : router.routes()) {
    std::string op = r.method + " " + r.pattern;
    EXPECT_EQ(spec[op], r.access.permission) << op << ": x-permission in the spec";
  }
}

TEST(OpenApiTest, ServerServesTheSpecItIsBuiltWith) {
  ServerFixture server;
  auto r = server.client().Get("/api/v1/openapi.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, ReadFile(SourceDir() + "/api/openapi.yaml"));
}

TEST(OpenApiTest, EverySpecPathAnswersOverTheWire) {
  // Each operation of the spec reaches a handler over a real socket (no 404 "no route" and
  // no 405), whatever the handler then says about the empty request.
  std::string yaml = ReadFile(SourceDir() + "/api/openapi.yaml");
  ServerFixture server;
  for (const auto& op : SpecOperations(yaml)) {
    std::string method = op.substr(0, op.find(' '));
    std::string path =
        std::regex_replace(op.substr(op.find(' ') + 1), std::regex(R"(\{[^}]+\})"), "x");
    auto r = server.client().Send(method, path, "");
    ASSERT_TRUE(r.ok()) << op;
    EXPECT_NE(r->status, 405) << op;
    if (r->status == 404) {
      EXPECT_EQ(r->body.find("no route for"), std::string::npos) << op << ": " << r->body;
    }
  }
}

}  // namespace
}  // namespace quanyu::testing
