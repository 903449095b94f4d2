#include "core/metrics.h"

#include <gtest/gtest.h>

namespace quanyu {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  Metrics m;
  m.GetCounter("x_total", "Things", {{"kind", "a"}})->Inc(3);
  m.GetCounter("x_total", "Things", {{"kind", "a"}})->Inc();
  Histogram* h = m.GetHistogram("lat_seconds", "Latency", {0.001, 0.01});
  h->Observe(0.0005);
  h->Observe(0.005);
  h->Observe(5);
  int depth = 7;
  m.AddGaugeCallback(
      "queue_depth", "Depth", {}, [&] { return depth; }, &depth);
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE x_total counter\nx_total{kind=\"a\"} 4\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.01\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("queue_depth 7\n"), std::string::npos);
  m.RemoveCallbacks(&depth);
  EXPECT_EQ(m.RenderPrometheus().find("queue_depth 7"), std::string::npos);
}

}  // namespace
}  // namespace quanyu
