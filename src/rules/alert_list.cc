#include "rules/alert_list.h"

#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "events/plate.h"

namespace quanyu::rules {
namespace {

using nlohmann::json;

constexpr std::array<CategoryInfo, 6> kCategories = {{
    {Category::kStolenVehicle, "stolen_vehicle", "被盗抢车辆"},
    {Category::kWantedInCase, "wanted_in_case", "涉案车辆"},
    {Category::kUnlicensedOperation, "unlicensed_operation", "非法营运"},
    {Category::kFakePlate, "fake_plate", "套牌/假牌"},
    {Category::kTrafficViolationEvasion, "traffic_violation_evasion", "逃避交通违法处理"},
    {Category::kCustom, "custom", "其他"},
}};

bool IsWildcard(std::string_view c) { return c == "?" || c == "_" || c == "*"; }

// Splits UTF-8 text (already checked by events::CheckPlate) into its characters.
std::vector<std::string> Characters(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : 4;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

// Whether some filling of the unknown characters makes a well-formed plate. The candidates
// cover every place a plate's grammar distinguishes: a province or the W of WJ first, an
// issuing-authority letter or the J of WJ second, then a digit, a new-energy letter (D) or a
// suffix (警).
bool Completable(std::vector<std::string>& chars, size_t from) {
  for (size_t i = from; i < chars.size(); ++i) {
    if (chars[i] != "?") continue;
    static const std::vector<std::string> kFirst = {"川", "W"}, kSecond = {"A", "J"},
                                          kOther = {"0", "D", "警"};
    const auto& candidates = i == 0 ? kFirst : i == 1 ? kSecond : kOther;
    for (const std::string& c : candidates) {
      chars[i] = c;
      if (Completable(chars, i + 1)) {
        chars[i] = "?";
        return true;
      }
    }
    chars[i] = "?";
    return false;
  }
  std::string plate;
  for (const auto& c : chars) plate += c;
  const events::PlateCheck check = events::CheckPlate(plate);
  return check.error.empty() && check.status == events::PlateStatus::kValid;
}

Status ValidatePattern(AlertEntry* e) {
  const events::PlateCheck check = events::CheckPlate(e->plate);
  if (check.status == events::PlateStatus::kValid && check.error.empty()) {
    return InvalidArgument("plate",
                           "a pattern needs at least one unknown character ('?', '_' or '*'); "
                           "use kind exact for a full plate");
  }
  if (check.status != events::PlateStatus::kPartial || !check.error.empty()) {
    return InvalidArgument("plate", check.error.empty()
                                        ? "not a plate pattern: it has no known character"
                                        : "not a plate pattern: " + check.error);
  }
  std::vector<std::string> chars = Characters(check.normalized);
  size_t known = 0;
  for (auto& c : chars) {
    if (IsWildcard(c)) {
      c = "?";
    } else {
      ++known;
    }
  }
  if (chars.size() < 6 || chars.size() > 8) {
    return InvalidArgument("plate", "a pattern has a plate's length, 6 to 8 characters; got " +
                                        std::to_string(chars.size()));
  }
  if (known < 4) {
    return InvalidArgument("plate", "a pattern needs at least 4 known characters, got " +
                                        std::to_string(known) + ": it would match too many plates");
  }
  if (!Completable(chars, 0)) {
    return InvalidArgument("plate", "no plate number fits the pattern's known characters");
  }
  e->plate.clear();
  for (const auto& c : chars) e->plate += c;
  return Status::Ok();
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// Appends v as a JSON string. v is UTF-8 (its bytes >= 0x80 are copied as they are).
void AppendJsonString(std::string_view v, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (b < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0xF]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

template <typename T>
StatusOr<T> Get(const json& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) return DataLoss(what + ": member \"" + key + "\" is missing");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return DataLoss(what + ": member \"" + key + "\" has the wrong type");
  }
}

}  // namespace

std::string_view EntryKindName(EntryKind k) { return k == EntryKind::kExact ? "exact" : "pattern"; }

StatusOr<EntryKind> ParseEntryKind(std::string_view text, std::string_view field) {
  if (text == "exact") return EntryKind::kExact;
  if (text == "pattern") return EntryKind::kPattern;
  return InvalidArgument(std::string(field),
                         "must be exact or pattern, got \"" + std::string(text) + "\"");
}

std::span<const CategoryInfo> Categories() { return kCategories; }

std::string_view CategoryName(Category c) {
  for (const auto& info : kCategories) {
    if (info.category == c) return info.name;
  }
  return "custom";
}

StatusOr<Category> ParseCategory(std::string_view text, std::string_view field) {
  for (const auto& info : kCategories) {
    if (info.name == text) return info.category;
  }
  std::string names;
  for (const auto& info : kCategories)
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  return InvalidArgument(std::string(field),
                         "unknown category \"" + std::string(text) + "\"; one of " + names);
}

Status ValidateEntry(AlertEntry* e, const EntryRules& rules) {
  if (e->plate.empty()) return InvalidArgument("plate", "required");
  if (e->kind == EntryKind::kExact) {
    const events::PlateCheck check = events::CheckPlate(e->plate);
    if (!check.error.empty()) return InvalidArgument("plate", check.error);
    if (check.status == events::PlateStatus::kPartial) {
      return InvalidArgument("plate",
                             "an exact entry needs a full plate number; use kind pattern for "
                             "unknown characters");
    }
    if (check.status != events::PlateStatus::kValid) {
      return InvalidArgument("plate", "not a plate number");
    }
    e->plate = check.normalized;
  } else if (e->kind == EntryKind::kPattern) {
    RETURN_IF_ERROR(ValidatePattern(e));
  } else {
    return InvalidArgument("kind", "must be exact or pattern");
  }
  if (static_cast<size_t>(e->category) >= kCategories.size()) {
    return InvalidArgument("category", "unknown category");
  }
  if (e->priority < kHighestPriority || e->priority > kLowestPriority) {
    return InvalidArgument("priority",
                           "must be 1 (highest) to 4 (lowest), got " + std::to_string(e->priority));
  }
  if (e->owner_agency.empty()) return InvalidArgument("owner_agency", "required");
  if (e->legal_basis.case_no.empty()) {
    return InvalidArgument("legal_basis.case_no",
                           "required: an entry needs the case number it serves");
  }
  if (e->legal_basis.approving_authority.empty()) {
    return InvalidArgument("legal_basis.approving_authority",
                           "required: an entry needs the authority that approved it");
  }
  if (e->legal_basis.approver.empty()) {
    return InvalidArgument("legal_basis.approver",
                           "required: an entry needs the person who approved it");
  }
  if (e->valid_from <= 0) return InvalidArgument("valid_from", "required");
  if (e->valid_until <= 0) {
    return InvalidArgument("valid_until", "required: an entry without expiry cannot be created");
  }
  if (e->valid_until <= e->valid_from) {
    return InvalidArgument("valid_until", "must be after valid_from");
  }
  if (e->valid_until - e->valid_from > rules.max_validity) {
    const UnixMicros span = e->valid_until - e->valid_from;
    return InvalidArgument(
        "valid_until", "the validity window of " + std::to_string(span / kMicrosPerDay) + " days " +
                           std::to_string(span % kMicrosPerDay / kMicrosPerHour) +
                           " hours exceeds the maximum of " +
                           std::to_string(rules.max_validity / kMicrosPerDay) + " days");
  }
  return Status::Ok();
}

Status ValidateList(const AlertList& l) {
  if (l.id.empty() || l.id.size() > 64) return InvalidArgument("id", "must be 1-64 characters");
  for (char c : l.id) {
    if (!IsIdChar(c)) return InvalidArgument("id", "only letters, digits, '.', '_' and '-'");
  }
  if (l.name.empty()) return InvalidArgument("name", "required");
  if (l.owner_agency.empty()) return InvalidArgument("owner_agency", "required");
  return Status::Ok();
}

bool ActiveAt(const AlertEntry& e, UnixMicros t) {
  if (e.removed != 0 && e.removed <= t) return false;
  return e.valid_from <= t && t < e.valid_until;
}

store::Document ToDocument(const AlertList& l, UnixMicros now) {
  json j = {{"name", l.name},
            {"owner_agency", l.owner_agency},
            {"description", l.description},
            {"created", l.created},
            {"created_by", l.created_by}};
  return store::Document{kAlertListDoc, l.id, j.dump(), now};
}

store::Document ToDocument(const AlertEntry& e, UnixMicros now) {
  // Written by hand rather than through a JSON DOM: a bulk import writes a million of these,
  // and building and freeing the DOM cost more than the store's insert.
  std::string j;
  j.reserve(320 + e.note.size());
  auto str = [&j](std::string_view key, std::string_view v) {
    j += j.empty() ? "{\"" : ",\"";
    j += key;
    j += "\":";
    AppendJsonString(v, &j);
  };
  auto num = [&j](std::string_view key, int64_t v) {
    j += ",\"";
    j += key;
    j += "\":";
    j += std::to_string(v);
  };
  str("list", e.list_id);
  str("plate", e.plate);
  str("kind", EntryKindName(e.kind));
  str("category", CategoryName(e.category));
  num("priority", e.priority);
  str("owner_agency", e.owner_agency);
  str("case_no", e.legal_basis.case_no);
  str("approving_authority", e.legal_basis.approving_authority);
  str("approver", e.legal_basis.approver);
  num("valid_from", e.valid_from);
  num("valid_until", e.valid_until);
  str("note", e.note);
  str("created_by", e.created_by);
  num("created", e.created);
  if (e.removed != 0) {
    num("removed", e.removed);
    str("removed_by", e.removed_by);
    str("removed_reason", e.removed_reason);
  }
  if (e.expiry_audited) j += ",\"expiry_audited\":true";
  j += '}';
  return store::Document{kAlertEntryDoc, e.id, std::move(j), now};
}

StatusOr<AlertList> AlertListFromDocument(const store::Document& d) {
  const std::string what = "alert list \"" + d.id + "\"";
  json j = json::parse(d.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DataLoss(what + ": not a JSON object");
  AlertList l;
  l.id = d.id;
  ASSIGN_OR_RETURN(l.name, Get<std::string>(j, "name", what));
  ASSIGN_OR_RETURN(l.owner_agency, Get<std::string>(j, "owner_agency", what));
  ASSIGN_OR_RETURN(l.description, Get<std::string>(j, "description", what));
  ASSIGN_OR_RETURN(l.created, Get<int64_t>(j, "created", what));
  ASSIGN_OR_RETURN(l.created_by, Get<std::string>(j, "created_by", what));
  return l;
}

StatusOr<AlertEntry> AlertEntryFromDocument(const store::Document& d) {
  const std::string what = "alert entry \"" + d.id + "\"";
  json j = json::parse(d.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return DataLoss(what + ": not a JSON object");
  AlertEntry e;
  e.id = d.id;
  ASSIGN_OR_RETURN(e.list_id, Get<std::string>(j, "list", what));
  ASSIGN_OR_RETURN(e.plate, Get<std::string>(j, "plate", what));
  ASSIGN_OR_RETURN(std::string kind, Get<std::string>(j, "kind", what));
  ASSIGN_OR_RETURN(std::string category, Get<std::string>(j, "category", what));
  auto k = ParseEntryKind(kind);
  auto c = ParseCategory(category);
  if (!k.ok() || !c.ok()) return DataLoss(what + ": unknown kind or category");
  e.kind = *k;
  e.category = *c;
  ASSIGN_OR_RETURN(e.priority, Get<int>(j, "priority", what));
  ASSIGN_OR_RETURN(e.owner_agency, Get<std::string>(j, "owner_agency", what));
  ASSIGN_OR_RETURN(e.legal_basis.case_no, Get<std::string>(j, "case_no", what));
  ASSIGN_OR_RETURN(e.legal_basis.approving_authority,
                   Get<std::string>(j, "approving_authority", what));
  ASSIGN_OR_RETURN(e.legal_basis.approver, Get<std::string>(j, "approver", what));
  ASSIGN_OR_RETURN(e.valid_from, Get<int64_t>(j, "valid_from", what));
  ASSIGN_OR_RETURN(e.valid_until, Get<int64_t>(j, "valid_until", what));
  ASSIGN_OR_RETURN(e.note, Get<std::string>(j, "note", what));
  ASSIGN_OR_RETURN(e.created_by, Get<std::string>(j, "created_by", what));
  ASSIGN_OR_RETURN(e.created, Get<int64_t>(j, "created", what));
  if (j.contains("removed")) {
    ASSIGN_OR_RETURN(e.removed, Get<int64_t>(j, "removed", what));
    ASSIGN_OR_RETURN(e.removed_by, Get<std::string>(j, "removed_by", what));
    ASSIGN_OR_RETURN(e.removed_reason, Get<std::string>(j, "removed_reason", what));
  }
  e.expiry_audited = j.value("expiry_audited", false);
  return e;
}

}  // namespace quanyu::rules
