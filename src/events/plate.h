// Chinese motor-vehicle plate numbers (机动车号牌, GA 36) and plate colours.
//
// Accepted forms, after normalization (upper case; spaces, '·', '•', '-' and '.' removed):
//   - ordinary: province abbreviation + issuing-authority letter + 5 letters/digits
//     ("川A12345", "川AB123C"); letters I and O do not occur in the serial.
//   - new energy (新能源): province + letter + 6 characters, small cars with D/A/B/C/E
//     (electric) or F/G/H/J/K (hybrid) first ("川AD12345"), large vehicles with D/F last
//     ("川A12345D").
//   - suffix plates: province + letter + 4 letters/digits + one of 警 学 挂 领 港 澳 试 超
//     ("川A1234警", "粤Z1234港"); 应急 plates ("川A1234应急").
//   - armed police: "WJ" + optional province + 4-5 characters ("WJ川12345", "WJ12345").
//   Full-width letters and digits ("Ａ１") count as ASCII; the 31 province abbreviations are
//   京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼.
// A plate with unknown characters marked '?', '*' or '_' is kPartial and keeps what was read
// (all wildcards: kUnreadable). "无牌", "无车牌" (and "无牌车", "无号牌") are kAbsent, as is
// anything when the device says HasPlate = 0. Empty text, "未识别", "未知", "车牌", "-",
// "unknown", "null" and all-zero strings are kUnreadable. kAbsent and kUnreadable have an empty
// `normalized`. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/passage.h"

namespace quanyu::events {

struct PlateCheck {
  PlateStatus status = PlateStatus::kValid;
  std::string normalized;  // the plate as stored
  std::string error;       // non-empty: the text is not a plate number; why
};

// Classifies and normalizes `raw`. `has_plate` is the device's HasPlate flag if it sent one.
// error is set (and the record must be rejected) only for text that claims to be a full
// plate number but does not follow any format above.
PlateCheck CheckPlate(std::string_view raw, std::optional<bool> has_plate = std::nullopt);

// GA/T 1400 ColorType codes used for PlateColor:
//   1 黑 black, 2 白 white, 3 灰 grey, 4 红 red, 5 蓝 blue, 6 黄 yellow, 7 橙 orange,
//   8 棕 brown, 9 绿 green, 10 紫 purple, 11 青 cyan, 12 粉 pink, 13 透明 transparent,
//   99 其他 other. 0 means unknown / not sent.
bool IsPlateColorCode(int code);
// English name of a code ("blue"), "unknown" for 0.
std::string_view PlateColorName(int code);
// Parses a code ("5", 5) or a name in English or Chinese ("blue", "Grey"/"gray", "蓝", "蓝色");
// "0" and "unknown" give 0; nullopt for anything else, codes outside the table included.
std::optional<int> ParsePlateColor(std::string_view text);

}  // namespace quanyu::events
