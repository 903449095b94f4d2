#include "bus/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace quanyu::bus::internal {
namespace {

uint32_t Portable(const std::string& s) { return Crc32cExtendPortable(0, s.data(), s.size()); }
uint32_t Fast(const std::string& s) { return Crc32c(s.data(), s.size()); }

TEST(Crc32cTest, KnownValues) {
  // RFC 3720 (iSCSI), appendix B.4, and the usual check value.
  std::string zeros(32, '\0'), ones(32, '\xff'), up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  for (auto crc : {Portable, Fast}) {
    EXPECT_EQ(crc(""), 0u);
    EXPECT_EQ(crc("123456789"), 0xe3069283u);
    EXPECT_EQ(crc(zeros), 0x8a9136aau);
    EXPECT_EQ(crc(ones), 0x62a8ab43u);
    EXPECT_EQ(crc(up), 0x46dd794eu);
    EXPECT_EQ(crc(down), 0x113fdb5cu);
  }
}

TEST(Crc32cTest, HardwareAndPortableAgreeAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string data(600, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n + offset <= data.size(); n += (n < 40 ? 1 : 13)) {
      const char* p = data.data() + offset;
      ASSERT_EQ(Crc32cExtend(0, p, n), Crc32cExtendPortable(0, p, n)) << offset << " " << n;
    }
  }
  std::cerr << "CRC-32C uses " << (Crc32cIsHardware() ? "the SSE4.2 instruction" : "tables")
            << "\n";
}

TEST(Crc32cTest, ExtendConcatenates) {
  const std::string a = "passage:", b = "京A12345 at checkpoint 3201";
  const uint32_t whole = Crc32c((a + b).data(), a.size() + b.size());
  EXPECT_EQ(Crc32cExtend(Crc32c(a.data(), a.size()), b.data(), b.size()), whole);
  EXPECT_EQ(Crc32cExtendPortable(Crc32cExtendPortable(0, a.data(), a.size()), b.data(), b.size()),
            whole);
}

}  // namespace
}  // namespace quanyu::bus::internal
