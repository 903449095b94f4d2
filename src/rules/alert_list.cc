#include "rules/alert_list.h"

#include <array>
#include <charconv>
#include <cstdint>
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

// Reads a flat JSON object of strings, integers and booleans, the shape ToDocument writes,
// without building a DOM: loading a million entries at start-up is mostly this. Anything else
// (nesting, floats, a malformed body) makes it give up, and the caller falls back to the
// general parser, which also words the error.
class FlatObjectReader {
 public:
  explicit FlatObjectReader(std::string_view s) : s_(s) {}

  // Calls on_string(key, value), on_int(key, value) or on_bool(key, value) for each member;
  // each returns false to give up.
  template <typename S, typename I, typename B>
  bool Read(S&& on_string, I&& on_int, B&& on_bool) {
    if (!Lit('{')) return false;
    if (Lit('}')) return AtEnd();
    std::string key, str;
    while (true) {
      if (!String(&key) || !Lit(':')) return false;
      Ws();
      if (i_ >= s_.size()) return false;
      const char c = s_[i_];
      if (c == '"') {
        if (!String(&str) || !on_string(key, str)) return false;
      } else if (c == 't' || c == 'f') {
        const bool v = c == 't';
        const std::string_view word = v ? "true" : "false";
        if (s_.substr(i_, word.size()) != word) return false;
        i_ += word.size();
        if (!on_bool(key, v)) return false;
      } else {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), v);
        if (ec != std::errc()) return false;
        i_ = static_cast<size_t>(end - s_.data());
        if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) return false;
        if (!on_int(key, v)) return false;
      }
      if (Lit(',')) continue;
      return Lit('}') && AtEnd();
    }
  }

 private:
  void Ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) {
      ++i_;
    }
  }
  bool Lit(char c) {
    Ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    Ws();
    return i_ == s_.size();
  }
  bool Hex4(uint32_t* v) {
    if (i_ + 4 > s_.size()) return false;
    auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, *v, 16);
    if (ec != std::errc() || end != s_.data() + i_ + 4) return false;
    i_ += 4;
    return true;
  }
  bool String(std::string* out) {
    Ws();
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    out->clear();
    while (true) {
      const size_t q = s_.find_first_of("\"\\", i_);
      if (q == std::string_view::npos) return false;
      out->append(s_.substr(i_, q - i_));
      i_ = q + 1;
      if (s_[q] == '"') return true;
      if (i_ >= s_.size()) return false;
      const char c = s_[i_++];
      switch (c) {
        case '"':
        case '\\':
        case '/':
          out->push_back(c);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (s_.substr(i_, 2) != "\\u") return false;
            i_ += 2;
            if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
  }
  static void AppendUtf8(uint32_t c, std::string* out) {
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (c >> 12)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (c >> 18)));
      out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// The fast path of AlertEntryFromDocument: false if the body is not exactly a flat object with
// every required member of the right type.
bool ReadEntryBody(std::string_view body, AlertEntry* e) {
  enum : uint32_t {
    kList = 1,
    kPlate = 2,
    kKind = 4,
    kCategory = 8,
    kPriority = 16,
    kOwner = 32,
    kCase = 64,
    kAuthority = 128,
    kApprover = 256,
    kFrom = 512,
    kUntil = 1024,
    kNote = 2048,
    kCreatedBy = 4096,
    kCreated = 8192,
    kAll = 16383
  };
  uint32_t seen = 0;
  bool removed = false;
  uint32_t removed_parts = 0;
  auto on_string = [&](const std::string& k, std::string& v) {
    auto take = [&](std::string* field, uint32_t bit) {
      *field = std::move(v);
      seen |= bit;
      return true;
    };
    if (k == "list") return take(&e->list_id, kList);
    if (k == "plate") return take(&e->plate, kPlate);
    if (k == "kind") {
      auto kind = ParseEntryKind(v);
      if (!kind.ok()) return false;
      e->kind = *kind;
      seen |= kKind;
      return true;
    }
    if (k == "category") {
      auto c = ParseCategory(v);
      if (!c.ok()) return false;
      e->category = *c;
      seen |= kCategory;
      return true;
    }
    if (k == "owner_agency") return take(&e->owner_agency, kOwner);
    if (k == "case_no") return take(&e->legal_basis.case_no, kCase);
    if (k == "approving_authority") return take(&e->legal_basis.approving_authority, kAuthority);
    if (k == "approver") return take(&e->legal_basis.approver, kApprover);
    if (k == "note") return take(&e->note, kNote);
    if (k == "created_by") return take(&e->created_by, kCreatedBy);
    if (k == "removed_by") {
      e->removed_by = std::move(v);
      removed_parts |= 1;
      return true;
    }
    if (k == "removed_reason") {
      e->removed_reason = std::move(v);
      removed_parts |= 2;
      return true;
    }
    return false;
  };
  auto on_int = [&](const std::string& k, int64_t v) {
    if (k == "priority") {
      if (v < INT32_MIN || v > INT32_MAX) return false;
      e->priority = static_cast<int>(v);
      seen |= kPriority;
    } else if (k == "valid_from") {
      e->valid_from = v;
      seen |= kFrom;
    } else if (k == "valid_until") {
      e->valid_until = v;
      seen |= kUntil;
    } else if (k == "created") {
      e->created = v;
      seen |= kCreated;
    } else if (k == "removed") {
      e->removed = v;
      removed = true;
    } else {
      return false;
    }
    return true;
  };
  auto on_bool = [&](const std::string& k, bool v) {
    if (k != "expiry_audited") return false;
    e->expiry_audited = v;
    return true;
  };
  if (!FlatObjectReader(body).Read(on_string, on_int, on_bool)) return false;
  return seen == kAll && (!removed || removed_parts == 3);
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
  {
    AlertEntry e;
    if (ReadEntryBody(d.body, &e)) {
      e.id = d.id;
      return e;
    }
  }
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
