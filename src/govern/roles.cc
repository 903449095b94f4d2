#include "govern/roles.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace quanyu::govern {
namespace {

using nlohmann::ordered_json;

template <typename Named>
const Named* FindByName(const std::vector<Named>& v, std::string_view name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const Named& x) { return x.name == name; });
  return it == v.end() ? nullptr : &*it;
}

bool HasKey(const std::vector<std::pair<std::string, std::string>>& v, std::string_view key) {
  return std::any_of(v.begin(), v.end(), [&](const auto& p) { return p.first == key; });
}

std::string JoinKeys(const std::vector<std::pair<std::string, std::string>>& v) {
  std::string out;
  for (const auto& [k, _] : v) out += (out.empty() ? "" : ", ") + k;
  return out;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> StringMap(const ordered_json& j,
                                                                     const char* member) {
  if (!j.contains(member) || !j[member].is_object()) {
    return InvalidArgument(member, "must be an object of name: description");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : j[member].items()) {
    if (!v.is_string()) return InvalidArgument(std::string(member) + "." + k, "must be a string");
    out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

}  // namespace

const RoleTable& RoleTable::Builtin() {
  static const RoleTable* table = [] {
    StatusOr<RoleTable> t = Parse(BuiltinRolesJson());
    if (!t.ok()) {
      // The file is part of the build and checked by tests; a broken one is a build defect.
      std::fprintf(stderr, "built-in roles.json is invalid: %s\n", t.status().ToString().c_str());
      std::abort();
    }
    return new RoleTable(std::move(t).value());
  }();
  return *table;
}

StatusOr<RoleTable> RoleTable::Parse(std::string_view json_text) {
  ordered_json j = ordered_json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("roles.json", "not a JSON object");
  }
  RoleTable t;
  if (!j.contains("permissions") || !j["permissions"].is_object()) {
    return InvalidArgument("permissions", "must be an object");
  }
  for (const auto& [name, v] : j["permissions"].items()) {
    if (!v.is_object() || !v.contains("description") || !v["description"].is_string()) {
      return InvalidArgument("permissions." + name, "needs a description");
    }
    t.permissions_.push_back(
        PermissionInfo{name, v["description"].get<std::string>(), v.value("personal", false)});
  }
  if (!j.contains("roles") || !j["roles"].is_object()) {
    return InvalidArgument("roles", "must be an object");
  }
  for (const auto& [name, v] : j["roles"].items()) {
    RoleInfo r;
    r.name = name;
    r.description = v.value("description", "");
    if (!v.contains("permissions") || !v["permissions"].is_array()) {
      return InvalidArgument("roles." + name + ".permissions", "must be an array");
    }
    for (const auto& p : v["permissions"]) {
      if (!p.is_string() || !t.HasPermission(p.get<std::string>())) {
        return InvalidArgument("roles." + name + ".permissions",
                               "names an undefined permission " + p.dump());
      }
      r.permissions.insert(p.get<std::string>());
    }
    t.roles_.push_back(std::move(r));
  }
  ASSIGN_OR_RETURN(t.purposes_, StringMap(j, "purposes"));
  ASSIGN_OR_RETURN(t.agency_kinds_, StringMap(j, "agency_kinds"));
  return t;
}

bool RoleTable::HasRole(std::string_view role) const { return FindByName(roles_, role) != nullptr; }
bool RoleTable::HasPermission(std::string_view permission) const {
  return FindByName(permissions_, permission) != nullptr;
}
bool RoleTable::IsPersonal(std::string_view permission) const {
  const PermissionInfo* p = FindByName(permissions_, permission);
  return p != nullptr && p->personal;
}
bool RoleTable::Allows(std::string_view role, std::string_view permission) const {
  const RoleInfo* r = FindByName(roles_, role);
  return r != nullptr && r->permissions.count(std::string(permission)) > 0;
}
bool RoleTable::HasPurpose(std::string_view purpose) const { return HasKey(purposes_, purpose); }
bool RoleTable::HasAgencyKind(std::string_view kind) const { return HasKey(agency_kinds_, kind); }

std::string RoleTable::RoleNames() const {
  std::string out;
  for (const RoleInfo& r : roles_) out += (out.empty() ? "" : ", ") + r.name;
  return out;
}
std::string RoleTable::PurposeNames() const { return JoinKeys(purposes_); }
std::string RoleTable::AgencyKindNames() const { return JoinKeys(agency_kinds_); }

std::string RoleTable::MatrixMarkdown() const {
  std::string out = "| permission |";
  std::string rule = "|---|";
  for (const RoleInfo& r : roles_) {
    out += " " + r.name + " |";
    rule += ":-:|";
  }
  out += "\n" + rule + "\n";
  for (const PermissionInfo& p : permissions_) {
    out += "| `" + p.name + "`" + (p.personal ? " (personal)" : "") + " |";
    for (const RoleInfo& r : roles_) out += r.permissions.count(p.name) ? " ✓ |" : "  |";
    out += "\n";
  }
  return out;
}

}  // namespace quanyu::govern
