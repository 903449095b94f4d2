#include "core/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace quanyu {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonTextTest, SanitizedUtf8ReplacesEachIllFormedByte) {
  std::string out;
  AppendSanitizedUtf8(
      "a\xC3\xA9"
      "b\xE0\x80"
      "c\xF0\x9F\x98\x80",
      &out);
  EXPECT_EQ(out,
            "a\xC3\xA9"
            "b\xEF\xBF\xBD\xEF\xBF\xBD"
            "c\xF0\x9F\x98\x80");
}

TEST(JsonTextTest, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(Quoted(""), "\"\"");
  EXPECT_EQ(Quoted("川A12345"), "\"川A12345\"");
  EXPECT_EQ(Quoted("say \"hi\"\\"), R"("say \"hi\"\\")");
  EXPECT_EQ(Quoted("a\nb\tc\rd\be\ff"), R"("a\nb\tc\rd\be\ff")");
  EXPECT_EQ(Quoted(std::string_view("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(Quoted("/"), "\"/\"");
}

TEST(JsonTextTest, IllFormedUtf8BecomesReplacementCharacters) {
  // A lone continuation byte, a truncated sequence, a surrogate and an overlong form.
  EXPECT_EQ(Quoted("\x80x\xE5\xB7y\xED\xA0\x80z\xC0\xAF"),
            "\"\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"
            "\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonTextTest, EveryByteStringGivesJsonThatParsesBackToItsSanitizedForm) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  all += "警学挂";
  std::string sanitized;
  AppendSanitizedUtf8(all, &sanitized);
  auto j = nlohmann::json::parse(Quoted(all), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(j.is_discarded());
  ASSERT_TRUE(j.is_string());
  EXPECT_EQ(j.get<std::string>(), sanitized);
}

}  // namespace
}  // namespace quanyu
