#include "core/time_format.h"

#include <gtest/gtest.h>

namespace quanyu {
namespace {

// 2026-11-29T00:00:00Z
constexpr UnixMicros kNov29 = 1795910400LL * kMicrosPerSecond;

TEST(TimeFormatTest, CompactLocalTimeIsChinaTime) {
  auto t = ParseCompactLocalTime("20261129080000", kChinaOffsetSeconds);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, kNov29);
  EXPECT_EQ(FormatCompactLocalTime(kNov29), "20261129080000");
  auto ms = ParseCompactLocalTime("20261129080000250", kChinaOffsetSeconds);
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(*ms, kNov29 + 250000);
}

TEST(TimeFormatTest, CompactLocalTimeRejectsImpossibleDates) {
  for (const char* bad : {"20260230120000", "20261301000000", "20261129250000", "2026112908000",
                          "2026-11-29 08:00", "2026112908000x"}) {
    auto t = ParseCompactLocalTime(bad, kChinaOffsetSeconds);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().field(), "PassTime");
  }
  EXPECT_TRUE(ParseCompactLocalTime("20240229000000", 0).ok());  // leap day
}

TEST(TimeFormatTest, Rfc3339RoundTrips) {
  auto a = ParseRfc3339("2026-11-29T08:00:00+08:00", "pass_time");
  auto b = ParseRfc3339("2026-11-29T00:00:00Z", "pass_time");
  auto c = ParseRfc3339("2026-11-29T00:00:00.125Z", "pass_time");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, kNov29);
  EXPECT_EQ(*b, kNov29);
  EXPECT_EQ(*c, kNov29 + 125000);
  EXPECT_EQ(FormatRfc3339(kNov29, kChinaOffsetSeconds), "2026-11-29T08:00:00+08:00");
  EXPECT_EQ(FormatRfc3339(kNov29 + 125000), "2026-11-29T00:00:00.125Z");
  EXPECT_FALSE(ParseRfc3339("2026-11-29T08:00:00", "pass_time").ok());  // no zone
}

}  // namespace
}  // namespace quanyu
