#include "events/plate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace quanyu::events {
namespace {

using ::testing::HasSubstr;

struct Good {
  const char* raw;
  const char* normalized;
  PlateStatus status;
};

class GoodPlateTest : public ::testing::TestWithParam<Good> {};

TEST_P(GoodPlateTest, ClassifiesAndNormalizes) {
  const Good& g = GetParam();
  PlateCheck c = CheckPlate(g.raw);
  EXPECT_EQ(c.error, "") << g.raw;
  EXPECT_EQ(c.status, g.status) << g.raw << " -> " << PlateStatusName(c.status);
  EXPECT_EQ(c.normalized, g.normalized) << g.raw;
}

INSTANTIATE_TEST_SUITE_P(
    Plates, GoodPlateTest,
    ::testing::Values(
        // Ordinary plates from all over the country.
        Good{"川A12345", "川A12345", PlateStatus::kValid},
        Good{"川S8A2B6", "川S8A2B6", PlateStatus::kValid},  // 达州
        Good{"京N88888", "京N88888", PlateStatus::kValid},
        Good{"沪A00001", "沪A00001", PlateStatus::kValid},
        Good{"渝B5F927", "渝B5F927", PlateStatus::kValid},
        Good{"粤B2L7K9", "粤B2L7K9", PlateStatus::kValid},
        Good{"新A12345", "新A12345", PlateStatus::kValid},
        Good{"藏A7Z333", "藏A7Z333", PlateStatus::kValid},
        Good{"琼B12345", "琼B12345", PlateStatus::kValid},
        Good{"蒙K12345", "蒙K12345", PlateStatus::kValid},
        Good{"黑A12345", "黑A12345", PlateStatus::kValid},
        Good{"川AB123C", "川AB123C", PlateStatus::kValid},
        // Separators and case as plate readers and clerks write them.
        Good{"川A·12345", "川A12345", PlateStatus::kValid},
        Good{"川A•12345", "川A12345", PlateStatus::kValid},
        Good{"川A-12345", "川A12345", PlateStatus::kValid},
        Good{"川A.12345", "川A12345", PlateStatus::kValid},
        Good{" 川 A 123 45 ", "川A12345", PlateStatus::kValid},
        Good{"川a12b3c", "川A12B3C", PlateStatus::kValid},
        // Full-width letters and digits (Chinese input methods).
        Good{"川Ａ１２３４５", "川A12345", PlateStatus::kValid},
        Good{"川ｓ８Ａ２Ｂ６", "川S8A2B6", PlateStatus::kValid},
        // New energy, small (first D/A/B/C/E electric, F/G/H/J/K hybrid) and large (D/F last).
        Good{"川AD12345", "川AD12345", PlateStatus::kValid},
        Good{"川AF12345", "川AF12345", PlateStatus::kValid},
        Good{"粤BA12345", "粤BA12345", PlateStatus::kValid},
        Good{"沪AK7L123", "沪AK7L123", PlateStatus::kValid},
        Good{"川A12345D", "川A12345D", PlateStatus::kValid},
        Good{"苏E12345F", "苏E12345F", PlateStatus::kValid},
        // Suffix plates.
        Good{"川A1234警", "川A1234警", PlateStatus::kValid},
        Good{"川A1234学", "川A1234学", PlateStatus::kValid},
        Good{"川A1234挂", "川A1234挂", PlateStatus::kValid},
        Good{"沪A1234领", "沪A1234领", PlateStatus::kValid},
        Good{"粤Z1234港", "粤Z1234港", PlateStatus::kValid},
        Good{"粤Z1234澳", "粤Z1234澳", PlateStatus::kValid},
        Good{"川A1234试", "川A1234试", PlateStatus::kValid},
        Good{"川A1234超", "川A1234超", PlateStatus::kValid},
        Good{"川A·1234警", "川A1234警", PlateStatus::kValid},
        Good{"川A1234应急", "川A1234应急", PlateStatus::kValid},
        // Armed police.
        Good{"WJ川12345", "WJ川12345", PlateStatus::kValid},
        Good{"WJ12345", "WJ12345", PlateStatus::kValid},
        Good{"WJ川1234", "WJ川1234", PlateStatus::kValid},
        Good{"wj-川-12345", "WJ川12345", PlateStatus::kValid},
        // Partial reads keep what was read.
        Good{"川A12?45", "川A12?45", PlateStatus::kPartial},
        Good{"川A1234*", "川A1234*", PlateStatus::kPartial},
        Good{"?A12345", "?A12345", PlateStatus::kPartial},
        Good{"川_12345", "川_12345", PlateStatus::kPartial},
        Good{"川a·12？45", "川A12?45", PlateStatus::kPartial},
        // No plate on the vehicle.
        Good{"无牌", "", PlateStatus::kAbsent}, Good{"无车牌", "", PlateStatus::kAbsent},
        Good{" 无牌 ", "", PlateStatus::kAbsent},
        // A plate seen but not read.
        Good{"", "", PlateStatus::kUnreadable}, Good{"   ", "", PlateStatus::kUnreadable},
        Good{"未识别", "", PlateStatus::kUnreadable}, Good{"车牌", "", PlateStatus::kUnreadable},
        Good{"-", "", PlateStatus::kUnreadable}, Good{"0000000", "", PlateStatus::kUnreadable},
        Good{"00000000", "", PlateStatus::kUnreadable},
        Good{"unknown", "", PlateStatus::kUnreadable},
        Good{"UNKNOWN", "", PlateStatus::kUnreadable}, Good{"null", "", PlateStatus::kUnreadable},
        Good{"未知", "", PlateStatus::kUnreadable}, Good{"无牌车", "", PlateStatus::kAbsent},
        Good{"???????", "", PlateStatus::kUnreadable}));

struct Bad {
  const char* raw;
  const char* reason;  // a part of the error message
};

class BadPlateTest : public ::testing::TestWithParam<Bad> {};

TEST_P(BadPlateTest, ExplainsWhatIsWrong) {
  const Bad& b = GetParam();
  PlateCheck c = CheckPlate(b.raw);
  EXPECT_THAT(c.error, HasSubstr(b.reason)) << b.raw;
  EXPECT_EQ(c.normalized, "") << b.raw;
}

INSTANTIATE_TEST_SUITE_P(
    Plates, BadPlateTest,
    ::testing::Values(
        Bad{"X川A12345", "unknown province abbreviation 'X'"},
        Bad{"A12345", "missing province abbreviation"},
        Bad{"使A12345", "unknown province abbreviation '使'"},
        Bad{"台A12345", "unknown province abbreviation '台'"},
        Bad{"川A123", "expected 5 characters after 川A, got 3"},
        Bad{"川A1234", "expected 5 characters after 川A, got 4"},
        Bad{"川A1234567", "expected 5 characters (6 for new-energy plates) after 川A, got 7"},
        Bad{"川123456", "expected the issuing-authority letter (A-Z) after 川, got '1'"},
        Bad{"川", "plate ends after the province abbreviation"},
        Bad{"川AI2345", "letter 'I' does not occur"}, Bad{"川A1234O", "letter 'O' does not occur"},
        Bad{"川A12345X", "new-energy plate"},  // 6 characters, neither energy form
        Bad{"川A123警", "expected 4 characters between 川A and 警, got 3"},
        Bad{"川A12345警", "expected 4 characters between 川A and 警, got 5"},
        Bad{"川A123应急", "expected 4 characters between 川A and 应急, got 3"},
        Bad{"川A12川45", "unexpected character '川'"}, Bad{"川A12#45", "unexpected character '#'"},
        Bad{"WJ川123", "armed-police"}, Bad{"WJ川12345警", "armed-police"},
        Bad{"川A1?345678901", "too long"},
        Bad{"川A12?#5", "unexpected character '#' in a partly read plate"},
        Bad{"\xE5\xB7", "not valid UTF-8"},
        Bad{"川A12345 川A12345 川A12345 川A12345 川A12345 川A12345 川A12345", "too long"}));

TEST(CheckPlate, HasPlateFalseMeansAbsentWhateverTheText) {
  EXPECT_EQ(CheckPlate("", false).status, PlateStatus::kAbsent);
  EXPECT_EQ(CheckPlate("未识别", false).status, PlateStatus::kAbsent);
  PlateCheck c = CheckPlate("川A12345", false);
  EXPECT_EQ(c.status, PlateStatus::kAbsent);
  EXPECT_EQ(c.normalized, "");
  EXPECT_EQ(c.error, "");
}

TEST(CheckPlate, HasPlateTrueWithoutTextIsUnreadable) {
  EXPECT_EQ(CheckPlate("", true).status, PlateStatus::kUnreadable);
  PlateCheck c = CheckPlate("川A12345", true);
  EXPECT_EQ(c.status, PlateStatus::kValid);
  EXPECT_EQ(c.normalized, "川A12345");
}

TEST(CheckPlate, AllThirtyOneProvincesAreAccepted) {
  const std::string provinces[] = {"京", "津", "沪", "渝", "冀", "豫", "云", "辽", "黑", "湘", "皖",
                                   "鲁", "新", "苏", "浙", "赣", "鄂", "桂", "甘", "晋", "蒙", "陕",
                                   "吉", "闽", "贵", "粤", "青", "藏", "川", "宁", "琼"};
  for (const auto& p : provinces) {
    PlateCheck c = CheckPlate(p + "A12345");
    EXPECT_EQ(c.error, "") << p;
    EXPECT_EQ(c.status, PlateStatus::kValid) << p;
  }
}

TEST(CheckPlate, NormalizedPlateChecksAgainUnchanged) {
  for (const char* raw : {"川a·12345", "川Ａ１２３４５", "wj川12345", "川A1234应急"}) {
    PlateCheck once = CheckPlate(raw);
    PlateCheck twice = CheckPlate(once.normalized);
    EXPECT_EQ(twice.normalized, once.normalized);
    EXPECT_EQ(twice.status, once.status);
  }
}

TEST(CheckPlate, CommonFormGivesTheSameVerdictAsTheGeneralPath) {
  // Plates in their usual form (province, letter, 5 or 6 ASCII characters) are recognized
  // without decoding; a separator after the province sends the same text through the general
  // path. Both must agree on everything, errors included.
  const char* const provinces[] = {"川", "京", "粤", "WJ", "X", "无", "未"};
  const std::string chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZa?*_";
  std::mt19937 rng(36);
  for (int i = 0; i < 20000; ++i) {
    std::string plate = provinces[rng() % std::size(provinces)];
    const size_t n = 5 + rng() % 3;  // letter + 4..6 serial characters
    for (size_t k = 0; k < n; ++k) plate += chars[rng() % chars.size()];
    const PlateCheck fast = CheckPlate(plate);
    std::string separated = plate;
    separated.insert(plate[0] == 'W' || plate[0] == 'X' ? 1 : 3, " ");
    const PlateCheck general = CheckPlate(separated);
    EXPECT_EQ(fast.status, general.status) << plate;
    EXPECT_EQ(fast.normalized, general.normalized) << plate;
    EXPECT_EQ(fast.error.empty(), general.error.empty()) << plate;
  }
}

TEST(PlateColor, CodesAndNames) {
  EXPECT_TRUE(IsPlateColorCode(1));
  EXPECT_TRUE(IsPlateColorCode(13));
  EXPECT_TRUE(IsPlateColorCode(99));
  EXPECT_FALSE(IsPlateColorCode(0));
  EXPECT_FALSE(IsPlateColorCode(14));
  EXPECT_FALSE(IsPlateColorCode(-5));

  EXPECT_EQ(PlateColorName(5), "blue");
  EXPECT_EQ(PlateColorName(6), "yellow");
  EXPECT_EQ(PlateColorName(99), "other");
  EXPECT_EQ(PlateColorName(0), "unknown");
  EXPECT_EQ(PlateColorName(42), "unknown");
}

TEST(PlateColor, ParsesCodesEnglishAndChineseNames) {
  struct Case {
    const char* text;
    std::optional<int> code;
  };
  const Case cases[] = {
      {"5", 5},
      {"05", 5},
      {" 6 ", 6},
      {"99", 99},
      {"0", 0},
      {"blue", 5},
      {"Blue", 5},
      {"YELLOW", 6},
      {"gray", 3},
      {"grey", 3},
      {"green", 9},
      {"蓝", 5},
      {"蓝色", 5},
      {"黄色", 6},
      {"绿", 9},
      {"白色", 2},
      {"黑", 1},
      {"透明", 13},
      {"其他", 99},
      {"其它颜色", std::nullopt},
      {"unknown", 0},
      {"14", std::nullopt},
      {"", std::nullopt},
      {"magenta", std::nullopt},
      {"5x", std::nullopt},
      {"色", std::nullopt},
      {"-1", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParsePlateColor(c.text), c.code) << c.text;
  }
}

}  // namespace
}  // namespace quanyu::events
