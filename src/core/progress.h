// A progress line for long-running commands, on stderr. On a terminal it redraws one line
// ("\r") at most every 200 ms; otherwise it prints a line at most every 2 s, so logs stay short.
// Thread safety: Update and Add may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace quanyu {

class Progress {
 public:
  // total = 0: unknown total (counts only).
  Progress(std::string label, uint64_t total, std::string unit = "rows");
  ~Progress();
  void Update(uint64_t done);
  void Add(uint64_t n) { Update(done_.fetch_add(n) + n); }
  // Prints the final line (always).
  void Finish();

 private:
  void Print(uint64_t done, bool final);
  std::string label_, unit_;
  uint64_t total_;
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  int64_t start_ns_, last_ns_;
  bool tty_;
  bool finished_ = false;
};

}  // namespace quanyu
