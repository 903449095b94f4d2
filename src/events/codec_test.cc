#include "events/codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace quanyu::events {
namespace {

PassageRecord Record() {
  PassageRecord r;
  r.id = "511702000012100000010220261129082959000010200001";
  r.device_id = "51170200001190000001";
  r.checkpoint_id = "51170200001210000001";
  r.pass_time = 1'795'000'000'123'456;
  r.lane = 3;
  r.plate_status = PlateStatus::kPartial;
  r.plate = "川S8?2B6";
  r.plate_color = 5;
  r.plate_class = "02";
  r.speed_kmh = 63.5;
  r.vehicle_class = "K33";
  r.vehicle_color = "A";
  r.direction = "1";
  r.image_refs = {"http://10.0.3.7:6120/pic?=d5=i8b*2e4", "IMG2"};
  r.received = 1'795'000'001'000'000;
  return r;
}

QuarantineEntry Entry() {
  QuarantineEntry q;
  q.id = "q-000042";
  q.received = 1'795'000'001'000'000;
  q.source = Source::kGat1400;
  q.record_id = "511702000012100000010220261129082959000010200001";
  q.code = "invalid_plate";
  q.field = "PlateNo";
  q.message = "\"X12345\" is not a plate number: missing province abbreviation";
  q.payload = R"({"MotorVehicleID":"5117...","PlateNo":"X12345","Data":"<omitted>"})";
  q.state = "discarded";
  q.resolved = 1'795'000'100'000'000;
  q.resolution_note = "test plate from the installer";
  return q;
}

TEST(Codec, PassageRoundTrip) {
  PassageRecord extremes = Record();
  extremes.pass_time = std::numeric_limits<int64_t>::min();
  extremes.received = std::numeric_limits<int64_t>::max();
  extremes.lane = std::numeric_limits<int32_t>::min();
  extremes.plate_color = std::numeric_limits<int32_t>::max();
  extremes.speed_kmh = -1;
  extremes.plate_status = PlateStatus::kAbsent;
  extremes.id = std::string(1000, 'x') + std::string("\0\xff", 2);

  for (const PassageRecord& r : {Record(), PassageRecord(), extremes}) {
    std::string buf;
    EncodePassage(r, &buf);
    PassageRecord back;
    ASSERT_TRUE(DecodePassage(buf, &back));
    EXPECT_EQ(back, r);
  }
}

TEST(Codec, DecodingIntoAUsedRecordReplacesEveryField) {
  // One record decoded into again and again (as the replay does) must come out as the last
  // value, whatever the previous one held: fewer image references, empty strings, defaults.
  PassageRecord reused;
  for (const PassageRecord& r : {Record(), PassageRecord(), Record()}) {
    std::string buf;
    EncodePassage(r, &buf);
    ASSERT_TRUE(DecodePassage(buf, &reused));
    EXPECT_EQ(reused, r);
  }
}

TEST(Codec, EncodeAppends) {
  std::string buf = "prefix";
  EncodePassage(Record(), &buf);
  EXPECT_EQ(buf.substr(0, 6), "prefix");
  PassageRecord back;
  EXPECT_TRUE(DecodePassage(std::string_view(buf).substr(6), &back));
  EXPECT_EQ(back, Record());
}

TEST(Codec, RecordIsCompact) {
  std::string buf;
  EncodePassage(Record(), &buf);
  size_t text = 0;
  const PassageRecord r = Record();
  for (const std::string* s : {&r.id, &r.device_id, &r.checkpoint_id, &r.plate, &r.plate_class,
                               &r.vehicle_class, &r.vehicle_color, &r.direction}) {
    text += s->size();
  }
  for (const auto& ref : r.image_refs) text += ref.size();
  // Text plus a few bytes per field: times as varints, no field names.
  EXPECT_LT(buf.size(), text + 40);
  EXPECT_EQ(static_cast<uint8_t>(buf[0]), 0x01);
}

TEST(Codec, QuarantineRoundTrip) {
  QuarantineEntry replay = Entry();
  replay.source = Source::kReplay;
  replay.state = "open";
  replay.resolved = 0;
  for (const QuarantineEntry& q : {Entry(), QuarantineEntry(), replay}) {
    std::string buf;
    EncodeQuarantine(q, &buf);
    QuarantineEntry back;
    ASSERT_TRUE(DecodeQuarantine(buf, &back));
    EXPECT_EQ(back, q);
  }
}

TEST(Codec, RejectsEveryTruncationAndTrailingBytes) {
  std::string buf;
  EncodePassage(Record(), &buf);
  for (size_t n = 0; n < buf.size(); ++n) {
    PassageRecord back = Record();
    back.id = "untouched";
    EXPECT_FALSE(DecodePassage(std::string_view(buf.data(), n), &back)) << n;
    EXPECT_EQ(back.id, "untouched");
  }
  PassageRecord back;
  EXPECT_FALSE(DecodePassage(buf + "x", &back));

  std::string qbuf;
  EncodeQuarantine(Entry(), &qbuf);
  for (size_t n = 0; n < qbuf.size(); ++n) {
    QuarantineEntry q;
    EXPECT_FALSE(DecodeQuarantine(std::string_view(qbuf.data(), n), &q)) << n;
  }
  QuarantineEntry q;
  EXPECT_FALSE(DecodeQuarantine(qbuf + '\0', &q));
}

TEST(Codec, RejectsWrongKindAndVersion) {
  std::string p, q;
  EncodePassage(Record(), &p);
  EncodeQuarantine(Entry(), &q);
  PassageRecord r;
  QuarantineEntry e;
  EXPECT_FALSE(DecodePassage(q, &r));
  EXPECT_FALSE(DecodeQuarantine(p, &e));
  p[0] = 0x02;  // a future version this build cannot read
  EXPECT_FALSE(DecodePassage(p, &r));
}

TEST(Codec, RejectsOutOfRangeEnums) {
  PassageRecord r = Record();
  std::string buf;
  EncodePassage(r, &buf);
  // The plate status byte follows version, three strings, pass_time and lane.
  size_t pos = 1;
  for (const std::string* s : {&r.id, &r.device_id, &r.checkpoint_id}) pos += 1 + s->size();
  std::string varints;
  varints.clear();
  // pass_time and lane: skip varints.
  for (int i = 0; i < 2; ++i) {
    while (static_cast<uint8_t>(buf[pos]) & 0x80) ++pos;
    ++pos;
  }
  ASSERT_EQ(static_cast<uint8_t>(buf[pos]), static_cast<uint8_t>(PlateStatus::kPartial));
  buf[pos] = 4;
  EXPECT_FALSE(DecodePassage(buf, &r));

  std::string qbuf;
  QuarantineEntry q = Entry();
  EncodeQuarantine(q, &qbuf);
  pos = 1 + 1 + q.id.size();
  while (static_cast<uint8_t>(qbuf[pos]) & 0x80) ++pos;
  ++pos;
  ASSERT_EQ(static_cast<uint8_t>(qbuf[pos]), static_cast<uint8_t>(Source::kGat1400));
  qbuf[pos] = 3;
  EXPECT_FALSE(DecodeQuarantine(qbuf, &q));
}

TEST(Codec, RejectsGarbageWithoutCrashing) {
  // Lengths and counts that point far past the end, over-long varints, random bytes.
  const std::string cases[] = {
      std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11),
      std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),
      std::string("\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 11),
      std::string("\x01\x05"
                  "ab",
                  4),
      std::string("\x81\x7f", 2),
      std::string("\x01", 1),
      std::string(),
  };
  for (const std::string& c : cases) {
    PassageRecord r;
    QuarantineEntry q;
    EXPECT_FALSE(DecodePassage(c, &r));
    EXPECT_FALSE(DecodeQuarantine(c, &q));
  }
  // A huge image_refs count right after valid fields must not allocate or read beyond.
  PassageRecord r = Record();
  r.image_refs.clear();
  r.received = 0;
  std::string buf;
  EncodePassage(r, &buf);
  buf.resize(buf.size() - 2);  // drop the count (0) and received (0)
  buf += std::string("\xff\xff\xff\xff\x0f", 5);
  EXPECT_FALSE(DecodePassage(buf, &r));

  // Pseudo-random input: never true by accident, never a crash (ASan checks the reads).
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; ++i) {
    std::string junk(static_cast<size_t>(i % 97), '\0');
    for (char& ch : junk) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      ch = static_cast<char>(x);
    }
    if (!junk.empty()) junk[0] = (i % 2) ? '\x01' : '\x81';
    PassageRecord pr;
    QuarantineEntry qe;
    (void)DecodePassage(junk, &pr);
    (void)DecodeQuarantine(junk, &qe);
  }
}

TEST(Codec, MutatedRecordsDecodeOrFailCleanly) {
  std::string buf;
  EncodePassage(Record(), &buf);
  for (size_t i = 0; i < buf.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string m = buf;
      m[i] = static_cast<char>(m[i] ^ (1 << bit));
      PassageRecord r;
      if (DecodePassage(m, &r)) {
        // Whatever decoded must encode to the same bytes: nothing was skipped or invented.
        std::string again;
        EncodePassage(r, &again);
        EXPECT_EQ(again, m) << i << ":" << bit;
      }
    }
  }
}

}  // namespace
}  // namespace quanyu::events
