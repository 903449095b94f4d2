// Helpers shared by the integration tests: temporary data directories, a server running
// in-process on a free port, and JSON access.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
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

inline constexpr char kTestPassword[] = "test password 123";
inline constexpr char kFeedDevice[] = "test-feed";
inline constexpr char kFeedSecret[] = "feed secret 123";

// A real server on 127.0.0.1 and a free port, over a temporary data directory. Its data
// directory has an agency "bureau", an administrator "admin" and a device credential
// "test-feed" allowed to submit for any checkpoint. client() acts as the administrator,
// feed() as the feed; As(role) makes a user of that role and a client acting as it.
class ServerFixture {
 public:
  explicit ServerFixture(api::AppOptions options = {}) {
    options.data_dir = dir_.path();
    options.server.host = "127.0.0.1";
    options.server.port = 0;
    options.auth.password_cost = govern::PasswordCost::kMinimal;
    if (!options.server.tls_cert_file.empty()) {
      client_options_.tls = true;
      client_options_.tls_ca_file = options.server.tls_cert_file;
    }
    options_ = options;
    Start();
  }
  void Start() {
    auto app = api::App::Open(options_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(app).value();
    ASSERT_TRUE(app_->Start().ok());
    govern::Accounts& accounts = app_->accounts();
    if (!*accounts.Initialized()) {
      ASSERT_TRUE(accounts
                      .InitAdmin(govern::Agency{"bureau", "测试市公安局", "police_bureau", "", 0},
                                 "admin", kTestPassword)
                      .ok());
      govern::Device feed;
      feed.id = kFeedDevice;
      feed.agency = "bureau";
      feed.allowed_ids = {govern::kAnyId};
      ASSERT_TRUE(accounts.AddDevice(feed, std::string(kFeedSecret)).ok());
    }
    admin_token_ = Login({{"user", "admin"}, {"password", kTestPassword}});
    client_ = NewClient(admin_token_);
    feed_ = NewClient(Login({{"device", kFeedDevice}, {"secret", kFeedSecret}}));
  }
  // Stops the server, runs `while_stopped` (e.g. to change files of the data directory) and
  // starts it again on the same data directory.
  void Restart(const std::function<void()>& while_stopped = {}) {
    client_.reset();
    feed_.reset();
    by_role_.clear();
    app_.reset();
    if (while_stopped) while_stopped();
    Start();
  }
  // A client without credentials, or with the given bearer token.
  std::unique_ptr<api::HttpClient> NewClient(const std::string& token = {}) {
    auto c = std::make_unique<api::HttpClient>("127.0.0.1", app_->port(), client_options_);
    if (!token.empty()) c->SetDefaultHeader("Authorization", "Bearer " + token);
    return c;
  }
  // Logs in over HTTP; "" on failure (with a test failure).
  std::string Login(const nlohmann::json& credentials) {
    api::HttpClient c("127.0.0.1", app_->port(), client_options_);
    auto r = c.Post("/api/v1/auth/login", credentials.dump());
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    if (!r.ok() || r->status != 200) return {};
    return nlohmann::json::parse(r->body)["token"].get<std::string>();
  }
  // A client acting as a user of `role` (created on first use, named "<role>-user").
  api::HttpClient& As(const std::string& role) {
    auto it = by_role_.find(role);
    if (it != by_role_.end()) return *it->second;
    govern::User u;
    u.id = role + "-user";
    u.agency = "bureau";
    u.role = role;
    if (!app_->accounts().GetUser(u.id).ok()) {
      Status s = app_->accounts().AddUser(u, kTestPassword);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    auto c = NewClient(Login({{"user", u.id}, {"password", kTestPassword}}));
    return *(by_role_[role] = std::move(c));
  }
  api::HttpClient& client() { return *client_; }
  const std::string& admin_token() const { return admin_token_; }
  api::HttpClient& feed() { return *feed_; }
  uint16_t port() const { return app_->port(); }
  const std::string& data_dir() const { return dir_.path(); }
  api::App& app() { return *app_; }

 private:
  TempDir dir_;
  api::AppOptions options_;
  api::ClientOptions client_options_;
  std::unique_ptr<api::App> app_;
  std::unique_ptr<api::HttpClient> client_;
  std::unique_ptr<api::HttpClient> feed_;
  std::string admin_token_;
  std::map<std::string, std::unique_ptr<api::HttpClient>> by_role_;
};

// Validates a CAP document with xmllint against api/cap-v1.2.xsd; returns xmllint's exit status
// (0: valid) and its output in *out.
inline int Xmllint(const std::string& xml, std::string* out) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("quanyu-cap-" + std::to_string(::getpid()) + ".xml"))
                         .string();
  std::ofstream(path, std::ios::binary) << xml;
  std::string cmd =
      "xmllint --noout --schema '" + SourceDir() + "/api/cap-v1.2.xsd' '" + path + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  out->clear();
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out->append(buf, n);
  int rc = ::pclose(p);
  std::filesystem::remove(path);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline nlohmann::json Json(const api::ClientResponse& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

}  // namespace quanyu::testing
