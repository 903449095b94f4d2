// What an event-log group commit costs on this disk: `--writes` writes of `--kb` KiB, each
// followed by fdatasync, to a file that grows (as the event log appends) or to one written with
// zeros beforehand (overwritten in place, so no fdatasync has file-system metadata to commit).
// With --background-mbps a second thread writes another file at about that rate and starts its
// writeback after every write, as the SQLite store does beside the log.
//
//   build/release/bench/fsync_probe [--mode=append|overwrite] [--writes=N] [--kb=N]
//       [--background-mbps=N] [--dir=DIR]
//
// Prints the write rate and the fdatasync latency percentiles. The files live in --dir (default
// the current directory: the disk the data directory would be on) and are removed afterwards.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string mode = "append";
  long writes = 1500;
  long kb = 200;
  long background_mbps = 0;
  std::string dir = ".";
};

int Fail(const std::string& why) {
  std::fprintf(stderr, "fsync_probe: %s\n", why.c_str());
  return 1;
}

bool WriteFull(int fd, const char* p, size_t n, off_t at) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, at);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
    at += w;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"fdatasync latency of an appended against an overwritten file"};
  cli.add_option("--mode", o.mode, "append or overwrite")
      ->check(CLI::IsMember({"append", "overwrite"}));
  cli.add_option("--writes", o.writes, "writes, each followed by fdatasync")
      ->check(CLI::PositiveNumber);
  cli.add_option("--kb", o.kb, "KiB per write")->check(CLI::PositiveNumber);
  cli.add_option("--background-mbps", o.background_mbps, "MB/s of other writes beside them")
      ->check(CLI::NonNegativeNumber);
  cli.add_option("--dir", o.dir, "where the files are made");
  CLI11_PARSE(cli, argc, argv);
  const size_t chunk = static_cast<size_t>(o.kb) * 1024;
  const std::string path = o.dir + "/fsync_probe.log";
  const std::string bg_path = o.dir + "/fsync_probe.background";
  const bool overwrite = o.mode == "overwrite";

  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (overwrite ? 0 : O_APPEND), 0644);
  if (fd < 0) return Fail("cannot create " + path + ": " + std::strerror(errno));
  if (overwrite) {
    std::vector<char> zeros(1 << 20, 0);
    const off_t total = static_cast<off_t>(chunk) * o.writes;
    for (off_t at = 0; at < total; at += static_cast<off_t>(zeros.size())) {
      if (!WriteFull(fd, zeros.data(), zeros.size(), at)) return Fail("writing zeros failed");
    }
    if (::fsync(fd) != 0) return Fail("fsync failed");
  }

  std::atomic<bool> stop{false};
  std::thread background([&] {
    if (o.background_mbps == 0) return;
    int bg = ::open(bg_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (bg < 0) return;
    std::vector<char> block(64 * 1024, 'b');
    const auto pause = std::chrono::microseconds(
        static_cast<long>(block.size() * 1e6 / (static_cast<double>(o.background_mbps) * 1e6)));
    off_t at = 0;
    while (!stop.load()) {
      if (!WriteFull(bg, block.data(), block.size(), at)) break;
      ::sync_file_range(bg, at, static_cast<off_t>(block.size()), SYNC_FILE_RANGE_WRITE);
      at += static_cast<off_t>(block.size());
      if (at > (off_t{1} << 30)) at = 0;
      std::this_thread::sleep_for(pause);
    }
    ::close(bg);
  });

  std::vector<char> data(chunk, 'x');
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(o.writes));
  const auto t0 = std::chrono::steady_clock::now();
  bool ok = true;
  for (long i = 0; i < o.writes && ok; ++i) {
    if (overwrite) {
      ok = WriteFull(fd, data.data(), chunk, static_cast<off_t>(chunk) * i);
    } else {
      ok = ::write(fd, data.data(), chunk) == static_cast<ssize_t>(chunk);
    }
    const auto a = std::chrono::steady_clock::now();
    ok = ok && ::fdatasync(fd) == 0;
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop.store(true);
  background.join();
  ::close(fd);
  ::unlink(path.c_str());
  ::unlink(bg_path.c_str());
  if (!ok) return Fail("a write or fdatasync failed");

  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[static_cast<size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  const std::string beside =
      o.background_mbps > 0
          ? ", beside " + std::to_string(o.background_mbps) + " MB/s of other writes"
          : "";
  std::printf(
      "%s, %ld writes of %ld KiB%s: %.0f MB/s; fdatasync p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
      "max %.2f ms\n",
      o.mode.c_str(), o.writes, o.kb, beside.c_str(),
      static_cast<double>(chunk) * static_cast<double>(o.writes) / secs / 1e6, at(0.5), at(0.9),
      at(0.99), ms.back());
  return 0;
}
