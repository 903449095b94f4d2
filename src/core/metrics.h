// Metrics in the Prometheus text exposition format (version 0.0.4).
//
// Usage:
//   Metrics& m = Metrics::Default();
//   Counter* c = m.GetCounter("quanyu_records_accepted_total", "Records accepted",
//   {{"source","gat1400"}}); c->Inc(); std::string text = m.RenderPrometheus();
//
// Get* returns a pointer that stays valid for the registry's lifetime; look it up once and
// keep it. Inc/Set/Observe are lock-free and thread-safe; Get* and Render take a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace quanyu {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// A histogram of durations or sizes with fixed upper bounds (ascending), as Prometheus expects.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound, then +Inf; sum and count.
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> sum_nanos_{0};               // sum in units of 1e-9
  std::atomic<uint64_t> count_{0};
};

// Default latency buckets in seconds: 50 µs to 10 s.
std::vector<double> LatencyBuckets();

class Metrics {
 public:
  Counter* GetCounter(const std::string& name, const std::string& help, MetricLabels labels = {});
  Gauge* GetGauge(const std::string& name, const std::string& help, MetricLabels labels = {});
  Histogram* GetHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds, MetricLabels labels = {});
  // A gauge whose value is read when rendering (queue depths and the like). `fn` must stay
  // callable for the registry's lifetime or until RemoveCallbacks(owner).
  void AddGaugeCallback(const std::string& name, const std::string& help, MetricLabels labels,
                        std::function<double()> fn, const void* owner = nullptr);
  void RemoveCallbacks(const void* owner);

  std::string RenderPrometheus() const;

  // The process-wide registry.
  static Metrics& Default();

 private:
  struct Series {
    std::string labels;  // rendered: key="value",...
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> callback;
    const void* owner = nullptr;
  };
  struct Family {
    std::string help;
    std::string type;
    std::vector<Series> series;
  };
  Series* FindOrAdd(const std::string& name, const std::string& help, const std::string& type,
                    const MetricLabels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace quanyu
