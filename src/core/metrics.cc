#include "core/metrics.h"

#include <cmath>
#include <cstdio>

namespace quanyu {
namespace {

std::string EscapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string RenderLabels(const MetricLabels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=\"" + EscapeLabel(v) + "\"";
  }
  return out;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string Braced(const std::string& labels, const std::string& extra = {}) {
  std::string inner = labels;
  if (!extra.empty()) inner += (inner.empty() ? "" : ",") + extra;
  return inner.empty() ? "" : "{" + inner + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(std::max(0.0, v) * 1e9), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Take() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(acc);
  }
  s.count = acc;
  s.sum = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

Metrics::Series* Metrics::FindOrAdd(const std::string& name, const std::string& help,
                                    const std::string& type, const MetricLabels& labels) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = type;
    f.help = help;
  }
  std::string rendered = RenderLabels(labels);
  for (auto& s : f.series) {
    if (s.labels == rendered && !s.callback) return &s;
  }
  f.series.push_back(Series{rendered, nullptr, nullptr, nullptr, nullptr, nullptr});
  return &f.series.back();
}

Counter* Metrics::GetCounter(const std::string& name, const std::string& help,
                             MetricLabels labels) {
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, "counter", labels);
  if (!s->counter) s->counter = std::make_unique<Counter>();
  return s->counter.get();
}

Gauge* Metrics::GetGauge(const std::string& name, const std::string& help, MetricLabels labels) {
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, "gauge", labels);
  if (!s->gauge) s->gauge = std::make_unique<Gauge>();
  return s->gauge.get();
}

Histogram* Metrics::GetHistogram(const std::string& name, const std::string& help,
                                 std::vector<double> bounds, MetricLabels labels) {
  std::lock_guard lock(mu_);
  Series* s = FindOrAdd(name, help, "histogram", labels);
  if (!s->histogram) s->histogram = std::make_unique<Histogram>(std::move(bounds));
  return s->histogram.get();
}

void Metrics::AddGaugeCallback(const std::string& name, const std::string& help,
                               MetricLabels labels, std::function<double()> fn, const void* owner) {
  std::lock_guard lock(mu_);
  Family& f = families_[name];
  if (f.type.empty()) {
    f.type = "gauge";
    f.help = help;
  }
  f.series.push_back(Series{RenderLabels(labels), nullptr, nullptr, nullptr, std::move(fn), owner});
}

void Metrics::RemoveCallbacks(const void* owner) {
  std::lock_guard lock(mu_);
  for (auto& [name, f] : families_) {
    std::erase_if(f.series, [&](const Series& s) { return s.callback && s.owner == owner; });
  }
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) continue;
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    for (const auto& s : f.series) {
      if (s.counter) {
        out += name + Braced(s.labels) + " " + std::to_string(s.counter->Value()) + "\n";
      } else if (s.gauge) {
        out += name + Braced(s.labels) + " " + std::to_string(s.gauge->Value()) + "\n";
      } else if (s.callback) {
        out += name + Braced(s.labels) + " " + FormatDouble(s.callback()) + "\n";
      } else if (s.histogram) {
        Histogram::Snapshot snap = s.histogram->Take();
        for (size_t i = 0; i < snap.cumulative.size(); ++i) {
          std::string le = i < snap.bounds.size() ? FormatDouble(snap.bounds[i]) : "+Inf";
          out += name + "_bucket" + Braced(s.labels, "le=\"" + le + "\"") + " " +
                 std::to_string(snap.cumulative[i]) + "\n";
        }
        out += name + "_sum" + Braced(s.labels) + " " + FormatDouble(snap.sum) + "\n";
        out += name + "_count" + Braced(s.labels) + " " + std::to_string(snap.count) + "\n";
      }
    }
  }
  return out;
}

Metrics& Metrics::Default() {
  static Metrics* m = new Metrics();
  return *m;
}

}  // namespace quanyu
