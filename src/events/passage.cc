#include "events/passage.h"

namespace quanyu::events {

std::string_view PlateStatusName(PlateStatus s) {
  switch (s) {
    case PlateStatus::kValid:
      return "valid";
    case PlateStatus::kPartial:
      return "partial";
    case PlateStatus::kUnreadable:
      return "unreadable";
    case PlateStatus::kAbsent:
      return "absent";
  }
  return "invalid";
}

std::string_view SourceName(Source s) {
  switch (s) {
    case Source::kGat1400:
      return "gat1400";
    case Source::kApi:
      return "api";
    case Source::kReplay:
      return "replay";
  }
  return "invalid";
}

}  // namespace quanyu::events
