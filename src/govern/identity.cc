#include "govern/identity.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace quanyu::govern {
namespace {

using nlohmann::json;

StatusOr<json> Body(const store::Document& d) {
  json j = json::parse(d.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLoss(d.kind + " \"" + d.id + "\": stored document is not a JSON object");
  }
  return j;
}

std::string_view KindName(PrincipalKind k) {
  switch (k) {
    case PrincipalKind::kUser:
      return "user";
    case PrincipalKind::kDevice:
      return "device";
    case PrincipalKind::kSystem:
      return "system";
    case PrincipalKind::kAnonymous:
      break;
  }
  return "anonymous";
}

json ScopeJson(const Scope& s) {
  return {{"kind", std::string(ScopeKindName(s.kind))}, {"districts", s.districts}};
}

Scope ScopeFrom(const json& j) {
  Scope s;
  if (!j.is_object()) return s;
  auto kind = ParseScopeKind(j.value("kind", "all"));
  s.kind = kind.ok() ? *kind : ScopeKind::kAll;
  if (j.contains("districts") && j["districts"].is_array()) {
    for (const auto& d : j["districts"]) {
      if (d.is_string()) s.districts.push_back(d.get<std::string>());
    }
  }
  return s;
}

}  // namespace

std::string Principal::Actor() const {
  if (kind == PrincipalKind::kUser || kind == PrincipalKind::kDevice) {
    return std::string(KindName(kind)) + ":" + id;
  }
  return std::string(KindName(kind));
}

bool Principal::InDistrictScope(std::string_view division_code) const {
  if (scope.districts.empty()) return true;
  return std::find(scope.districts.begin(), scope.districts.end(), division_code) !=
         scope.districts.end();
}

Status ValidateName(std::string_view id, std::string_view field) {
  if (id.empty() || id.size() > 64) {
    return InvalidArgument(std::string(field), "must be 1 to 64 characters");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgument(std::string(field), "may hold only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::string_view ScopeKindName(ScopeKind k) { return k == ScopeKind::kAgency ? "agency" : "all"; }

StatusOr<ScopeKind> ParseScopeKind(std::string_view s) {
  if (s == "all") return ScopeKind::kAll;
  if (s == "agency") return ScopeKind::kAgency;
  return InvalidArgument("scope", "must be \"all\" or \"agency\", not \"" + std::string(s) + "\"");
}

store::Document ToDocument(const Agency& a, UnixMicros now) {
  json j = {{"name", a.name}, {"kind", a.kind}, {"parent", a.parent}, {"created", a.created}};
  return {kAgencyDoc, a.id, j.dump(), now};
}

store::Document ToDocument(const User& u, UnixMicros now) {
  json j = {{"display_name", u.display_name},
            {"agency", u.agency},
            {"role", u.role},
            {"scope", ScopeJson(u.scope)},
            {"disabled", u.disabled},
            {"password_hash", u.password_hash},
            {"failed_logins", u.failed_logins},
            {"locked_until", u.locked_until},
            {"created", u.created},
            {"password_changed", u.password_changed}};
  return {kUserDoc, u.id, j.dump(), now};
}

store::Document ToDocument(const Device& d, UnixMicros now) {
  json j = {{"name", d.name},
            {"agency", d.agency},
            {"allowed_ids", d.allowed_ids},
            {"secret_hash", d.secret_hash},
            {"digest_ha1", d.digest_ha1},
            {"revoked", d.revoked},
            {"created", d.created}};
  return {kDeviceDoc, d.id, j.dump(), now};
}

store::Document ToDocument(const Session& s, UnixMicros now) {
  json j = {{"kind", std::string(KindName(s.kind))},
            {"subject", s.subject},
            {"created", s.created},
            {"expires", s.expires},
            {"revoked", s.revoked},
            {"remote", s.remote}};
  return {kSessionDoc, s.id, j.dump(), now};
}

StatusOr<Agency> AgencyFromDocument(const store::Document& d) {
  ASSIGN_OR_RETURN(json j, Body(d));
  Agency a;
  a.id = d.id;
  a.name = j.value("name", "");
  a.kind = j.value("kind", "");
  a.parent = j.value("parent", "");
  a.created = j.value("created", int64_t{0});
  return a;
}

StatusOr<User> UserFromDocument(const store::Document& d) {
  ASSIGN_OR_RETURN(json j, Body(d));
  User u;
  u.id = d.id;
  u.display_name = j.value("display_name", "");
  u.agency = j.value("agency", "");
  u.role = j.value("role", "");
  u.scope = ScopeFrom(j.value("scope", json::object()));
  u.disabled = j.value("disabled", false);
  u.password_hash = j.value("password_hash", "");
  u.failed_logins = j.value("failed_logins", 0);
  u.locked_until = j.value("locked_until", int64_t{0});
  u.created = j.value("created", int64_t{0});
  u.password_changed = j.value("password_changed", int64_t{0});
  return u;
}

StatusOr<Device> DeviceFromDocument(const store::Document& d) {
  ASSIGN_OR_RETURN(json j, Body(d));
  Device v;
  v.id = d.id;
  v.name = j.value("name", "");
  v.agency = j.value("agency", "");
  if (j.contains("allowed_ids") && j["allowed_ids"].is_array()) {
    for (const auto& x : j["allowed_ids"]) {
      if (x.is_string()) v.allowed_ids.push_back(x.get<std::string>());
    }
  }
  v.secret_hash = j.value("secret_hash", "");
  v.digest_ha1 = j.value("digest_ha1", "");
  v.revoked = j.value("revoked", false);
  v.created = j.value("created", int64_t{0});
  return v;
}

StatusOr<Session> SessionFromDocument(const store::Document& d) {
  ASSIGN_OR_RETURN(json j, Body(d));
  Session s;
  s.id = d.id;
  std::string kind = j.value("kind", "user");
  s.kind = kind == "device" ? PrincipalKind::kDevice : PrincipalKind::kUser;
  s.subject = j.value("subject", "");
  s.created = j.value("created", int64_t{0});
  s.expires = j.value("expires", int64_t{0});
  s.revoked = j.value("revoked", false);
  s.remote = j.value("remote", "");
  return s;
}

}  // namespace quanyu::govern
