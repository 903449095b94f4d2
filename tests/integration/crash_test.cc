// Acknowledged means durable: the real `quanyu serve` process is killed with SIGKILL in the
// middle of a load; after a restart every acknowledged record is in the store. Also: SIGTERM
// stops the server cleanly with exit status 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/time_format.h"
#include "store/store.h"
#include "test_util.h"

namespace quanyu::testing {
namespace {

using nlohmann::json;

// A `quanyu serve` child process; the port is read from its first line of output.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data_dir) {
    const char* bin = std::getenv("QUANYU_BINARY");
    binary_ = bin != nullptr ? bin : "quanyu";
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      execl(binary_.c_str(), binary_.c_str(), "--log-level", "warn", "serve", "--data",
            data_dir.c_str(), "--listen", "127.0.0.1:0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[512] = {0};
    if (fgets(line, sizeof line, out) != nullptr) {
      std::string s(line);
      size_t colon = s.rfind(':');
      port_ = static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1));
    }
    out_ = out;
    EXPECT_NE(port_, 0) << "server did not report its port; binary " << binary_;
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }
  uint16_t port() const { return port_; }
  void Kill(int sig) { kill(pid_, sig); }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  std::string binary_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  FILE* out_ = nullptr;
};

struct RunResult {
  int code = -1;
  std::string out;
};

// Runs `quanyu ARGS` with `input` on stdin; ARGS is passed through the shell.
RunResult RunQuanyu(const std::string& args, const std::string& input = {}) {
  const char* bin = std::getenv("QUANYU_BINARY");
  std::string cmd = "printf '%s\\n' '" + input + "' | " + (bin != nullptr ? bin : "quanyu") + " " +
                    args + " 2>&1";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// An administrator "admin" and a device "feed" allowed any checkpoint, made with the CLI.
void InitAccounts(const std::string& dir) {
  RunResult init = RunQuanyu("admin init --data " + dir + " --password-stdin", kTestPassword);
  ASSERT_EQ(init.code, 0) << init.out;
  RunResult feed = RunQuanyu(
      "admin device add feed --agency bureau --allow '*' --data " + dir + " --password-stdin",
      kFeedSecret);
  ASSERT_EQ(feed.code, 0) << feed.out;
}

std::string LoginToken(uint16_t port, const json& credentials) {
  api::HttpClient c("127.0.0.1", port);
  auto r = c.Post("/api/v1/auth/login", credentials.dump());
  EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
  if (!r.ok() || r->status != 200) return {};
  return json::parse(r->body)["token"].get<std::string>();
}

std::string Body(int thread, int batch, int n, std::vector<std::string>* ids) {
  std::string now = FormatCompactLocalTime(SystemClock::Get()->Now());
  json objs = json::array();
  for (int i = 0; i < n; ++i) {
    char id[64], plate[32];
    std::snprintf(id, sizeof id, "CRASH-%d-%06d-%03d", thread, batch, i);
    std::snprintf(plate, sizeof plate, "川S%05d", (thread * 7919 + batch * 31 + i) % 100000);
    ids->push_back(id);
    objs.push_back({{"MotorVehicleID", id},
                    {"TollgateID", "K1"},
                    {"PassTime", now},
                    {"PlateNo", plate},
                    {"PlateColor", "5"},
                    {"Speed", "50"}});
  }
  return json{{"MotorVehicleListObject", {{"MotorVehicleObject", objs}}}}.dump();
}

TEST(CrashTest, EveryAcknowledgedRecordSurvivesSigkill) {
  TempDir dir;
  std::vector<std::string> acked;
  std::mutex mu;
  {
    InitAccounts(dir.path());
    ServerProcess server(dir.path());
    api::HttpClient setup("127.0.0.1", server.port());
    setup.SetDefaultHeader(
        "Authorization",
        "Bearer " + LoginToken(server.port(), {{"user", "admin"}, {"password", kTestPassword}}));
    const std::string feed_token =
        LoginToken(server.port(), {{"device", "feed"}, {"secret", kFeedSecret}});
    auto cp = setup.Post("/api/v1/checkpoints",
                         R"({"id":"K1","name":"测试卡口","lng":107.47,"lat":31.21})");
    ASSERT_TRUE(cp.ok() && cp->status == 201);

    std::atomic<bool> stop{false};
    std::vector<std::thread> loaders;
    for (int t = 0; t < 4; ++t) {
      loaders.emplace_back([&, t] {
        api::HttpClient c("127.0.0.1", server.port());
        c.SetDefaultHeader("Authorization", "Bearer " + feed_token);
        for (int b = 0; !stop.load(); ++b) {
          std::vector<std::string> ids;
          auto r = c.Post("/VIID/MotorVehicles", Body(t, b, 200, &ids));
          if (!r.ok()) return;  // the server is gone
          if (r->status != 200) continue;
          json st = json::parse(r->body)["ResponseStatusListObject"]["ResponseStatusObject"];
          std::lock_guard lock(mu);
          for (size_t i = 0; i < st.size(); ++i) {
            if (st[i]["StatusCode"] == "0") acked.push_back(ids[i]);
          }
        }
      });
    }
    // Kill once a good load is under way.
    for (int i = 0; i < 500; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::lock_guard lock(mu);
      if (acked.size() > 20000) break;
    }
    server.Kill(SIGKILL);
    server.Wait();
    stop = true;
    for (auto& t : loaders) t.join();
  }
  ASSERT_GT(acked.size(), 1000u);

  // Restart: the log is replayed into the store before the server listens.
  {
    ServerProcess server(dir.path());
    api::HttpClient c("127.0.0.1", server.port());
    auto h = c.Get("/healthz");
    ASSERT_TRUE(h.ok() && h->status == 200);
    server.Kill(SIGTERM);
    int status = server.Wait();
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = api::OpenStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  size_t missing = 0;
  for (const auto& id : acked) {
    auto p = (*store)->GetPassage(id);
    ASSERT_TRUE(p.ok());
    if (!p->has_value()) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged records";
  auto stats = (*store)->GetPassageStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(stats->passages, static_cast<int64_t>(acked.size()));
}

TEST(CrashTest, SigtermStopsCleanlyWithStatusZero) {
  TempDir dir;
  ServerProcess server(dir.path());
  api::HttpClient c("127.0.0.1", server.port());
  ASSERT_TRUE(c.Get("/healthz").ok());
  server.Kill(SIGTERM);
  int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace quanyu::testing

namespace quanyu::testing {
namespace {

TEST(AdminCliTest, FirstAdministratorUsersAndDevicesFromTheCommandLine) {
  TempDir dir;
  const std::string data = " --data " + dir.path();
  RunResult init = RunQuanyu("admin init --agency-name 达州市公安局" + data);
  ASSERT_EQ(init.code, 0) << init.out;
  // The generated password is printed once and works.
  size_t at = init.out.find("password: ");
  ASSERT_NE(at, std::string::npos) << init.out;
  std::string password = init.out.substr(at + 10, init.out.find('\n', at) - at - 10);
  EXPECT_EQ(password.size(), 16u);
  RunResult again = RunQuanyu("admin init" + data);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("only once"), std::string::npos) << again.out;

  RunResult bad_role = RunQuanyu("admin user add ann --role wizard --agency bureau" + data);
  EXPECT_EQ(bad_role.code, 2);
  EXPECT_NE(bad_role.out.find("role"), std::string::npos) << bad_role.out;
  RunResult add = RunQuanyu(
      "admin user add ann --role analyst --agency bureau --districts 511702,511703"
      " --password-stdin" +
          data,
      "ann password 123");
  ASSERT_EQ(add.code, 0) << add.out;
  EXPECT_EQ(add.out.find("ann password 123"), std::string::npos);
  RunResult list = RunQuanyu("admin user list" + data);
  EXPECT_NE(list.out.find("districts 511702,511703"), std::string::npos) << list.out;
  RunResult dev = RunQuanyu(
      "admin device add 51170200001190000001 --agency bureau"
      " --allow 51170200001210000001" +
      data);
  ASSERT_EQ(dev.code, 0) << dev.out;
  EXPECT_NE(dev.out.find("secret: "), std::string::npos) << dev.out;
  RunResult roles = RunQuanyu("admin roles");
  EXPECT_NE(roles.out.find("| `passage.search` (personal) |"), std::string::npos) << roles.out;

  ServerProcess server(dir.path());
  EXPECT_FALSE(LoginToken(server.port(), {{"user", "admin"}, {"password", password}}).empty());
  EXPECT_FALSE(
      LoginToken(server.port(), {{"user", "ann"}, {"password", "ann password 123"}}).empty());
  // What the command line changed is in the audit log, attributed to it.
  RunResult aud =
      RunQuanyu("admin user add aud --role auditor --agency bureau --password-stdin" + data,
                "auditor password 1");
  EXPECT_EQ(aud.code, 1) << "the server holds the directory: " << aud.out;
  api::HttpClient admin_client("127.0.0.1", server.port());
  admin_client.SetDefaultHeader(
      "Authorization",
      "Bearer " + LoginToken(server.port(), {{"user", "admin"}, {"password", password}}));
  auto made = admin_client.Post("/api/v1/users", json{{"id", "aud"},
                                                      {"agency", "bureau"},
                                                      {"role", "auditor"},
                                                      {"password", "auditor password 1"}}
                                                     .dump());
  ASSERT_EQ(made->status, 201) << made->body;
  api::HttpClient auditor("127.0.0.1", server.port());
  auditor.SetDefaultHeader(
      "Authorization",
      "Bearer " + LoginToken(server.port(), {{"user", "aud"}, {"password", "auditor password 1"}}));
  auto log = auditor.Get("/api/v1/audit?actor=system&order=oldest");
  ASSERT_EQ(log->status, 200) << log->body;
  json items = json::parse(log->body)["items"];
  std::vector<std::string> actions;
  for (const auto& r : items) {
    if (r["action"].get<std::string>().rfind("quanyu admin", 0) != 0) continue;  // retention runs
    actions.push_back(r["action"].get<std::string>() + " " + r["target"].get<std::string>() + " " +
                      r["outcome"].get<std::string>());
  }
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "quanyu admin init admin ok", "quanyu admin init admin error",
                         "quanyu admin user add ann error", "quanyu admin user add ann ok",
                         "quanyu admin device add 51170200001190000001 ok"}));

  // A second process may not change the directory while the server has it.
  RunResult busy = RunQuanyu("admin user disable ann" + data);
  EXPECT_EQ(busy.code, 1);
  EXPECT_NE(busy.out.find("in use"), std::string::npos) << busy.out;
}

}  // namespace
}  // namespace quanyu::testing
