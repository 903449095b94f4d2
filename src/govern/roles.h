// Roles and permissions, kept as data: src/govern/roles.json, embedded at build time, is the
// permission matrix (which role may do what), the purpose codes a personal read must state,
// and the kinds of agencies. docs/security.md shows the same matrix (a test keeps them equal).
//
// A route of the API names one permission; a principal may call it when its role holds that
// permission. Permissions marked "personal" read personal data and need a stated purpose and
// a case or incident number in the request.
// Thread safety: immutable after construction.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace quanyu::govern {

struct PermissionInfo {
  std::string name;
  std::string description;
  bool personal = false;
};

struct RoleInfo {
  std::string name;
  std::string description;
  std::set<std::string> permissions;
};

class RoleTable {
 public:
  // The table built into this binary (roles.json).
  static const RoleTable& Builtin();
  // Parses a roles.json document; errors name the member at fault.
  static StatusOr<RoleTable> Parse(std::string_view json_text);

  bool HasRole(std::string_view role) const;
  bool HasPermission(std::string_view permission) const;
  bool IsPersonal(std::string_view permission) const;
  bool Allows(std::string_view role, std::string_view permission) const;
  bool HasPurpose(std::string_view purpose) const;
  bool HasAgencyKind(std::string_view kind) const;

  // In the order of the data file.
  const std::vector<PermissionInfo>& permissions() const { return permissions_; }
  const std::vector<RoleInfo>& roles() const { return roles_; }
  const std::vector<std::pair<std::string, std::string>>& purposes() const { return purposes_; }
  const std::vector<std::pair<std::string, std::string>>& agency_kinds() const {
    return agency_kinds_;
  }
  // "a, b, c": for error messages.
  std::string RoleNames() const;
  std::string PurposeNames() const;
  std::string AgencyKindNames() const;

  // The permission matrix as a Markdown table (permissions × roles, "✓" where allowed).
  std::string MatrixMarkdown() const;

 private:
  std::vector<PermissionInfo> permissions_;
  std::vector<RoleInfo> roles_;
  std::vector<std::pair<std::string, std::string>> purposes_;
  std::vector<std::pair<std::string, std::string>> agency_kinds_;
};

// The embedded roles.json text.
std::string_view BuiltinRolesJson();

}  // namespace quanyu::govern
