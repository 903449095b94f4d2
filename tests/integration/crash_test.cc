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
    ServerProcess server(dir.path());
    api::HttpClient setup("127.0.0.1", server.port());
    auto cp = setup.Post("/api/v1/checkpoints",
                         R"({"id":"K1","name":"测试卡口","lng":107.47,"lat":31.21})");
    ASSERT_TRUE(cp.ok() && cp->status == 201);

    std::atomic<bool> stop{false};
    std::vector<std::thread> loaders;
    for (int t = 0; t < 4; ++t) {
      loaders.emplace_back([&, t] {
        api::HttpClient c("127.0.0.1", server.port());
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
