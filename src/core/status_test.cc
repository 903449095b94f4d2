#include "core/status.h"

#include <gtest/gtest.h>

namespace quanyu {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("x", "must be even");
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, ErrorNamesCodeFieldAndReason) {
  Status s = InvalidArgument("PlateNo", "not a Chinese plate number");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "invalid_argument: PlateNo: not a Chinese plate number");
  EXPECT_EQ(s.WithFieldPrefix("records[3].").field(), "records[3].PlateNo");
}

TEST(StatusTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  StatusOr<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "x");
}

}  // namespace
}  // namespace quanyu
