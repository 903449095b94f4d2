#include "rules/alert.h"

#include <array>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/time_format.h"

namespace quanyu::rules {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 3> kTypeNames = {"list_hit", "ring_touch", "ring_entry"};
constexpr std::array<std::string_view, 4> kStateNames = {"new", "acknowledged", "dispatched",
                                                         "closed"};

template <size_t N>
StatusOr<size_t> IndexOf(const std::array<std::string_view, N>& names, std::string_view s,
                         std::string_view field) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return i;
  }
  std::string allowed;
  for (size_t i = 0; i < N; ++i) allowed += (i ? ", " : "") + std::string(names[i]);
  return InvalidArgument(std::string(field),
                         "unknown value \"" + std::string(s) + "\" (one of " + allowed + ")");
}

const json* Member(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

StatusOr<std::string> Str(const json& j, const char* key, bool required = false) {
  const json* v = Member(j, key);
  if (v == nullptr) {
    if (required) return InvalidArgument(key, "is required");
    return std::string();
  }
  if (!v->is_string()) return InvalidArgument(key, "must be a string");
  return v->get<std::string>();
}

StatusOr<UnixMicros> Time(const json& j, const char* key) {
  ASSIGN_OR_RETURN(std::string s, Str(j, key));
  if (s.empty()) return UnixMicros{0};
  return ParseRfc3339(s, key);
}

StatusOr<int64_t> Int(const json& j, const char* key, int64_t def) {
  const json* v = Member(j, key);
  if (v == nullptr) return def;
  if (!v->is_number_integer()) return InvalidArgument(key, "must be a whole number");
  return v->get<int64_t>();
}

}  // namespace

std::string_view AlertTypeName(AlertType t) { return kTypeNames[static_cast<size_t>(t)]; }
StatusOr<AlertType> ParseAlertType(std::string_view s, std::string_view field) {
  ASSIGN_OR_RETURN(size_t i, IndexOf(kTypeNames, s, field));
  return static_cast<AlertType>(i);
}

std::string_view AlertStateName(AlertState s) { return kStateNames[static_cast<size_t>(s)]; }
StatusOr<AlertState> ParseAlertState(std::string_view s, std::string_view field) {
  ASSIGN_OR_RETURN(size_t i, IndexOf(kStateNames, s, field));
  return static_cast<AlertState>(i);
}

bool CanTransition(AlertState from, AlertState to) {
  return static_cast<int>(to) > static_cast<int>(from);
}

json AlertToJson(const Alert& a, int offset) {
  // One writer for the form: the document is read back from AppendAlertJson's text.
  std::string text;
  AppendAlertJson(a, offset, &text);
  return json::parse(text);
}

void AppendAlertJson(const Alert& a, int offset, std::string* out) {
  // Members in the order of nlohmann::json's objects (sorted by key), so that the text is the
  // same as AlertToJson's dump.
  auto key = [&](std::string_view k) {
    if (out->back() != '{') out->push_back(',');
    out->push_back('"');
    out->append(k);
    out->append("\":");
  };
  auto str = [&](std::string_view k, std::string_view v) {
    key(k);
    AppendJsonString(v, out);
  };
  auto num = [&](std::string_view k, int64_t v) {
    key(k);
    out->append(std::to_string(v));
  };
  auto time = [&](std::string_view k, UnixMicros v) {
    key(k);
    if (v == 0) {
      out->append("null");
    } else {
      AppendJsonString(FormatRfc3339(v, offset), out);
    }
  };
  out->push_back('{');
  str("case_no", a.case_no);
  str("category", CategoryName(a.category));
  str("checkpoint_id", a.checkpoint_id);
  str("checkpoint_name", a.checkpoint_name);
  num("count", a.count);
  time("created", a.created);
  str("division_code", a.division_code);
  str("entry_id", a.entry_id);
  time("first_seen", a.first_seen);
  key("history");
  out->push_back('[');
  for (size_t i = 0; i < a.history.size(); ++i) {
    const AlertStep& s = a.history[i];
    if (i > 0) out->push_back(',');
    out->push_back('{');
    str("actor", s.actor);
    str("agency", s.agency);
    if (!s.note.empty()) str("note", s.note);
    str("state", AlertStateName(s.state));
    time("time", s.time);
    out->push_back('}');
  }
  out->push_back(']');
  num("id", static_cast<int64_t>(a.id));
  time("last_seen", a.last_seen);
  key("lat");
  out->append(json(a.position.lat).dump());
  str("list_id", a.list_id);
  key("lng");
  out->append(json(a.position.lng).dump());
  str("owner_agency", a.owner_agency);
  key("partial_read");
  out->append(a.partial_read ? "true" : "false");
  time("pass_time", a.pass_time);
  str("plate", a.plate);
  num("priority", a.priority);
  str("record_id", a.record_id);
  if (!a.ring_id.empty()) {
    str("ring_id", a.ring_id);
    str("ring_name", a.ring_name);
  }
  str("rule_id", a.rule_id);
  str("state", AlertStateName(a.state));
  str("type", AlertTypeName(a.type));
  time("updated", a.updated);
  out->push_back('}');
}

StatusOr<Alert> AlertFromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("alert", "must be a JSON object");
  Alert a;
  ASSIGN_OR_RETURN(int64_t id, Int(j, "id", 0));
  if (id < 0) return InvalidArgument("id", "must not be negative");
  a.id = static_cast<uint64_t>(id);
  ASSIGN_OR_RETURN(std::string type, Str(j, "type", true));
  ASSIGN_OR_RETURN(a.type, ParseAlertType(type));
  ASSIGN_OR_RETURN(a.rule_id, Str(j, "rule_id"));
  ASSIGN_OR_RETURN(int64_t priority, Int(j, "priority", 2));
  if (priority < kHighestPriority || priority > kLowestPriority) {
    return InvalidArgument("priority", "must be 1 (highest) to 4 (lowest)");
  }
  a.priority = static_cast<int>(priority);
  ASSIGN_OR_RETURN(a.plate, Str(j, "plate"));
  if (const json* v = Member(j, "partial_read")) {
    if (!v->is_boolean()) return InvalidArgument("partial_read", "must be true or false");
    a.partial_read = v->get<bool>();
  }
  ASSIGN_OR_RETURN(a.record_id, Str(j, "record_id"));
  ASSIGN_OR_RETURN(a.checkpoint_id, Str(j, "checkpoint_id"));
  ASSIGN_OR_RETURN(a.checkpoint_name, Str(j, "checkpoint_name"));
  ASSIGN_OR_RETURN(a.division_code, Str(j, "division_code"));
  for (const char* k : {"lng", "lat"}) {
    const json* v = Member(j, k);
    if (v == nullptr) continue;
    if (!v->is_number()) return InvalidArgument(k, "must be a number");
    (k[1] == 'n' ? a.position.lng : a.position.lat) = v->get<double>();
  }
  ASSIGN_OR_RETURN(a.pass_time, Time(j, "pass_time"));
  ASSIGN_OR_RETURN(a.list_id, Str(j, "list_id"));
  ASSIGN_OR_RETURN(a.entry_id, Str(j, "entry_id"));
  ASSIGN_OR_RETURN(std::string category, Str(j, "category"));
  if (!category.empty()) {
    ASSIGN_OR_RETURN(a.category, ParseCategory(category));
  }
  ASSIGN_OR_RETURN(a.owner_agency, Str(j, "owner_agency"));
  ASSIGN_OR_RETURN(a.case_no, Str(j, "case_no"));
  ASSIGN_OR_RETURN(a.ring_id, Str(j, "ring_id"));
  ASSIGN_OR_RETURN(a.ring_name, Str(j, "ring_name"));
  ASSIGN_OR_RETURN(a.first_seen, Time(j, "first_seen"));
  ASSIGN_OR_RETURN(a.last_seen, Time(j, "last_seen"));
  ASSIGN_OR_RETURN(a.count, Int(j, "count", 1));
  ASSIGN_OR_RETURN(std::string state, Str(j, "state"));
  if (!state.empty()) {
    ASSIGN_OR_RETURN(a.state, ParseAlertState(state));
  }
  if (const json* h = Member(j, "history")) {
    if (!h->is_array()) return InvalidArgument("history", "must be an array");
    for (const json& s : *h) {
      AlertStep step;
      ASSIGN_OR_RETURN(std::string st, Str(s, "state", true));
      ASSIGN_OR_RETURN(step.state, ParseAlertState(st, "history.state"));
      ASSIGN_OR_RETURN(step.time, Time(s, "time"));
      ASSIGN_OR_RETURN(step.actor, Str(s, "actor"));
      ASSIGN_OR_RETURN(step.agency, Str(s, "agency"));
      ASSIGN_OR_RETURN(step.note, Str(s, "note"));
      a.history.push_back(std::move(step));
    }
  }
  ASSIGN_OR_RETURN(a.created, Time(j, "created"));
  ASSIGN_OR_RETURN(a.updated, Time(j, "updated"));
  return a;
}

}  // namespace quanyu::rules
