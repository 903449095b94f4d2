// Helpers shared by the integration tests: temporary data directories, a server running
// in-process on a free port, and JSON access.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/app.h"
#include "api/http_client.h"

namespace quanyu::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "quanyu-test-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string SourceDir() {
  const char* d = std::getenv("QUANYU_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

// A real server on 127.0.0.1 and a free port, over a temporary data directory.
class ServerFixture {
 public:
  explicit ServerFixture(api::AppOptions options = {}) {
    options.data_dir = dir_.path();
    options.server.host = "127.0.0.1";
    options.server.port = 0;
    options_ = options;
    Start();
  }
  void Start() {
    auto app = api::App::Open(options_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(app).value();
    ASSERT_TRUE(app_->Start().ok());
    client_ = std::make_unique<api::HttpClient>("127.0.0.1", app_->port());
  }
  void Restart() {
    client_.reset();
    app_.reset();
    Start();
  }
  api::HttpClient& client() { return *client_; }
  uint16_t port() const { return app_->port(); }
  const std::string& data_dir() const { return dir_.path(); }
  api::App& app() { return *app_; }

 private:
  TempDir dir_;
  api::AppOptions options_;
  std::unique_ptr<api::App> app_;
  std::unique_ptr<api::HttpClient> client_;
};

inline nlohmann::json Json(const api::ClientResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

}  // namespace quanyu::testing
