#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

#include "core/clock.h"

namespace quanyu {

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_ns_(MonotonicNanos()),
      last_ns_(start_ns_),
      tty_(::isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() { Finish(); }

void Progress::Update(uint64_t done) {
  done_.store(done);
  int64_t now = MonotonicNanos();
  int64_t interval = tty_ ? 200'000'000 : 2'000'000'000;
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_ || now - last_ns_ < interval) return;
  last_ns_ = now;
  Print(done, false);
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  Print(done_.load(), true);
}

void Progress::Print(uint64_t done, bool final) {
  double secs = static_cast<double>(MonotonicNanos() - start_ns_) / 1e9;
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  char buf[256];
  if (total_ > 0) {
    std::snprintf(buf, sizeof buf, "%s: %llu/%llu %s (%.0f%%), %.0f %s/s, %.1f s", label_.c_str(),
                  static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_),
                  unit_.c_str(), 100.0 * static_cast<double>(done) / static_cast<double>(total_),
                  rate, unit_.c_str(), secs);
  } else {
    std::snprintf(buf, sizeof buf, "%s: %llu %s, %.0f %s/s, %.1f s", label_.c_str(),
                  static_cast<unsigned long long>(done), unit_.c_str(), rate, unit_.c_str(), secs);
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", buf, final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", buf);
  }
  std::fflush(stderr);
}

}  // namespace quanyu
