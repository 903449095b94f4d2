// Alert lists (布控): lists of plates and plate patterns that the ingest pipeline watches for.
//
// Every entry carries its legal basis (case number, approving authority, approver) and a
// validity window of at most a configured maximum (default 90 days): an entry without either
// cannot be created, and an entry never matches outside its window. Entries are removed only
// softly (removed time, who, why), so that the transparency report can still count them.
//
// Wildcards: in a pattern, '?', '_' and '*' each stand for exactly one unknown character, as
// they do in partly read plates (events/plate.h), so that one reading holds across the
// platform. There is no wildcard for a run of characters: a pattern has a plate's length.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace quanyu::rules {

enum class EntryKind : uint8_t {
  kExact = 0,    // one full, well-formed plate number
  kPattern = 1,  // a plate with one or more unknown characters ('?', '_' or '*')
};
std::string_view EntryKindName(EntryKind k);  // "exact", "pattern"
StatusOr<EntryKind> ParseEntryKind(std::string_view text, std::string_view field = "kind");

// Why a vehicle is on a list. The categories are data (Categories()); their names are stable
// and appear in CSV files, store documents and alerts.
enum class Category : uint8_t {
  kStolenVehicle = 0,            // 被盗抢车辆
  kWantedInCase = 1,             // 涉案车辆
  kUnlicensedOperation = 2,      // 非法营运
  kFakePlate = 3,                // 套牌/假牌
  kTrafficViolationEvasion = 4,  // 逃避交通违法处理
  kCustom = 5,                   // other, described in the entry's note
};
struct CategoryInfo {
  Category category;
  std::string_view name;     // "stolen_vehicle"
  std::string_view chinese;  // "被盗抢车辆"
};
std::span<const CategoryInfo> Categories();
std::string_view CategoryName(Category c);
StatusOr<Category> ParseCategory(std::string_view text, std::string_view field = "category");

// Priorities run from 1 (highest: act at once) to 4 (lowest: note only).
inline constexpr int kHighestPriority = 1;
inline constexpr int kLowestPriority = 4;

// The default and the usual maximum length of an entry's validity window.
inline constexpr UnixMicros kDefaultMaxValidity = 90 * kMicrosPerDay;

struct AlertList {
  std::string id;  // 1-64 of [A-Za-z0-9._-]
  std::string name;
  std::string owner_agency;  // the agency answerable for the list
  std::string description;
  UnixMicros created = 0;
  std::string created_by;  // the actor who created it ("user:li.wei")

  bool operator==(const AlertList&) const = default;
};

// The legal basis of an entry: all three are mandatory.
struct LegalBasis {
  std::string case_no;              // 案件编号
  std::string approving_authority;  // 审批机关
  std::string approver;             // 审批人

  bool operator==(const LegalBasis&) const = default;
};

struct AlertEntry {
  std::string id;  // assigned when the entry is added
  std::string list_id;
  std::string plate;  // normalised plate number, or pattern with '?' for unknown characters
  EntryKind kind = EntryKind::kExact;
  Category category = Category::kWantedInCase;
  int priority = 2;  // 1 highest .. 4 lowest
  std::string owner_agency;
  LegalBasis legal_basis;
  UnixMicros valid_from = 0;   // matches when valid_from <= time < valid_until
  UnixMicros valid_until = 0;  // mandatory
  std::string note;
  std::string created_by;  // actor
  UnixMicros created = 0;
  // Soft removal: removed != 0 once removed; the entry no longer matches.
  UnixMicros removed = 0;
  std::string removed_by;
  std::string removed_reason;
  // Set once the entry's expiry has been written to the audit log.
  bool expiry_audited = false;

  bool operator==(const AlertEntry&) const = default;
};

struct EntryRules {
  // The longest allowed validity window. Default: 90 days.
  UnixMicros max_validity = kDefaultMaxValidity;
};

// Checks an entry before it is created and normalises its plate in place (upper case, no
// separators; every wildcard of a pattern becomes '?'). InvalidArgument naming the field:
// "plate", "kind", "priority", "owner_agency", "legal_basis.case_no",
// "legal_basis.approving_authority", "legal_basis.approver", "valid_from", "valid_until".
// An exact entry must be a well-formed plate (events::CheckPlate); a pattern must be a plate
// of 6 to 8 characters with at least one unknown and at least 4 known characters, and must
// become a well-formed plate for some filling of its unknowns.
Status ValidateEntry(AlertEntry* e, const EntryRules& rules = {});

// Checks a list before it is created: id (1-64 of [A-Za-z0-9._-]), name, owner_agency.
Status ValidateList(const AlertList& l);

// Whether the entry may match at `t`: not removed (before t) and valid_from <= t < valid_until.
bool ActiveAt(const AlertEntry& e, UnixMicros t);

// Store documents: kind "alert_list" keyed by list id, kind "alert_entry" keyed by entry id.
inline constexpr char kAlertListDoc[] = "alert_list";
inline constexpr char kAlertEntryDoc[] = "alert_entry";
store::Document ToDocument(const AlertList& l, UnixMicros now);
store::Document ToDocument(const AlertEntry& e, UnixMicros now);
StatusOr<AlertList> AlertListFromDocument(const store::Document& d);
StatusOr<AlertEntry> AlertEntryFromDocument(const store::Document& d);

}  // namespace quanyu::rules
