#include "ingest/u64_set.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

namespace quanyu::ingest {
namespace {

TEST(U64SetTest, InsertContainsEraseLikeAStandardSet) {
  U64Set set;
  std::unordered_set<uint64_t> model;
  std::mt19937_64 rng(7);
  // Few distinct keys so that inserts, erases and misses all happen often; 0 and keys that
  // share their home slot (equal top bits after hashing) included.
  std::vector<uint64_t> keys = {0, 1, 2, 3};
  for (int i = 0; i < 3000; ++i) keys.push_back(rng());
  for (int step = 0; step < 200'000; ++step) {
    const uint64_t k = keys[rng() % keys.size()];
    switch (rng() % 3) {
      case 0:
        ASSERT_EQ(set.insert(k), model.insert(k).second) << step;
        break;
      case 1:
        ASSERT_EQ(set.erase(k), model.erase(k) == 1) << step;
        break;
      default:
        ASSERT_EQ(set.contains(k), model.count(k) == 1) << step;
    }
    ASSERT_EQ(set.size(), model.size()) << step;
  }
  for (uint64_t k : keys) EXPECT_EQ(set.contains(k), model.count(k) == 1) << k;
}

TEST(U64SetTest, GrowsKeepingEveryKeyAndClearEmpties) {
  U64Set set;
  for (uint64_t k = 0; k < 100'000; ++k) EXPECT_TRUE(set.insert(k * 1'000'003));
  EXPECT_EQ(set.size(), 100'000u);
  for (uint64_t k = 0; k < 100'000; ++k) ASSERT_TRUE(set.contains(k * 1'000'003)) << k;
  EXPECT_FALSE(set.contains(7));
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(0));
  EXPECT_FALSE(set.contains(1'000'003));
  EXPECT_TRUE(set.insert(1'000'003));
}

TEST(U64SetTest, KeysStayFoundWhileTheSetGrowsStepByStep) {
  // A growing set carries its keys over to the bigger array a few at each insert: inserts,
  // erases and lookups in the middle of that must agree with a standard set, for keys already
  // carried over and for keys not yet.
  U64Set set;
  std::unordered_set<uint64_t> model;
  std::mt19937_64 rng(11);
  std::vector<uint64_t> inserted;
  for (int step = 0; step < 300'000; ++step) {
    const uint64_t k = rng() | 2;  // never a special key, so every key lives in the arrays
    ASSERT_EQ(set.insert(k), model.insert(k).second) << step;
    inserted.push_back(k);
    if (step % 3 == 0) {
      const uint64_t e = inserted[rng() % inserted.size()];
      ASSERT_EQ(set.erase(e), model.erase(e) == 1) << step;
    }
    if (step % 7 == 0) {
      const uint64_t c = inserted[rng() % inserted.size()];
      ASSERT_EQ(set.contains(c), model.count(c) == 1) << step;
      ASSERT_EQ(set.insert(c), model.insert(c).second) << step;  // a re-insert after an erase
    }
    ASSERT_EQ(set.size(), model.size()) << step;
  }
  for (uint64_t k : inserted) ASSERT_EQ(set.contains(k), model.count(k) == 1) << k;
  U64Set copy_target;
  copy_target.swap(set);
  for (uint64_t k : inserted) ASSERT_EQ(copy_target.contains(k), model.count(k) == 1) << k;
  copy_target.clear();
  for (uint64_t k : inserted) ASSERT_FALSE(copy_target.contains(k)) << k;
}

TEST(U64SetTest, SwapExchangesContents) {
  U64Set a, b;
  a.insert(5);
  a.insert(0);
  a.insert(1);
  b.insert(9);
  a.swap(b);
  EXPECT_TRUE(a.contains(9));
  EXPECT_FALSE(a.contains(5));
  EXPECT_FALSE(a.contains(0));
  EXPECT_TRUE(b.contains(5));
  EXPECT_TRUE(b.contains(0));
  EXPECT_TRUE(b.contains(1));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_TRUE(b.erase(1));
  EXPECT_FALSE(b.contains(1));
  EXPECT_EQ(b.size(), 2u);
}

}  // namespace
}  // namespace quanyu::ingest
