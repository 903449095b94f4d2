// The passage layout of the SQLite backend: days, row keys, hashes, index runs, the row blob.
#include "store/passage_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace quanyu::store::internal {
namespace {

// 2026-11-29T00:00:00+08:00, a local midnight.
constexpr UnixMicros kMidnight = 1'795'881'600 * kMicrosPerSecond;

TEST(PassageLayoutTest, DaysAreLocalDaysInUtcPlus8) {
  DayTime at = SplitPassTime(kMidnight);
  EXPECT_EQ(at.offset, 0);
  EXPECT_EQ(PartitionTableName(at.day), "passages_20261129");
  DayTime before = SplitPassTime(kMidnight - 1);
  EXPECT_EQ(before.day, at.day - 1);
  EXPECT_EQ(before.offset, kMicrosPerDay - 1);
  EXPECT_EQ(PartitionTableName(before.day), "passages_20261128");
  // Local midnight is 16:00 UTC: 2026-11-29T15:59:59.999999Z is still on the 29th.
  EXPECT_EQ(SplitPassTime(kMidnight + kMicrosPerDay - 1).day, at.day);
  EXPECT_EQ(SplitPassTime(kMidnight + kMicrosPerDay).day, at.day + 1);
  EXPECT_EQ(PartitionTableName(SplitPassTime(0).day), "passages_19700101");
  EXPECT_EQ(PartitionTableName(SplitPassTime(-8 * kMicrosPerHour - 1).day), "passages_19691231");
}

TEST(PassageLayoutTest, SplitAndJoinAreInversesForEveryInt64) {
  for (UnixMicros t :
       {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 1, int64_t{-1},
        int64_t{0}, int64_t{1}, kMidnight - 1, kMidnight, std::numeric_limits<int64_t>::max() - 1,
        std::numeric_limits<int64_t>::max()}) {
    DayTime dt = SplitPassTime(t);
    EXPECT_GE(dt.offset, 0) << t;
    EXPECT_LT(dt.offset, kMicrosPerDay) << t;
    EXPECT_EQ(JoinPassTime(dt.day, dt.offset), t);
    int64_t k = RowKey(dt.offset, 12345);
    EXPECT_GE(k, 0);
    EXPECT_EQ(RowKeyOffset(k), dt.offset);
  }
}

TEST(PassageLayoutTest, TableNamesAreDistinctOutsideOrdinaryYears) {
  int64_t far = SplitPassTime(std::numeric_limits<int64_t>::max()).day;
  int64_t early = SplitPassTime(std::numeric_limits<int64_t>::min()).day;
  EXPECT_EQ(PartitionTableName(far), "passages_d" + std::to_string(far));
  EXPECT_EQ(PartitionTableName(early), "passages_dm" + std::to_string(-early));
  EXPECT_EQ(PartitionTableName(-719528), "passages_00000101");  // year 0
  EXPECT_EQ(PartitionTableName(-719529), "passages_dm719529");
}

TEST(PassageLayoutTest, RowKeysOrderByTimeThenSeq) {
  EXPECT_LT(RowKey(5, internal::kSeqMask), RowKey(6, 0));
  EXPECT_LT(RowKey(5, 0), RowKey(5, 1));
  EXPECT_EQ(RowKey(5, internal::kSeqMask + 1), RowKey(5, 0));  // seq wraps
  EXPECT_EQ(FirstRowKey(7), RowKey(7, 0));
}

TEST(PassageLayoutTest, KeyHashIsStable) {
  // Stored in databases: these values must never change.
  EXPECT_EQ(KeyHash(""), KeyHash(""));
  uint32_t a = KeyHash("川A12345");
  uint32_t b = KeyHash("川A12346");
  EXPECT_NE(a, b);
  EXPECT_EQ(KeyHash("51170200001190000001022026112908000000001"),
            KeyHash(std::string("51170200001190000001022026112908000000001")));
  SetKeyHashForTesting([](std::string_view) { return uint32_t{7}; });
  EXPECT_EQ(KeyHash("anything"), 7u);
  SetKeyHashForTesting(nullptr);
  EXPECT_EQ(KeyHash("川A12345"), a);
}

TEST(PassageLayoutTest, IndexEntriesRoundTrip) {
  std::vector<IndexEntry> in = {{0, 0}, {1, 5}, {0xFFFFFFFFu, INT64_MAX}, {42, -1}};
  std::string data;
  AppendIndexEntries(in, &data);
  ASSERT_EQ(data.size(), in.size() * kIndexEntryBytes);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(IndexEntryAt(data, i), in[i]) << i;
}

// Entries with every kind of key: unique 32-bit hashes, few distinct small keys (checkpoint
// numbers), and keys that differ only in their top bits; k in any order.
std::vector<IndexEntry> RandomEntries(std::mt19937_64& rng, size_t n, int shape) {
  std::vector<IndexEntry> out(n);
  for (IndexEntry& e : out) {
    const uint64_t r = rng();
    switch (shape) {
      case 0:
        e.key = static_cast<uint32_t>(r);
        break;
      case 1:
        e.key = static_cast<uint32_t>(r % 37);
        break;
      default:
        e.key = static_cast<uint32_t>(r % 5) << 29;
        break;
    }
    e.k = static_cast<int64_t>(rng() % 100'000) - 50'000;
  }
  return out;
}

TEST(PassageLayoutTest, SortIndexEntriesSortsLikeStdSort) {
  std::mt19937_64 rng(7);
  std::vector<IndexEntry> scratch;
  for (size_t n : {0, 1, 2, 255, 256, 1000, 40'000}) {
    for (int shape = 0; shape < 3; ++shape) {
      std::vector<IndexEntry> entries = RandomEntries(rng, n, shape);
      std::vector<IndexEntry> want = entries;
      std::sort(want.begin(), want.end());
      SortIndexEntries(&entries, &scratch);
      EXPECT_EQ(entries, want) << "n " << n << " shape " << shape;
    }
  }
}

TEST(PassageLayoutTest, MergeIndexRunsMergesEncodedRuns) {
  std::mt19937_64 rng(11);
  for (int shape = 0; shape < 3; ++shape) {
    // Runs of different sizes, one empty, and two holding the same entries.
    std::vector<std::vector<IndexEntry>> runs;
    for (size_t n : {0, 1, 500, 3000, 12, 3000}) runs.push_back(RandomEntries(rng, n, shape));
    runs.push_back(runs[2]);
    std::vector<std::string> encoded;
    std::vector<IndexEntry> want;
    for (std::vector<IndexEntry>& run : runs) {
      std::sort(run.begin(), run.end());
      AppendIndexEntries(run, &encoded.emplace_back());
      want.insert(want.end(), run.begin(), run.end());
    }
    std::sort(want.begin(), want.end());
    const std::vector<std::string_view> views(encoded.begin(), encoded.end());
    std::string out = "prefix";
    MergeIndexRuns(views, &out);
    ASSERT_EQ(out.size(), 6 + want.size() * kIndexEntryBytes) << "shape " << shape;
    EXPECT_EQ(out.substr(0, 6), "prefix");
    std::string merged = out.substr(6);
    std::vector<IndexEntry> got;
    for (size_t i = 0; i < want.size(); ++i) got.push_back(IndexEntryAt(merged, i));
    EXPECT_EQ(got, want) << "shape " << shape;
  }
  std::string out;
  MergeIndexRuns({}, &out);
  EXPECT_TRUE(out.empty());
}

TEST(PassageLayoutTest, RunSizeClasses) {
  EXPECT_EQ(RunSizeClass(0), 0);
  EXPECT_EQ(RunSizeClass(4095), 0);
  EXPECT_EQ(RunSizeClass(4096), 1);
  EXPECT_EQ(RunSizeClass(10'000), 1);
  EXPECT_EQ(RunSizeClass(8 * 4096 - 1), 1);
  EXPECT_EQ(RunSizeClass(8 * 4096), 2);
  EXPECT_EQ(RunSizeClass(80'000), 2);
  EXPECT_EQ(RunSizeClass(640'000), 3);
}

events::PassageRecord FullRecord() {
  events::PassageRecord p;
  p.id = "r1";
  p.device_id = "dev";
  p.checkpoint_id = "cp";
  p.pass_time = kMidnight + 123;
  p.lane = 3;
  p.plate_status = events::PlateStatus::kPartial;
  p.plate = "川A1?345";
  p.plate_color = 5;
  p.plate_class = "02";
  p.speed_kmh = 42.5;
  p.vehicle_class = "K33";
  p.vehicle_color = "A";
  p.direction = "1";
  p.image_refs = {"http://img/1.jpg", "http://img/2.jpg"};
  p.received = p.pass_time + 3 * kMicrosPerSecond;
  return p;
}

// Decodes into a record that has the columns (id, plate, ...) of `want` and compares.
void ExpectRoundTrip(const events::PassageRecord& want, int64_t device_num) {
  std::string blob;
  EncodePassageRest(want, device_num, &blob);
  events::PassageRecord got;
  got.id = want.id;
  got.device_id = want.device_id;
  got.checkpoint_id = want.checkpoint_id;
  got.pass_time = want.pass_time;
  got.plate = want.plate;
  int64_t device = -1;
  ASSERT_TRUE(DecodePassageRest(blob, &got, &device));
  EXPECT_EQ(device, device_num);
  EXPECT_EQ(got, want);
  EXPECT_EQ(std::signbit(got.speed_kmh), std::signbit(want.speed_kmh));
}

TEST(PassageLayoutTest, RestRoundTripsEveryField) {
  events::PassageRecord p = FullRecord();
  ExpectRoundTrip(p, 17);
  for (double speed : {-1.0, 0.0, 0.1, 42.5, 120.0, 33.333, 1e300, -5.0, -0.0,
                       std::numeric_limits<double>::infinity()}) {
    p.speed_kmh = speed;
    ExpectRoundTrip(p, 0);
  }
  p = FullRecord();
  p.image_refs.clear();
  p.plate_class.clear();
  p.lane = -7;
  p.plate_color = std::numeric_limits<int32_t>::min();
  ExpectRoundTrip(p, 1);
  // received before pass_time, and at the ends of the range.
  p.received = p.pass_time - 1;
  ExpectRoundTrip(p, 2);
  p.pass_time = std::numeric_limits<int64_t>::min();
  p.received = std::numeric_limits<int64_t>::max();
  ExpectRoundTrip(p, 3);
}

TEST(PassageLayoutTest, ImageRefsNamingTheRecordRoundTrip) {
  events::PassageRecord p = FullRecord();
  p.id = "5117020000119000000102202611290800000001";
  p.checkpoint_id = "51170200001210000001";
  p.image_refs = {
      "http://10.1.2.3/img/" + p.checkpoint_id + "/" + p.id + "_1.jpg",  // both
      "http://10.1.2.3/img/" + p.id + "/" + p.checkpoint_id,             // checkpoint after id
      "http://10.1.2.3/" + p.checkpoint_id + "/x.jpg",                   // checkpoint only
      p.id + p.id,                                                       // twice
      p.id,                                                              // all of it
      "",
      "http://10.1.2.3/other.jpg",
      "\x01\x02 control bytes and é",
  };
  std::string blob;
  EncodePassageRest(p, 5, &blob);
  EXPECT_LT(blob.size(), 300u);  // the ids are not stored in it again
  ExpectRoundTrip(p, 5);
  // A checkpoint id inside the record id, and ids that do not occur.
  p.checkpoint_id = "0000119";
  ExpectRoundTrip(p, 5);
  p.id = "not-there";
  p.checkpoint_id = "nor-this";
  ExpectRoundTrip(p, 5);
  p.id.clear();
  p.checkpoint_id.clear();
  ExpectRoundTrip(p, 5);
}

TEST(PassageLayoutTest, RestStoresNanSpeedAsUnknownAndImageRefsAsUtf8) {
  events::PassageRecord p = FullRecord();
  p.speed_kmh = std::nan("");
  p.image_refs = {"bad\xff byte", "ok é"};
  std::string blob;
  EncodePassageRest(p, 1, &blob);
  events::PassageRecord got;
  got.pass_time = p.pass_time;
  got.id = p.id;
  got.checkpoint_id = p.checkpoint_id;
  int64_t device = 0;
  ASSERT_TRUE(DecodePassageRest(blob, &got, &device));
  EXPECT_EQ(got.speed_kmh, -1.0);
  EXPECT_THAT(got.image_refs, ::testing::ElementsAre("bad\xEF\xBF\xBD byte", "ok é"));
}

TEST(PassageLayoutTest, DamagedRestIsRejected) {
  std::string blob;
  EncodePassageRest(FullRecord(), 300, &blob);
  events::PassageRecord got;
  int64_t device = 0;
  for (size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(DecodePassageRest(blob.substr(0, n), &got, &device)) << n;
  }
  EXPECT_FALSE(DecodePassageRest(blob + "x", &got, &device));
  std::string other_format = blob;
  other_format[0] = 9;
  EXPECT_FALSE(DecodePassageRest(other_format, &got, &device));
}

}  // namespace
}  // namespace quanyu::store::internal
