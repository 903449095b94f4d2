// The web front end's files and the public "about" route, over a real socket: what a browser
// opening the command map receives.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

// A built front end as Vite leaves it: index.html and content-hashed assets.
void WriteFrontEnd(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<!doctype html><title>全域 指挥图</title>"
                                       "<script type=module src=/assets/app-1a2b.js></script>";
  std::string js = "export const layers = [";
  for (int i = 0; i < 200; ++i) js += "\"layer" + std::to_string(i) + "\",";
  js += "];\n";
  std::ofstream(dir / "assets" / "app-1a2b.js") << js;
}

class WebTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFrontEnd(web_.path());
    api::AppOptions options;
    options.web_dir = web_.path();
    options.notice = "演示：交通与警情均为模拟";
    server_ = std::make_unique<ServerFixture>(options);
    anonymous_ = server_->NewClient();
  }
  TempDir web_;
  std::unique_ptr<ServerFixture> server_;
  std::unique_ptr<api::HttpClient> anonymous_;
};

TEST_F(WebTest, ServesTheFrontEndWithoutAToken) {
  auto index = anonymous_->Get("/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("全域 指挥图"), std::string::npos);
  EXPECT_EQ(index->headers["cache-control"], "no-cache");

  auto js = anonymous_->Get("/assets/app-1a2b.js");
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->headers["content-type"], "application/javascript; charset=utf-8");
  EXPECT_NE(js->headers["cache-control"].find("immutable"), std::string::npos);
  EXPECT_NE(js->body.find("layer199"), std::string::npos);
}

TEST_F(WebTest, ClientRoutesGetTheAppAndMissingFilesAre404) {
  // A path of the application's own (no file extension) answers index.html.
  auto route = anonymous_->Get("/incidents/42");
  EXPECT_EQ(route->status, 200);
  EXPECT_NE(route->body.find("全域 指挥图"), std::string::npos);
  // A missing file is a 404, not the app.
  EXPECT_EQ(anonymous_->Get("/assets/missing.js")->status, 404);
  // The API keeps its own answers: an unknown API path is a JSON 404, a protected one a 401.
  auto api = anonymous_->Get("/api/v1/nothing-here");
  EXPECT_EQ(api->status, 404);
  EXPECT_NE(api->body.find("no route"), std::string::npos);
  EXPECT_EQ(anonymous_->Get("/api/v1/units")->status, 401);
  // Nothing outside the directory can be named: a path that escapes it is only a client route.
  for (const char* path : {"/../../etc/passwd", "/assets/../../../etc/hostname", "/%2e%2e/x.js"}) {
    auto escape = anonymous_->Get(path);
    EXPECT_TRUE(escape->status == 404 || escape->body.find("全域 指挥图") != std::string::npos)
        << path << ": " << escape->status << " " << escape->body;
    EXPECT_EQ(escape->body.find("root:"), std::string::npos) << path;
  }
  // Only GET and HEAD reach the files.
  EXPECT_NE(anonymous_->Post("/index.html", "{}")->status, 200);
}

TEST_F(WebTest, CompressesAndRevalidatesWithTheEtag) {
  auto plain = anonymous_->Get("/assets/app-1a2b.js");
  auto zipped =
      anonymous_->Send("GET", "/assets/app-1a2b.js", "", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->headers["content-encoding"], "gzip");
  ASSERT_GE(zipped->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped->body[0]), 0x1f);  // gzip magic
  EXPECT_LT(zipped->body.size(), plain->body.size() / 2);
  // gzip;q=0 refuses it.
  auto refused =
      anonymous_->Send("GET", "/assets/app-1a2b.js", "", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(refused->headers.count("content-encoding"), 0u);

  const std::string etag = plain->headers["etag"];
  ASSERT_FALSE(etag.empty());
  auto again = anonymous_->Send("GET", "/assets/app-1a2b.js", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(WebTest, AboutSaysWhatTheDemoSimulates) {
  auto about = anonymous_->Get("/api/v1/about");
  ASSERT_EQ(about->status, 200);
  const json j = Json(*about);
  EXPECT_EQ(j["name"], "quanyu");
  EXPECT_EQ(j["notice"], "演示：交通与警情均为模拟");
}

TEST(WebStartTest, AFrontEndWithoutIndexIsRefusedAtStart) {
  TempDir empty, data;
  api::AppOptions options;
  options.data_dir = data.path();
  options.web_dir = empty.path();
  auto app = api::App::Open(options);
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("index.html"), std::string::npos)
      << app.status().ToString();
  options.web_dir = empty.path() + "/not-built";
  app = api::App::Open(options);
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace quanyu::testing
