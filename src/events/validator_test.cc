#include "events/validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "core/time_format.h"

namespace quanyu::events {
namespace {

using ::testing::HasSubstr;

class FakeCheckpoints : public CheckpointLookup {
 public:
  FakeCheckpoints() {
    states_["51170200001210000001"] = CheckpointState::kActive;
    states_["51170200001210000002"] = CheckpointState::kFaulty;
    states_["51170200001210000003"] = CheckpointState::kRetired;
  }
  CheckpointState Lookup(std::string_view id) const override {
    auto it = states_.find(std::string(id));
    return it == states_.end() ? CheckpointState::kUnknown : it->second;
  }

 private:
  std::map<std::string, CheckpointState> states_;
};

// 2026-11-29 08:30:00 +08:00
const UnixMicros kNow = *ParseRfc3339("2026-11-29T08:30:00+08:00", "now");

PassageRecord GoodRecord() {
  PassageRecord r;
  r.id = "51170200001210000001022026112908295900001";
  r.device_id = "51170200001190000001";
  r.checkpoint_id = "51170200001210000001";
  r.pass_time = kNow - 30 * kMicrosPerSecond;
  r.lane = 2;
  r.plate = "川S8A2B6";
  r.plate_status = PlateStatus::kValid;
  r.plate_color = 5;
  r.speed_kmh = 63.5;
  return r;
}

class ValidatorTest : public ::testing::Test {
 protected:
  std::optional<Rejection> Validate(const PassageRecord& r,
                                    const FieldNames& names = kGat1400Names) {
    return ValidatePassage(r, opts_, checkpoints_, kNow, names);
  }
  // Expects a rejection with `code` naming `field`; returns its message.
  std::string ExpectRejected(const PassageRecord& r, const std::string& code,
                             const std::string& field) {
    auto rej = Validate(r);
    EXPECT_TRUE(rej.has_value()) << "expected " << code;
    if (!rej) return "";
    EXPECT_EQ(rej->code, code) << rej->message;
    EXPECT_EQ(rej->field, field) << rej->message;
    EXPECT_FALSE(rej->message.empty());
    return rej->message;
  }

  ValidationOptions opts_;
  FakeCheckpoints checkpoints_;
};

TEST_F(ValidatorTest, AcceptsAGoodRecord) {
  auto rej = Validate(GoodRecord());
  EXPECT_FALSE(rej.has_value()) << rej->code << ": " << rej->message;
}

TEST_F(ValidatorTest, AcceptsUnknownSpeedLaneAndColour) {
  PassageRecord r = GoodRecord();
  r.speed_kmh = -1;
  r.lane = 0;
  r.plate_color = 0;
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, AcceptsPartialUnreadableAndAbsentPlates) {
  PassageRecord r = GoodRecord();
  r.plate_status = PlateStatus::kPartial;
  r.plate = "川S8?2B6";
  EXPECT_FALSE(Validate(r).has_value());
  r.plate_status = PlateStatus::kUnreadable;
  r.plate = "";
  EXPECT_FALSE(Validate(r).has_value());
  r.plate_status = PlateStatus::kAbsent;
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, MissingId) {
  PassageRecord r = GoodRecord();
  r.id.clear();
  ExpectRejected(r, "missing_field", "MotorVehicleID");
  auto rej = Validate(r, kApiNames);
  ASSERT_TRUE(rej.has_value());
  EXPECT_EQ(rej->field, "id");
}

TEST_F(ValidatorTest, IdTooLongOrWithControlCharacters) {
  PassageRecord r = GoodRecord();
  r.id = std::string(64, '7');
  EXPECT_FALSE(Validate(r).has_value());
  r.id = std::string(65, '7');
  EXPECT_THAT(ExpectRejected(r, "invalid_field", "MotorVehicleID"), HasSubstr("65"));
  r.id = "abc\ndef";
  EXPECT_THAT(ExpectRejected(r, "invalid_field", "MotorVehicleID"), HasSubstr("control"));
  r.id = std::string("abc\0def", 7);
  ExpectRejected(r, "invalid_field", "MotorVehicleID");
}

TEST_F(ValidatorTest, ControlCharactersAreFoundAnywhere) {
  // Ids of every allowed length with one byte changed at each place: control characters
  // (below 0x20, and 0x7F) are refused, any other byte is not.
  for (size_t len = 1; len <= 64; ++len) {
    for (size_t at = 0; at < len; ++at) {
      for (unsigned char c : {0x00, 0x01, 0x1F, 0x7F}) {
        PassageRecord r = GoodRecord();
        r.id = std::string(len, '7');
        r.id[at] = static_cast<char>(c);
        ASSERT_TRUE(Validate(r).has_value()) << len << " " << at << " " << int{c};
      }
      for (unsigned char c : {0x20, 0x7E, 0x80, 0x9F, 0xE5, 0xFF}) {
        PassageRecord r = GoodRecord();
        r.id = std::string(len, '7');
        r.id[at] = static_cast<char>(c);
        ASSERT_FALSE(Validate(r).has_value()) << len << " " << at << " " << int{c};
      }
    }
  }
}

TEST_F(ValidatorTest, MissingCheckpoint) {
  PassageRecord r = GoodRecord();
  r.checkpoint_id.clear();
  ExpectRejected(r, "missing_field", "TollgateID");
}

TEST_F(ValidatorTest, UnknownCheckpoint) {
  PassageRecord r = GoodRecord();
  r.checkpoint_id = "51170200001210009999";
  EXPECT_THAT(ExpectRejected(r, "unknown_checkpoint", "TollgateID"),
              HasSubstr("51170200001210009999"));
}

TEST_F(ValidatorTest, FaultyAndRetiredCheckpointsAreInactive) {
  PassageRecord r = GoodRecord();
  r.checkpoint_id = "51170200001210000002";
  EXPECT_THAT(ExpectRejected(r, "inactive_checkpoint", "TollgateID"), HasSubstr("faulty"));
  r.checkpoint_id = "51170200001210000003";
  EXPECT_THAT(ExpectRejected(r, "inactive_checkpoint", "TollgateID"), HasSubstr("retired"));
}

TEST_F(ValidatorTest, MissingPassTime) {
  PassageRecord r = GoodRecord();
  r.pass_time = 0;
  ExpectRejected(r, "missing_field", "PassTime");
}

TEST_F(ValidatorTest, FutureTimeBeyondClockSkew) {
  PassageRecord r = GoodRecord();
  r.pass_time = kNow + 5 * kMicrosPerMinute;  // exactly the allowed skew
  EXPECT_FALSE(Validate(r).has_value());
  r.pass_time = kNow + 12 * kMicrosPerMinute + 30 * kMicrosPerSecond;
  std::string message = ExpectRejected(r, "future_time", "PassTime");
  EXPECT_THAT(message, HasSubstr("12m 30s"));
  EXPECT_THAT(message, HasSubstr("2026-11-29T08:42:30+08:00"));
}

TEST_F(ValidatorTest, ExpiredTimeBeyondRetention) {
  PassageRecord r = GoodRecord();
  r.pass_time = kNow - 30 * kMicrosPerDay;
  EXPECT_FALSE(Validate(r).has_value());
  r.pass_time = kNow - 31 * kMicrosPerDay;
  EXPECT_THAT(ExpectRejected(r, "expired_time", "PassTime"), HasSubstr("30d"));
}

TEST_F(ValidatorTest, OptionsChangeTheLimits) {
  PassageRecord r = GoodRecord();
  r.pass_time = kNow + 2 * kMicrosPerMinute;
  opts_.max_clock_skew = kMicrosPerMinute;
  ExpectRejected(r, "future_time", "PassTime");
  r = GoodRecord();
  r.speed_kmh = 130;
  opts_.max_speed_kmh = 120;
  EXPECT_THAT(ExpectRejected(r, "invalid_speed", "Speed"), HasSubstr("120"));
}

TEST_F(ValidatorTest, InvalidPlateClassification) {
  // Text that is not a plate is rejected by the parsers (parse_test.cc); the validator
  // catches classifications that contradict themselves.
  PassageRecord r = GoodRecord();
  r.plate = "";
  EXPECT_THAT(ExpectRejected(r, "invalid_plate", "PlateNo"), HasSubstr("valid but empty"));
  r.plate_status = PlateStatus::kPartial;
  EXPECT_THAT(ExpectRejected(r, "invalid_plate", "PlateNo"), HasSubstr("partial but empty"));
  r.plate_status = static_cast<PlateStatus>(9);
  ExpectRejected(r, "invalid_plate", "PlateNo");
}

TEST_F(ValidatorTest, ControlCharactersAnywhereInTheIdAreFound) {
  // Every position, so that both the eight-byte and the tail checks are exercised.
  for (size_t len : {1u, 7u, 8u, 9u, 16u, 23u, 64u}) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (char bad : {'\0', '\x1f', '\x7f', '\t'}) {
        PassageRecord r = GoodRecord();
        r.id = std::string(len, 'A');
        r.id[pos] = bad;
        ExpectRejected(r, "invalid_field", "MotorVehicleID");
      }
    }
    PassageRecord r = GoodRecord();
    r.id = std::string(len, ' ');
    r.id[0] = '\x80';  // UTF-8 bytes and the characters next to the limits are fine
    if (len > 1) r.id[len - 1] = '~';
    EXPECT_FALSE(Validate(r).has_value()) << len;
  }
  PassageRecord r = GoodRecord();
  r.id = "川A-卡口-0001";
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, InvalidPlateColor) {
  PassageRecord r = GoodRecord();
  r.plate_color = 14;
  EXPECT_THAT(ExpectRejected(r, "invalid_plate_color", "PlateColor"), HasSubstr("14"));
  r.plate_color = -1;
  ExpectRejected(r, "invalid_plate_color", "PlateColor");
  r.plate_color = 99;
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, InvalidSpeed) {
  PassageRecord r = GoodRecord();
  r.speed_kmh = -2;
  EXPECT_THAT(ExpectRejected(r, "invalid_speed", "Speed"), HasSubstr("-2"));
  r.speed_kmh = -0.5;
  ExpectRejected(r, "invalid_speed", "Speed");
  r.speed_kmh = 250.5;
  EXPECT_THAT(ExpectRejected(r, "invalid_speed", "Speed"), HasSubstr("250.5"));
  r.speed_kmh = std::nan("");
  ExpectRejected(r, "invalid_speed", "Speed");
  r.speed_kmh = 250;
  EXPECT_FALSE(Validate(r).has_value());
  r.speed_kmh = 0;
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, InvalidLane) {
  PassageRecord r = GoodRecord();
  r.lane = -1;
  ExpectRejected(r, "invalid_field", "LaneNo");
  r.lane = 65;
  ExpectRejected(r, "invalid_field", "LaneNo");
  r.lane = 64;
  EXPECT_FALSE(Validate(r).has_value());
}

TEST_F(ValidatorTest, ApiNamesNameOwnFormFields) {
  PassageRecord r = GoodRecord();
  r.lane = 99;
  auto rej = Validate(r, kApiNames);
  ASSERT_TRUE(rej.has_value());
  EXPECT_EQ(rej->field, "lane");
  r = GoodRecord();
  r.speed_kmh = 400;
  rej = Validate(r, kApiNames);
  ASSERT_TRUE(rej.has_value());
  EXPECT_EQ(rej->field, "speed_kmh");
  r = GoodRecord();
  r.checkpoint_id = "nowhere";
  rej = Validate(r, kApiNames);
  ASSERT_TRUE(rej.has_value());
  EXPECT_EQ(rej->field, "checkpoint_id");
}

}  // namespace
}  // namespace quanyu::events
