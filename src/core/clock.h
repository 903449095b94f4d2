// Clocks. Time inside quanyu is UTC, as microseconds since the Unix epoch (int64).
// Code that needs "now" takes a Clock so that tests can inject a ManualClock.
// Thread safety: SystemClock and ManualClock are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace quanyu {

using UnixMicros = int64_t;

constexpr UnixMicros kMicrosPerSecond = 1'000'000;
constexpr UnixMicros kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr UnixMicros kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr UnixMicros kMicrosPerDay = 24 * kMicrosPerHour;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMicros Now() const = 0;
};

// Wall-clock time.
class SystemClock final : public Clock {
 public:
  UnixMicros Now() const override;
  // A process-wide instance.
  static const SystemClock* Get();
};

// A clock that only moves when told; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMicros start) : now_(start) {}
  UnixMicros Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(UnixMicros t) { now_.store(t, std::memory_order_relaxed); }
  void Advance(UnixMicros d) { now_.fetch_add(d, std::memory_order_relaxed); }

 private:
  std::atomic<UnixMicros> now_;
};

// Monotonic nanoseconds, for measuring durations only.
int64_t MonotonicNanos();

}  // namespace quanyu
