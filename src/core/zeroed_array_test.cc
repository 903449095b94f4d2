#include "core/zeroed_array.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace quanyu {
namespace {

// Sizes below the mapping threshold (calloc), at it, and past the huge-page threshold.
TEST(ZeroedArrayTest, EverySizeStartsZeroed) {
  for (size_t n : {size_t{1}, size_t{1000}, ZeroedArray<uint64_t>::kMapBytes / 8,
                   ZeroedArray<uint64_t>::kHugeBytes / 8 + 3}) {
    ZeroedArray<uint64_t> a(n);
    ASSERT_EQ(a.size(), n);
    ASSERT_NE(a.data(), nullptr);
    EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](uint64_t v) { return v == 0; })) << n;
    a[n - 1] = 7;  // writable to the end
    EXPECT_EQ(a[n - 1], 7u);
  }
}

TEST(ZeroedArrayTest, MovesLeaveTheSourceEmpty) {
  ZeroedArray<uint32_t> a(ZeroedArray<uint32_t>::kMapBytes / 4);
  a[5] = 42;
  ZeroedArray<uint32_t> b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b[5], 42u);
  ZeroedArray<uint32_t> c(16);
  c = std::move(b);        // frees c's own array
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.size(), ZeroedArray<uint32_t>::kMapBytes / 4);
  EXPECT_EQ(c[5], 42u);
  ZeroedArray<uint32_t> empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.begin(), empty.end());
}

}  // namespace
}  // namespace quanyu
