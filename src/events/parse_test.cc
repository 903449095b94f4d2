#include "events/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "events/plate.h"

namespace quanyu::events {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

UnixMicros Rfc(const char* text) { return *ParseRfc3339(text, "t"); }

constexpr UnixMicros kReceived = 1'795'000'000'000'000;

ParseOptions Opts() {
  ParseOptions o;
  o.received = kReceived;
  return o;
}

// As a 卡口 camera sends it: numbers as strings, vendor fields, two images with base64 data.
constexpr std::string_view kDeviceBody = R"({
  "MotorVehicleListObject": {
    "MotorVehicleObject": [
      {
        "MotorVehicleID": "511702000012100000010220261129082959000010200001",
        "InfoKind": "1",
        "SourceID": "51170200001210000001022026112908295900001",
        "DeviceID": "51170200001190000001",
        "TollgateID": "51170200001210000001",
        "PassTime": "20261129082959",
        "LaneNo": "2",
        "HasPlate": "1",
        "PlateClass": "02",
        "PlateColor": "5",
        "PlateNo": "川S·8A2B6",
        "Speed": "63.5",
        "VehicleClass": "K33",
        "VehicleColor": "A",
        "VehicleBrand": "11",
        "Direction": "1",
        "StorageUrl1": "http://10.0.3.7:6120/pic?=d5=i8b*2e4",
        "HikExtension": {"PlateReliability": "98", "Bbox": [10, 20, 30, 40]},
        "SubImageList": {
          "SubImageInfoObject": [
            {"ImageID": "51170200001190000001022026112908295900001", "EventSort": 10,
             "DeviceID": "51170200001190000001", "StoragePath": "http://10.0.3.7:6120/pic?=d5=i8b*2e4",
             "Type": "02", "FileFormat": "Jpeg", "ShotTime": "20261129082959",
             "Width": 1920, "Height": 1080,
             "Data": "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/"},
            {"ImageID": "51170200001190000001022026112908295900002", "Type": "14",
             "Data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}
          ]
        }
      },
      {
        "MotorVehicleID": "511702000012100000010220261129083001000010200002",
        "InfoKind": 1,
        "DeviceID": "51170200001190000001",
        "TollgateID": "51170200001210000001",
        "PassTime": 20261129083001,
        "LaneNo": 3,
        "HasPlate": true,
        "PlateColor": 6,
        "PlateNo": "川SD12345",
        "Speed": 41,
        "VendorNote": null
      }
    ]
  }
})";

class Gat1400Test : public ::testing::Test {
 protected:
  std::vector<ParsedItem> Parse(std::string_view body) {
    std::vector<ParsedItem> out;
    Status s = parser_.ParseGat1400MotorVehicles(body, Opts(), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  // One object inside the standard envelope.
  std::vector<ParsedItem> ParseOne(std::string_view object) {
    return Parse(R"({"MotorVehicleListObject":{"MotorVehicleObject":[)" + std::string(object) +
                 "]}}");
  }

  Parser parser_;
};

TEST_F(Gat1400Test, ParsesWhatADeviceSends) {
  auto items = Parse(kDeviceBody);
  ASSERT_EQ(items.size(), 2u);

  const ParsedItem& a = items[0];
  ASSERT_TRUE(a.ok) << a.rejection.code << " " << a.rejection.field << ": " << a.rejection.message;
  const PassageRecord& r = a.record;
  EXPECT_EQ(r.id, "511702000012100000010220261129082959000010200001");
  EXPECT_EQ(a.record_id, r.id);
  EXPECT_EQ(r.device_id, "51170200001190000001");
  EXPECT_EQ(r.checkpoint_id, "51170200001210000001");
  EXPECT_EQ(r.pass_time, Rfc("2026-11-29T08:29:59+08:00"));
  EXPECT_EQ(r.lane, 2);
  EXPECT_EQ(r.plate_status, PlateStatus::kValid);
  EXPECT_EQ(r.plate, "川S8A2B6");
  EXPECT_EQ(r.plate_color, 5);
  EXPECT_EQ(r.plate_class, "02");
  EXPECT_DOUBLE_EQ(r.speed_kmh, 63.5);
  EXPECT_EQ(r.vehicle_class, "K33");
  EXPECT_EQ(r.vehicle_color, "A");
  EXPECT_EQ(r.direction, "1");
  // StorageUrl1 and the first image's StoragePath are one picture; the second image has only
  // an ImageID.
  EXPECT_THAT(r.image_refs, ElementsAre("http://10.0.3.7:6120/pic?=d5=i8b*2e4",
                                        "51170200001190000001022026112908295900002"));
  EXPECT_EQ(r.received, kReceived);

  const ParsedItem& b = items[1];
  ASSERT_TRUE(b.ok) << b.rejection.message;
  EXPECT_EQ(b.record.pass_time, Rfc("2026-11-29T08:30:01+08:00"));
  EXPECT_EQ(b.record.lane, 3);
  EXPECT_EQ(b.record.plate, "川SD12345");
  EXPECT_EQ(b.record.plate_color, 6);
  EXPECT_DOUBLE_EQ(b.record.speed_kmh, 41);
  EXPECT_TRUE(b.record.image_refs.empty());
  EXPECT_EQ(b.record.plate_class, "");
}

TEST_F(Gat1400Test, RawKeepsTheObjectButNeverImageData) {
  auto items = Parse(kDeviceBody);
  ASSERT_EQ(items.size(), 2u);
  const std::string& raw = items[0].raw;
  EXPECT_EQ(raw.front(), '{');
  EXPECT_EQ(raw.back(), '}');
  EXPECT_THAT(raw, HasSubstr("\"HikExtension\""));
  EXPECT_THAT(raw, HasSubstr("\"PlateNo\": \"川S·8A2B6\""));  // as received
  EXPECT_THAT(raw, Not(HasSubstr("/9j/4AAQ")));
  EXPECT_THAT(raw, Not(HasSubstr("iVBORw0KGgo")));
  EXPECT_THAT(raw, HasSubstr("\"Data\": \"<omitted>\""));
  // The stripped text is still JSON: it parses again to the same record.
  std::vector<ParsedItem> again;
  ASSERT_TRUE(
      parser_.ParseGat1400MotorVehicles(R"({"MotorVehicleObject":)" + raw + "}", Opts(), &again)
          .ok());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].record, items[0].record);

  EXPECT_THAT(items[1].raw, HasSubstr("\"VendorNote\": null"));
  EXPECT_EQ(items[1].raw.back(), '}');
}

TEST_F(Gat1400Test, LongStringsAnywhereAreCutFromRaw) {
  // A vendor member carrying a picture is not known by name; its size gives it away.
  std::string picture(3000, 'Q');
  picture[100] = '\\';
  picture[101] = '"';  // an escaped quote inside must not end the string early
  const std::string object = R"({"MotorVehicleID":"M1","PlateNo":"川A12345","VendorPic":")" +
                             picture + R"(","StorageUrl1":"http://x/1.jpg","Note":"short"})";
  auto items = ParseOne(object);
  ASSERT_EQ(items.size(), 1u);
  ASSERT_TRUE(items[0].ok) << items[0].rejection.message;
  EXPECT_THAT(items[0].record.image_refs, ElementsAre("http://x/1.jpg"));
  EXPECT_EQ(items[0].raw, R"({"MotorVehicleID":"M1","PlateNo":"川A12345","VendorPic":"<omitted>",)"
                          R"("StorageUrl1":"http://x/1.jpg","Note":"short"})");
}

TEST_F(Gat1400Test, OneBadObjectAmongGoodOnesIsRejectedAlone) {
  auto items = Parse(R"({"MotorVehicleListObject":{"MotorVehicleObject":[
    {"MotorVehicleID":"A1","TollgateID":"T1","PassTime":"20261129082959","PlateNo":"川A12345"},
    {"MotorVehicleID":"A2","TollgateID":"T1","PassTime":"2026-13-40","PlateNo":"川A12345"},
    {"MotorVehicleID":"A3","TollgateID":"T1","PassTime":"20261129083000","PlateNo":"川A12346"}
  ]}})");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[0].ok);
  EXPECT_TRUE(items[2].ok);
  EXPECT_EQ(items[2].record.plate, "川A12346");
  const ParsedItem& bad = items[1];
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.record_id, "A2");
  EXPECT_EQ(bad.rejection.code, "invalid_field");
  EXPECT_EQ(bad.rejection.field, "PassTime");
  EXPECT_THAT(bad.rejection.message, HasSubstr("2026-13-40"));
  EXPECT_THAT(bad.raw, HasSubstr("\"2026-13-40\""));
}

TEST_F(Gat1400Test, RejectionsNameTheGat1400Field) {
  struct Case {
    const char* member;  // replaces the default of the same name
    const char* code;
    const char* field;
    const char* in_message;
  };
  const Case cases[] = {
      {R"("PlateNo":"X12345")", "invalid_plate", "PlateNo", "province"},
      {R"("PlateNo":"川A123")", "invalid_plate", "PlateNo", "expected 5 characters after 川A"},
      {R"("PlateNo":{"a":1})", "invalid_plate", "PlateNo", "object"},
      {R"("PlateColor":"magenta")", "invalid_plate_color", "PlateColor", "magenta"},
      {R"("PlateColor":[5])", "invalid_plate_color", "PlateColor", "array"},
      {R"("Speed":"fast")", "invalid_speed", "Speed", "fast"},
      {R"("Speed":true)", "invalid_speed", "Speed", "boolean"},
      {R"("LaneNo":"left")", "invalid_field", "LaneNo", "left"},
      {R"("LaneNo":2.5)", "invalid_field", "LaneNo", "2.5"},
      {R"("LaneNo":"99999999999")", "invalid_field", "LaneNo", "out of range"},
      {R"("HasPlate":"maybe")", "invalid_field", "HasPlate", "maybe"},
      {R"("PassTime":"2026-11-29")", "invalid_field", "PassTime", "yyyyMMddHHmmss"},
      {R"("PassTime":"20261131082959")", "invalid_field", "PassTime", "day"},
      {R"("PassTime":{})", "invalid_field", "PassTime", "object"},
      {R"("MotorVehicleID":["x"])", "invalid_field", "MotorVehicleID", "array"},
      {R"("TollgateID":{})", "invalid_field", "TollgateID", "object"},
      {R"("StorageUrl2":{})", "invalid_field", "StorageUrl2", "object"},
      // Matched without regard to case, named as the standard spells it.
      {R"("plateNO":"X12345")", "invalid_plate", "PlateNo", "province"},
      {R"("storageurl4":[])", "invalid_field", "StorageUrl4", "array"},
  };
  for (const Case& c : cases) {
    // A good object with the case's member in place of the default of the same name.
    auto lower = [](std::string t) {
      for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return t;
    };
    const std::string member_name =
        lower(std::string(c.member).substr(0, std::string(c.member).find(':')));
    std::string defaults;
    for (const char* d :
         {R"("MotorVehicleID":"M1")", R"("TollgateID":"T1")", R"("PassTime":"20261129082959")",
          R"("PlateNo":"川A12345")", R"("PlateColor":"5")", R"("Speed":"60")", R"("LaneNo":"1")"}) {
      if (lower(d).rfind(member_name, 0) == 0) continue;
      defaults += ",";
      defaults += d;
    }
    const std::string object = std::string("{") + c.member + defaults + "}";
    auto items = ParseOne(object);
    ASSERT_EQ(items.size(), 1u) << object;
    EXPECT_FALSE(items[0].ok) << object;
    EXPECT_EQ(items[0].rejection.code, c.code) << object;
    EXPECT_EQ(items[0].rejection.field, c.field) << object;
    EXPECT_THAT(items[0].rejection.message, HasSubstr(c.in_message)) << object;
    EXPECT_EQ(items[0].raw, object);
  }
}

TEST_F(Gat1400Test, ToleratesTheWaysDevicesWriteValues) {
  struct Case {
    const char* members;
    void (*check)(const PassageRecord&);
  };
  const Case cases[] = {
      {R"("LaneNo":"2")", [](const PassageRecord& r) { EXPECT_EQ(r.lane, 2); }},
      {R"("LaneNo":2)", [](const PassageRecord& r) { EXPECT_EQ(r.lane, 2); }},
      {R"("LaneNo":"")", [](const PassageRecord& r) { EXPECT_EQ(r.lane, 0); }},
      {R"("Speed":"63.5")", [](const PassageRecord& r) { EXPECT_DOUBLE_EQ(r.speed_kmh, 63.5); }},
      {R"("Speed":63.5)", [](const PassageRecord& r) { EXPECT_DOUBLE_EQ(r.speed_kmh, 63.5); }},
      {R"("Speed":null)", [](const PassageRecord& r) { EXPECT_EQ(r.speed_kmh, -1); }},
      {R"("PlateColor":"5")", [](const PassageRecord& r) { EXPECT_EQ(r.plate_color, 5); }},
      {R"("PlateColor":5)", [](const PassageRecord& r) { EXPECT_EQ(r.plate_color, 5); }},
      {R"("PlateColor":"蓝")", [](const PassageRecord& r) { EXPECT_EQ(r.plate_color, 5); }},
      {R"("PlateColor":"17")", [](const PassageRecord& r) { EXPECT_EQ(r.plate_color, 17); }},
      {R"("InfoKind":"1")", [](const PassageRecord& r) { EXPECT_EQ(r.lane, 0); }},
      {R"("InfoKind":2)", [](const PassageRecord& r) { EXPECT_EQ(r.lane, 0); }},
      {R"("HasPlate":"0")",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kAbsent); }},
      {R"("HasPlate":0)",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kAbsent); }},
      {R"("HasPlate":false)",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kAbsent); }},
      {R"("HasPlate":"false")",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kAbsent); }},
      {R"("HasPlate":"1")",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kValid); }},
      {R"("HasPlate":1)",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kValid); }},
      {R"("HasPlate":"true")",
       [](const PassageRecord& r) { EXPECT_EQ(r.plate_status, PlateStatus::kValid); }},
      {R"("MotorVehicleID":12345678901234567890)",
       [](const PassageRecord& r) { EXPECT_EQ(r.id, "12345678901234567890"); }},
      {R"("MotorVehicleID":"M1","TollgateID":51170200001210000001)",  // beyond 64 bits
       [](const PassageRecord& r) { EXPECT_EQ(r.checkpoint_id, "51170200001210000001"); }},
      {R"("MotorVehicleID":-42.50)", [](const PassageRecord& r) { EXPECT_EQ(r.id, "-42.50"); }},
      {R"("PassTime":"2026-11-29 08:29:59")",
       [](const PassageRecord& r) { EXPECT_EQ(r.pass_time, Rfc("2026-11-29T00:29:59Z")); }},
      {R"("PassTime":"20261129082959123")",
       [](const PassageRecord& r) { EXPECT_EQ(r.pass_time, Rfc("2026-11-29T00:29:59.123Z")); }},
      {R"("plateNo":"川A54321")", [](const PassageRecord& r) { EXPECT_EQ(r.plate, "川A54321"); }},
      {R"("StorageUrl3":"http://x/3.jpg","StorageUrl5":"http://x/5.jpg")",
       [](const PassageRecord& r) {
         EXPECT_THAT(r.image_refs, ElementsAre("http://x/3.jpg", "http://x/5.jpg"));
       }},
      {R"("SubImageList":{"SubImageInfoObject":{"StoragePath":"http://x/a.jpg","Data":"AAAA"}})",
       [](const PassageRecord& r) { EXPECT_THAT(r.image_refs, ElementsAre("http://x/a.jpg")); }},
      {R"("SubImageList":[{"ImageID":"IMG1"},{"StoragePath":""}])",
       [](const PassageRecord& r) { EXPECT_THAT(r.image_refs, ElementsAre("IMG1")); }},
  };
  for (const Case& c : cases) {
    std::string object = std::string(R"({"MotorVehicleID":"M1","TollgateID":"T1",)") +
                         R"("PassTime":"20261129082959","PlateNo":"川A12345",)" + c.members + "}";
    if (std::string(c.members).find("PassTime") != std::string::npos ||
        std::string(c.members).find("MotorVehicleID") != std::string::npos ||
        std::string(c.members).find("plateNo") != std::string::npos) {
      object = std::string(R"({"TollgateID":"T1",)") + c.members + "}";
    }
    auto items = ParseOne(object);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_TRUE(items[0].ok) << object << ": " << items[0].rejection.message;
    SCOPED_TRACE(object);
    c.check(items[0].record);
  }
}

TEST_F(Gat1400Test, TollgateFallsBackToDeviceId) {
  auto items = ParseOne(R"({"MotorVehicleID":"M1","DeviceID":"D1","PassTime":"20261129082959"})");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].record.checkpoint_id, "D1");
  EXPECT_EQ(items[0].record.device_id, "D1");
  items = ParseOne(R"({"MotorVehicleID":"M1","DeviceID":"D1","TollgateID":"T1"})");
  EXPECT_EQ(items[0].record.checkpoint_id, "T1");
}

TEST_F(Gat1400Test, MissingOptionalFieldsKeepDefaults) {
  auto items = ParseOne(R"({"MotorVehicleID":"M1"})");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_TRUE(items[0].ok);
  const PassageRecord& r = items[0].record;
  EXPECT_EQ(r.pass_time, 0);  // the validator reports it missing
  EXPECT_EQ(r.speed_kmh, -1);
  EXPECT_EQ(r.lane, 0);
  EXPECT_EQ(r.plate_color, 0);
  EXPECT_EQ(r.plate_status, PlateStatus::kUnreadable);
}

TEST_F(Gat1400Test, PlatesAreClassified) {
  auto items = ParseOne(R"({"MotorVehicleID":"M1","PlateNo":"无牌"})");
  EXPECT_EQ(items[0].record.plate_status, PlateStatus::kAbsent);
  items = ParseOne(R"({"MotorVehicleID":"M1","PlateNo":"川A1?345"})");
  EXPECT_EQ(items[0].record.plate_status, PlateStatus::kPartial);
  EXPECT_EQ(items[0].record.plate, "川A1?345");
  items = ParseOne(R"({"MotorVehicleID":"M1","PlateNo":"未识别","HasPlate":"1"})");
  EXPECT_EQ(items[0].record.plate_status, PlateStatus::kUnreadable);
}

TEST_F(Gat1400Test, NonObjectElementIsRejectedAlone) {
  auto items = Parse(
      R"({"MotorVehicleListObject":{"MotorVehicleObject":[42,[1,2],{"MotorVehicleID":"M1"}]}})");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_FALSE(items[0].ok);
  EXPECT_EQ(items[0].rejection.code, "invalid_field");
  EXPECT_EQ(items[0].rejection.field, "MotorVehicleListObject.MotorVehicleObject");
  EXPECT_EQ(items[0].raw, "42");
  EXPECT_FALSE(items[1].ok);
  EXPECT_EQ(items[1].raw, "[1,2]");
  EXPECT_TRUE(items[2].ok);
}

TEST_F(Gat1400Test, AcceptsASingleObjectAndAByteOrderMark) {
  auto items = Parse(
      "\xEF\xBB\xBF"
      R"({"MotorVehicleObject":{"MotorVehicleID":"M1","PlateNo":"川A12345"}})");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].ok);
  EXPECT_EQ(items[0].record.id, "M1");
  EXPECT_EQ(items[0].raw, R"({"MotorVehicleID":"M1","PlateNo":"川A12345"})");
  items = Parse(R"({"MotorVehicleListObject":{"MotorVehicleObject":{"MotorVehicleID":"M2"}}})");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].record.id, "M2");
}

TEST_F(Gat1400Test, EmptyListGivesNoItems) {
  EXPECT_TRUE(Parse(R"({"MotorVehicleListObject":{"MotorVehicleObject":[]}})").empty());
}

TEST_F(Gat1400Test, LocalOffsetIsApplied) {
  ParseOptions o = Opts();
  o.local_offset_seconds = 0;
  std::vector<ParsedItem> out;
  ASSERT_TRUE(
      parser_
          .ParseGat1400MotorVehicles(
              R"({"MotorVehicleObject":{"MotorVehicleID":"M1","PassTime":"20261129082959"}})", o,
              &out)
          .ok());
  EXPECT_EQ(out[0].record.pass_time, Rfc("2026-11-29T08:29:59Z"));
}

TEST_F(Gat1400Test, BodyErrorsFailTheWholeBody) {
  struct Case {
    const char* body;
    const char* field;
    const char* in_message;
  };
  const Case cases[] = {
      {"", "", "not valid JSON"},
      {"hello", "", "not valid JSON"},
      {R"({"MotorVehicleListObject":{"MotorVehicleObject":[{"MotorVehicleID":"M1"},)", "",
       "not valid JSON"},
      {R"({"MotorVehicleListObject":{"MotorVehicleObject":[{"MotorVehicleID":"M1"}, {"MotorVehicleID": "M2)",
       "", "not valid JSON"},
      {"[1,2,3]", "", "not a JSON object"},
      // Malformed JSON that a lenient reader would misread: a '}' closing an array and a ':'
      // between array elements, inside SubImageList.
      {R"({"MotorVehicleObject":{"MotorVehicleID":"M1","SubImageList":{"SubImageInfoObject":[{"Width":1}, "Height": 2, "Data": "AAAA"}]}}})",
       "", "not valid JSON"},
      {R"({"MotorVehicleObject":{"MotorVehicleID":"M1","Vendor":[1,2}}})", "", "not valid JSON"},
      {R"({"MotorVehicleObject":{"MotorVehicleID":"M1","Vendor":tru}})", "", "not valid JSON"},
      {R"({"FaceListObject":{"FaceObject":[]}})", "MotorVehicleListObject",
       "missing MotorVehicleListObject"},
      {R"({"MotorVehicleListObject":{"Objects":[]}})", "MotorVehicleListObject.MotorVehicleObject",
       "no MotorVehicleObject"},
      {R"({"MotorVehicleListObject":[]})", "MotorVehicleListObject", "must be an object"},
      {R"({"MotorVehicleListObject":{"MotorVehicleObject":"x"}})",
       "MotorVehicleListObject.MotorVehicleObject", "array of objects"},
  };
  for (const Case& c : cases) {
    std::vector<ParsedItem> out(1);  // what was there before stays, nothing is added
    Status s = parser_.ParseGat1400MotorVehicles(c.body, Opts(), &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(s.field(), c.field) << c.body;
    EXPECT_THAT(s.message(), HasSubstr(c.in_message)) << c.body;
    EXPECT_EQ(out.size(), 1u) << c.body;
  }
}

TEST_F(Gat1400Test, AppendsToExistingItems) {
  std::vector<ParsedItem> out;
  ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(kDeviceBody, Opts(), &out).ok());
  ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(kDeviceBody, Opts(), &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[2].record, out[0].record);
  EXPECT_EQ(out[3].raw, out[1].raw);
}

// A list parsed into again (as the server does, one per thread) holds what a fresh parse
// gives: nothing of the earlier batch's fields, rejections or text is left in a reused item.
TEST_F(Gat1400Test, AReusedListKeepsNothingOfTheLastBatch) {
  const std::string full =
      std::string(kDeviceBody)
          .insert(
              kDeviceBody.rfind(']'),
              R"(,{"MotorVehicleID":"M9","PlateNo":"川A1?345","Speed":"fast","StorageUrl1":"u"})");
  const std::string sparse =
      R"({"MotorVehicleListObject":{"MotorVehicleObject":[{"MotorVehicleID":"M1"},)"
      R"({"MotorVehicleID":"M2","LaneNo":"x"},{"MotorVehicleID":"M3"},{"MotorVehicleID":"M4"}]}})";
  ParsedItems reused;
  ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(full, Opts(), &reused).ok());
  ASSERT_EQ(reused.size(), 3u);
  ASSERT_FALSE(reused[2].ok);
  for (int round = 0; round < 2; ++round) {
    reused.Clear();
    ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(sparse, Opts(), &reused).ok());
    std::vector<ParsedItem> fresh = Parse(sparse);
    ASSERT_EQ(reused.size(), fresh.size());
    for (size_t i = 0; i < fresh.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(reused[i].ok, fresh[i].ok);
      EXPECT_EQ(reused[i].record, fresh[i].record);
      EXPECT_EQ(reused[i].rejection, fresh[i].rejection);
      EXPECT_EQ(reused[i].raw, fresh[i].raw);
      EXPECT_EQ(reused[i].record_id, fresh[i].record_id);
    }
    EXPECT_FALSE(reused[1].ok);
    EXPECT_EQ(reused[1].rejection.field, "LaneNo");
    EXPECT_TRUE(reused[2].record.image_refs.empty());
    // A body that fails leaves the list as it was.
    EXPECT_FALSE(parser_.ParseGat1400MotorVehicles(full.substr(0, 300), Opts(), &reused).ok());
    EXPECT_EQ(reused.size(), 4u);
    ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(full, Opts(), &reused).ok());
    EXPECT_EQ(reused.size(), 7u);
  }
  // Shrinking keeps the first items as they are.
  const PassageRecord first = reused[0].record;
  reused.ShrinkTo(2);
  ASSERT_EQ(reused.size(), 2u);
  EXPECT_EQ(reused[0].record, first);
  reused.Clear();
  ASSERT_TRUE(parser_.ParseGat1400MotorVehicles(sparse, Opts(), &reused).ok());
  EXPECT_EQ(reused.size(), 4u);
  EXPECT_EQ(reused[3].record.id, "M4");
}

TEST_F(Gat1400Test, TruncatedAndMutatedBodiesFailCleanly) {
  // Every prefix and many single-byte changes of a device body: the parse either succeeds
  // or reports InvalidArgument, and never lets image data into the kept text (ASan/UBSan
  // builds check the memory accesses).
  const std::string body(kDeviceBody);
  std::string mutation;
  auto check = [&](std::string_view text) {
    std::vector<ParsedItem> out;
    Status s = parser_.ParseGat1400MotorVehicles(text, Opts(), &out);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_TRUE(out.empty());
    }
    for (const ParsedItem& item : out) {
      EXPECT_FALSE(item.raw.empty());
      EXPECT_EQ(item.raw.find("/9j/4AAQ"), std::string::npos) << mutation << item.raw;
      EXPECT_EQ(item.raw.find("iVBORw0KGgo"), std::string::npos) << mutation << item.raw;
      if (!item.ok) {
        EXPECT_FALSE(item.rejection.code.empty());
      }
    }
  };
  for (size_t n = 0; n <= body.size(); ++n) check(std::string_view(body).substr(0, n));
  const char replacements[] = {'"', '{', '}', '[', ']', ',', ':', '\\', 'x', '1', ' ', '\0'};
  // A change inside these names moves image data to a member the parser does not know; only
  // the long-string rule would catch it, and these pictures are short.
  std::vector<std::pair<size_t, size_t>> names;
  for (std::string_view name : {"\"Data\"", "\"SubImageList\"", "\"SubImageInfoObject\""}) {
    for (size_t at = body.find(name); at != std::string::npos; at = body.find(name, at + 1)) {
      names.emplace_back(at, at + name.size());
    }
  }
  auto in_name = [&](size_t i) {
    for (auto [b, e] : names) {
      if (i >= b && i < e) return true;
    }
    return false;
  };
  for (size_t i = 0; i < body.size(); i += 3) {
    if (in_name(i)) continue;
    for (char c : replacements) {
      std::string m = body;
      m[i] = c;
      mutation = "byte " + std::to_string(i) + " := '" + c + "'\n";
      check(m);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The own form

class OwnJsonTest : public ::testing::Test {
 protected:
  Parser parser_;
};

TEST_F(OwnJsonTest, ParsesAnArray) {
  std::vector<ParsedItem> out;
  Status s = parser_.ParsePassagesJson(R"([
    {"id":"p-1","checkpoint_id":"cp-7","pass_time":"2026-11-29T08:30:00+08:00",
     "device_id":"cam-7a","lane":2,"plate":"川a·12345","has_plate":true,"plate_color":"blue",
     "plate_class":"02","speed_kmh":48.25,"vehicle_class":"K33","vehicle_color":"J",
     "direction":"2","image_refs":["s3://passages/p-1.jpg"],"operator_note":"ignored"},
    {"id":"p-2","checkpoint_id":"cp-7","pass_time":"2026-11-29T00:30:01.5Z","plate":"无牌"}
  ])",
                                       Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].ok) << out[0].rejection.message;
  const PassageRecord& r = out[0].record;
  EXPECT_EQ(r.id, "p-1");
  EXPECT_EQ(r.checkpoint_id, "cp-7");
  EXPECT_EQ(r.pass_time, Rfc("2026-11-29T00:30:00Z"));
  EXPECT_EQ(r.device_id, "cam-7a");
  EXPECT_EQ(r.lane, 2);
  EXPECT_EQ(r.plate, "川A12345");
  EXPECT_EQ(r.plate_status, PlateStatus::kValid);
  EXPECT_EQ(r.plate_color, 5);
  EXPECT_EQ(r.plate_class, "02");
  EXPECT_DOUBLE_EQ(r.speed_kmh, 48.25);
  EXPECT_EQ(r.vehicle_class, "K33");
  EXPECT_EQ(r.vehicle_color, "J");
  EXPECT_EQ(r.direction, "2");
  EXPECT_THAT(r.image_refs, ElementsAre("s3://passages/p-1.jpg"));
  EXPECT_EQ(r.received, kReceived);
  EXPECT_THAT(out[0].raw, HasSubstr("operator_note"));
  EXPECT_EQ(out[0].raw.front(), '{');
  EXPECT_EQ(out[0].raw.back(), '}');

  ASSERT_TRUE(out[1].ok);
  EXPECT_EQ(out[1].record.pass_time, Rfc("2026-11-29T00:30:01.500Z"));
  EXPECT_EQ(out[1].record.plate_status, PlateStatus::kAbsent);
}

TEST_F(OwnJsonTest, RejectionsUseOwnFieldNames) {
  std::vector<ParsedItem> out;
  ASSERT_TRUE(parser_
                  .ParsePassagesJson(R"([
    {"id":"a","pass_time":"2026-11-29T08:30:00"},
    {"id":"b","plate":"川A1"},
    {"id":"c","plate_color":"plaid"},
    {"id":"d","speed_kmh":"fast"},
    {"id":"e","lane":"x"},
    {"id":"f","image_refs":"http://x"},
    {"id":"g","image_refs":["http://x", 5]},
    {"id":"h","has_plate":"perhaps"}
  ])",
                                     Opts(), &out)
                  .ok());
  ASSERT_EQ(out.size(), 8u);
  const std::pair<const char*, const char*> expected[] = {
      {"invalid_field", "pass_time"},
      {"invalid_plate", "plate"},
      {"invalid_plate_color", "plate_color"},
      {"invalid_speed", "speed_kmh"},
      {"invalid_field", "lane"},
      {"invalid_field", "image_refs"},
      {"invalid_field", "image_refs"},
      {"invalid_field", "has_plate"},
  };
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_FALSE(out[i].ok) << i;
    EXPECT_EQ(out[i].rejection.code, expected[i].first) << i << ": " << out[i].rejection.message;
    EXPECT_EQ(out[i].rejection.field, expected[i].second) << i;
    EXPECT_EQ(out[i].record_id, std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_THAT(out[0].rejection.message, HasSubstr("RFC 3339"));  // no zone offset
}

TEST_F(OwnJsonTest, NdjsonWithABrokenLineGoesOn) {
  std::vector<ParsedItem> out;
  Status s = parser_.ParsePassagesJson(
      "\xEF\xBB\xBF"
      "{\"id\":\"n-1\",\"checkpoint_id\":\"cp-1\",\"pass_time\":\"2026-11-29T08:30:00+08:00\"}\r\n"
      "\n"
      "{\"id\":\"n-2\",\"checkpoint_id\":\"cp-1\",\"pass_time\":\"2026-11-29T08:3\n"
      "   \n"
      "{\"id\":\"n-3\",\"plate\":\"川A12345\"}\n"
      "[1,2]\n"
      "{\"id\":\"n-4\"} {\"id\":\"n-5\"}\n"
      "{\"id\":\"n-6\",\"speed_kmh\":12",
      Opts(), &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 6u);
  EXPECT_TRUE(out[0].ok);
  EXPECT_EQ(out[0].record.id, "n-1");
  EXPECT_EQ(
      out[0].raw,
      "{\"id\":\"n-1\",\"checkpoint_id\":\"cp-1\",\"pass_time\":\"2026-11-29T08:30:00+08:00\"}");

  EXPECT_FALSE(out[1].ok);
  EXPECT_EQ(out[1].rejection.code, "invalid_json");
  EXPECT_THAT(out[1].rejection.message, HasSubstr("line 3"));
  EXPECT_EQ(out[1].raw,
            "{\"id\":\"n-2\",\"checkpoint_id\":\"cp-1\",\"pass_time\":\"2026-11-29T08:3");
  EXPECT_EQ(out[1].record, PassageRecord());

  EXPECT_TRUE(out[2].ok);
  EXPECT_EQ(out[2].record.plate, "川A12345");

  EXPECT_FALSE(out[3].ok);  // valid JSON, but not an object
  EXPECT_EQ(out[3].rejection.code, "invalid_json");
  EXPECT_THAT(out[3].rejection.message, HasSubstr("line 6"));

  EXPECT_FALSE(out[4].ok);  // two objects on one line
  EXPECT_EQ(out[4].rejection.code, "invalid_json");

  EXPECT_FALSE(out[5].ok);  // the last line is cut short
  EXPECT_EQ(out[5].rejection.code, "invalid_json");
  EXPECT_EQ(out[5].raw, "{\"id\":\"n-6\",\"speed_kmh\":12");
}

TEST_F(OwnJsonTest, TruncatedBodiesFailCleanly) {
  std::string ndjson;
  for (int i = 0; i < 3; ++i) {
    PassageRecord r;
    r.id = "t" + std::to_string(i);
    r.checkpoint_id = "cp";
    r.pass_time = Rfc("2026-11-29T08:30:00+08:00");
    r.plate = "川A12345";
    r.image_refs = {"http://x/1.jpg"};
    ndjson += PassageToJson(r) + "\n";
  }
  const std::string array = "[" + ndjson.substr(0, ndjson.size() - 1) + "]";
  for (const std::string& body : {ndjson, array}) {
    for (size_t n = 0; n <= body.size(); ++n) {
      std::vector<ParsedItem> out;
      Status s = parser_.ParsePassagesJson(std::string_view(body).substr(0, n), Opts(), &out);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
        EXPECT_TRUE(out.empty());
        continue;
      }
      for (const ParsedItem& item : out) {
        EXPECT_FALSE(item.raw.empty());
        if (item.ok) {
          EXPECT_EQ(item.record.plate, "川A12345");
        }
      }
    }
  }
}

TEST_F(OwnJsonTest, EveryLineIsCheckedAsStrictJson) {
  // Each line after a good one; a broken line must become "invalid_json", a valid one parse.
  const char* const invalid[] = {
      R"({"id":"a",})",
      R"({"id":"a" "x":1})",
      R"({"id":"a"]})",
      R"({"id":"a","v":[1,2}})",
      R"({"id":"a","v":[1 2]})",
      R"({"id":"a","v":[1,]})",
      R"({"id":"a","v":[1:2]})",
      R"({"id":"a","v":tru})",
      R"({"id":"a","v":nul})",
      R"({"id":"a","v":01})",
      R"({"id":"a","v":1.})",
      R"({"id":"a","v":-})",
      R"({"id":"a","v":1e})",
      R"({"id":"a","v":.5})",
      R"({"id":"a","v":+1})",
      R"({"id":"a","v":"\x41"})",
      R"({"id":"a","v":"\u12G4"})",
      R"({"id":"a","v":'x'})",
      R"({"id":"a","v":{"b":1})",
      R"({"id":"a",:1})",
      R"({"id":"a","v":NaN})",
      R"({id:"a"})",
      R"({"id":"a"}})",
      R"({"id":"a","v":[[[]]})",
  };
  const char* const valid[] = {
      R"({"id":"a","v":[1,-2.5e+3,0,0.25,1E9,true,false,null,{},[],""]})",
      R"({"id":"a","v":"\"\\\/\b\f\n\r\t\u00e9"})",
      R"( { "id" : "a" , "v" : [ { "w" : [ ] } ] } )",
      R"({"id":"a","v":123456789012345678901234567890})",
  };
  for (const char* line : invalid) {
    std::vector<ParsedItem> out;
    const std::string body = std::string(R"({"id":"ok"})") + "\n" + line + "\n";
    ASSERT_TRUE(parser_.ParsePassagesJson(body, Opts(), &out).ok()) << line;
    ASSERT_EQ(out.size(), 2u) << line;
    EXPECT_TRUE(out[0].ok);
    EXPECT_FALSE(out[1].ok) << line;
    EXPECT_EQ(out[1].rejection.code, "invalid_json") << line;
    EXPECT_EQ(out[1].raw, line);
  }
  for (const char* line : valid) {
    std::vector<ParsedItem> out;
    ASSERT_TRUE(parser_.ParsePassagesJson(line, Opts(), &out).ok()) << line;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].ok) << line << ": " << out[0].rejection.message;
    EXPECT_EQ(out[0].record.id, "a");
  }
}

TEST_F(OwnJsonTest, BodyErrors) {
  struct Case {
    const char* body;
    const char* in_message;
  };
  const Case cases[] = {
      {"", "empty body"},
      {" \n ", "empty body"},
      {"hello", "neither a JSON array nor NDJSON"},
      {"{\"id\":1\n{oops", "neither a JSON array nor NDJSON"},
      {"[{\"id\":\"a\"},", "not valid JSON"},
      {"[{\"id\":\"a\"}] x", "not valid JSON"},
      {"[{\"id\":\"a\"}, {\"id\":\"b}]", "not valid JSON"},
  };
  for (const Case& c : cases) {
    std::vector<ParsedItem> out;
    Status s = parser_.ParsePassagesJson(c.body, Opts(), &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_THAT(s.message(), HasSubstr(c.in_message)) << c.body;
    EXPECT_TRUE(out.empty()) << c.body;
  }
}

TEST_F(OwnJsonTest, EmptyArrayGivesNoItems) {
  std::vector<ParsedItem> out;
  EXPECT_TRUE(parser_.ParsePassagesJson(" [ ] ", Opts(), &out).ok());
  EXPECT_TRUE(out.empty());
}

PassageRecord FullRecord() {
  PassageRecord r;
  r.id = "5117020000121000000102202611290829590000\"quoted\"\\";
  r.device_id = "51170200001190000001";
  r.checkpoint_id = "51170200001210000001";
  r.pass_time = Rfc("2026-11-29T00:29:59.123456Z");
  r.lane = 3;
  r.plate_status = PlateStatus::kValid;
  r.plate = "川S8A2B6";
  r.plate_color = 5;
  r.plate_class = "02";
  r.speed_kmh = 63.123456789;
  r.vehicle_class = "K33";
  r.vehicle_color = "A";
  r.direction = "1";
  r.image_refs = {"http://10.0.3.7:6120/pic?=d5=i8b*2e4", "IMG\t2"};
  r.received = kReceived;
  return r;
}

TEST_F(OwnJsonTest, RoundTrip) {
  PassageRecord minimal;
  minimal.id = "m";
  minimal.checkpoint_id = "cp";
  minimal.pass_time = Rfc("2026-11-29T08:30:00+08:00");
  minimal.plate_status = PlateStatus::kUnreadable;
  minimal.received = kReceived;

  PassageRecord absent = FullRecord();
  absent.plate_status = PlateStatus::kAbsent;
  absent.plate = "";
  PassageRecord partial = FullRecord();
  partial.plate_status = PlateStatus::kPartial;
  partial.plate = "川S8?2B6";
  PassageRecord armed = FullRecord();
  armed.plate = "WJ川12345";
  armed.speed_kmh = 0;
  armed.lane = 0;
  for (const PassageRecord& r : {FullRecord(), minimal, absent, partial, armed}) {
    for (int offset : {8 * 3600, 0, -5 * 3600}) {
      const std::string json = PassageToJson(r, offset);
      std::vector<ParsedItem> out;
      ASSERT_TRUE(parser_.ParsePassagesJson(json, Opts(), &out).ok()) << json;
      ASSERT_EQ(out.size(), 1u);
      EXPECT_TRUE(out[0].ok) << json << ": " << out[0].rejection.message;
      EXPECT_EQ(out[0].record, r) << json;
      EXPECT_EQ(out[0].raw, json);
    }
  }
}

TEST_F(OwnJsonTest, ToJsonWritesTheDocumentedFields) {
  const std::string json = PassageToJson(FullRecord());
  EXPECT_THAT(json, HasSubstr(R"("pass_time":"2026-11-29T08:29:59.123456+08:00")"));
  EXPECT_THAT(json, HasSubstr(R"("plate":"川S8A2B6")"));
  EXPECT_THAT(json, HasSubstr(R"("plate_status":"valid")"));
  EXPECT_THAT(json, HasSubstr(R"("plate_color":5)"));
  EXPECT_THAT(json, HasSubstr(R"("speed_kmh":63.123456789)"));
  EXPECT_THAT(json, HasSubstr(R"("image_refs":["http://10.0.3.7:6120/pic?=d5=i8b*2e4","IMG\t2"])"));
}

TEST_F(OwnJsonTest, ManyRoundTripsThroughNdjson) {
  std::string body;
  std::vector<PassageRecord> records;
  for (int i = 0; i < 50; ++i) {
    PassageRecord r = FullRecord();
    r.id = std::string("r").append(std::to_string(i));  // "r" + ... trips GCC 12 -Wrestrict
    r.lane = i % 8;
    r.speed_kmh = i * 1.5;
    records.push_back(r);
    body += PassageToJson(r) + "\n";
  }
  std::vector<ParsedItem> out;
  ASSERT_TRUE(parser_.ParsePassagesJson(body, Opts(), &out).ok());
  ASSERT_EQ(out.size(), records.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].record, records[i]);
}

// ---------------------------------------------------------------------------------------------
// The reader itself: bounds, strings, member names, numbers

// The text in a heap block of exactly its size, so that a sanitizer sees any read past it.
class ExactCopy {
 public:
  explicit ExactCopy(std::string_view text)
      : size_(text.size()), data_(std::make_unique<char[]>(text.size())) {
    std::copy(text.begin(), text.end(), data_.get());
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

TEST(ParserReading, NeverReadsPastTheEnd) {
  // Every prefix of bodies with long strings, escapes, non-ASCII text and numbers at the end,
  // each in a block of its own size (ASan builds report a read past it).
  std::string picture(200, 'A');
  const std::string gat = std::string(R"({"MotorVehicleListObject":{"MotorVehicleObject":[)") +
                          R"({"MotorVehicleID":"M1","PlateNo":"川A12345","Speed":63.5,)" +
                          R"("Note":"a\"b\\c\u00e9\ud83d\ude00","Data":")" + picture +
                          R"(","LaneNo":2,"HasPlate":true,"X":null,"Y":[1,-2.5e+3,false]}]}})";
  const std::string own = R"([{"id":"a","plate":"川A12345","speed_kmh":12.25,"lane":3}])";
  const std::string ndjson = "{\"id\":\"a\",\"v\":\"" + picture + "\"}\n{\"id\":\"b\",\"n\":12";
  Parser parser;
  for (const std::string& body : {gat, own, ndjson}) {
    for (size_t n = 0; n <= body.size(); ++n) {
      ExactCopy copy(std::string_view(body).substr(0, n));
      std::vector<ParsedItem> out;
      if (&body == &gat) {
        (void)parser.ParseGat1400MotorVehicles(copy.view(), Opts(), &out);
      } else {
        (void)parser.ParsePassagesJson(copy.view(), Opts(), &out);
      }
    }
  }
}

// Is `text` one JSON value, according to nlohmann::json (a reference for the grammar)? Two of
// its ways are not the grammar's: it refuses numbers beyond the range of a double (the grammar
// has no limit, and ids are sent as such numbers), and it takes a NUL byte for the end of the
// text (a NUL is valid nowhere in JSON).
bool ReferenceAccepts(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
    return !parsed.is_discarded();
  } catch (const nlohmann::json::out_of_range&) {
    return true;  // a number too large for a double
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

TEST(ParserReading, AgreesWithAReferenceOnWhatIsJson) {
  // Random byte changes to documents that use every part of the grammar; the parser must call
  // a body valid JSON exactly when the reference does. \u escapes are left out: the reference
  // also rejects lone UTF-16 surrogates, which this parser checks only in values it keeps.
  const std::string documents[] = {
      R"({"MotorVehicleObject":{"MotorVehicleID":"M1","PlateNo":"川A12345","Speed":"63.5",)"
      R"("LaneNo":2,"HasPlate":true,"V":null,"W":[1,-2.5e+3,0,0.25,1E9,{},[],""],)"
      R"("SubImageList":{"SubImageInfoObject":[{"ImageID":"I1","Data":"QUJD\/\n"}]}}})",
      R"({"MotorVehicleObject":[{"a":{"b":[[],{"c":"d\"e"}]},"f":-0.5e-7}, 12, "x", true]})",
  };
  const char alphabet[] = {'"', '{',  '}',    '[',    ']',    ',',    ':',    '\\',  'x',
                           '1', '0',  '-',    '.',    'e',    '+',    ' ',    't',   'n',
                           'f', '\0', '\x01', '\x7f', '\xe5', '\xb7', '\xc0', '\x80'};
  std::mt19937 rng(1400);
  Parser parser;
  int checked = 0;
  for (const std::string& doc : documents) {
    for (int round = 0; round < 4000; ++round) {
      std::string m = doc;
      const int changes = 1 + static_cast<int>(rng() % 3);
      for (int c = 0; c < changes; ++c) {
        const size_t at = rng() % (m.size() + 1);
        const char ch = alphabet[rng() % sizeof alphabet];
        switch (rng() % 3) {
          case 0:
            if (at < m.size()) m[at] = ch;
            break;
          case 1:
            m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), ch);
            break;
          default:
            if (at < m.size()) m.erase(at, 1);
            break;
        }
      }
      if (m.find("\\u") != std::string::npos) continue;
      std::vector<ParsedItem> out;
      Status s = parser.ParseGat1400MotorVehicles(m, Opts(), &out);
      const bool parser_says_json =
          s.ok() || s.message().find("not valid JSON") == std::string::npos;
      EXPECT_EQ(parser_says_json, ReferenceAccepts(m)) << testing::PrintToString(m) << "\n"
                                                       << s.ToString();
      ++checked;
    }
  }
  EXPECT_GT(checked, 6000);
}

TEST(ParserReading, StringsOfEveryLengthAroundTheBlockSizes) {
  // Ids of every length up to 140 bytes, plain, with an escape or with non-ASCII text at
  // various places, also as the last thing in the body: each must come back as written.
  Parser parser;
  for (size_t len = 1; len <= 140; ++len) {
    for (int variant = 0; variant < 4; ++variant) {
      std::string id(len, 'k');
      for (size_t i = 0; i < len; ++i) id[i] = static_cast<char>('a' + i % 26);
      std::string written = id;
      if (variant == 1) {  // an escaped quote at the end
        id.back() = '"';
        written = id.substr(0, len - 1) + "\\\"";
      } else if (variant == 2 && len >= 3) {  // 川 (3 bytes) at the end
        id = id.substr(0, len - 3) + "川";
        written = id;
      } else if (variant == 3) {  // an escaped tab in the middle
        id[len / 2] = '\t';
        written = id.substr(0, len / 2) + "\\t" + id.substr(len / 2 + 1);
      }
      const std::string body = "{\"id\":\"" + written + "\"}";
      std::vector<ParsedItem> out;
      ExactCopy copy(body);
      ASSERT_TRUE(parser.ParsePassagesJson(copy.view(), Opts(), &out).ok()) << body;
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].record.id, id) << body;
      EXPECT_EQ(out[0].raw, body);
    }
  }
}

TEST(ParserReading, MemberNamesAreReadRightWhenObjectsDiffer) {
  // Member names are remembered by position from one object to the next; objects that differ
  // in order, case, escapes and length must each parse as they would alone.
  const std::string objects[] = {
      R"({"MotorVehicleID":"A","PlateNo":"川A12345","StorageUrl1":"u1","Speed":"10"})",
      R"({"MotorVehicleID":"B","PlateNo":"川A12346","StorageUrl2":"u2","Speed":"20"})",
      R"({"PlateNo":"川A12347","MotorVehicleID":"C","Speed":"30","StorageUrl1":"u3"})",
      R"({"motorvehicleid":"D","plateno":"川A12348","STORAGEURL1":"u4","speed":"40"})",
      R"({"MotorVehicleID":"E","Plate\u004eo":"川A12349","StorageUrl1":"u5","Speed":"50"})",
      R"({"MotorVehicleID":"F","PlateNoX":"川A12340","StorageUrl":"u6","Spee":"60"})",
      R"({"MotorVehicleID":"G"})",
      R"({"MotorVehicleID":"H","PlateNo":"川A12341","StorageUrl1":"u7","Speed":"70","X":1})",
  };
  Parser alone_parser;
  std::vector<PassageRecord> alone;
  for (const std::string& o : objects) {
    std::vector<ParsedItem> out;
    ASSERT_TRUE(
        alone_parser.ParseGat1400MotorVehicles("{\"MotorVehicleObject\":" + o + "}", Opts(), &out)
            .ok());
    ASSERT_EQ(out.size(), 1u);
    alone.push_back(out[0].record);
  }
  EXPECT_EQ(alone[3].plate, "川A12348");  // names in another case
  EXPECT_EQ(alone[4].plate, "川A12349");  // an escaped name
  EXPECT_EQ(alone[5].plate, "");          // names that only look alike
  EXPECT_EQ(alone[5].speed_kmh, -1);
  // Every order of the objects, in one body, through one parser.
  std::vector<size_t> order(std::size(objects));
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 rng(7);
  Parser parser;
  for (int round = 0; round < 50; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    std::string body = R"({"MotorVehicleListObject":{"MotorVehicleObject":[)";
    for (size_t i = 0; i < order.size(); ++i) body += (i ? "," : "") + objects[order[i]];
    body += "]}}";
    std::vector<ParsedItem> out;
    ASSERT_TRUE(parser.ParseGat1400MotorVehicles(body, Opts(), &out).ok());
    ASSERT_EQ(out.size(), order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      EXPECT_EQ(out[i].record, alone[order[i]]) << objects[order[i]];
      EXPECT_EQ(out[i].raw, objects[order[i]]);
    }
  }
}

TEST(ParserReading, DecimalsAreExact) {
  // Speeds as numbers and as strings: the value is the double nearest to the decimal, as
  // std::from_chars reads it.
  std::mt19937_64 rng(63);
  Parser parser;
  for (int i = 0; i < 3000; ++i) {
    const uint64_t mantissa = rng() % 100000000000000000ull;  // up to 17 digits
    const int scale = static_cast<int>(rng() % 18);
    std::string digits = std::to_string(mantissa);
    if (scale > 0) {
      if (digits.size() <= static_cast<size_t>(scale)) {
        digits.insert(0, static_cast<size_t>(scale) - digits.size() + 1, '0');
      }
      digits.insert(digits.size() - static_cast<size_t>(scale), ".");
    }
    double expected;
    std::from_chars(digits.data(), digits.data() + digits.size(), expected);
    for (const std::string& value : {digits, "\"" + digits + "\"", "\"-" + digits + "\""}) {
      std::vector<ParsedItem> out;
      ASSERT_TRUE(
          parser.ParsePassagesJson("{\"id\":\"a\",\"speed_kmh\":" + value + "}", Opts(), &out)
              .ok());
      ASSERT_EQ(out.size(), 1u);
      if (value[1] == '-') {  // refused by the validator, not here
        EXPECT_EQ(out[0].record.speed_kmh, -expected) << value;
      } else {
        EXPECT_EQ(out[0].record.speed_kmh, expected) << value;
      }
    }
  }
}

}  // namespace
}  // namespace quanyu::events
