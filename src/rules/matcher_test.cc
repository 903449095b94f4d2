#include "rules/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace quanyu::rules {
namespace {

constexpr UnixMicros kT0 = 1795910400000000;  // 2026-11-29T00:00:00Z
constexpr UnixMicros kEnd = kT0 + 30 * kMicrosPerDay;

MatchEntry Exact(std::string id, std::string plate, UnixMicros from = kT0,
                 UnixMicros until = kEnd) {
  MatchEntry e;
  e.entry_id = std::move(id);
  e.list_id = "stolen";
  e.plate = std::move(plate);
  e.kind = EntryKind::kExact;
  e.category = Category::kStolenVehicle;
  e.priority = 1;
  e.valid_from = from;
  e.valid_until = until;
  e.owner_agency = "dzpsb";
  e.case_no = "DZ-2026-001";
  return e;
}

MatchEntry Pattern(std::string id, std::string plate) {
  MatchEntry e = Exact(std::move(id), std::move(plate));
  e.kind = EntryKind::kPattern;
  e.list_id = "fake";
  e.category = Category::kFakePlate;
  e.priority = 3;
  e.owner_agency = "tongchuan";
  e.case_no = "TC-2026-17";
  return e;
}

std::shared_ptr<const Matcher> Build(std::vector<MatchEntry> entries) {
  auto m = Matcher::Build(std::move(entries));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Matcher::Empty();
}

// The ids of the entries `plate` hits at `t`, with "~" after a partial-read hit.
std::vector<std::string> Ids(const Matcher& m, std::string_view plate, UnixMicros t = kT0 + 1) {
  std::vector<Hit> hits;
  const size_t n = m.Match(plate, t, &hits);
  EXPECT_EQ(n, hits.size());
  std::vector<std::string> out;
  for (const Hit& h : hits) out.push_back(std::string(h.entry_id) + (h.partial_read ? "~" : ""));
  return out;
}

using V = std::vector<std::string>;

TEST(MatcherTest, ExactEntriesMatchTheirPlateOnly) {
  auto m = Build({Exact("a", "川A12345"), Exact("b", "川AD12345"), Exact("c", "川A1234警"),
                  Exact("d", "WJ川12345"), Exact("e", "川A12345")});
  EXPECT_EQ(m->exact_count(), 5u);
  EXPECT_EQ(Ids(*m, "川A12345"), (V{"a", "e"}));
  EXPECT_EQ(Ids(*m, "川AD12345"), (V{"b"}));
  EXPECT_EQ(Ids(*m, "川A1234警"), (V{"c"}));
  EXPECT_EQ(Ids(*m, "WJ川12345"), (V{"d"}));
  EXPECT_EQ(Ids(*m, "川A12346"), V{});
  EXPECT_EQ(Ids(*m, "川B12345"), V{});
  EXPECT_EQ(Ids(*m, "not a plate"), V{});
  EXPECT_EQ(Ids(*m, ""), V{});

  std::vector<Hit> hits;
  m->Match("川AD12345", kT0, &hits);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].list_id, "stolen");
  EXPECT_EQ(hits[0].category, Category::kStolenVehicle);
  EXPECT_EQ(hits[0].priority, 1);
  EXPECT_EQ(hits[0].kind, EntryKind::kExact);
  EXPECT_EQ(hits[0].valid_until, kEnd);
  EXPECT_FALSE(hits[0].partial_read);
}

TEST(MatcherTest, PatternsMatchPlatesOfTheirLengthAgreeingAtEveryKnownCharacter) {
  auto m = Build({Pattern("p1", "川A12??5"), Pattern("p2", "??1234警"), Pattern("p3", "川A?12345"),
                  Exact("x", "川A12345")});
  EXPECT_EQ(m->pattern_count(), 3u);
  EXPECT_EQ(Ids(*m, "川A12345"), (V{"x", "p1"}));
  EXPECT_EQ(Ids(*m, "川A12995"), (V{"p1"}));
  EXPECT_EQ(Ids(*m, "川A12994"), V{});
  EXPECT_EQ(Ids(*m, "京B1234警"), (V{"p2"}));
  EXPECT_EQ(Ids(*m, "川AD12345"), (V{"p3"}));
  EXPECT_EQ(Ids(*m, "川AD1234"), V{}) << "a pattern matches plates of its own length only";
}

TEST(MatcherTest, PartlyReadPlatesMatchExactEntriesAndPatternsAsCandidates) {
  auto m = Build({Exact("a", "川A12345"), Exact("b", "川A12845"), Exact("c", "川B12345"),
                  Pattern("p", "川A?2?45")});
  EXPECT_EQ(Ids(*m, "川A12?45"), (V{"a~", "b~", "p~"}));
  EXPECT_EQ(Ids(*m, "川?12345"), (V{"a~", "c~", "p~"}));
  EXPECT_EQ(Ids(*m, "川A1_3*5"), (V{"a~", "p~"})) << "'_' and '*' are one unknown each";
  EXPECT_EQ(Ids(*m, "川A9?346"), V{});
  // Three unknowns are too vague for exact entries; patterns still answer.
  EXPECT_EQ(Ids(*m, "川A??3?5"), (V{"p~"}));
}

TEST(MatcherTest, EntriesMatchOnlyInsideTheirWindowToTheMicrosecond) {
  const UnixMicros from = kT0 + 100, until = kT0 + 200;
  auto m = Build({Exact("a", "川A12345", from, until), Pattern("p", "川A1234?")});
  EXPECT_EQ(Ids(*m, "川A12345", from - 1), (V{"p"}));
  EXPECT_EQ(Ids(*m, "川A12345", from), (V{"a", "p"}));
  EXPECT_EQ(Ids(*m, "川A12345", until - 1), (V{"a", "p"}));
  EXPECT_EQ(Ids(*m, "川A12345", until), (V{"p"}));
  EXPECT_EQ(m->NextExpiry(), until);
  EXPECT_EQ(m->ExpiredBy(until - 1), V{});
  EXPECT_EQ(m->ExpiredBy(until), (V{"a"}));
  EXPECT_EQ(m->ExpiredBy(kEnd), (V{"a", "p"}));
  EXPECT_EQ(Matcher::Empty()->NextExpiry(), std::nullopt);
}

// An alert shows the owner agency and case number of the entry hit, without a store read.
TEST(MatcherTest, HitsCarryTheirEntrysOwnerAgencyAndCaseNumber) {
  MatchEntry other = Exact("b", "川A12345");
  other.owner_agency = "dachuan";
  other.case_no = "";
  auto m = Build({Exact("a", "川A12345"), other, Pattern("p", "川A?2?45"), Exact("c", "川B54321")});
  std::vector<Hit> hits;
  ASSERT_EQ(m->Match("川A12345", kT0 + 1, &hits), 3u);
  EXPECT_EQ(hits[0].entry_id, "a");
  EXPECT_EQ(hits[0].owner_agency, "dzpsb");
  EXPECT_EQ(hits[0].case_no, "DZ-2026-001");
  EXPECT_EQ(hits[1].entry_id, "b");
  EXPECT_EQ(hits[1].owner_agency, "dachuan");
  EXPECT_EQ(hits[1].case_no, "");
  EXPECT_EQ(hits[2].entry_id, "p");
  EXPECT_EQ(hits[2].owner_agency, "tongchuan");
  EXPECT_EQ(hits[2].case_no, "TC-2026-17");
  hits.clear();
  ASSERT_EQ(m->Match("川B54321", kT0 + 1, &hits), 1u);
  EXPECT_EQ(hits[0].case_no, "DZ-2026-001");  // shares a's pair
}

TEST(MatcherTest, EntriesDecodeBackForTheNextBuild) {
  std::vector<MatchEntry> in = {Exact("a", "川A12345"), Pattern("p", "川A?2?45"),
                                Exact("w", "WJ川1234"), Pattern("q", "川A1234?"),
                                Exact("y", "川A1234应急")};
  auto m = Build(in);
  std::vector<MatchEntry> out = m->Entries();
  auto by_id = [](const MatchEntry& a, const MatchEntry& b) { return a.entry_id < b.entry_id; };
  std::sort(in.begin(), in.end(), by_id);
  std::sort(out.begin(), out.end(), by_id);
  EXPECT_EQ(out, in);
  EXPECT_GT(m->MemoryBytes(), 0u);
}

TEST(MatcherTest, BatchesFindWhatSingleLookupsFind) {
  auto m = Build({Exact("a", "川A12345"), Exact("b", "川A12845"), Pattern("p", "川A?2?45"),
                  Exact("c", "川B00001", kT0, kT0 + 10)});
  std::vector<std::string> plates = {"川A12345", "junk",     "川A12?45",
                                     "川B00001", "川B00001", "京A00000"};
  for (int i = 0; i < 40; ++i) plates.push_back(i % 2 ? "川A12845" : "川C12345");
  std::vector<std::string_view> views(plates.begin(), plates.end());
  std::vector<UnixMicros> times(plates.size(), kT0 + 1);
  times[4] = kT0 + 10;  // c has expired
  std::vector<Matcher::BatchHit> batch;
  const size_t n = m->MatchBatch(views, times, &batch);
  ASSERT_EQ(n, batch.size());
  std::vector<std::pair<size_t, std::string>> got, expect;
  for (const auto& b : batch) got.emplace_back(b.index, std::string(b.hit.entry_id));
  for (size_t i = 0; i < plates.size(); ++i) {
    std::vector<Hit> hits;
    m->Match(plates[i], times[i], &hits);
    for (const Hit& h : hits) expect.emplace_back(i, std::string(h.entry_id));
  }
  EXPECT_EQ(got, expect);
  EXPECT_EQ(got.size(), 2u + 3u + 1u + 20u * 2u);
}

TEST(MatcherTest, BuildRefusesWhatItCannotHold) {
  auto bad = Matcher::Build({Exact("a", "川A12345"), Exact("b", "hello")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "entries[1].plate");
  EXPECT_FALSE(Matcher::Build({Exact("a", "川A12?45")}).ok()) << "exact with a wildcard";
}

TEST(MatcherTest, ManyEntriesAllFound) {
  std::vector<MatchEntry> entries;
  const std::string letters = "ABCDEFGHJK";
  for (int i = 0; i < 20000; ++i) {
    char serial[8];
    std::snprintf(serial, sizeof serial, "%05d", i);
    entries.push_back(Exact("e" + std::to_string(i), std::string("川") + letters[i % 10] + serial));
  }
  auto m = Build(entries);
  for (int i = 0; i < 20000; i += 997) {
    EXPECT_EQ(Ids(*m, entries[i].plate), V{entries[i].entry_id});
  }
  EXPECT_EQ(Ids(*m, "川Z00001"), V{});
}

// Every lookup agrees with testing each pattern character by character.
TEST(MatcherTest, GroupedPatternsFindWhatABruteForceScanFinds) {
  std::mt19937 rng(7);
  const std::string serial = "0123456789ABC";
  auto plate = [&](int len) {
    std::string p = rng() % 2 ? "川" : "渝";
    p += static_cast<char>('A' + rng() % 3);
    for (int i = 2; i < len; ++i) p += serial[rng() % serial.size()];
    return p;
  };
  // Characters of a plate or pattern, for the brute force (a province is 3 bytes).
  auto chars = [](const std::string& p) {
    std::vector<std::string> out;
    for (size_t i = 0; i < p.size();) {
      const size_t n = static_cast<unsigned char>(p[i]) >= 0x80 ? 3 : 1;
      out.push_back(p.substr(i, n));
      i += n;
    }
    return out;
  };
  std::vector<MatchEntry> patterns;
  for (int i = 0; i < 300; ++i) {
    std::vector<std::string> c = chars(plate(7 + static_cast<int>(rng() % 2)));
    for (int k = 0; k < 2; ++k) c[rng() % c.size()] = "?";
    std::string p;
    for (const auto& x : c) p += x;
    patterns.push_back(Pattern("p" + std::to_string(i), p));
  }
  auto m = Build(patterns);
  for (int q = 0; q < 3000; ++q) {
    std::string query = plate(7 + static_cast<int>(rng() % 2));
    if (q % 3 == 0) query[3 + rng() % (query.size() - 3)] = '?';  // partly read
    std::vector<std::string> qc = chars(query);
    V expect;
    for (const MatchEntry& e : patterns) {
      std::vector<std::string> pc = chars(e.plate);
      bool fits = pc.size() == qc.size();
      for (size_t i = 0; fits && i < pc.size(); ++i) {
        fits = pc[i] == "?" || qc[i] == "?" || pc[i] == qc[i];
      }
      if (fits) expect.push_back(e.entry_id + (query.find('?') != std::string::npos ? "~" : ""));
    }
    V got = Ids(*m, query);
    std::sort(got.begin(), got.end());
    std::sort(expect.begin(), expect.end());
    ASSERT_EQ(got, expect) << query;
  }
}

}  // namespace
}  // namespace quanyu::rules
